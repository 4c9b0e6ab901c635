"""The figures: kept up to date item by item (and report day by report day), rebuilt from raw rows on demand, read
by the dashboard, the exports, the public page and the API.

Updates are idempotent: `update_items` recomputes each item's contributions from the raw rows, compares them with
what its ItemFact says it already counts, and adds only the difference to DailyCount, in one transaction.
`update_report_days` recounts the reports of whole (portal, day) pairs. Running either twice changes nothing.
"""

from __future__ import annotations

import json
import logging
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from reportal.actions import services as actions
from reportal.reports import services as reports
from reportal.stats import facts
from reportal.stats.facts import Contribution, Fact
from reportal.stats.models import DailyCount, ItemFact, MonthlyCount

logger = logging.getLogger(__name__)

REPORTS = "reports"
CountKey = tuple[int, date, str, str]  # (portal id, day, metric, key)
Progress = Callable[[int, int], None]  # (done, total)


# --- Keeping the figures up to date -------------------------------------------------------------------------


def month_of(day: date) -> date:
    return day.replace(day=1)


def _month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _add_to(model: type[DailyCount] | type[MonthlyCount], field: str, delta: Counter[CountKey]) -> None:
    for (portal_id, when, metric, key), change in sorted(delta.items()):
        if not change:
            continue
        rows = model.objects.filter(portal_id=portal_id, metric=metric, key=key, **{field: when})
        if not rows.update(count=F("count") + change):
            model.objects.create(portal_id=portal_id, metric=metric, key=key, count=change, **{field: when})
        elif change < 0:
            rows.filter(count=0).delete()


def _apply(delta: Counter[CountKey]) -> None:
    """Add `delta` to DailyCount and MonthlyCount (inside the caller's transaction); rows that fall to zero go."""
    per_month: Counter[CountKey] = Counter()
    for (portal_id, day, metric, key), change in delta.items():
        per_month[(portal_id, month_of(day), metric, key)] += change
    _add_to(DailyCount, "day", delta)
    _add_to(MonthlyCount, "month", per_month)


def _fact_row(fact: Fact) -> ItemFact:
    return ItemFact(
        item_id=fact.item_id,
        portal_id=fact.portal_id,
        reported_on=fact.reported_on,
        source=fact.source,
        outcome=fact.outcome,
        assessed_on=fact.assessed_on,
        actioned_on=fact.actioned_on,
        hosting_country=fact.hosting_country,
        removed_on=fact.removed_on,
        removal_seconds=fact.removal_seconds,
        classification=fact.classification,
        notices_sent=fact.notices_sent,
        contributions=facts.encode(fact.contributions),
    )


FACT_FIELDS = [f.name for f in ItemFact._meta.concrete_fields if f.name not in ("item_id", "updated_at")]


def _update_once(ids: list[int]) -> int:
    with transaction.atomic():
        # Lock first, read after: a concurrent update of the same item waits here and then sees the newer rows.
        existing = {f.item_id: f for f in ItemFact.objects.select_for_update().filter(item_id__in=ids)}
        computed = facts.compute_facts(ids)
        delta: Counter[CountKey] = Counter()
        changed: list[ItemFact] = []
        created: list[ItemFact] = []
        for item_id, fact in computed.items():
            row = _fact_row(fact)
            old = existing.get(item_id)
            if old is not None and all(getattr(old, name) == getattr(row, name) for name in FACT_FIELDS):
                continue
            old_counts = facts.decode(old.contributions) if old is not None else Counter()
            for (metric, key, day), n in fact.contributions.items():
                delta[(fact.portal_id, day, metric, key)] += n
            for (metric, key, day), n in old_counts.items():
                delta[(old.portal_id if old else fact.portal_id, day, metric, key)] -= n
            (changed if old is not None else created).append(row)
        if created:
            ItemFact.objects.bulk_create(created)
        if changed:
            ItemFact.objects.bulk_update(changed, FACT_FIELDS)
        _apply(delta)
        # An item whose raw rows were deleted (retention) keeps its fact: the figures outlive the raw data.
        return len(created) + len(changed)


UPDATE_BATCH = 500


def update_items(item_ids: Iterable[int]) -> int:
    """Bring the facts and daily counts of these items up to date; returns how many facts changed."""
    ids = sorted(set(item_ids))
    changed = 0
    for start in range(0, len(ids), UPDATE_BATCH):  # short transactions, whatever the number of items
        chunk = ids[start : start + UPDATE_BATCH]
        for attempt in range(5):
            try:
                changed += _update_once(chunk)
                break
            except IntegrityError:
                # Another worker created one of these facts or counts a moment ago; the next round locks and adds.
                if attempt == 4:
                    raise
    return changed


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def update_report_days(pairs: Iterable[tuple[int, date]]) -> None:
    """Recount the reports received of each (portal id, day): the count is set, not added, so a repeat is harmless."""
    for portal_id, day in sorted(set(pairs)):
        since, until = _day_bounds(day)
        counted = {
            source: n for _p, _d, source, n in reports.report_counts(portal_id=portal_id, since=since, until=until)
        }
        for attempt in range(5):
            try:
                with transaction.atomic():
                    rows = DailyCount.objects.filter(portal_id=portal_id, day=day, metric=REPORTS)
                    rows.exclude(key__in=list(counted)).delete()
                    for source, n in counted.items():
                        if not rows.filter(key=source).update(count=n):
                            DailyCount.objects.create(portal_id=portal_id, day=day, metric=REPORTS, key=source, count=n)
                    _recount_month(portal_id, month_of(day), REPORTS)
                break
            except IntegrityError:
                if attempt == 4:
                    raise


def _recount_month(portal_id: int, month: date, metric: str) -> None:
    """Set one metric's monthly rows to the sum of its daily rows (inside the caller's transaction)."""
    days = DailyCount.objects.filter(portal_id=portal_id, metric=metric, day__gte=month, day__lte=_month_end(month))
    summed = {key: int(n) for key, n in days.values("key").annotate(n=Sum("count")).values_list("key", "n") if n}
    rows = MonthlyCount.objects.filter(portal_id=portal_id, month=month, metric=metric)
    rows.exclude(key__in=list(summed)).delete()
    for key, n in summed.items():
        if not rows.filter(key=key).update(count=n):
            MonthlyCount.objects.create(portal_id=portal_id, month=month, metric=metric, key=key, count=n)


def update_for_reports(report_ids: Iterable[int], item_ids: Iterable[int]) -> None:
    """A report was accepted: recount its day, and bring the items it touched up to date."""
    update_report_days(reports.report_days(report_ids))
    update_items(item_ids)


def refresh_notices_since(since: datetime) -> int:
    """Notices are counted when sent, which changes no item status: the beat sweep brings those items up to date."""
    return update_items(actions.items_with_notices_sent_since(since))


# --- Rebuilding from raw rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildResult:
    items: int
    counts: int
    seconds: float


def _insert_facts(rows: list[Fact], now: object) -> None:
    """Plain multi-row INSERTs: a rebuild writes a row per item, and model instances would cost more than the query."""
    ops = connection.ops
    columns = [
        "item_id", "portal_id", "reported_on", "source", "outcome", "assessed_on", "actioned_on", "hosting_country",
        "removed_on", "removal_seconds", "classification", "notices_sent", "contributions", "updated_at",
    ]  # fmt: skip
    day = ops.adapt_datefield_value
    values = [
        (
            f.item_id, f.portal_id, day(f.reported_on), f.source, f.outcome, day(f.assessed_on), day(f.actioned_on),
            f.hosting_country, day(f.removed_on), f.removal_seconds, json.dumps(f.classification), f.notices_sent,
            json.dumps(facts.encode(f.contributions)), now,
        )
        for f in rows
    ]  # fmt: skip
    _executemany(ItemFact._meta.db_table, columns, values)


def _add_counts(counts: Counter[CountKey], model: type[DailyCount] | type[MonthlyCount] = DailyCount) -> None:
    """Add counts to DailyCount (or MonthlyCount) in bulk (INSERT ... ON CONFLICT DO UPDATE: SQLite 3.24+ and
    PostgreSQL)."""
    day = connection.ops.adapt_datefield_value
    values = [(p, day(d), metric, key, n) for (p, d, metric, key), n in sorted(counts.items()) if n]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    count = quote("count")
    when = "day" if model is DailyCount else "month"
    columns = ", ".join(quote(c) for c in ("portal_id", when, "metric", "key", "count"))
    conflict = ", ".join(quote(c) for c in ("portal_id", when, "metric", "key"))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s) "  # noqa: S608 - our own names
        f"ON CONFLICT ({conflict}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])


def _executemany(table: str, columns: list[str], values: Sequence[Sequence[Any]]) -> None:
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - our own names
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(values), 5000):
            cursor.executemany(sql, values[start : start + 5000])


FLUSH_KEYS = 200_000  # counts held in memory before they are added to the table


def rebuild(*, progress: Progress | None = None, batch: int = 5000) -> RebuildResult:
    """Throw the figures away and compute them again from the raw rows, in ranges of item ids (each query reads one
    index range); counts are added to the table whenever enough are held, so memory stays bounded."""
    import time as clock

    started = clock.monotonic()
    total = reports.item_count()
    low, high = reports.item_id_bounds()
    done = 0
    with transaction.atomic():
        DailyCount.objects.all().delete()
        MonthlyCount.objects.all().delete()
        ItemFact.objects.all().delete()
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        counts: Counter[CountKey] = Counter()
        per_month: Counter[CountKey] = Counter()  # small (portals x months x keys): held to the end
        for portal_id, day, source, n in reports.report_counts():
            counts[(portal_id, day, REPORTS, source)] += n
            per_month[(portal_id, month_of(day), REPORTS, source)] += n
        for start in range(low, high + 1, batch):
            computed = list(facts.compute_facts(range(start, min(start + batch, high + 1))).values())
            _insert_facts(computed, now)
            for fact in computed:
                for (metric, key, day), n in fact.contributions.items():
                    counts[(fact.portal_id, day, metric, key)] += n
                    per_month[(fact.portal_id, month_of(day), metric, key)] += n
            done += len(computed)
            if len(counts) > FLUSH_KEYS:
                _add_counts(counts)
                counts.clear()
            if progress is not None:
                progress(done, total)
        _add_counts(counts)
        _add_counts(per_month, MonthlyCount)
        count_rows = DailyCount.objects.count()
    return RebuildResult(items=done, counts=count_rows, seconds=clock.monotonic() - started)


def check() -> list[str]:
    """Differences between the stored figures and a rebuild (done inside a transaction that is rolled back)."""
    stored = all_counts()

    class _Undo(Exception):
        pass

    fresh: dict[CountKey, int] = {}
    try:
        with transaction.atomic():
            rebuild()
            fresh = all_counts()
            raise _Undo
    except _Undo:
        pass
    keys = sorted(set(stored) | set(fresh))
    return [
        f"portal {p} {d} {m}/{k}: stored {stored.get((p, d, m, k), 0)}, raw rows {fresh.get((p, d, m, k), 0)}"
        for p, d, m, k in keys
        if stored.get((p, d, m, k), 0) != fresh.get((p, d, m, k), 0)
    ] + month_mismatches()


def month_mismatches() -> list[str]:
    """Monthly rows that are not the sum of their daily rows."""
    summed: Counter[CountKey] = Counter()
    for (p, d, m, k), n in all_counts().items():
        summed[(p, month_of(d), m, k)] += n
    stored = all_monthly_counts()
    return [
        f"portal {p} {month:%Y-%m} {m}/{k}: month row {stored.get(key, 0)}, days {summed[key]}"
        for key in sorted(set(stored) | {key for key, n in summed.items() if n})
        for p, month, m, k in [key]
        if stored.get(key, 0) != summed[key]
    ]


# --- Reading the figures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days from `since` to `until`, both included, in some portals (None: every portal)."""

    since: date
    until: date
    portal_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class _Spans:
    """A period cut into whole months (read from MonthlyCount) and the days of partial months at either end."""

    months: tuple[date, date] | None  # first days of the first and last whole month
    days: list[tuple[date, date]]


def _spans(period: Period) -> _Spans:
    first = period.since if period.since.day == 1 else _month_end(period.since) + timedelta(days=1)
    last_end = period.until if period.until == _month_end(period.until) else month_of(period.until) - timedelta(days=1)
    if first > last_end:
        return _Spans(None, [(period.since, period.until)])
    days = []
    if period.since < first:
        days.append((period.since, first - timedelta(days=1)))
    if last_end < period.until:
        days.append((last_end + timedelta(days=1), period.until))
    return _Spans((first, month_of(last_end)), days)


def _in_portals(rows: QuerySet[Any], period: Period) -> QuerySet[Any]:
    if period.portal_ids is not None:
        rows = rows.filter(portal_id__in=sorted(period.portal_ids))
    return rows


def _month_rows(period: Period, spans: _Spans) -> QuerySet[MonthlyCount]:
    if spans.months is None:
        return MonthlyCount.objects.none()
    return _in_portals(MonthlyCount.objects.filter(month__gte=spans.months[0], month__lte=spans.months[1]), period)


def _day_rows(period: Period, spans: _Spans) -> QuerySet[DailyCount]:
    if not spans.days:
        return DailyCount.objects.none()
    within = Q()
    for since, until in spans.days:
        within |= Q(day__gte=since, day__lte=until)
    return _in_portals(DailyCount.objects.filter(within), period)


def totals(period: Period) -> dict[str, dict[str, int]]:
    """{metric: {key: count}} over the period: whole months from the monthly rows, the rest from the daily ones."""
    found: dict[str, dict[str, int]] = defaultdict(dict)
    spans = _spans(period)
    for rows in (_month_rows(period, spans), _day_rows(period, spans)):
        for metric, key, n in rows.values("metric", "key").annotate(n=Sum("count")).values_list("metric", "key", "n"):
            if n:
                found[metric][key] = found[metric].get(key, 0) + int(n)
    return dict(found)


def _per_month(
    period: Period, fields: list[str], *, metrics: Iterable[str] | None = None, key: str | None = None
) -> Counter[tuple[Any, ...]]:
    """Sums over the period grouped by `fields` and month: {(*fields, first day of month): count}."""
    spans = _spans(period)
    month_rows, day_rows = _month_rows(period, spans), _day_rows(period, spans)
    if metrics is not None:
        month_rows, day_rows = month_rows.filter(metric__in=list(metrics)), day_rows.filter(metric__in=list(metrics))
    if key is not None:
        month_rows, day_rows = month_rows.filter(key=key), day_rows.filter(key=key)
    found: Counter[tuple[Any, ...]] = Counter()
    for *values, month, n in (
        month_rows.values(*fields, "month").annotate(n=Sum("count")).values_list(*fields, "month", "n")
    ):
        found[(*values, month)] += int(n or 0)
    # The partial months: a few dozen days at most, summed per month here rather than with a date function per row.
    for *values, day, n in day_rows.values(*fields, "day").annotate(n=Sum("count")).values_list(*fields, "day", "n"):
        found[(*values, month_of(day))] += int(n or 0)
    return found


def monthly(period: Period, metrics: Iterable[str], *, key: str | None = None) -> dict[str, dict[date, int]]:
    """{metric: {first day of month: count}} over the period (of one key only, where given)."""
    found: dict[str, dict[date, int]] = defaultdict(dict)
    for (metric, month), n in _per_month(period, ["metric"], metrics=metrics, key=key).items():
        found[metric][month] = n
    return dict(found)


def grouped(period: Period, group_by: str, slugs: dict[int, str]) -> list[tuple[str, str, str, int]]:
    """(metric, key, group, count) over the period; group is the month, day or portal slug ('' for 'key')."""
    found: list[tuple[str, str, str, int]] = []
    if group_by == "key":
        for metric, keys in totals(period).items():
            found.extend((metric, key, "", n) for key, n in keys.items())
    elif group_by == "month":
        for (metric, key, month), n in _per_month(period, ["metric", "key"]).items():
            found.append((metric, key, f"{month:%Y-%m}", n))
    elif group_by == "day":
        rows = _in_portals(DailyCount.objects.filter(day__gte=period.since, day__lte=period.until), period)
        by_day = rows.values("metric", "key", "day").annotate(n=Sum("count"))
        for metric, key, day, n in by_day.values_list("metric", "key", "day", "n"):
            found.append((metric, key, day.isoformat(), int(n or 0)))
    elif group_by == "portal":
        by_portal: Counter[tuple[str, str, int]] = Counter()
        for (metric, key, portal_id, _month), n in _per_month(period, ["metric", "key", "portal_id"]).items():
            by_portal[(metric, key, portal_id)] += n
        for (metric, key, portal_id), n in by_portal.items():
            found.append((metric, key, slugs.get(portal_id, str(portal_id)), n))
    else:
        raise ValueError(f"group_by must be key, month, day or portal, not {group_by!r}.")
    return sorted((r for r in found if r[3]), key=lambda r: (r[0], r[2], r[1]))


def percentile(sorted_values: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), as the time-to-removal pages compute it."""
    if not sorted_values:
        return 0.0
    position = (len(sorted_values) - 1) * share
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


@dataclass(frozen=True)
class RemovalSummary:
    count: int
    median_hours: float
    p90_hours: float
    within: dict[str, float] = field(default_factory=dict)  # bucket key -> share (0..1) removed within it


def summarise_removals(seconds: list[int]) -> RemovalSummary:
    ordered = sorted(seconds)
    values = [s / 3600 for s in ordered]
    within: dict[str, float] = {}
    for key, bound in facts.REMOVAL_BUCKETS[:-1]:
        within[key] = (bisect_right(ordered, bound) / len(ordered)) if ordered else 0.0
    return RemovalSummary(
        count=len(values),
        median_hours=round(percentile(values, 0.5), 1),
        p90_hours=round(percentile(values, 0.9), 1),
        within=within,
    )


def removal_seconds(period: Period) -> list[tuple[date, int]]:
    """(removal day, seconds from first report to removal) of each standing removal in the period.

    Read with a plain cursor from the covering index: a busy portal-year has tens of thousands of removals, and
    turning each row into Python values through the ORM cost more than the rest of the dashboard."""
    rows = ItemFact.objects.filter(removed_on__gte=period.since, removed_on__lte=period.until)
    if period.portal_ids is not None:
        rows = rows.filter(portal_id__in=sorted(period.portal_ids))
    try:
        sql, params = rows.values_list("removed_on", "removal_seconds").query.sql_with_params()
    except EmptyResultSet:  # no portal at all
        return []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    # SQLite hands dates back as ISO text, PostgreSQL as dates.
    return [(d if isinstance(d, date) else date.fromisoformat(d), s) for d, s in found if s is not None]


def removals(period: Period) -> tuple[RemovalSummary, dict[date, RemovalSummary]]:
    """Time to removal over the whole period, and per month."""
    found = removal_seconds(period)
    per_month: dict[date, list[int]] = defaultdict(list)
    for day, seconds in found:
        per_month[day.replace(day=1)].append(seconds)
    return summarise_removals([s for _d, s in found]), {m: summarise_removals(v) for m, v in sorted(per_month.items())}


@dataclass(frozen=True)
class CaseRow:
    """One row per case (actioned item) for the case export."""

    reference: str
    url: str
    portal_id: int
    reported_on: date
    assessed_on: date | None
    actioned_on: date | None
    classification: dict[str, object]
    hosting_country: str
    notices_sent: int
    removed_on: date | None
    removal_seconds: int | None


def cases(period: Period, slugs: dict[int, str], limit: int = 100_000) -> list[CaseRow]:
    """Every item actioned in the period, once, oldest first."""
    rows = ItemFact.objects.filter(actioned_on__gte=period.since, actioned_on__lte=period.until)
    if period.portal_ids is not None:
        rows = rows.filter(portal_id__in=sorted(period.portal_ids))
    chosen = list(rows.order_by("actioned_on", "item_id")[:limit])
    urls = {s.item_id: s.canonical_url for s in reports.item_snapshots([f.item_id for f in chosen])}
    return [
        CaseRow(
            reference=f"{slugs.get(f.portal_id, '?').upper()}-{f.item_id:07d}",
            url=urls.get(f.item_id, ""),
            portal_id=f.portal_id,
            reported_on=f.reported_on,
            assessed_on=f.assessed_on,
            actioned_on=f.actioned_on,
            classification=dict(f.classification or {}),
            hosting_country=f.hosting_country,
            notices_sent=f.notices_sent,
            removed_on=f.removed_on,
            removal_seconds=f.removal_seconds,
        )
        for f in chosen
    ]


def first_and_last_day(portal_id: int) -> tuple[date | None, date | None]:
    """The earliest and latest day with any figure in this portal."""
    days = DailyCount.objects.filter(portal_id=portal_id).values_list("day", flat=True)
    return days.order_by("day").first(), days.order_by("-day").first()


def all_monthly_counts() -> dict[CountKey, int]:
    """Every stored monthly count (for tests and the check)."""
    return {
        (p, d, m, k): n
        for p, d, m, k, n in MonthlyCount.objects.values_list("portal_id", "month", "metric", "key", "count")
        if n
    }


def all_counts() -> dict[CountKey, int]:
    """Every stored count (for tests and the rebuild check)."""
    return {
        (p, d, m, k): n
        for p, d, m, k, n in DailyCount.objects.values_list("portal_id", "day", "metric", "key", "count")
        if n
    }


def contributions_of(item_ids: list[int]) -> dict[int, Counter[Contribution]]:
    return {f.item_id: facts.decode(f.contributions) for f in ItemFact.objects.filter(item_id__in=item_ids)}
