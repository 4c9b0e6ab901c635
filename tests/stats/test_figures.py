"""Each figure equals a count made straight from the raw rows, for random report histories; updates are idempotent;
a rebuild from raw rows gives the live figures exactly."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportal.reports.models import Report, ReportedUrl
from reportal.stats import services
from tests.stats.histories import Decided, History, histories, portals, raw_figures, write

pytestmark = pytest.mark.django_db

# Whole months only, whole months and a partial last month, partial months at both ends, part of one month.
PERIODS = [
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2025, 2, 1), date(2025, 3, 15)),
    (date(2025, 1, 20), date(2025, 4, 10)),
    (date(2025, 2, 3), date(2025, 2, 25)),
]


class Rollback(Exception):
    pass


def _hand_offs(items: list[ReportedUrl]) -> None:
    """What the hand-offs do as the items move: each report's day is recounted, each item brought up to date."""
    report_ids = list(Report.objects.filter(items__in=items).values_list("pk", flat=True))
    services.update_for_reports(report_ids, [i.pk for i in items])


def _dashboard_figures(period: services.Period) -> dict[str, Counter]:
    totals = services.totals(period)
    found = {
        metric: Counter(totals.get(metric, {}))
        for metric in (
            "reports",
            "urls",
            "assessed",
            "uk_category",
            "content_type",
            "legal_assessment",
            "hosting_country",
            "notices_sent",
            "notices_answered",
        )
    }
    summary, _months = services.removals(period)
    found["removed_count"] = Counter({"": summary.count} if summary.count else {})
    found["within_2.5d"] = Counter({"": round(summary.within["2.5d"] * summary.count)} if summary.count else {})
    found["median_hours"] = Counter({"": summary.median_hours} if summary.count else {})
    # The removal buckets in the daily counts agree with the removals themselves.
    assert sum(totals.get("removed", {}).values()) == summary.count
    # The monthly series (whole months from the monthly rows, the ends from the daily ones) add up to the totals.
    for metric, months in services.monthly(period, ["reports", "urls", "assessed", "removed"]).items():
        assert all(period.since.replace(day=1) <= month <= period.until for month in months)
        assert sum(months.values()) == sum(totals.get(metric, {}).values()), metric
    return found


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(histories, min_size=1, max_size=8), later=st.lists(histories, max_size=5))
def test_every_figure_equals_a_count_from_the_raw_rows(first, later):
    try:
        with transaction.atomic():
            portal_list = portals()
            items = [write(h, portal_list) for h in first]
            _hand_offs(items)
            more = [write(h, portal_list) for h in later]
            _hand_offs(more)
            _hand_offs(items[:2])  # a repeated hand-off (a redelivered message) changes nothing

            for since, until in PERIODS:
                for chosen in ({portal_list[0].pk}, {p.pk for p in portal_list}):
                    period = services.Period(since, until, frozenset(chosen))
                    want = raw_figures(chosen, since, until)
                    got = _dashboard_figures(period)
                    medians = want.pop("median_hours"), got.pop("median_hours")
                    assert got == want, (since, until, chosen)
                    assert abs(medians[0][""] - medians[1][""]) <= 0.051

            live = services.all_counts()
            assert services.month_mismatches() == []  # the monthly rows are the sums of the daily ones
            result = services.rebuild()
            assert result.items == len(items) + len(more)
            assert services.all_counts() == live
            assert services.month_mismatches() == []
            raise Rollback
    except Rollback:
        pass


def test_an_update_run_twice_changes_nothing():
    portal_list = portals()
    history = History(
        portal=0,
        day=3,
        sources=["portal", "api"],
        decisions=[Decided("actionable", 5, classification={"uk_category": "A", "content_type": ["photo"]})],
        action_hours=2,
        trace_country="NL",
        notices=[("host_notice", 1, True)],
        removal_hours=30,
        removal_superseded=False,
        removal_country="",
    )
    item = write(history, portal_list)
    _hand_offs([item])
    before = services.all_counts()
    assert services.update_items([item.pk]) == 0
    _hand_offs([item])
    assert services.all_counts() == before


def test_the_rebuild_command_shows_progress_and_the_check_command_finds_drift(capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    portal_list = portals()
    items = [write(h, portal_list) for h in (_sample(0), _sample(1), _sample(2))]
    _hand_offs(items)
    call_command("stats", "check")
    assert "equal a computation from the raw rows" in capsys.readouterr().out

    # Rows changed behind the hand-offs' back (a hand-off still pending): check says so, rebuild repairs it.
    Report.objects.filter(items__in=items[:1]).update(source="crawler")
    with pytest.raises(CommandError, match="differ from the raw rows"):
        call_command("stats", "check")
    call_command("stats", "rebuild", "--batch", "2")
    captured = capsys.readouterr()
    assert "Rebuilt the figures of 3 items" in captured.out
    assert "Rebuilding the figures" in captured.err
    call_command("stats", "check")


def _sample(portal: int) -> History:
    return History(
        portal=portal,
        day=10 + portal,
        sources=["portal"],
        decisions=[Decided("actionable", 3, classification={"uk_category": "C"})],
        action_hours=1,
        trace_country="GT",
        notices=[("police_referral", 2, True)],
        removal_hours=100,
        removal_superseded=False,
        removal_country="GT",
    )
