"""Action sync both ways: what we did about imported content goes to ICCAM once (LEA, ISP, removed, unavailable,
moved, not illegal) under INHOPE's rules; what other hotlines did about content we exported comes back once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reportal.iccam import services
from reportal.iccam.client import IccamError
from reportal.iccam.models import Action, ActionType, Content
from reportal.reports.models import ReportedUrl
from tests.iccam.conftest import decide

pytestmark = pytest.mark.django_db


def _imported(iccam, url="http://imported.test/gallery", classification=2):
    content_id = iccam.add_foreign_content(url, assigned="SV", classification=classification)
    [item_id] = services.import_new().item_ids
    return content_id, ReportedUrl.objects.get(pk=item_id)


def _types(iccam, content_id) -> list[int]:
    return [a["actionType"] for a in iccam.contents[content_id]["actions"]]


def _took_action(item, *, removed: bool = True) -> None:
    """The actions stage told the host and the police, and later saw the page gone."""
    from reportal.actions.models import Notice, Removal

    now = timezone.now()
    for kind in ("host_notice", "police_referral"):
        Notice.objects.create(item=item, kind=kind, reference=f"SV-{item.pk}", state="sent", sent_at=now)
    if removed:
        Removal.objects.create(
            item=item, portal=item.portal, reported_at=item.first_reported_at, removed_at=now, seconds=60
        )


def test_our_takedown_reaches_iccam_once_in_order(iccam, our_portal):
    content_id, item = _imported(iccam)
    decide(item, {"legal_assessment": "national", "age_group": "pubescent"})
    _took_action(item)

    first = services.sync_actions()
    assert sorted(t for _c, t in first.sent) == [1, 2, 3]
    assert _types(iccam, content_id)[-1] == ActionType.CONTENT_REMOVED  # the final action last
    # ICCAM's latest assessment was national: ours may override it, and went first.
    assert iccam.contents[content_id]["assessments"][-1]["classification"] == 2
    assert iccam.contents[content_id]["assessments"][-1]["ageCategorization"] == 4
    assert first.assessments_sent == [content_id]

    again = services.sync_actions()
    assert again.sent == [] and again.assessments_sent == []
    assert sorted(_types(iccam, content_id)) == [1, 2, 3] and iccam.refused == []


def test_not_illegal_is_sent_with_its_reason_and_a_baseline_assessment_is_not_touched(iccam, our_portal):
    national_id, national_item = _imported(iccam, "http://national.test/page", classification=2)
    baseline_id, baseline_item = _imported(iccam, "http://baseline.test/page", classification=1)
    for item in (national_item, baseline_item):
        decide(item, {}, outcome="not_actionable", reason="not_illegal")

    services.sync_actions()

    [national_action] = iccam.contents[national_id]["actions"]
    assert national_action["actionType"] == ActionType.NOT_ILLEGAL and national_action["reasonText"]
    assert iccam.contents[national_id]["assessments"][-1]["classification"] == 4  # overridden: national only
    assert [a["classification"] for a in iccam.contents[baseline_id]["assessments"]] == [1]  # never re-assessed
    assert _types(iccam, baseline_id) == [ActionType.NOT_ILLEGAL]
    assert iccam.refused == []


def test_content_found_elsewhere_is_moved_to_that_country(iccam, our_portal, fake_world):
    from reportal.tracing.services import trace_item

    fake_world.host("moved.test", "127.0.0.3")  # now answers from DE
    content_id, item = _imported(iccam, f"http://moved.test:{fake_world.website.port}/page")
    trace_item(item)
    services.sync_actions()
    assert iccam.contents[content_id]["assignedCountryCode"] == "DE"
    assert iccam.contents[content_id]["url"]["hostingIpAddress"] == "127.0.0.3"
    assert Action.objects.get(content__content_id=content_id, ours=True).action_type == ActionType.MOVED
    assert services.sync_actions().sent == []  # DE's hotline actions it now


@pytest.mark.parametrize("outage", ["503", "answer lost"])
def test_an_outage_during_the_sync_sends_nothing_twice(iccam, our_portal, outage):
    content_id, item = _imported(iccam)
    decide(item)
    _took_action(item, removed=False)
    if outage == "503":
        iccam.offline = 503
        with pytest.raises(IccamError):
            services.sync_actions()
        iccam.offline = None
    else:
        iccam.drop_next_response = "/actions"
        with pytest.raises(IccamError):
            services.sync_actions()
    services.sync_actions()
    services.sync_actions()
    assert sorted(_types(iccam, content_id)) == [1, 2]
    assert iccam.refused == []  # never a second post of the same action
    assert Action.objects.filter(ours=True, sent_at__isnull=False).count() == 2


def test_other_hotlines_actions_on_our_exports_come_back_once(iccam, fake_world, our_portal, settings):
    from tests.fakes.items import make_item

    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True
    base = fake_world.host("de-host.test", "127.0.0.3")
    item = make_item(f"{base}/page", our_portal, via_intake=True)
    decide(item)
    services.export_item(item.pk)
    content = Content.objects.get(item=item)
    iccam.add_action(content.content_id, ActionType.ISP, analyst="DE analyst")

    assert services.sync_actions().received == [(content.content_id, ActionType.ISP)]
    iccam.add_action(content.content_id, ActionType.CONTENT_REMOVED, analyst="DE analyst")
    assert services.sync_actions().received == [(content.content_id, ActionType.CONTENT_REMOVED)]
    assert services.sync_actions().received == []
    state = services.state_of(item.pk)
    assert [(label, ours) for label, ours, _at in state.actions] == [
        ("Host (ISP) informed", False),
        ("Content removed", False),
    ]
    polls = iccam.requests.count(("GET", f"/rest/Content/{content.content_id}"))
    services.sync_actions()  # removed: no longer polled
    assert iccam.requests.count(("GET", f"/rest/Content/{content.content_id}")) == polls
