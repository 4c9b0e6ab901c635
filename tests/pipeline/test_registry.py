"""The registry is the whole map: every route's task and sweep exist as Celery tasks, every sweep runs on beat,
every receiver is listed, and every event a stage records has a route."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from reportal.celery import app
from reportal.pipeline import registry
from reportal.pipeline import services as pipeline

SOURCE = Path(__file__).resolve().parents[2] / "reportal"


@pytest.fixture(scope="module", autouse=True)
def _all_tasks_imported():
    app.loader.import_default_modules()


def test_every_task_and_sweep_named_in_the_registry_is_a_registered_celery_task():
    named = {route.task for route in registry.ROUTES} | {route.sweep for route in registry.ROUTES}
    missing = sorted(named - set(app.tasks))
    assert missing == [], f"named in reportal/pipeline/registry.py but not a Celery task: {missing}"


def test_every_sweep_runs_on_beat():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {route.sweep for route in registry.ROUTES} <= scheduled


def test_every_receiver_task_is_in_the_registry_and_every_outbox_route_has_a_receiver():
    outbox_tasks = {route.task for route in registry.ROUTES if route.outbox == registry.OUTBOX}
    assert pipeline.RECEIVERS == outbox_tasks


def test_receivers_are_acks_late():
    for name in pipeline.RECEIVERS:
        assert app.tasks[name].acks_late, name


def test_every_event_recorded_in_the_code_has_a_route():
    recorded: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        recorded |= set(re.findall(r"pipeline\.record\(\s*\"([a-z_.]+)\"", path.read_text()))
    assert recorded, "no pipeline.record calls found: the scan is broken"
    events = {route.event for route in registry.ROUTES}
    assert recorded - events == set()
    # and every event in the map (but intake's own outbox) is recorded somewhere
    assert {route.event for route in registry.ROUTES if route.outbox == registry.OUTBOX} <= recorded


@pytest.mark.django_db
def test_an_event_nobody_receives_is_refused_loudly():
    with pytest.raises(ValueError, match="registry.py"):
        pipeline.record("item.teleported", 1, key="x")
