"""No report lost: with the broker down a report is still accepted, and its follow-up runs once the broker is back."""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import timedelta

from django.utils import timezone

from reportal.celery import app as celery_app
from reportal.reports.models import Report
from reportal.reports.tasks import flush_outbox, process_report

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once


@contextlib.contextmanager
def broker(url: str):
    """Point the Celery app at `url` for real publishing (not eager), then restore it."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager)

    def reset_pools() -> None:
        # Drop only our references: kombu keeps pools per broker address, shared with the rest of the run.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    conf.broker_url, conf.task_always_eager = url, False
    reset_pools()
    try:
        yield
    finally:
        reset_pools()
        conf.broker_url, conf.task_always_eager = saved


def _post(client):
    body = {"portal": "gt", "urls": ["https://outbox.example/"], "seen_on": "web"}
    return client.post("/api/v1/reports", data=json.dumps(body), content_type="application/json",
                       REMOTE_ADDR="203.0.113.40")


def _take_message(url: str):
    """The next task message in the default queue of the broker at `url` (what a worker would receive)."""
    with broker(url), celery_app.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery")
        message = queue.get(timeout=10)
        message.ack()
        queue.close()
        return message.headers["task"], message.decode()[0]


def test_report_is_kept_when_the_broker_is_unreachable_and_followed_up_later(
    client, portal, tmp_path, caplog, django_capture_on_commit_callbacks
) -> None:
    caplog.set_level(logging.WARNING)
    with broker(UNREACHABLE), django_capture_on_commit_callbacks(execute=True):
        response = _post(client)
    assert response.status_code == 201
    report = Report.objects.get()
    assert report.followup_enqueued_at is None and report.followup_done_at is None
    warning = [r.getMessage() for r in caplog.records if "could not be queued" in r.getMessage()]
    assert warning and "203.0.113.40" not in warning[0]

    # While the broker is still down, the sweep leaves the report waiting.
    Report.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    with broker(UNREACHABLE):
        assert flush_outbox() == 0
    assert Report.objects.get().followup_enqueued_at is None

    # The broker is back: the sweep hands the report over, and a worker runs its follow-up.
    working = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with broker(working):
        assert flush_outbox() == 1
    assert Report.objects.get().followup_enqueued_at is not None
    task, args = _take_message(working)
    assert (task, args) == ("reports.process_report", [report.pk])
    assert process_report(*args) is True
    assert Report.objects.get().followup_done_at is not None
    with broker(working):
        assert flush_outbox() == 0  # nothing waits any more
    assert process_report(report.pk) is False  # a redelivery does nothing


def test_a_new_report_waits_a_minute_before_the_sweep_takes_it(portal, client, django_capture_on_commit_callbacks):
    with broker(UNREACHABLE), django_capture_on_commit_callbacks(execute=True):
        assert _post(client).status_code == 201
    assert flush_outbox() == 0  # its own after-commit hand-over may still be on the way


def test_a_handed_over_but_never_done_report_is_sent_again(portal, client, tmp_path) -> None:
    assert _post(client).status_code == 201  # captured on-commit callbacks do not run: nothing was sent
    Report.objects.update(created_at=timezone.now() - timedelta(hours=3),
                          followup_enqueued_at=timezone.now() - timedelta(hours=2))
    working = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with broker(working):
        assert flush_outbox() == 1
    assert _take_message(working)[0] == "reports.process_report"
    assert Report.objects.get().followup_enqueued_at > timezone.now() - timedelta(minutes=1)


def test_with_a_working_queue_the_follow_up_runs_right_after_the_commit(
    portal, client, django_capture_on_commit_callbacks
) -> None:
    """Tests run Celery eagerly (tests/conftest.py): the task runs in-process as a worker would run it."""
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client).status_code == 201
    report = Report.objects.get()
    assert report.followup_enqueued_at is not None and report.followup_done_at is not None
