"""Fault drills: real processes on loopback, real faults (kill -9, a stopped Redis, a PostgreSQL stopped in
immediate mode, a full disk), and counts of what was sent, accepted, stored and handed on.

A drill runs `reportal demo` (web, worker and beat under its supervisor) in a private data directory, against
SQLite and the SQLite-backed broker (embedded pass) or a private PostgreSQL cluster and a private Redis
(scale-out pass: the shared servers are never touched), and posts reports to it from a thread at a steady pace.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.redis_server import PrivateRedis, free_port

# One line per posted report or per SMTP command would drown the drills' figures.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("mail.log").setLevel(logging.WARNING)

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("REPORTAL_PG_BIN", "/usr/lib/postgresql/15/bin"))


def scale_out() -> bool:
    """The scale-out pass (make test-postgres) sets DATABASE_URL; the drills then use PostgreSQL + Redis too."""
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def wait_for(predicate: Any, timeout: float, what: str, every: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"Gave up after {timeout:.0f} s waiting for {what}.")


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port, run as the `postgres` user (initdb refuses root)."""

    def __init__(self, base: Path) -> None:
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"PostgreSQL server binaries are not in {PG_BIN} (set REPORTAL_PG_BIN)")
        # Outside pytest's folders, which only root may enter: the server runs as `postgres`.
        self.dir = Path(tempfile.mkdtemp(prefix="reportal-drill-pg-", dir=base if os.geteuid() != 0 else None))
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run([str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8"])

    def _run(self, argv: list[str], check: bool = True) -> subprocess.CompletedProcess[str]:
        if self.as_postgres:
            argv = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_quote(a) for a in argv)]
        return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=120)  # noqa: S603

    def url(self, name: str = "reportal") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run(
            [
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(self.dir / "data"),
                "-o",
                options,
                "-l",
                str(self.dir / "log"),
                "-w",
                "start",
            ]
        )

    def stop(self, mode: str = "immediate") -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "data"), "-m", mode, "-w", "stop"], check=False)

    def remove(self) -> None:
        self.stop("fast")
        shutil.rmtree(self.dir, ignore_errors=True)

    def create_database(self, name: str = "reportal") -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')


def _quote(arg: str) -> str:
    return "'" + arg.replace("'", "'\"'\"'") + "'"


@dataclass
class Backend:
    """Where a stack keeps its data: the environment its processes get, and the servers a drill may stop."""

    data_dir: Path
    env: dict[str, str]
    redis: PrivateRedis | None = None
    postgres: PrivatePostgres | None = None

    def close(self) -> None:
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.remove()

    @property
    def database(self) -> str:
        return "PostgreSQL" if self.postgres else "SQLite"


@dataclass
class World:
    """The outside world of the confirmed-item drill, on loopback in this process: DNS, RDAP, a web site with
    drawn pictures, SMTP, and MaxMind-format databases; `env` points a stack's processes at it."""

    dns: Any
    rdap: Any
    website: Any
    smtp: Any
    env: dict[str, str]

    def host(self, name: str) -> str:
        self.dns.add(name, "A", "127.0.0.1")
        return f"http://{name}:{self.website.port}"


@contextlib.contextmanager
def running_world(base: Path) -> Iterator[World]:
    from tests.fakes.dns_server import running_dns
    from tests.fakes.geoip_db import write_asn_db, write_country_db
    from tests.fakes.rdap_server import running_rdap
    from tests.fakes.smtp_server import running_smtp
    from tests.fakes.website import running_website

    managed = contextlib.contextmanager
    with (
        managed(running_dns)() as dns,
        managed(running_rdap)() as rdap,
        managed(running_website)() as website,
        managed(running_smtp)() as smtp,
    ):
        rdap.add_network("127.0.0.0", "127.255.255.255", name="HOST-SV", country="SV", abuse="abuse@host-sv.example")
        env = {
            "REPORTAL_DNS_SERVERS": dns.address,
            "REPORTAL_RDAP_IP_URL": rdap.ip_url,
            "REPORTAL_RDAP_DOMAIN_URL": rdap.domain_url,
            "REPORTAL_GEOIP_COUNTRY_DB": str(write_country_db(base / "country.mmdb", {"127.0.0.0/8": "SV"})),
            "REPORTAL_GEOIP_ASN_DB": str(write_asn_db(base / "asn.mmdb", {"127.0.0.0/8": (64500, "Loopback SV")})),
            "REPORTAL_FETCH_ALLOW": "127.0.0.0/8",
            "REPORTAL_FETCH_TIMEOUT": "3",
            "REPORTAL_SECOND_OPINION_SHARE": "0",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
        }
        yield World(dns, rdap, website, smtp, env)


def make_backend(base: Path, *, scale: bool | None = None, data_dir: Path | None = None) -> Backend:
    """A private backend under `base`; `data_dir` (an existing folder, e.g. a small mounted file system) holds the
    data instead of base/data."""
    scale = scale_out() if scale is None else scale
    if data_dir is None:
        data_dir = base / "data"
        data_dir.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL", "CELERY_", "REDIS_URL"))}
    env.update(
        REPORTAL_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",  # the demo's log is read while it runs
        REPORTAL_RATE_LIMIT="off",
        REPORTAL_RATE_LIMIT_NO_JS="off",
        REPORTAL_STATUS_RATE_LIMIT="off",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="4",
        GUNICORN_ACCESS_LOG="off",
        # Sweeps come round in seconds, not minutes, so a drill sees recovery quickly.
        REPORTAL_HANDOFF_SWEEP_SECONDS="2",
        REPORTAL_HANDOFF_GRACE_SECONDS="3",
        REPORTAL_HANDOFF_CLAIM_SECONDS="8",
        REPORTAL_DNS_SERVERS="127.0.0.1",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(free_port()),
        EMAIL_TIMEOUT="2",
    )
    env.pop("REPORTAL_TESTING", None)
    backend = Backend(data_dir, env)
    if scale:
        backend.redis = PrivateRedis(base).start()
        backend.postgres = PrivatePostgres(base)
        backend.postgres.start()
        backend.postgres.create_database()
        env.update(
            DATABASE_URL=backend.postgres.url(),
            CELERY_BROKER_URL=backend.redis.url(0),
            REDIS_URL=backend.redis.url(1),
        )
    return backend


class Stack:
    """`reportal demo` in the backend's data directory: web, worker and beat under its supervisor."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = backend.data_dir.parent / f"demo-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Stack:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [str(BIN / "reportal"), "demo", "--port", str(self.port)],
            env=self.backend.env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._ready, 300, f"the demo to serve (log: {self.log_path})", every=0.5)
        for name in ("web", "worker", "beat"):
            wait_for(lambda name=name: self.pid(name), 60, f"the {name} pid file")
        wait_for(lambda: "ready." in self.log(), 60, "the worker to be ready")
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"The demo exited ({self.process.returncode}):\n{self.log()[-4000:]}")
        try:
            return httpx.get(f"{self.base_url}/gt/", timeout=2).status_code in (200, 302)
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def pid(self, name: str) -> int | None:
        path = self.backend.data_dir / "run" / f"{name}.pid"
        try:
            pid = int(path.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def kill(self, name: str) -> int:
        """kill -9 the named process (its main process); returns the pid that was killed."""
        pid = self.pid(name)
        assert pid, f"no running {name} process"
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 60) -> int:
        def new_pid() -> int | None:
            pid = self.pid(name)
            return pid if pid and pid != old_pid else None

        return int(wait_for(new_pid, timeout, f"the demo to restart {name}"))

    def count_running(self, name: str) -> int:
        """How many processes of this kind run from this data directory (beat: must never be two)."""
        marker = {"beat": " beat ", "worker": " worker "}[name]
        out = subprocess.run(["ps", "-eww", "-o", "args"], capture_output=True, text=True, check=True).stdout  # noqa: S607
        return sum(1 for line in out.splitlines() if marker in f" {line} " and str(self.backend.data_dir) in line)

    def manage(
        self, *args: str, check: bool = True, timeout: float = 120, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603
            [str(BIN / "reportal"), *args],
            env=env or self.backend.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@dataclass
class Load:
    """A thread that posts one report every `interval` seconds through the public API, each for its own address."""

    base_url: str
    interval: float = 0.1
    sent: int = 0
    accepted: list[str] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)
    answers: collections.Counter[str] = field(default_factory=collections.Counter)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Load:
        self._thread = threading.Thread(target=self._post_forever, daemon=True)
        self._thread.start()
        return self

    def _post_forever(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            while not self._stop.is_set():
                self.sent += 1
                url = f"https://drill-{self.run}-{self.sent}.example/page"
                self.attempted.append(url)
                try:
                    response = client.post("/api/v1/reports", json={"portal": "gt", "urls": [url], "seen_on": "social"})
                    self.answers[str(response.status_code)] += 1
                    if response.status_code == 201:
                        self.accepted.append(url)
                except httpx.HTTPError as exc:
                    self.answers[type(exc).__name__] += 1
                self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)


class Database:
    """Plain SQL on the stack's database (no Django in this process: the test process has its own settings)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.backend.postgres:
            import psycopg

            with psycopg.connect(self.backend.postgres.url(), connect_timeout=5) as connection:
                return list(connection.execute(sql.replace("?", "%s"), params).fetchall())
        with sqlite3.connect(self.backend.data_dir / "reportal.sqlite3", timeout=20) as connection:
            return list(connection.execute(sql, params).fetchall())

    def stored(self, urls: list[str]) -> int:
        """How many of these addresses are stored as reported items."""
        found: set[str] = set()
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                row[0]
                for row in self.query(
                    f"SELECT canonical_url FROM reports_reportedurl WHERE canonical_url IN ({marks})", tuple(chunk)
                )
            )
        return len(found)

    def followups(self) -> tuple[int, int]:
        """(done, waiting) intake hand-offs."""
        rows = self.query(
            "SELECT SUM(CASE WHEN followup_done_at IS NULL THEN 0 ELSE 1 END), "
            "SUM(CASE WHEN followup_done_at IS NULL THEN 1 ELSE 0 END) FROM reports_report"
        )
        done, waiting = rows[0]
        return int(done or 0), int(waiting or 0)

    def reports(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM reports_report")[0][0])


def settle(db: Database, timeout: float = 90) -> tuple[int, int]:
    """Wait until no accepted report waits for its follow-up; returns (done, waiting)."""
    wait_for(lambda: db.followups()[1] == 0, timeout, "every accepted report's follow-up")
    return db.followups()


def report(
    name: str, load: Load, db: Database, backend: Backend, *, done_before: int = 0, **extra: object
) -> dict[str, object]:
    """Print and return the drill's counts; `done_before` is the follow-ups done before this drill started."""
    done, waiting = db.followups()
    done -= done_before
    figures: dict[str, object] = {
        "drill": name,
        "database": backend.database,
        "sent": load.sent,
        "accepted": len(load.accepted),
        "stored": db.stored(load.accepted),
        "hand-offs done": done,
        "hand-offs waiting": waiting,
        "answers": dict(load.answers),
        **extra,
    }
    print("DRILL " + ", ".join(f"{k}: {v}" for k, v in figures.items()))
    return figures


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False
