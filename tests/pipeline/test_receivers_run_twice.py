"""Every hand-off of a confirmed item, run twice (a redelivered message) and run again after its work but before
it was marked done (a worker killed at that moment), leaves one case with its notices, one list entry, one set of
bank entries, one evidence copy and one e-mail per reporter."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reportal import crypto
from reportal.actions.models import Monitor, Notice
from reportal.celery import app
from reportal.hashes.models import BankContent
from reportal.hotline import media, mediacollect
from reportal.hotline.assessment import Decision, assess_item
from reportal.hotline.claims import claim_item
from reportal.hotline.models import Evidence, ReporterFeedback
from reportal.lists.models import ListEntry
from reportal.pipeline.models import Handoff
from tests.hotline.factories import report_item

from .conftest import drawn_png, gallery_html

pytestmark = pytest.mark.django_db


def _run_all_undone(item_id: int, capture) -> list[str]:
    """Run the real task of every undone hand-off of the item until none is left (runs add new ones)."""
    app.loader.import_default_modules()
    ran: list[str] = []
    for _round in range(5):
        undone = list(Handoff.objects.filter(subject_id=item_id, done_at__isnull=True).order_by("pk"))
        if not undone:
            break
        for handoff in undone:
            with capture(execute=True):
                app.tasks[handoff.task].apply(args=[handoff.pk])
            ran.append(handoff.task)
    return ran


def _snapshot(item, smtp) -> dict[str, object]:
    return {
        "notices": sorted(Notice.objects.filter(item=item).values_list("kind", "state")),
        "monitors": Monitor.objects.filter(item=item).count(),
        "list entries": list(ListEntry.objects.filter(item=item).values_list("address", "scope", "active")),
        "bank entries": BankContent.objects.filter(external_id=f"item:{item.pk}").count(),
        "evidence": Evidence.objects.filter(item=item).count(),
        "feedback": ReporterFeedback.objects.filter(item=item).count(),
        "mails": sorted(tuple(rcpts) for rcpts, _message in smtp.inbox.messages),
    }


def test_each_hand_off_run_twice_changes_nothing(
    fake_world, fake_smtp, no_worker, settings, django_capture_on_commit_callbacks
):
    settings.REPORTAL_EVIDENCE_STORAGE = True
    base = fake_world.host("twice.test")
    fake_world.website.set("/gallery/pic.png", drawn_png(5), headers={"Content-Type": "image/png"})
    fake_world.website.set("/gallery", gallery_html("/gallery"))
    item = report_item(f"{base}/gallery", email_encrypted=crypto.encrypt("reporter@example.test"))
    analyst = get_user_model().objects.create_user("twice-analyst")
    claim_item(item, analyst)
    # Only media the analyst graded enter the bank: the page's one image is collected and graded first.
    [medium] = mediacollect.collect_item_media(item)
    media.grade_media(item.pk, [medium], {"legal_assessment": "baseline"}, analyst)
    with django_capture_on_commit_callbacks(execute=True):
        assess_item(item, analyst, Decision("actionable", classification={"legal_assessment": "baseline"}))

    first = _run_all_undone(item.pk, django_capture_on_commit_callbacks)
    assert {"actions.act_on_confirmed", "lists.enter_confirmed", "hotline.bank_confirmed_images"} <= set(first)
    assert "hotline.send_outcome_feedback" in first  # the case was opened: the reporter hears of it
    once = _snapshot(item, fake_smtp)
    assert once["notices"] and once["monitors"] == 1
    assert [active for _a, _s, active in once["list entries"]] == [True]
    assert once["bank entries"] == 1 and once["evidence"] == 1 and once["feedback"] == 1
    assert ("reporter@example.test",) in once["mails"]

    # A second delivery of every message: each finds its hand-off done.
    for handoff in Handoff.objects.filter(subject_id=item.pk):
        with django_capture_on_commit_callbacks(execute=True):
            assert app.tasks[handoff.task].apply(args=[handoff.pk]).get() is False
    assert _snapshot(item, fake_smtp) == once

    # Killed after the work but before `done_at`: every receiver runs again, and changes nothing.
    Handoff.objects.filter(subject_id=item.pk).update(done_at=None)
    again = _run_all_undone(item.pk, django_capture_on_commit_callbacks)
    assert sorted(again) == sorted(first)
    assert _snapshot(item, fake_smtp) == once
    assert not Handoff.objects.filter(subject_id=item.pk, done_at__isnull=True).exists()
