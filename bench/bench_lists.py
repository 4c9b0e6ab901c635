"""Benchmark of the URL list: publication of a 1M-entry list (full and delta), export rendering, RPZ generation,
and in-process look-ups per second beside a plain Python set look-up (the ceiling).

    python bench/bench_lists.py            # 1,000,000 entries
    python bench/bench_lists.py --quick    # 50,000 entries, for CI

Runs against a fresh SQLite database in a temporary directory (or DATABASE_URL if set). Targets: publication of
1M entries under 10 s; at least 100,000 checks per second in process.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="50,000 entries instead of 1,000,000")
    parser.add_argument("--entries", type=int, default=None)
    parser.add_argument("--checks", type=int, default=300_000)
    args = parser.parse_args()
    entries = args.entries or (50_000 if args.quick else 1_000_000)
    checks = min(args.checks, 100_000) if args.quick else args.checks

    data_dir = tempfile.mkdtemp(prefix="bench-lists-")
    os.environ.setdefault("REPORTAL_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(entries, checks)


def _address(i: int) -> tuple[str, str, str]:
    """(scope, address, host) of synthetic entry i: 80% exact addresses, 15% path prefixes, 5% whole domains."""
    host = f"h{i % 200_000}.bench.example.test"
    kind = i % 20
    if kind == 0:
        return "domain", f"d{i}.bench.example.test", f"d{i}.bench.example.test"
    if kind <= 3:
        return "prefix", f"http://{host}/dir{i}/", host
    return "url", f"http://{host}/page/{i}.html", host


def _insert(start: int, count: int) -> None:
    from django.db import connection, transaction

    from reportal.lists.models import ListEntry

    table = ListEntry._meta.db_table
    now = datetime.now(UTC)
    sql = (
        f"INSERT INTO {table} (address, address_sha256, host, scope, category, source, active, added_at, "  # noqa: S608
        "removed_reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    batch = []
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(start, start + count):
            scope, address, host = _address(i)
            digest = hashlib.sha256(address.encode()).hexdigest()
            batch.append((address, digest, host, scope, "A", "bench", True, now, ""))
            if len(batch) == 20_000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def _timed(label: str, func, *args, **kwargs):  # noqa: ANN001, ANN202
    """Run once; print wall-clock and CPU seconds. On a busy shared machine the CPU time is the steadier figure
    (SQLite runs inside this process, so its work is counted); returns (result, CPU seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func(*args, **kwargs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<58} {wall:8.2f} s wall {cpu:8.2f} s CPU")
    return result, cpu


def run(entries: int, checks: int) -> None:
    from django.db import connection

    from reportal.lists import formats, matcher, publishing
    from reportal.lists.models import ListEntry, ListKind, Publication

    python = sys.version.split()[0]
    print(f"reportal URL list benchmark: {entries:,} entries, database {connection.vendor}, Python {python}")
    _timed(f"insert {entries:,} entries (set-up, not publication)", _insert, 0, entries)

    published, full_publish = _timed(f"publish version 1 ({entries:,} new entries)", publishing.publish, ListKind.URLS)
    assert published and published.entry_count == entries

    changes = max(1, entries // 100)
    removed_ids = list(ListEntry.objects.filter(active=True).order_by("?").values_list("pk", flat=True)[: changes // 2])
    ListEntry.objects.filter(pk__in=removed_ids).update(active=False, removed_at=datetime.now(UTC))
    _insert(entries, changes // 2)
    _, delta_publish = _timed(
        f"publish version 2 (+{changes // 2:,} -{len(removed_ids):,} on {entries:,})", publishing.publish, ListKind.URLS
    )
    v1 = Publication.objects.get(kind=ListKind.URLS, version=1)
    v2 = Publication.objects.get(kind=ListKind.URLS, version=2)

    sink = io.BytesIO()
    for fmt in ("json", "csv", "sha256"):
        sink.seek(0)
        sink.truncate()
        _timed(f"render full {fmt} at version 2", formats.render, sink, ListKind.URLS, fmt, v2)
        print(f"{'':<58} {len(sink.getvalue()) / 1e6:8.1f} MB")
    sink.seek(0)
    sink.truncate()
    _timed("render delta json since version 1", formats.render, sink, ListKind.URLS, "json", v2, v1)
    sink.seek(0)
    sink.truncate()
    _, rpz_time = _timed("generate RPZ (whole-domain entries)", formats.render, sink, ListKind.URLS, "rpz", v2)
    print(f"{'':<58} {sink.getvalue().count(b' CNAME .') // 2:8,} domains")
    from reportal.lists import signing

    _timed("sign the full RPZ (Ed25519)", signing.sign, sink.getvalue())

    built, _ = _timed(f"build the in-process matcher ({entries:,} entries)", matcher.build)
    rng = random.Random(7)
    probes: list[str] = []
    for _ in range(checks):
        i = rng.randrange(entries * 2)  # about half are on the list
        scope, address, host = _address(i)
        if scope == "domain":
            probes.append(f"http://www.{address}/any/path")
        elif scope == "prefix":
            probes.append(f"{address}sub/page.html")
        else:
            probes.append(address)
    exact_set = set(built.exact)

    def plain_set() -> int:
        return sum(1 for url in probes if url.partition("://")[2] in exact_set)

    def matcher_checks() -> int:
        match = built.match
        return sum(1 for url in probes if match(url))

    def service_checks(sample: list[str]) -> int:
        return sum(1 for url in sample if matcher.check(url).blocked)

    _, set_time = _timed(f"plain Python set look-up x{checks:,} (exact only, ceiling)", plain_set)
    hits, match_time = _timed(f"matcher.match x{checks:,} (url + prefix + domain)", matcher_checks)
    sample = probes[: checks // 5]
    matcher.current()
    _, service_time = _timed(f"check(raw URL) x{len(sample):,} (each new: canonicalised)", service_checks, sample)
    popular = [probes[i % 5000] for i in range(len(sample))]  # a proxy sees the same popular addresses again
    service_checks(popular[:5000])
    _, warm_time = _timed(f"check(raw URL) x{len(popular):,} (5,000 distinct, repeated)", service_checks, popular)

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print()
    print(f"Summary in CPU time (load average now {load:.1f} on {os.cpu_count()} CPUs):")
    print(f"publication of {entries:,} entries (full): {full_publish:.2f} s   target < 10 s")
    print(f"publication of a 1% delta:                   {delta_publish:.2f} s")
    print(f"RPZ generation:                              {rpz_time:.2f} s")
    print(f"plain set look-ups/s (ceiling):              {checks / set_time:,.0f}")
    print(
        f"matcher look-ups/s (canonical URL):          {checks / match_time:,.0f}   target >= 100,000  ({hits:,} hits)"
    )
    print(f"check(raw URL)/s, every address new:         {len(sample) / service_time:,.0f}  (intake's canonicaliser)")
    print(f"check(raw URL)/s, popular addresses repeated: {len(popular) / warm_time:,.0f}")


if __name__ == "__main__":
    main()
