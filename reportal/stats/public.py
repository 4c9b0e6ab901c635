"""The figures a portal publishes: yearly and monthly totals, with small counts suppressed so none points at a case.

A count from 1 to REPORTAL_STATS_MIN_COUNT - 1 is shown as "fewer than N"; a median time to removal is shown only
when at least N removals make it up. Zero is shown as zero (nothing happened, nobody is pointed at).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from reportal.stats import services

METRICS = ("reports", "assessed", "actioned", "removed")
PUBLIC_MONTHS = 24


@dataclass(frozen=True)
class Cell:
    value: float | None  # None: suppressed (or no figure)
    suppressed: bool = False


@dataclass(frozen=True)
class Row:
    label: str  # "2025" or "2025-03"
    period_start: date
    received: Cell
    assessed: Cell
    actioned: Cell
    removed: Cell
    median_hours: Cell

    @property
    def counts(self) -> list[Cell]:
        return [self.received, self.assessed, self.actioned, self.removed]


@dataclass(frozen=True)
class PublicFigures:
    years: list[Row]
    months: list[Row]


def count_cell(value: int, minimum: int) -> Cell:
    if 0 < value < minimum:
        return Cell(None, suppressed=True)
    return Cell(value)


def median_cell(seconds: list[int], minimum: int) -> Cell:
    if not seconds:
        return Cell(None)
    if len(seconds) < minimum:
        return Cell(None, suppressed=True)
    return Cell(services.summarise_removals(seconds).median_hours)


def figures(portal_id: int, *, minimum: int, today: date | None = None) -> PublicFigures:
    today = today or timezone.now().date()
    first, last = services.first_and_last_day(portal_id)
    if first is None or last is None:
        return PublicFigures(years=[], months=[])
    today = min(today, last)  # up to the last day with a figure: no run of empty months at the end
    period = services.Period(first.replace(month=1, day=1), today, frozenset({portal_id}))
    per_month = services.monthly(period, METRICS)
    removal_days = services.removal_seconds(period)
    months = _months(period.since, today)

    def month_row(start: date, label: str, counts: dict[str, int], seconds: list[int]) -> Row:
        return Row(
            label=label,
            period_start=start,
            received=count_cell(counts.get("reports", 0), minimum),
            assessed=count_cell(counts.get("assessed", 0), minimum),
            actioned=count_cell(counts.get("actioned", 0), minimum),
            removed=count_cell(counts.get("removed", 0), minimum),
            median_hours=median_cell(seconds, minimum),
        )

    seconds_by_month: dict[date, list[int]] = defaultdict(list)
    seconds_by_year: dict[int, list[int]] = defaultdict(list)
    for day, seconds in removal_days:
        seconds_by_month[day.replace(day=1)].append(seconds)
        seconds_by_year[day.year].append(seconds)
    year_counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    month_rows = []
    for month in months:
        counts = {metric: per_month.get(metric, {}).get(month, 0) for metric in METRICS}
        for metric, n in counts.items():
            year_counts[month.year][metric] += n
        month_rows.append(month_row(month, month.strftime("%Y-%m"), counts, seconds_by_month.get(month, [])))
    year_rows = [
        month_row(date(year, 1, 1), str(year), year_counts[year], seconds_by_year.get(year, []))
        for year in sorted(year_counts, reverse=True)
    ]
    return PublicFigures(years=year_rows, months=list(reversed(month_rows))[:PUBLIC_MONTHS])


def _months(since: date, until: date) -> list[date]:
    months = []
    current = since.replace(day=1)
    while current <= until:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months
