"""The figures follow the pipeline's hand-offs: a report accepted at intake and a status change each record a
hand-off in their own transaction, its task brings the figures up to date, and running it again changes nothing."""

from __future__ import annotations

import pytest

from reportal.pipeline import registry
from reportal.pipeline.models import Handoff
from reportal.reports import services as intake
from reportal.reports.lifecycle import change_status
from reportal.reports.models import ReportedUrl
from reportal.stats import services
from reportal.stats.tasks import update_for_item
from tests.stats.histories import portals

pytestmark = pytest.mark.django_db


def _figures() -> dict:
    return {(m, k): n for (_p, _d, m, k), n in services.all_counts().items()}


def test_stats_routes_are_in_the_registry():
    tasks = {(route.event, route.task) for route in registry.ROUTES}
    assert ("item.changed", "stats.update_for_item") in tasks
    assert ("report.followed_up", "stats.update_for_report") in tasks


def test_a_report_and_a_status_change_reach_the_figures_through_their_hand_offs(django_capture_on_commit_callbacks):
    sv = portals()[0]
    with django_capture_on_commit_callbacks(execute=True):
        result = intake.submit_report(sv, urls=["http://handoff.example/a"], seen_on="web", language="es")
    item = ReportedUrl.objects.get(pk=result.addresses[0].item_id)
    assert Handoff.objects.filter(event="report.followed_up", done_at__isnull=False).count() == 1
    assert _figures() == {("reports", "portal"): 1, ("urls", "portal"): 1}

    with django_capture_on_commit_callbacks(execute=True):
        change_status(item, "not_actionable", reason="not_illegal")
    handoff = Handoff.objects.get(event="item.changed", subject_id=item.pk)
    assert handoff.done_at is not None
    # No assessment row yet: the status alone decides nothing in the figures; the item is counted once.
    assert _figures()[("urls", "portal")] == 1

    before = services.all_counts()
    Handoff.objects.filter(pk=handoff.pk).update(done_at=None)  # a redelivered message
    update_for_item.apply(args=[handoff.pk])
    assert services.all_counts() == before
