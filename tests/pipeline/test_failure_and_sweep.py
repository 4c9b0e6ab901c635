"""A receiver that fails leaves its hand-off undone with its error and the time of the next attempt; the decision
stands and the other stages go on; the beat sweep sends it again once due; after too many failures it is given up,
shown in the backlog, and sent again on request. A message the broker never took is sent by the sweep too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from reportal.hotline.assessment import Decision, assess_item
from reportal.hotline.claims import claim_item
from reportal.lists.models import ListEntry
from reportal.pipeline import registry
from reportal.pipeline import services as pipeline
from reportal.pipeline.models import Handoff
from reportal.reports.models import ItemStatus
from tests.hotline.factories import report_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_tracing_or_fetching(monkeypatch):
    # These tests are about the outbox; the actions and hashing receivers have tests of their own.
    monkeypatch.setattr("reportal.actions.services.on_actionable", lambda item, actor=None: None)
    monkeypatch.setattr("reportal.hotline.preview.refetch_images", lambda item, strict=False: [])


def _confirm(url: str, django_capture_on_commit_callbacks):
    item = report_item(url)
    analyst = get_user_model().objects.create_user(f"analyst-{item.pk}")
    claim_item(item, analyst)
    with django_capture_on_commit_callbacks(execute=True):
        assess_item(item, analyst, Decision("actionable", classification={"legal_assessment": "baseline"}))
    return item


def _list_handoff(item) -> Handoff:
    return Handoff.objects.get(event="item.confirmed", subject_id=item.pk, task="lists.enter_confirmed")


def test_a_failing_receiver_is_recorded_and_the_sweep_sends_it_again(monkeypatch, django_capture_on_commit_callbacks):
    calls = {"n": 0}
    real_on_confirmed = __import__("reportal.lists.services", fromlist=["on_confirmed"]).on_confirmed

    def flaky(item, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("list store unavailable")
        return real_on_confirmed(item, **kwargs)

    monkeypatch.setattr("reportal.lists.services.on_confirmed", flaky)
    item = _confirm("https://fails.example/page", django_capture_on_commit_callbacks)

    item.refresh_from_db()
    assert item.status == ItemStatus.ACTIONABLE  # the decision stands
    handoff = _list_handoff(item)
    assert handoff.done_at is None and handoff.attempts == 1
    assert handoff.last_error == "RuntimeError: list store unavailable"
    assert handoff.next_attempt_at > timezone.now()
    assert not ListEntry.objects.filter(item=item).exists()
    others = Handoff.objects.filter(event="item.confirmed", subject_id=item.pk).exclude(pk=handoff.pk)
    # Every other route of the event ran and is done (the registry says how many there are).
    assert others.count() == len(registry.routes_for("item.confirmed")) - 1
    assert not others.filter(done_at__isnull=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.sweep() == 0  # not due yet: back-off
    Handoff.objects.filter(pk=handoff.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.sweep() == 1
    handoff.refresh_from_db()
    assert handoff.done_at is not None
    assert ListEntry.objects.filter(item=item, active=True).count() == 1


def test_after_too_many_failures_it_is_given_up_shown_and_sent_again_on_request(
    monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(
        "reportal.lists.services.on_confirmed", lambda item, **kw: (_ for _ in ()).throw(OSError("disk full"))
    )
    item = _confirm("https://keeps-failing.example/page", django_capture_on_commit_callbacks)
    handoff = _list_handoff(item)
    for _attempt in range(registry.MAX_ATTEMPTS - 1):
        Handoff.objects.filter(pk=handoff.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
        with django_capture_on_commit_callbacks(execute=True):
            pipeline.sweep()
    handoff.refresh_from_db()
    assert handoff.attempts == registry.MAX_ATTEMPTS
    assert handoff.failed_at is not None and handoff.next_attempt_at is None and handoff.done_at is None

    backlog = pipeline.backlog()
    assert backlog.failed == 1 and backlog.last_error == "OSError: disk full"
    assert backlog.by_task.get("lists.enter_confirmed") == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.sweep() == 0  # given up: no more automatic attempts

    monkeypatch.undo()
    monkeypatch.setattr("reportal.actions.services.on_actionable", lambda item, actor=None: None)
    assert pipeline.retry_failed() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.sweep() == 1
    handoff.refresh_from_db()
    assert handoff.done_at is not None and handoff.failed_at is None
    assert pipeline.backlog().failed == 0


def test_a_message_the_broker_refused_is_sent_by_the_sweep(no_worker, django_capture_on_commit_callbacks):
    no_worker.refuse = True
    item = _confirm("https://broker-down.example/page", django_capture_on_commit_callbacks)
    handoff = _list_handoff(item)
    assert handoff.done_at is None and handoff.attempts == 0  # recorded with the decision, never run

    no_worker.refuse = False
    assert pipeline.sweep() == 0  # within its grace period the first message may still arrive
    Handoff.objects.filter(pk=handoff.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert pipeline.sweep() >= 1
    assert ("lists.enter_confirmed", handoff.pk) in no_worker.sent


def test_a_run_holds_its_hand_off_so_a_second_delivery_meanwhile_does_nothing(django_capture_on_commit_callbacks):
    item = report_item("https://held.example/page")
    ran: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        [handoff_id, *_rest] = pipeline.record("item.removed", item.pk, key="held")

    def receive(work: pipeline.Work) -> None:
        ran.append(work.id)
        assert pipeline.run(work.id, receive) is False  # a second delivery while this run holds it

    Handoff.objects.filter(pk=handoff_id).update(done_at=None)
    assert pipeline.run(handoff_id, receive) is True
    assert ran == [handoff_id]
    assert pipeline.run(handoff_id, receive) is False  # done
