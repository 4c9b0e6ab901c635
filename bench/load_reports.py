"""Load benchmark of report intake: POST /api/v1/reports behind gunicorn, beside a bare Django view on the same
server (the framework's ceiling). Loopback only.

    python bench/load_reports.py                          # PostgreSQL at 127.0.0.1:5432 if it answers, else SQLite
    python bench/load_reports.py --database sqlite --duration 20
    python bench/load_reports.py --database postgresql://postgres@127.0.0.1:5432/reportal_bench

It creates (and afterwards drops) the bench database, migrates it, loads the demo portals, starts gunicorn with
reportal/gunicorn_conf.py and rate limits off, drives each target with wrk (bench/load_reports.lua) or, without
wrk, an asyncio/httpx load generator, and prints accepted reports/s, p50 and p99 latency, and the count of
stored reports against the count of accepted ones (none may be lost).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "load_reports.lua"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/reportal_bench"

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
try:
    from reportal.portals.demo import load_demo_portals
    load_demo_portals()
except (ImportError, NotImplementedError):
    pass
from reportal.portals.models import Portal
Portal.objects.get_or_create(slug="gt", defaults=dict(name="Guatemala", display_name="Guatemala",
                             country_code="GT", languages=["es"]))
"""


@dataclass
class Result:
    name: str
    accepted: int
    other: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loopback_only(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1", ""):
        sys.exit(f"Refusing {url}: this benchmark talks to loopback only.")


def _recreate_pg(url: str, drop_only: bool = False) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
        sys.exit(f"The bench database name must contain 'bench' and be a plain identifier, not {name!r}.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {name}")


def _stored_reports(env: dict[str, str]) -> int:
    code = "import django; django.setup(); from reportal.reports.models import Report; print(Report.objects.count())"
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def _run_wrk(url: str, duration: int, connections: int, threads: int) -> Result:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", str(LUA), url,
           "--", "gt"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    match = re.search(r"BENCH accepted=(\d+) refused=(\d+) other=(\d+) errors=(\d+) p50_us=(\d+) p99_us=(\d+) "
                      r"duration_us=(\d+)", out)
    if not match:
        sys.exit(f"wrk printed no summary:\n{out}")
    a, r, o, e, p50, p99, dur = (int(g) for g in match.groups())
    return Result("", a, r + o, e, dur / 1e6, p50 / 1000, p99 / 1000)


async def _run_python(url: str, duration: int, connections: int) -> Result:
    import httpx

    latencies: list[float] = []
    counts = {"accepted": 0, "other": 0, "errors": 0}
    deadline = time.monotonic() + duration

    async def client(n: int) -> None:
        i = 0
        async with httpx.AsyncClient(timeout=10) as http:
            while time.monotonic() < deadline:
                i += 1
                body = {"portal": "gt", "urls": [f"https://p{n}-{i}.bench.example/page?utm_source=mail&id={i}"],
                        "seen_on": "web", "description": "load test report"}
                start = time.perf_counter()
                try:
                    response = await http.post(url, json=body)
                except httpx.HTTPError:
                    counts["errors"] += 1
                    continue
                latencies.append(time.perf_counter() - start)
                counts["accepted" if response.status_code == 201 else "other"] += 1

    started = time.monotonic()
    await asyncio.gather(*(client(n) for n in range(connections)))
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0.0

    return Result("", counts["accepted"], counts["other"], counts["errors"], time.monotonic() - started,
                  pct(0.5), pct(0.99))


def _load(url: str, args: argparse.Namespace) -> Result:
    if shutil.which("wrk") and not args.python_client:
        return _run_wrk(url, args.duration, args.connections, args.threads)
    return asyncio.run(_run_python(url, args.duration, args.connections))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL", ""),
                        help="postgresql://...bench... or 'sqlite'; default: PostgreSQL on 127.0.0.1 if it answers")
    parser.add_argument("--broker", default="", help="Celery broker; default: Redis on 127.0.0.1 if it answers")
    parser.add_argument("--duration", type=int, default=60, help="seconds per target (default 60)")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured seconds before measuring (default 5)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: one per core)")
    parser.add_argument("--gunicorn-threads", type=int, default=8, help="threads per worker (1: sync workers)")
    parser.add_argument("--python-client", action="store_true", help="use the asyncio/httpx client even with wrk")
    parser.add_argument("--skip-bare", action="store_true", help="only the intake, not the bare view")
    parser.add_argument("--keep", action="store_true", help="keep the bench database and data directory")
    args = parser.parse_args()

    database = args.database
    if not database:
        database = PG_DEFAULT if _answers("127.0.0.1", 5432) else "sqlite"
    data_dir = Path(tempfile.mkdtemp(prefix="reportal-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    if database != "sqlite":
        _loopback_only(database)
        _recreate_pg(database)
        env["DATABASE_URL"] = database
        env["DB_CONN_MAX_AGE"] = "600"
    broker = args.broker or ("redis://127.0.0.1:6379/15" if _answers("127.0.0.1", 6379) else "")
    if broker:
        _loopback_only(broker)
        env["CELERY_BROKER_URL"] = broker
    port = _free_port()
    cores = os.cpu_count() or 1
    workers = args.workers or cores
    env.update(
        DJANGO_SETTINGS_MODULE="reportal.settings",
        REPORTAL_DATA_DIR=str(data_dir),
        SECRET_KEY="bench-secret-key-not-for-production-0123456789abcdefghijklmnop",
        REPORTAL_RATE_LIMIT="off",
        REPORTAL_RATE_LIMIT_NO_JS="off",
        REPORTAL_BENCH_BARE_VIEW="1",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        GUNICORN_THREADS=str(args.gunicorn_threads),
        GUNICORN_ACCESS_LOG=str(data_dir / "access.log"),
        GUNICORN_ERROR_LOG=str(data_dir / "error.log"),
    )
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, cwd=ROOT)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "python:reportal.gunicorn_conf", "reportal.wsgi"]
    server = subprocess.Popen(gunicorn, env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        for _ in range(300):
            if server.poll() is not None:
                sys.exit("gunicorn did not start; see " + str(data_dir / "error.log"))
            try:
                httpx.get(f"{base}/__bench__/bare/", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        # Warm every worker (database and broker connections, first-use caches) with a short unmeasured run.
        warm_args = argparse.Namespace(**{**vars(args), "duration": args.warmup})
        _load(f"{base}/api/v1/reports", warm_args)
        warm = _stored_reports(env)
        results = []
        intake = _load(f"{base}/api/v1/reports", args)
        intake.name = "POST /api/v1/reports (intake)"
        results.append(intake)
        stored = _stored_reports(env) - warm
        if not args.skip_bare:
            bare = _load(f"{base}/__bench__/bare/", args)
            bare.name = "POST bare Django view (ceiling)"
            results.append(bare)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)

    load = os.getloadavg()
    client = "wrk" if shutil.which("wrk") and not args.python_client else "asyncio/httpx"
    print()
    print(f"database: {'SQLite (WAL)' if database == 'sqlite' else 'PostgreSQL'}; broker: {broker or 'sqla+sqlite'}; "
          f"gunicorn: {workers} {'gthread' if args.gunicorn_threads > 1 else 'sync'} workers on {cores} cores; "
          f"client: {client}, {args.connections} connections, {args.duration} s per target; "
          f"load average after: {load[0]:.1f}")
    print(f"{'target':<34} {'accepted/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'accepted':>9} {'not 201':>8} {'errors':>7}")
    for r in results:
        print(f"{r.name:<34} {r.rate:>10.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.accepted:>9} {r.other:>8} "
              f"{r.errors:>7}")
    lost = max(0, intake.accepted - stored)
    print(f"stored reports: {stored}; accepted (201 received): {intake.accepted}; lost: {lost}")
    if not args.keep:
        if database != "sqlite":
            _recreate_pg(database, drop_only=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    if not args.broker and broker.startswith("redis://"):
        import redis

        redis.Redis.from_url(broker).flushdb()  # the bench's own database number: the queued follow-ups
    if lost:
        sys.exit(1)


if __name__ == "__main__":
    main()
