"""Backend outages under steady report load: a Redis stop/start and a PostgreSQL immediate stop/start (scale-out
pass, private servers), with what users see meanwhile (503 in the page's language, JSON on the API), and what
`reportal doctor` says. No accepted report is lost, every follow-up is done, the worker recovers by itself."""

from __future__ import annotations

import httpx
import pytest

from tests.drills.harness import Database, Load, report, settle, wait_for

pytestmark = pytest.mark.slow


def _load_until(load: Load, more: int, what: str) -> None:
    start = len(load.accepted)
    wait_for(lambda: len(load.accepted) >= start + more, 90, what)


def test_doctor_says_all_is_well_then_names_a_broker_that_is_down(stack, backend) -> None:
    healthy = stack.manage("doctor", check=False)
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "Everything checked is working." in healthy.stdout

    if backend.redis:
        backend.redis.stop()
        try:
            broken = stack.manage("doctor", check=False)
        finally:
            backend.redis.start()
    else:
        env = {**backend.env, "CELERY_BROKER_URL": "redis://127.0.0.1:9/0"}  # the discard port: nothing listens
        broken = stack.manage("doctor", check=False, env=env)
    print(broken.stdout)
    assert broken.returncode == 1
    assert "PROBLEM broker" in broken.stdout
    assert "What to do: Start the broker" in broken.stdout
    if backend.redis:
        assert "PROBLEM cache" in broken.stdout


def test_redis_stop_start_under_load(stack, backend) -> None:
    if not backend.redis:
        pytest.skip("the embedded pass has no Redis; the scale-out pass (PostgreSQL + Redis) runs this drill")
    db = Database(backend)
    before = db.reports()
    done_before = db.followups()[0]
    worker = stack.pid("worker")
    load = Load(stack.base_url).start()
    try:
        _load_until(load, 10, "reports before the outage")
        backend.redis.stop()
        _load_until(load, 10, "reports to be accepted while Redis is down")
        backend.redis.start()
        _load_until(load, 10, "reports after Redis is back")
    finally:
        load.stop()
    settle(db, timeout=120)
    figures = report("Redis stop/start", load, db, backend, done_before=done_before)
    assert figures["stored"] == figures["accepted"]
    assert figures["hand-offs done"] == db.reports() - before  # each report's follow-up done exactly once
    assert db.reports() - before == len(load.accepted)
    assert set(load.answers) == {"201"}, load.answers  # the broker being down cost no report
    assert "Unrecoverable error" not in stack.log()
    assert stack.pid("worker") == worker, "the worker did not survive the Redis outage by itself"


def test_postgres_immediate_stop_start_under_load(stack, backend) -> None:
    if not backend.postgres:
        pytest.skip("the embedded pass runs on SQLite; the scale-out pass (PostgreSQL + Redis) runs this drill")
    db = Database(backend)
    before = db.reports()
    done_before = db.followups()[0]
    load = Load(stack.base_url).start()
    try:
        _load_until(load, 10, "reports before the outage")
        backend.postgres.stop("immediate")
        # A short deadline (the client's timeout): no hang, no traceback, the page's own language.
        page = httpx.get(f"{stack.base_url}/gt/es/", timeout=5)
        api = httpx.post(
            f"{stack.base_url}/api/v1/reports",
            json={"portal": "gt", "urls": ["https://x.example/"], "seen_on": "social"},
            timeout=5,
        )
        member_key = {"Authorization": "Bearer rpm_drilldrill01_secret"}  # looked up in the database
        hma = httpx.get(f"{stack.base_url}/m/index/status", headers=member_key, timeout=5)
        outage_answers = dict(load.answers)
        backend.postgres.start()
        _load_until(load, 10, "reports after PostgreSQL is back")
    finally:
        load.stop()
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert 'lang="es"' in page.text and "No podemos acceder a nuestra base de datos" in page.text
    assert "Traceback" not in page.text
    assert api.status_code == 503 and api.json()["outage"] == "database"
    assert hma.status_code == 503 and hma.json()["outage"] == "database"
    settle(db, timeout=120)
    figures = report(
        "PostgreSQL immediate stop/start",
        load,
        db,
        backend,
        done_before=done_before,
        answers_during_outage=outage_answers,
    )
    assert figures["stored"] == figures["accepted"]
    assert figures["hand-offs done"] == db.reports() - before  # each report's follow-up done exactly once
    assert db.reports() - before == len(load.accepted)
    assert set(load.answers) <= {"201", "503"}, load.answers  # refused clearly, never a 500
    assert stack.count_running("worker") == 1 and stack.count_running("beat") == 1
    verify = stack.manage("audit", "verify", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
