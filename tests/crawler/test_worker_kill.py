"""Drill: a real Celery worker crawls a generated loopback site; it is killed with SIGKILL in the middle, a new
worker (and beat) take over, the crawl finishes, and no page that was done before the kill is fetched again.

Runs against SQLite and the SQLite broker, or (scale-out pass: DATABASE_URL set) a private PostgreSQL cluster and
a private Redis, like tests/drills (the shared servers are never touched)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.drills.harness import BIN, REPO, Backend, Database, make_backend, wait_for
from tests.fakes.crawl_site import CrawlSite, SiteMap, running_site

pytestmark = [pytest.mark.slow]

PAGES = 500


@pytest.fixture
def backend(tmp_path) -> Iterator[Backend]:
    made = make_backend(tmp_path)
    made.env.update(
        REPORTAL_FETCH_ALLOW="127.0.0.0/8",
        REPORTAL_CRAWL_CLAIM_SECONDS="4",
        REPORTAL_CRAWL_SLICE_SECONDS="3",
        REPORTAL_CRAWL_DELAY_SECONDS="0.02",
        REPORTAL_CRAWL_RESUME_SECONDS="2",
        REPORTAL_CRAWL_HOST_CONCURRENCY="2",
    )
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def site() -> Iterator[CrawlSite]:
    yield from running_site(SiteMap(pages=PAGES, branching=5, images_per_page=1))


def reportal(backend: Backend, *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "reportal"), *args], env=backend.env, cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def start(backend: Backend, log: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "celery"), "-A", "reportal", *args],
        env=backend.env,
        cwd=REPO,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_a_killed_workers_crawl_resumes_without_fetching_done_pages_again(backend, site, tmp_path):
    reportal(backend, "migrate", "--no-input")
    reportal(backend, "shell", "-c", "from tests.fakes.items import make_portal; make_portal('sv', 'SV')")
    db = Database(backend)
    log = tmp_path / "worker.log"
    worker_args = ["worker", "--pool", "threads", "--concurrency", "2", "--loglevel", "INFO"]
    first = start(backend, log, *worker_args)
    beat = start(backend, tmp_path / "beat.log", "beat", "--schedule", str(tmp_path / "beat-schedule"))
    second = None
    try:
        wait_for(lambda: "ready." in log.read_text(errors="replace"), 120, "the first worker")
        out = reportal(backend, "crawl", "start", site.url(), "--portal", "sv", "--scope", "host", "--depth", "10")
        crawl_id = int(out.split()[1])

        def done_pages() -> set[str]:
            rows = db.query("SELECT url FROM crawler_crawlpage WHERE crawl_id = ? AND state = 'done'", (crawl_id,))
            return {row[0] for row in rows}

        wait_for(lambda: len(done_pages()) >= 100, 180, "a hundred pages done by the first worker")
        os.kill(first.pid, signal.SIGKILL)  # kill -9: no clean-up, its claims and host leases stay behind
        first.wait(timeout=30)
        done_before_kill = {int(url.rsplit("/", 1)[1].removesuffix(".html")) for url in done_pages()}
        asked_at_kill = site.fetched_pages()
        assert len(done_before_kill) < PAGES, "the crawl finished before the kill; the drill proves nothing"

        second = start(backend, log, *worker_args)
        wait_for(
            lambda: db.query("SELECT state FROM crawler_crawl WHERE id = ?", (crawl_id,))[0][0] == "finished",
            300,
            "the crawl to finish after the restart",
        )
        status = reportal(backend, "crawl", "status", str(crawl_id))
    finally:
        for process in (first, second, beat):
            if process is not None:
                stop(process)

    fetched = site.fetched_pages()
    print(f"DRILL crawl kill -9: {len(done_before_kill)} pages done before the kill, {len(fetched)} after; {status}")
    assert set(fetched) == set(range(PAGES))  # the whole site, in the end
    # No page done before the kill was fetched again.
    assert all(fetched[n] == 1 for n in done_before_kill)
    # Only a page in a worker's hands at the kill (claimed, not done) may have been asked for twice.
    twice = {n for n, count in fetched.items() if count > 1}
    assert len(twice) <= 2 and twice <= set(asked_at_kill)
    attempts = dict(db.query("SELECT url, attempts FROM crawler_crawlpage WHERE crawl_id = ?", (crawl_id,)))
    assert all(attempts[site.url(f"/p/{n}.html")] == 2 for n in twice)
    rows = db.query("SELECT state, COUNT(*) FROM crawler_crawlpage WHERE crawl_id = ? GROUP BY state", (crawl_id,))
    assert dict(rows) == {"done": PAGES}
