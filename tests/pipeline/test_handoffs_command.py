"""`reportal handoffs` shows the map with what is owed on each route, says what was given up and how to send it
again, and `--retry-failed` sends it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from reportal.pipeline import registry
from reportal.pipeline import services as pipeline
from reportal.pipeline.models import Handoff

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("handoffs", *args, stdout=out)
    return out.getvalue()


def test_the_map_and_what_is_owed(no_worker):
    assert "Nothing is owed between stages." in _run()
    [handoff_id] = pipeline.record("item.removed", 7, key="cmd")
    Handoff.objects.filter(pk=handoff_id).update(
        attempts=registry.MAX_ATTEMPTS, failed_at=timezone.now(), next_attempt_at=None, last_error="OSError: disk full"
    )
    out = _run()
    for route in registry.ROUTES:
        assert route.task in out
    assert "1 hand-offs undone; the oldest (item.removed -> lists.end_removed (cmd))" in out
    assert "the last error: OSError: disk full" in out and "reportal handoffs --retry-failed" in out

    no_worker.sent.clear()
    assert "1 given-up hand-offs were sent again." in _run("--retry-failed")
    assert no_worker.sent == [("lists.end_removed", handoff_id)]
    assert Handoff.objects.get(pk=handoff_id).failed_at is None
