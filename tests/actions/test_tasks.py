"""The Celery side: tasks registered under the names beat uses, and beat entries for monitoring and retries."""

from __future__ import annotations

from django.conf import settings

from reportal.celery import app


def test_beat_runs_monitoring_and_notice_retries():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"actions.monitor_due", "actions.send_due_notices"} <= scheduled


def test_tasks_are_registered_under_those_names():
    app.loader.import_default_modules()
    assert {"actions.act_on_item", "actions.send_notice", "actions.send_due_notices", "actions.monitor_due"} <= set(
        app.tasks
    )
