"""A confirmed item that the routing rules send to NCMEC is reported once through the 4-step ISPWS sequence to a
fake CyberTipline that checks basic auth, the order of steps and every XML document against our XSD; NCMEC's report
id is kept and shown on the item page; outages are retried without a second report or upload; refusals are clear."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from reportal.actions.models import Notice, RouteDecision
from reportal.ncmec import services
from reportal.ncmec.client import CyberTiplineError
from reportal.ncmec.models import CyberTiplineReport, Step
from reportal.pipeline import services as pipeline
from reportal.pipeline.models import Handoff
from tests.actions.conftest import synthetic_png
from tests.ncmec.conftest import US_HOST

pytestmark = pytest.mark.django_db


def _handoff(item) -> Handoff:
    return Handoff.objects.get(event="item.route_ncmec", subject_id=item.pk)


def _run_again(item, django_capture_on_commit_callbacks) -> None:
    """The beat's sweep finds the hand-off due and sends it again (as after a failed run's back-off)."""
    Handoff.objects.filter(pk=_handoff(item).pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.sweep()


def test_a_us_hosted_item_is_reported_once_in_four_steps_and_shown(
    cybertipline, actionable, staff_client, django_capture_on_commit_callbacks
):
    item = actionable("us.test", US_HOST)

    assert cybertipline.violations == []
    assert cybertipline.calls == ["submit", "upload", "fileinfo", "finish"]
    [report] = cybertipline.finished
    assert item.canonical_url in report.urls
    [uploaded] = report.files.values()
    assert hashlib.sha256(uploaded).digest() == hashlib.sha256(synthetic_png(1)).digest()  # the confirmed file

    kept = CyberTiplineReport.objects.get(item=item)
    assert (kept.step, kept.report_id, kept.environment) == (Step.FINISHED, report.report_id, "test")
    decision = RouteDecision.objects.get(item=item)
    assert (decision.action, decision.rule_name) == ("ncmec", "United States: NCMEC CyberTipline")
    assert not Notice.objects.filter(item=item).exists()  # NCMEC, not an e-mail to the host
    assert _handoff(item).done_at is not None

    client, _analyst = staff_client("analyst", username="page-reader")
    page = client.get(f"/workbench/items/{item.pk}/").content.decode()
    assert (
        f"Reported to NCMEC&#x27;s CyberTipline because hosted in US (rule {decision.rule_number}: "
        "United States: NCMEC CyberTipline)." in page
    )
    assert f"<code>{report.report_id}</code>" in page and "Finished: NCMEC has the report" in page

    # A second delivery of the same hand-off (a duplicate message) changes nothing at NCMEC.
    services.report_item(item.pk, _handoff(item).payload)
    assert cybertipline.calls == ["submit", "upload", "fileinfo", "finish"]


def test_an_outage_after_the_upload_is_retried_from_there_without_duplicates(
    cybertipline, actionable, django_capture_on_commit_callbacks
):
    cybertipline.outage_after = "upload"
    item = actionable("us.test", US_HOST)

    kept = CyberTiplineReport.objects.get(item=item)
    assert kept.step == Step.SUBMITTED and kept.report_id and "tried again later" in kept.last_error
    handoff = _handoff(item)
    assert handoff.done_at is None and handoff.attempts == 1  # the pipeline retries it with back-off
    assert cybertipline.finished == []

    cybertipline.outage = False
    _run_again(item, django_capture_on_commit_callbacks)

    assert cybertipline.calls == ["submit", "upload", "fileinfo", "finish"]  # no second submit, no second upload
    assert len(cybertipline.reports) == 1 and len(cybertipline.finished) == 1
    assert cybertipline.violations == []
    kept.refresh_from_db()
    assert kept.step == Step.FINISHED and kept.last_error == ""
    assert _handoff(item).done_at is not None


def test_a_finish_whose_answer_was_lost_is_not_sent_as_a_new_report(cybertipline, actionable):
    item = actionable("us.test", US_HOST)
    # As if the worker died after NCMEC finished the report but before we recorded it.
    CyberTiplineReport.objects.filter(item=item).update(step=Step.SUBMITTED, finished_at=None)

    services.report_item(item.pk, _handoff(item).payload)

    assert CyberTiplineReport.objects.get(item=item).step == Step.FINISHED
    assert cybertipline.calls == ["submit", "upload", "fileinfo", "finish", "finish"]  # answered 5102, understood
    assert len(cybertipline.reports) == 1


@pytest.mark.parametrize(
    ("step", "code", "message"),
    [
        ("submit", 4100, "did not pass their validation"),
        ("submit", 3100, "may not submit reports"),
        ("upload", 5001, "has no such report"),
        ("fileinfo", 4000, "found the request invalid"),
    ],
)
def test_refusals_are_recorded_with_a_clear_message_and_not_retried(
    cybertipline, actionable, step, code, message, staff_client
):
    cybertipline.fail[step] = code
    item = actionable("us.test", US_HOST)

    kept = CyberTiplineReport.objects.get(item=item)
    assert kept.step == Step.FAILED and kept.error_code == code and message in kept.last_error
    assert _handoff(item).done_at is not None  # a person has to look; the pipeline does not hammer NCMEC
    assert cybertipline.finished == []
    client, _analyst = staff_client("analyst", username="page-reader")
    page = client.get(f"/workbench/items/{item.pk}/").content.decode()
    assert "Refused by NCMEC; needs staff attention" in page and message in page


@pytest.mark.parametrize("code", [1000, 1100, 1111])
def test_server_side_errors_are_retried(cybertipline, actionable, django_capture_on_commit_callbacks, code):
    cybertipline.fail["submit"] = code
    item = actionable("us.test", US_HOST)
    assert CyberTiplineReport.objects.get(item=item).step == Step.PENDING
    assert _handoff(item).done_at is None

    _run_again(item, django_capture_on_commit_callbacks)

    assert CyberTiplineReport.objects.get(item=item).step == Step.FINISHED
    assert len(cybertipline.reports) == 1 and cybertipline.violations == []


def test_wrong_credentials_say_what_to_check(cybertipline, actionable, settings):
    settings.REPORTAL_CYBERTIPLINE_PASSWORD = "not the password"
    item = actionable("us.test", US_HOST)
    kept = CyberTiplineReport.objects.get(item=item)
    assert kept.step == Step.FAILED and "REPORTAL_CYBERTIPLINE_USERNAME" in kept.last_error
    assert cybertipline.calls == []  # the fake refused before doing anything


def test_the_client_maps_an_unreachable_service_to_a_retryable_error(settings, allow_loopback):
    settings.REPORTAL_CYBERTIPLINE_ENVIRONMENT = "test"
    settings.REPORTAL_CYBERTIPLINE_USERNAME, settings.REPORTAL_CYBERTIPLINE_PASSWORD = "u", "p"
    settings.REPORTAL_CYBERTIPLINE_TEST_URL = "http://127.0.0.1:9/ispws"  # nothing listens on the discard port
    with pytest.raises(CyberTiplineError) as caught:
        services.client().finish("1")
    assert caught.value.retryable and "could not be reached" in str(caught.value)


def test_the_ssrf_guard_applies_to_the_configured_host(settings):
    """A base URL that points into the hotline's own network is refused, permanently, before anything is sent."""
    settings.REPORTAL_FETCH_ALLOW = []
    settings.REPORTAL_CYBERTIPLINE_ENVIRONMENT = "production"
    settings.REPORTAL_CYBERTIPLINE_USERNAME, settings.REPORTAL_CYBERTIPLINE_PASSWORD = "u", "p"
    settings.REPORTAL_CYBERTIPLINE_PRODUCTION_URL = "http://10.1.2.3/ispws"
    with pytest.raises(CyberTiplineError) as caught:
        services.client().finish("1")
    assert not caught.value.retryable and "private or reserved address" in str(caught.value)
