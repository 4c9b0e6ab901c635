"""Benchmark of the statistics: 1M reports over 3 years across 50 portals, written straight into the raw tables
(bulk insert), then: `reportal stats rebuild`, the dashboard page for one portal-year (target under 300 ms), and
beside it the same figures computed straight from the raw tables, as a page without stored figures would.

    python bench/bench_stats.py                        # SQLite in a temporary directory, 1,000,000 reports
    python bench/bench_stats.py --reports 100000       # smaller
    python bench/bench_stats.py --pg postgresql://postgres@127.0.0.1:5432/postgres
                                                       # PostgreSQL: a private database bench_stats_<pid>, dropped after
    python bench/bench_stats.py --data-dir DIR --reuse # keep the SQLite file; later runs rebuild and measure the same
                                                       # rows (PostgreSQL: --pg-name NAME --keep --reuse)

Histories: 70% of addresses decided (60% of those actionable, classified at random), 85% of actionable ones
actioned (one trace, one or two notices), 80% of those removed after 2 hours to 40 days; 5% of reports repeat an
address another report brought. Prints each figure once it is measured.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

START = datetime(2023, 1, 1, tzinfo=UTC)
DAYS = 3 * 365
PORTALS = 50
SOURCES = ("portal", "portal", "portal", "api", "member", "crawler")
KINDS = ("host_notice", "partner_referral", "police_referral")
COUNTRIES = ("NL", "US", "DE", "RU", "FR", "GB", "CA", "HK", "SG", "")
CLASSIFICATION_CHOICES = {
    "legal_assessment": ["baseline", "national"],
    "uk_category": ["A", "B", "C"],
    "age_group": ["infant_toddler", "prepubescent", "pubescent"],
    "site_type": ["website", "image_host", "file_host", "forum", "social_network"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--pg", default="", help="a PostgreSQL server's URL; a private database is made on it")
    parser.add_argument("--repeat", type=int, default=7, help="page loads measured (median shown)")
    parser.add_argument("--data-dir", default="", help="keep the SQLite database here (default: a temporary directory)")
    parser.add_argument("--pg-name", default="", help="name of the PostgreSQL database (default: bench_stats_<pid>)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="a database that already holds the generated raw rows is measured again"
    )
    parser.add_argument("--generate-only", action="store_true", help="write the raw rows and stop (with --reuse later)")
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="bench-stats-")
    os.makedirs(data_dir, exist_ok=True)
    os.environ["REPORTAL_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportal.settings")
    for name in ("CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    database = ""
    if args.pg:
        database = _make_pg_database(args.pg, args.pg_name or f"bench_stats_{os.getpid()}", reuse=args.reuse)
        os.environ["DATABASE_URL"] = database
    else:
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    try:
        call_command("migrate", verbosity=0)
        backend = "PostgreSQL" if args.pg else "SQLite"
        print(f"backend: {backend}; reports: {args.reports:,}; portals: {PORTALS}; days: {DAYS}", flush=True)
        run(args.reports, args.repeat, reuse=args.reuse, generate_only=args.generate_only)
    finally:
        if database and not args.keep:
            from django.db import connections

            connections.close_all()
            _drop_pg_database(args.pg, database)


def _make_pg_database(server: str, name: str, *, reuse: bool) -> str:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (exists and reuse):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(server: str, url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Generation -------------------------------------------------------------------------------------------------


class Tables:
    """Rows per raw table, written in bulk by `flush` (COPY on PostgreSQL, executemany on SQLite)."""

    def __init__(self) -> None:
        from django.apps import apps
        from django.db import connection

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.models = {
            label: apps.get_model(label)
            for label in (
                "reports.Report",
                "reports.ReportedUrl",
                "reports.ReportUrl",
                "reports.ItemEvent",
                "hotline.Assessment",
                "tracing.Trace",
                "actions.Notice",
                "actions.Removal",
            )
        }
        self.rows: dict[str, list[dict[str, Any]]] = {label: [] for label in self.models}
        self.ids: dict[str, int] = dict.fromkeys(self.models, 0)
        self.written = 0

    def add(self, label: str, **values: Any) -> int:
        self.ids[label] += 1
        values["id"] = self.ids[label]
        self.rows[label].append(values)
        return values["id"]

    def _converters(self, model: Any) -> list[tuple[str, Any, str]]:
        """(attribute, default, kind) per column, worked out once per table."""
        found = []
        for field in model._meta.concrete_fields:
            if field.has_default():
                default = field.get_default()
            else:
                default = None if field.null else ""
            kind = field.get_internal_type()
            found.append(
                (field.attname, default, "json" if kind == "JSONField" else "bool" if kind == "BooleanField" else "")
            )
        return found

    def _convert(self, value: Any, kind: str) -> Any:
        if value is None:
            return None
        if kind == "json":
            return json.dumps(value)
        if kind == "bool":
            return ("t" if value else "f") if self.pg else int(value)
        if isinstance(value, datetime):
            return value.isoformat() if self.pg else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    def flush(self) -> None:
        with self.connection.cursor() as cursor:
            for label, model in self.models.items():
                rows = self.rows[label]
                if not rows:
                    continue
                fields = model._meta.concrete_fields
                columns = [f.column for f in fields]
                table = model._meta.db_table
                converters = self._converters(model)
                tuples = [
                    tuple(self._convert(r.get(name, default), kind) for name, default, kind in converters) for r in rows
                ]
                if self.pg:
                    quoted = ", ".join(f'"{c}"' for c in columns)
                    with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                        for row in tuples:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    names = ", ".join(f'"{c}"' for c in columns)
                    cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuples)  # noqa: S608
                self.written += len(rows)
                rows.clear()

    def finish(self) -> None:
        self.flush()
        if self.pg:  # COPY with explicit ids leaves the sequences behind
            with self.connection.cursor() as cursor:
                for model in self.models.values():
                    table = model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608
                        f'COALESCE((SELECT MAX(id) FROM "{table}"), 1))'
                    )


def generate(total: int) -> tuple[list[Any], float, int]:
    from django.db import transaction

    from reportal.portals.models import Portal

    rng = random.Random(12)
    portals = [
        Portal.objects.create(
            slug=f"p{n:02d}", name=f"Portal {n:02d}", display_name=f"Portal {n:02d}", languages=["en"]
        )
        for n in range(PORTALS)
    ]
    # Some portals much busier than others: weight 1/(rank+1)^0.8, the busiest about 11% of all reports.
    weights = list(itertools.accumulate(1 / (rank + 1) ** 0.8 for rank in range(PORTALS)))
    started = time.monotonic()
    tables = Tables()
    items: list[tuple[int, int, datetime]] = []  # (item id, portal id, first reported)
    with transaction.atomic():
        for n in range(total):
            portal = rng.choices(portals, cum_weights=weights)[0]
            at = START + timedelta(seconds=rng.randrange(DAYS * 86400))
            report = tables.add(
                "reports.Report",
                portal_id=portal.pk,
                language="en",
                seen_on="web",
                receipt_hash=hashlib.sha256(f"bench {n}".encode()).hexdigest(),
                source=rng.choice(SOURCES),
                created_at=at,
                followup_done_at=at,
            )
            if items and rng.random() < 0.05:
                item_id = rng.choice(items)[0]
                tables.add("reports.ReportUrl", report_id=report, item_id=item_id, submitted_url="http://x.example/")
            else:
                item_id = _history(tables, rng, report, portal.pk, at, n)
                items.append((item_id, portal.pk, at))
            if n % 20_000 == 19_999:
                tables.flush()
                _progress("generating", n + 1, total, started)
        tables.finish()
    seconds = time.monotonic() - started
    print(file=sys.stderr)
    return portals, seconds, tables.written


def _history(tables: Tables, rng: random.Random, report: int, portal_id: int, at: datetime, n: int) -> int:
    url = f"http://h{n % 97_000}.bench.example/p/{n}"
    status = "new"
    item = tables.ids["reports.ReportedUrl"] + 1
    tables.add("reports.ReportUrl", report_id=report, item_id=item, submitted_url=url)
    tables.add("reports.ItemEvent", item_id=item, at=at, from_status="", to_status="new", reason="reported")
    closed_at = None
    if rng.random() < 0.7:
        decided = at + timedelta(hours=rng.uniform(1, 96))
        actionable = rng.random() < 0.6
        outcome = "actionable" if actionable else "not_actionable"
        classification: dict[str, Any] = {}
        if actionable:
            classification = {k: rng.choice(v) for k, v in CLASSIFICATION_CHOICES.items() if rng.random() < 0.9}
            classification["content_type"] = sorted(rng.sample(["photo", "video", "ai_generated"], rng.randint(1, 2)))
            if rng.random() < 0.3:
                classification["self_generated"] = True
            if rng.random() < 0.1:
                classification["commercial"] = True
        tables.add(
            "hotline.Assessment",
            item_id=item,
            outcome=outcome,
            reason="" if actionable else rng.choice(["not_illegal", "not_found", "no_longer_available"]),
            classification=classification,
            created_at=decided,
        )
        tables.add("reports.ItemEvent", item_id=item, at=decided, from_status="assessing", to_status=outcome)
        status = outcome
        if not actionable:
            closed_at = decided
        elif rng.random() < 0.85:
            acted = decided + timedelta(minutes=rng.uniform(1, 120))
            country = rng.choice(COUNTRIES)
            trace = tables.add(
                "tracing.Trace", item_id=item, at=acted, url=url, hostname=url.split("/")[2], hosting_country=country
            )
            tables.add("reports.ItemEvent", item_id=item, at=acted, from_status="actionable", to_status="action_taken")
            status = "action_taken"
            for kind in rng.sample(KINDS, rng.randint(1, 2)):
                tables.add(
                    "actions.Notice",
                    item_id=item,
                    trace_id=trace,
                    kind=kind,
                    reference=f"B{item}",
                    state="sent",
                    created_at=acted,
                    sent_at=acted + timedelta(minutes=2),
                )
            if rng.random() < 0.8:
                removed = acted + timedelta(hours=rng.lognormvariate(3.3, 1.2) + 2)
                removed = min(removed, START + timedelta(days=DAYS + 30))
                tables.add(
                    "actions.Removal",
                    item_id=item,
                    portal_id=portal_id,
                    reported_at=at,
                    removed_at=removed,
                    seconds=int((removed - at).total_seconds()),
                    hosting_country=country,
                )
                tables.add("reports.ItemEvent", item_id=item, at=removed, from_status=status, to_status="removed")
                status = "removed"
                closed_at = removed
    tables.add(
        "reports.ReportedUrl",
        canonical_url=url,
        url_sha256=hashlib.sha256(url.encode()).hexdigest(),
        host=url.split("/")[2],
        portal_id=portal_id,
        status=status,
        is_open=closed_at is None,
        report_count=1,
        first_reported_at=at,
        last_reported_at=at,
        closed_at=closed_at,
    )
    return item


def _progress(label: str, done: int, total: int, started: float) -> None:
    rate = done / max(1e-9, time.monotonic() - started)
    print(f"\r{label}: {done:,} of {total:,} ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True)


# --- Measuring --------------------------------------------------------------------------------------------------


def _median_ms(func: Any, repeat: int, *, warm_up: bool = True) -> tuple[float, Any]:
    result = func() if warm_up else None  # warm-up (and the value)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        value = func()
        times.append((time.perf_counter() - started) * 1000)
        result = value if result is None else result
    return statistics.median(times), result


def _raw_dashboard(portal_id: int, since: date, until: date) -> dict[str, Any]:
    """The dashboard's figures for one portal and period computed from the raw tables at request time: every item
    of the portal that could count in the period, read through the same services, summed in Python."""
    from collections import Counter

    from reportal.reports import services as reports
    from reportal.stats import facts

    totals: Counter[tuple[str, str]] = Counter()
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    for _portal, _day, source, n in reports.report_counts(portal_id=portal_id, since=start, until=end):
        totals[("reports", source)] += n
    for ids in reports.item_id_batches(5000, portal_id=portal_id):
        for fact in facts.compute_facts(ids).values():
            for (metric, key, day), n in fact.contributions.items():
                if since <= day <= until:
                    totals[(metric, key)] += n
    return dict(totals)


def _raw_sql_counts(portal_id: int, since: date, until: date) -> int:
    """One plain SQL GROUP BY on the raw tables (reports received per source and month), the simplest figure."""
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from reportal.reports.models import Report

    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    rows = (
        Report.objects.filter(portal_id=portal_id, created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at"))
        .values("source", "month")
        .annotate(n=Count("pk"))
    )
    return len(list(rows))


def _generated(total: int) -> list[Any] | None:
    """The bench portals, when the database already holds `total` generated reports (--reuse)."""
    from reportal.portals.models import Portal
    from reportal.reports.models import Report

    portals = list(Portal.objects.filter(slug__startswith="p", name__startswith="Portal ").order_by("slug"))
    if len(portals) == PORTALS and Report.objects.count() == total:
        return portals
    return None


def run(total: int, repeat: int, *, reuse: bool = False, generate_only: bool = False) -> None:
    from django.db import connection
    from django.test import Client

    from reportal.accounts.testing import make_staff, sign_in
    from reportal.stats import services

    if connection.vendor == "sqlite":  # the bulk load and rebuild touch large indexes: give SQLite a 400 MB page cache
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-400000")
    found = _generated(total) if reuse else None
    if found is not None:
        portals = found
        print("generated: reusing the raw rows already in this database", flush=True)
    else:
        portals, seconds, rows = generate(total)
        print(f"generated: {rows:,} raw rows in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)", flush=True)
    if generate_only:
        return
    if connection.vendor == "postgresql":  # as autovacuum would soon after a bulk load: plans need statistics
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    started = time.monotonic()
    last = [0.0]

    def progress(done: int, all_items: int) -> None:
        if time.monotonic() - last[0] > 2:
            last[0] = time.monotonic()
            _progress("rebuilding", done, all_items, started)

    result = services.rebuild(progress=progress)
    print(file=sys.stderr)
    print(
        f"rebuild: {result.items:,} items -> {result.counts:,} daily counts in {result.seconds:.1f} s "
        f"({result.items / result.seconds:,.0f} items/s)",
        flush=True,
    )
    if connection.vendor == "postgresql":  # as autovacuum would after a rebuild: statistics, and the visibility map
        with connection.cursor() as cursor:  # that lets time to removal read only its covering index
            cursor.execute("VACUUM ANALYZE")

    busiest = portals[0]  # the busiest portal (weights above)
    analyst = make_staff(f"bench-analyst-{os.getpid()}", "analyst")[0]
    partner = make_staff(f"bench-partner-{os.getpid()}", "partner", [busiest])[0]
    since, until = date(2025, 1, 1), date(2025, 12, 31)
    query = f"portal={busiest.slug}&from={since}&to={until}"

    hotline = sign_in(Client(), analyst)
    partner_client = sign_in(Client(), partner)

    def page(client: Client, q: str) -> int:
        response = client.get(f"/stats/?{q}")
        assert response.status_code == 200, response.status_code
        return len(response.content)

    ms, size = _median_ms(lambda: page(hotline, query), repeat)
    year_counts = services.totals(services.Period(since, until, frozenset({busiest.pk})))
    reports_in_year = sum(year_counts.get("reports", {}).values())
    print(
        f"dashboard page, one portal-year ({busiest.slug}, {reports_in_year:,} reports): median {ms:.0f} ms "
        f"over {repeat} loads, {size / 1024:.0f} KiB (target < 300 ms)",
        flush=True,
    )
    ms_partner, _ = _median_ms(lambda: page(partner_client, f"from={since}&to={until}"), repeat)
    print(f"dashboard page, same portal-year as its partner viewer: median {ms_partner:.0f} ms", flush=True)
    ms_all, _ = _median_ms(lambda: page(hotline, f"from={since}&to={until}"), max(3, repeat // 2))
    print(f"dashboard page, all {PORTALS} portals, one year: median {ms_all:.0f} ms", flush=True)
    ms_csv, _ = _median_ms(lambda: len(hotline.get(f"/stats/export/cases.csv?{query}").content), 3)
    print(f"case export (CSV, one row per case), one portal-year: median {ms_csv:.0f} ms", flush=True)

    raw_ms, raw = _median_ms(lambda: _raw_dashboard(busiest.pk, since, until), 1, warm_up=False)
    stored = {(m, k): n for m, keys in year_counts.items() for k, n in keys.items()}
    agree = "equal" if raw == stored else "DIFFERENT"
    print(
        f"same figures straight from the raw tables (read every item of the portal, sum at request time): "
        f"{raw_ms:.0f} ms (one run); figures {agree} to the stored ones",
        flush=True,
    )
    sql_ms, _ = _median_ms(lambda: _raw_sql_counts(busiest.pk, since, until), repeat)
    print(f"one plain SQL GROUP BY on the raw reports (reports per source and month only): median {sql_ms:.0f} ms")

    from reportal.reports import services as reports

    sample = next(reports.item_id_batches(200, portal_id=busiest.pk))
    started_update = time.perf_counter()
    for item_id in sample:
        services.update_items([item_id])
    per_item = (time.perf_counter() - started_update) * 1000 / len(sample)
    print(f"live update of one item (what a hand-off costs; unchanged items): {per_item:.1f} ms per item")


if __name__ == "__main__":
    main()
