"""No report lost: with the broker down a report is still accepted, and its follow-up runs once the broker is back."""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import os
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from reportal.celery import app as celery_app
from reportal.reports import services
from reportal.reports.models import Report
from reportal.reports.tasks import flush_outbox, process_pending, process_report

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connections are refused at once
REDIS_TIMEOUTS = {"socket_timeout": 3.0, "socket_connect_timeout": 2.0}


@pytest.fixture(autouse=True)
def _fresh_coalescing():
    services._next_request_at = services._broker_down_until = 0.0
    yield
    services._next_request_at = services._broker_down_until = 0.0


@pytest.fixture
def silent_broker():
    """A loopback port that takes connections and never answers, as a hung Redis would."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)  # the kernel completes the handshakes; nobody ever reads or writes
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


@contextlib.contextmanager
def broker(url: str):
    """Point the Celery app at `url` for real publishing (not eager), then restore it."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.task_always_eager, conf.broker_transport_options)

    def reset_pools() -> None:
        # Drop only our references: kombu keeps pools per broker address, shared with the rest of the run.
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    saved_env = os.environ.get("CELERY_BROKER_URL")
    os.environ["CELERY_BROKER_URL"] = url  # Celery prefers this variable to conf.broker_url
    conf.broker_url, conf.task_always_eager = url, False
    # What settings.py gives a Redis broker (test_settings_bound_redis_waits); other transports refuse those keys.
    others = {k: v for k, v in (saved[2] or {}).items() if k not in REDIS_TIMEOUTS}
    conf.broker_transport_options = {**others, **REDIS_TIMEOUTS} if url.startswith("redis://") else others
    reset_pools()
    try:
        yield
    finally:
        reset_pools()
        conf.broker_url, conf.task_always_eager, conf.broker_transport_options = saved
        if saved_env is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = saved_env


def _post(client, url="https://outbox.example/"):
    body = {"portal": "gt", "urls": [url], "seen_on": "web"}
    return client.post("/api/v1/reports", data=json.dumps(body), content_type="application/json",
                       REMOTE_ADDR="203.0.113.40")


def _take_messages(url: str) -> list[tuple[str, list, str | None]]:
    """Every task message in the default queue of the broker at `url` (what workers would receive)."""
    taken = []
    with broker(url), celery_app.connection_for_read() as connection:
        queue = connection.SimpleQueue("celery")
        while queue.qsize():
            message = queue.get(timeout=10)
            message.ack()
            taken.append((message.headers["task"], message.decode()[0], message.headers.get("eta")))
        queue.close()
    return taken


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

    # The broker is back: the sweep asks for the follow-up, and a worker runs it.
    working = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with broker(working):
        assert flush_outbox() == 1
    assert Report.objects.get().followup_enqueued_at is not None
    assert [(task, args) for task, args, _eta in _take_messages(working)] == [("reports.process_pending", [])]
    assert process_pending() == 1
    assert Report.objects.get().followup_done_at is not None
    with broker(working):
        assert flush_outbox() == 0  # nothing waits any more
    assert process_pending() == 0 and process_report(report.pk) is False  # a redelivery does nothing


def test_a_new_report_waits_a_minute_before_the_sweep_takes_it(portal, client, django_capture_on_commit_callbacks):
    with broker(UNREACHABLE), django_capture_on_commit_callbacks(execute=True):
        assert _post(client).status_code == 201
    assert flush_outbox() == 0  # its own after-commit hand-over may still be on the way


def test_a_report_whose_message_was_lost_is_asked_for_again(portal, client, tmp_path) -> None:
    assert _post(client).status_code == 201  # captured on-commit callbacks do not run: nothing was sent
    Report.objects.update(created_at=timezone.now() - timedelta(hours=3))
    working = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with broker(working):
        assert flush_outbox() == 1
    assert [task for task, _args, _eta in _take_messages(working)] == ["reports.process_pending"]


def test_busy_intake_sends_one_message_per_window_that_takes_every_report(
    portal, client, tmp_path, settings, django_capture_on_commit_callbacks
) -> None:
    settings.REPORTAL_FOLLOWUP_COALESCE_SECONDS = 30
    working = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with broker(working), django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert _post(client, f"https://busy{n}.example/").status_code == 201
    messages = _take_messages(working)
    assert [task for task, _args, _eta in messages] == ["reports.process_pending"]
    assert messages[0][2] is not None  # runs when the window closes, after every report in it committed
    assert Report.objects.filter(followup_enqueued_at__isnull=False).count() == 3
    assert process_pending() == 3
    assert not Report.objects.filter(followup_done_at__isnull=True).exists()


def test_with_a_working_queue_the_follow_up_runs_right_after_the_commit(
    portal, client, django_capture_on_commit_callbacks
) -> None:
    """Tests run Celery eagerly (tests/conftest.py): the task runs in-process as a worker would run it."""
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client).status_code == 201
    report = Report.objects.get()
    assert report.followup_enqueued_at is not None and report.followup_done_at is not None


def test_a_hung_broker_times_out_and_later_reports_skip_it(
    portal, client, silent_broker, caplog, django_capture_on_commit_callbacks
) -> None:
    caplog.set_level(logging.WARNING)
    with broker(silent_broker), django_capture_on_commit_callbacks(execute=True):
        assert _post(client, "https://hung1.example/").status_code == 201  # after the socket timeout, not forever
        assert _post(client, "https://hung2.example/").status_code == 201  # skips the broker for a while
    attempts = [r for r in caplog.records if "could not be queued" in r.getMessage()]
    assert len(attempts) == 1 and "OperationalError" in attempts[0].getMessage()
    assert Report.objects.count() == 2
    assert not Report.objects.filter(followup_enqueued_at__isnull=False).exists()


def test_settings_bound_redis_waits() -> None:
    """With a Redis broker, settings.py gives publishing the socket timeouts that the tests above rely on."""
    code = "import reportal.settings as s; print(repr(s.CELERY_BROKER_TRANSPORT_OPTIONS))"
    env = {**os.environ, "CELERY_BROKER_URL": "redis://127.0.0.1:1/0"}
    env.pop("CELERY_BROKER_SOCKET_TIMEOUT", None)
    env.pop("CELERY_BROKER_CONNECTION_TIMEOUT", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    options = ast.literal_eval(out.strip().splitlines()[-1])
    assert {k: options[k] for k in REDIS_TIMEOUTS} == REDIS_TIMEOUTS
