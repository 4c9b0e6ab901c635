"""The analyst's save returns while the site being assessed hangs: the decision and its hand-offs are stored in
one commit, nothing is fetched in the request, and the page's images are fetched later by the hand-off's task
(recorded at intake); the bank hand-off banks what the analyst graded."""

from __future__ import annotations

import pytest
from django.utils import timezone

from reportal.celery import app
from reportal.hashes.models import BankContent
from reportal.hotline import media
from reportal.pipeline import services as pipeline
from reportal.pipeline.models import Handoff
from reportal.reports.models import ItemStatus
from reportal.reports.tasks import process_pending
from tests.fakes.items import make_item, make_portal

from .conftest import drawn_png, gallery_html, signed_in

pytestmark = pytest.mark.django_db

CONFIRMED_TASKS = {
    "actions.act_on_confirmed",
    "lists.enter_confirmed",
    "hotline.bank_confirmed_images",
    "hotline.store_confirmed_evidence",
    "crawler.seed_from_confirmed",
}


def test_save_returns_while_the_site_hangs_and_the_fetch_happens_in_the_task(
    fake_world, hanging_site, analyst, no_worker, settings, django_capture_on_commit_callbacks
):
    fake_world.dns.add("hangs.test", "A", "127.0.0.1")
    url = f"http://hangs.test:{hanging_site.port}/gallery"
    item = make_item(url, make_portal("sv", "SV", ["es", "en"]), via_intake=True)
    client = signed_in(analyst)
    assert client.post(f"/workbench/items/{item.pk}/claim/").status_code == 302

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/workbench/items/{item.pk}/assess/",
            {"outcome": "actionable", "list_scope": "url", "c_legal_assessment": "baseline"},
        )

    # The save answered, and the site was never contacted while it did.
    assert response.status_code == 302
    assert hanging_site.accepted == 0
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTIONABLE
    handoffs = {h.task: h for h in Handoff.objects.filter(event="item.confirmed", subject_id=item.pk)}
    assert set(handoffs) == CONFIRMED_TASKS
    assert all(h.done_at is None for h in handoffs.values())  # pending: owed, not yet done
    assert CONFIRMED_TASKS <= {task for task, _id in no_worker.sent}  # the broker took the messages

    # The worker's turn, with the real task that fetches the page's media (owed since intake): the site still
    # hangs, so the fetch times out there, not in a request.
    process_pending()  # intake's follow-up, as a worker runs it: it records the media hand-off
    collect = Handoff.objects.get(event="item.queued", subject_id=item.pk, task="hotline.collect_page_media")
    settings.REPORTAL_FETCH_TIMEOUT = 1.0
    app.loader.import_default_modules()
    app.tasks["hotline.collect_page_media"].apply(args=[collect.pk])
    assert hanging_site.accepted >= 1
    collect.refresh_from_db()
    assert collect.done_at is None and collect.attempts == 1
    assert "FetchError" in collect.last_error
    assert collect.next_attempt_at is not None and collect.next_attempt_at > timezone.now()

    # The site answers again; once the back-off has passed, the sweep sends the hand-off again and it is done.
    png = drawn_png(3)
    hanging_site.serve({"/gallery": ("text/html", gallery_html("/gallery")), "/gallery/pic.png": ("image/png", png)})
    Handoff.objects.filter(pk=collect.pk).update(next_attempt_at=timezone.now())
    no_worker.sent.clear()
    assert pipeline.sweep() >= 1
    assert ("hotline.collect_page_media", collect.pk) in no_worker.sent
    app.tasks["hotline.collect_page_media"].apply(args=[collect.pk])
    collect.refresh_from_db()
    assert collect.done_at is not None
    [medium] = media.media_of(item.pk)

    # The analyst grades the image; the bank hand-off (fetching it again in the worker) banks it with its grade.
    media.grade_media(item.pk, [medium.pk], {"legal_assessment": "baseline"}, analyst)
    bank = Handoff.objects.get(event="item.confirmed", subject_id=item.pk, task="hotline.bank_confirmed_images")
    app.tasks["hotline.bank_confirmed_images"].apply(args=[bank.pk])
    bank.refresh_from_db()
    assert bank.done_at is not None
    assert list(BankContent.objects.filter(external_id=f"item:{item.pk}").values_list("classification", flat=True)) == [
        "baseline"
    ]
