"""Export: a confirmed item hosted in another INHOPE country reaches ICCAM once, with its hosting, assessment and
site details in ICCAM's codes, whether the hand-off runs twice, ICCAM is offline for a while, or an answer is lost."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reportal.iccam import services
from reportal.iccam.client import IccamError
from reportal.iccam.models import Content, Export, ExportState, Mapping
from reportal.pipeline import services as pipeline
from reportal.pipeline.models import Handoff
from tests.iccam.conftest import decide

pytestmark = pytest.mark.django_db

FULL = {
    "legal_assessment": "baseline",
    "age_group": "prepubescent",
    "gender": ["female", "male"],
    "site_type": "image_host",
    "commercial": True,
}


def _hand_off(item, capture) -> Handoff:
    with capture(execute=True):
        pipeline.record("item.route_iccam", item.pk, key=item.pk)
    return Handoff.objects.get(event="item.route_iccam", key=str(item.pk))


def _run_again(handoff: Handoff) -> bool:
    return pipeline.celery_task("iccam.export_item")(handoff.pk)


def test_an_item_hosted_abroad_is_exported_once_with_its_hosting_and_codes(iccam, hosted):
    item = hosted("de-host.test", "127.0.0.3")
    decide(item, FULL)
    first = services.export_item(item.pk)
    second = services.export_item(item.pk)

    [report] = iccam.our_reports()
    assert iccam.refused == []  # every field and code passed ICCAM's checks
    assert first.sent_now and not second.sent_now and first.report_id == second.report_id
    assert report["hotlineReference"] == f"reportal-{item.pk}"
    assert (report["sourceUrlSiteType"], report["sourceUrlCommerciality"], report["sourceUrlPaymentMethods"]) == (
        20,
        2,
        [1],
    )
    [url] = report["urls"]
    assert url["urlString"] == item.canonical_url and url["isSourceUrl"] is True and url["contentType"] == 2
    assert (url["hostingCountryCode"], url["hostingIpAddress"], url["hostingIsp"]) == (
        "DE",
        "127.0.0.3",
        "Loopback Hosting DE",
    )
    assert url["hostingOrganization"]["autonomousSystemNumber"] == 64501
    assessment = url["assessment"]
    assert (assessment["classification"], assessment["ageCategorization"], assessment["genderCategorization"]) == (
        1,
        3,
        4,
    )
    [content] = Content.objects.filter(item=item)
    assert iccam.contents[content.content_id]["assignedCountryCode"] == "DE"
    assert services.state_of(item.pk).export_state == ExportState.SENT


def test_the_hand_off_run_twice_sends_one_report(iccam, hosted, django_capture_on_commit_callbacks):
    item = hosted("de-host.test", "127.0.0.3")
    decide(item)
    handoff = _hand_off(item, django_capture_on_commit_callbacks)
    assert pipeline.state("item.route_iccam", item.pk) == {"iccam.export_item": "done"}
    assert _run_again(handoff) is False  # done already: nothing runs
    Handoff.objects.filter(pk=handoff.pk).update(done_at=None)  # as if the worker died before marking it done
    assert _run_again(handoff) is True
    assert len(iccam.our_reports()) == 1


@pytest.mark.parametrize("outage", ["503", "refused", "answer lost"])
def test_an_outage_is_retried_without_a_duplicate(iccam, hosted, django_capture_on_commit_callbacks, outage):
    item = hosted("de-host.test", "127.0.0.3")
    decide(item)
    services.refresh_lookups()  # the lists are cached from an earlier run; the outage hits the report itself
    if outage == "503":
        iccam.offline = 503
    elif outage == "refused":
        iccam.stop_listening()
    else:
        iccam.drop_next_response = "/rest/reports"
    handoff = _hand_off(item, django_capture_on_commit_callbacks)
    handoff.refresh_from_db()
    assert handoff.done_at is None and handoff.attempts == 1 and handoff.next_attempt_at is not None
    assert "tried again" in handoff.last_error
    assert Export.objects.get(item=item).state == ExportState.PENDING
    assert len(iccam.our_reports()) == (1 if outage == "answer lost" else 0)

    iccam.offline = None
    if outage == "refused":
        iccam.listen_again()
    Handoff.objects.filter(pk=handoff.pk).update(next_attempt_at=timezone.now())
    assert pipeline.sweep() == 1  # the beat sweep sends it again
    handoff.refresh_from_db()
    assert handoff.done_at is not None
    assert len(iccam.our_reports()) == 1
    assert iccam.idempotent_replays == (1 if outage == "answer lost" else 0)


def test_our_own_country_and_countries_without_a_hotline_are_not_exported(iccam, hosted):
    for name, ip, country in (("sv-host.test", "127.0.0.1", "SV"), ("nz-host.test", "127.0.0.4", "NZ")):
        item = hosted(name, ip)
        decide(item)
        with pytest.raises(IccamError) as refused:
            services.export_item(item.pk)
        assert not refused.value.retryable and country in str(refused.value)
    assert iccam.our_reports() == [] and ("POST", "/rest/reports") not in iccam.requests
    assert services.exports_to("DE") and not services.exports_to("SV") and not services.exports_to("NZ")


def test_a_code_iccam_does_not_know_is_refused_before_sending(iccam, hosted):
    Mapping.objects.filter(kind="site-types", scheme="site_type", option="image_host").update(code="99")
    item = hosted("de-host.test", "127.0.0.3")
    decide(item, FULL)
    with pytest.raises(IccamError) as refused:
        services.export_item(item.pk)
    assert "99" in str(refused.value) and not refused.value.retryable
    assert Export.objects.get(item=item).state == ExportState.REFUSED
    assert ("POST", "/rest/reports") not in iccam.requests


def test_nothing_happens_until_configured(settings, hosted):
    settings.REPORTAL_ICCAM_URL = ""
    assert not services.enabled() and not services.exports_to("DE")
    item = hosted("de-host.test", "127.0.0.3")
    decide(item)
    with pytest.raises(IccamError, match="REPORTAL_ICCAM_URL"):
        services.export_item(item.pk)


def test_contents_not_linked_at_export_are_linked_by_the_next_sync(iccam, hosted):
    item = hosted("de-host.test", "127.0.0.3")
    decide(item)
    iccam.unavailable_paths = ("/rest/Reports/",)
    sent = services.export_item(item.pk)
    assert sent.sent_now and sent.content_ids == []  # the report is in; its content ids could not be read yet
    iccam.unavailable_paths = ()
    services.sync_actions()
    [content] = Content.objects.filter(item=item)
    assert content.report_id == sent.report_id and len(iccam.our_reports()) == 1
