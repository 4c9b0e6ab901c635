"""Time from an analyst's save to the confirmed item's list entry and notice, through the hand-offs
(reportal/pipeline) and a real `celery -A reportal worker` process, beside the previous design that called the
next stages inside the analyst's request. Loopback only: fake DNS, RDAP, SMTP and web site, as in the tests.

    python bench/bench_handoff.py                 # both modes: SQLite + sqla+sqlite broker, PostgreSQL + Redis
    python bench/bench_handoff.py --items 200
    python bench/bench_handoff.py --mode sqlite   # one mode only (postgresql needs both servers on 127.0.0.1)

Each mode runs in its own process with a private data directory (REPORTAL_DATA_DIR), a private PostgreSQL
database (created and dropped) and a private Redis database number. For every item the bench claims it, saves an
actionable decision through the assessment service (as the workbench view does), and polls until the list entry
and the notice exist. The previous design is timed on the same kind of items by calling the services in sequence
after the decision: trace + case (notices), list entry, re-fetch of the page's images, hash banking, evidence.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/reportal_handoff_bench"
REDIS_DEFAULT = "redis://127.0.0.1:6379/14"


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def _loopback_only(url: str) -> None:
    if (urlsplit(url).hostname or "") not in ("127.0.0.1", "localhost", "::1"):
        sys.exit(f"Refusing {url}: this benchmark talks to loopback only.")


def _recreate_pg(url: str, drop_only: bool = False) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        sys.exit(f"The bench database name must contain 'bench' and be a plain identifier, not {name!r}.")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {name}")


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))] * 1000


def _png(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), (seed * 37 % 255, 90, 150))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10 + seed % 40, 10, 90, 80 + seed % 30), fill=(240, 200, 40))
    draw.rectangle((60, 40, 150, 110), outline=(10, 10, 10), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# --- one mode, in its own process -------------------------------------------------------------------------------


def run_mode(args: argparse.Namespace) -> dict[str, object]:
    """Runs inside the child process: environment already set for the mode."""
    sys.path.insert(0, str(ROOT))
    from tests.fakes.dns_server import FakeDnsServer
    from tests.fakes.geoip_db import write_asn_db, write_country_db
    from tests.fakes.rdap_server import FakeRdapServer
    from tests.fakes.smtp_server import FakeSmtpServer
    from tests.fakes.website import FakeWebsite

    data_dir = Path(os.environ["REPORTAL_DATA_DIR"])
    site, dns, rdap, smtp = FakeWebsite().start(), FakeDnsServer().start(), FakeRdapServer().start(), FakeSmtpServer()
    smtp.start()
    os.environ.update(
        REPORTAL_FETCH_ALLOW="127.0.0.0/8",
        REPORTAL_ACCEPT_PRIVATE_URLS="1",
        REPORTAL_DNS_SERVERS=dns.address,
        REPORTAL_RDAP_IP_URL=rdap.ip_url,
        REPORTAL_RDAP_DOMAIN_URL=rdap.domain_url,
        REPORTAL_GEOIP_COUNTRY_DB=write_country_db(data_dir / "country.mmdb", {"127.0.0.0/8": "SV"}),
        REPORTAL_GEOIP_ASN_DB=write_asn_db(data_dir / "asn.mmdb", {"127.0.0.0/8": (64500, "Loopback Hosting SV")}),
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp.port),
        REPORTAL_SECOND_OPINION_SHARE="0",
        REPORTAL_EVIDENCE_STORAGE="1",
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from reportal.accounts.services import create_staff
    from reportal.actions import services as actions
    from reportal.actions.models import Notice
    from reportal.hashes import services as hashes
    from reportal.hotline import evidence, preview
    from reportal.hotline.assessment import Decision, assess_item
    from reportal.hotline.claims import claim_item
    from reportal.lists import services as lists
    from reportal.lists.models import ListEntry
    from reportal.pipeline import services as pipeline
    from reportal.portals.models import Portal
    from reportal.reports.models import ReportedUrl
    from reportal.reports.services import submit_report

    portal, _created = Portal.objects.get_or_create(
        slug="sv", defaults=dict(name="El Salvador", display_name="El Salvador", country_code="SV", languages=["es"])
    )
    analyst, *_rest = create_staff("bench-analyst", "analyst", [], password="a long bench password 42")
    total = args.items * 2 + args.warmup
    for n in range(total):
        dns.add(f"h{n}.bench.test", "A", "127.0.0.1")
        site.set(f"/g{n}/pic.png", _png(n), headers={"Content-Type": "image/png"})
        site.set(f"/g{n}", f'<html><body><img src="/g{n}/pic.png"></body></html>')
    item_ids = []
    for n in range(total):
        result = submit_report(portal, urls=[f"http://h{n}.bench.test:{site.port}/g{n}"], seen_on="web", language="es")
        item_ids.append(result.addresses[0].item_id)

    worker_cmd = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "reportal",
        "worker",
        "-l",
        "WARNING",
        "-P",
        args.pool,
        "-c",
        str(args.concurrency),
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"bench-{os.getpid()}@%h",
    ]
    log = open(data_dir / "worker.log", "w")  # noqa: SIM115 - closed after the worker stops
    worker = subprocess.Popen(worker_cmd, env=os.environ.copy(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        # The intake follow-ups of the items above go through the worker: once they are done, it is consuming.
        deadline = time.monotonic() + 120
        while pipeline.backlog().count:
            if worker.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"The worker did not take the follow-ups; see {data_dir / 'worker.log'}")
            time.sleep(0.2)

        def handoff(item_id: int) -> tuple[float, float]:
            # One at a time on an idle worker: the previous item's remaining hand-offs (hashes, evidence, feedback,
            # figures) are done first, so each time is the latency of one decision, not of a queue.
            idle_by = time.monotonic() + args.timeout
            while pipeline.backlog().count and time.monotonic() < idle_by:
                time.sleep(0.01)
            time.sleep(args.pause)
            item = ReportedUrl.objects.get(pk=item_id)
            claim_item(item, analyst)
            start = time.perf_counter()
            assess_item(item, analyst, Decision("actionable", classification={"legal_assessment": "baseline"}))
            saved = time.perf_counter()
            limit = saved + args.timeout
            while not (
                ListEntry.objects.filter(item_id=item_id, active=True).exists()
                and Notice.objects.filter(item_id=item_id).exists()
            ):
                if time.perf_counter() > limit:
                    sys.exit(f"Item {item_id}: no list entry and notice after {args.timeout} s; see worker.log")
                time.sleep(0.002)
            return saved - start, time.perf_counter() - start

        for item_id in item_ids[: args.warmup]:
            handoff(item_id)
        saves, dones = [], []
        for i, item_id in enumerate(item_ids[args.warmup : args.warmup + args.items]):
            save, done = handoff(item_id)
            saves.append(save)
            dones.append(done)
            if (i + 1) % 25 == 0:
                print(f"  {args.mode}: {i + 1}/{args.items} hand-offs", file=sys.stderr, flush=True)
        # Let the worker finish the rest (hashes, evidence, feedback, stats) before the old path is timed.
        deadline = time.monotonic() + 120
        while pipeline.backlog().count and time.monotonic() < deadline:
            time.sleep(0.2)
        undone = pipeline.backlog().count
        # Where the time goes: from the decision's commit to each hand-off's done_at, per receiving task.
        from reportal.pipeline.models import Handoff

        measured = set(item_ids[args.warmup : args.warmup + args.items])
        per_task: dict[str, list[float]] = {}
        for task, subject, created, done in Handoff.objects.filter(
            event="item.confirmed", done_at__isnull=False
        ).values_list("task", "subject_id", "created_at", "done_at"):
            if subject in measured:
                per_task.setdefault(task, []).append((done - created).total_seconds())
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        log.close()

    # The previous design: the decision, then each stage called in turn inside the request.
    original_record = pipeline.record
    pipeline.record = lambda *a, **k: []  # type: ignore[assignment]  # no hand-offs: the old path does the work
    in_request = []
    try:
        for item_id in item_ids[args.warmup + args.items :]:
            item = ReportedUrl.objects.get(pk=item_id)
            claim_item(item, analyst)
            start = time.perf_counter()
            assessment = assess_item(
                item, analyst, Decision("actionable", classification={"legal_assessment": "baseline"})
            )
            item.refresh_from_db()
            actions.act_on_item(item.pk)
            lists.on_confirmed(item, scope=assessment.list_scope, category="baseline", actor=analyst)
            images = preview.refetch_images(item)
            hashes.add_confirmed_images(item, images, analyst=analyst, classification="baseline")
            evidence.store_images(item, images)
            in_request.append(time.perf_counter() - start)
    finally:
        pipeline.record = original_record  # type: ignore[assignment]
    for server in (site, dns, rdap, smtp):
        server.stop()
    return {"saves": saves, "dones": dones, "in_request": in_request, "undone": undone, "per_task": per_task}


# --- the parent: one child per mode, then the table -------------------------------------------------------------


def _child(mode: str, args: argparse.Namespace) -> dict[str, object]:
    data_dir = Path(tempfile.mkdtemp(prefix=f"reportal-handoff-{mode}-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="reportal.settings",
        REPORTAL_DATA_DIR=str(data_dir),
        SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdefghijklmnop",
        PYTHONPATH=str(ROOT),
    )
    pool, concurrency = ("threads", 4) if mode == "sqlite" else ("prefork", 2)
    if mode == "postgresql":
        _loopback_only(args.database)
        _loopback_only(args.redis)
        _recreate_pg(args.database)
        env.update(DATABASE_URL=args.database, CELERY_BROKER_URL=args.redis)
    cmd = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--items",
        str(args.items),
        "--warmup",
        str(args.warmup),
        "--timeout",
        str(args.timeout),
        "--pause",
        str(args.pause),
        "--pool",
        args.pool or pool,
        "--concurrency",
        str(args.concurrency or concurrency),
    ]
    try:
        out = subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True).stdout
    finally:
        if mode == "postgresql":
            _recreate_pg(args.database, drop_only=True)
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    result = json.loads(out.strip().splitlines()[-1])
    result["pool"] = f"{args.pool or pool} x{args.concurrency or concurrency}"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["both", "sqlite", "postgresql"], default="both")
    parser.add_argument("--items", type=int, default=100, help="measured items per design and mode (default 100)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--pause", type=float, default=0.2, help="seconds idle before each save (default 0.2)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds an item may take before the run fails")
    parser.add_argument("--database", default=PG_DEFAULT, help="PostgreSQL URL (name must contain 'bench')")
    parser.add_argument("--redis", default=REDIS_DEFAULT, help="Redis broker URL with a private database number")
    parser.add_argument("--pool", default="", help="worker pool (default: threads for SQLite, prefork for Redis)")
    parser.add_argument("--concurrency", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the data directories")
    parser.add_argument("--child", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        args.mode = args.child
        print(json.dumps(run_mode(args)))
        return

    modes = ["sqlite", "postgresql"] if args.mode == "both" else [args.mode]
    if "postgresql" in modes and not (_answers("127.0.0.1", 5432) and _answers("127.0.0.1", 6379)):
        if args.mode == "postgresql":
            sys.exit("PostgreSQL (5432) and Redis (6379) must answer on 127.0.0.1 for this mode.")
        print("PostgreSQL or Redis does not answer on 127.0.0.1: SQLite only.", file=sys.stderr)
        modes = ["sqlite"]
    results = {}
    for mode in modes:
        print(f"{mode}: {args.items} items per design ...", file=sys.stderr, flush=True)
        results[mode] = _child(mode, args)

    load = os.getloadavg()
    print()
    print(
        f"{args.items} items per row, one at a time on an idle worker; {os.cpu_count()} cores, "
        f"load average after {load[0]:.1f}"
    )
    print(f"{'mode':<24} {'design':<44} {'median ms':>10} {'p99 ms':>8}")
    names = {"sqlite": "SQLite + sqla+sqlite", "postgresql": "PostgreSQL + Redis"}
    for mode, r in results.items():
        saves, dones, old = r["saves"], r["dones"], r["in_request"]
        label = names[mode]
        print(
            f"{label:<24} {'hand-off: save returns':<44} {statistics.median(saves) * 1000:>10.1f} "
            f"{_pct(saves, 0.99):>8.1f}"
        )
        print(
            f"{'':<24} {'hand-off: save -> list entry + notice (' + r['pool'] + ')':<44} "
            f"{statistics.median(dones) * 1000:>10.1f} {_pct(dones, 0.99):>8.1f}"
        )
        print(
            f"{'':<24} {'previous: all stages inside the save':<44} {statistics.median(old) * 1000:>10.1f} "
            f"{_pct(old, 0.99):>8.1f}"
        )
        for task, samples in sorted(r["per_task"].items(), key=lambda kv: statistics.median(kv[1])):
            print(
                f"{'':<24} {'  commit -> ' + task + ' done':<44} {statistics.median(samples) * 1000:>10.1f} "
                f"{_pct(samples, 0.99):>8.1f}"
            )
        if r["undone"]:
            print(f"{'':<24} WARNING: {r['undone']} hand-offs still undone when the worker stopped")


if __name__ == "__main__":
    main()
