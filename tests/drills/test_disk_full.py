"""A full disk under steady report load (embedded mode, its data on a small tmpfs mounted for the drill): reports
answer a clear 503, the database is not corrupted, no process stays down, and intake recovers when space
returns."""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.drills.harness import Database, Load, Stack, make_backend, report, settle, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs for the full-disk drill needs root")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount_point)], check=False)
    if mounted.returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs (a container without CAP_SYS_ADMIN)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * (256 * 1024))
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def _post() -> dict[str, object]:
    return {"portal": "gt", "urls": ["https://disk.example/full"], "seen_on": "social"}


def test_full_disk_answers_503_keeps_the_database_and_recovers(tmp_path, small_disk) -> None:
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the full-disk drill runs in the embedded pass (its SQLite database on the small disk)")
    backend = make_backend(tmp_path, scale=False, data_dir=small_disk)
    stack = Stack(backend).start()
    db = Database(backend)
    load = Load(stack.base_url, interval=0.2).start()
    try:
        wait_for(lambda: len(load.accepted) >= 10, 60, "reports before the disk fills")
        filler = _fill(small_disk)
        full = wait_for(
            lambda: (
                (r := httpx.post(f"{stack.base_url}/api/v1/reports", json=_post(), timeout=10)).status_code == 503 and r
            ),
            60,
            "a 503 while the disk is full",
        )
        doctor = stack.manage("doctor", check=False)
        filler.unlink()
        at_recovery = len(load.accepted)
        wait_for(lambda: len(load.accepted) >= at_recovery + 10, 120, "reports to be accepted again")
    finally:
        load.stop()
    try:
        assert full.json()["outage"] == "disk-full"
        assert "storage" in full.json()["detail"]
        assert doctor.returncode == 1 and "PROBLEM disk" in doctor.stdout
        settle(db, timeout=120)
        figures = report("disk full", load, db, backend)
        assert figures["stored"] == figures["accepted"]
        assert db.stored(load.attempted) == len(load.accepted)  # a report answered 503 was not stored either
        assert set(load.answers) <= {"201", "503"}, load.answers  # refused clearly, never a 500
        with sqlite3.connect(backend.data_dir / "reportal.sqlite3") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert stack.process is not None and stack.process.poll() is None  # the demo did not give up
        wait_for(lambda: stack.pid("worker") and stack.pid("beat"), 60, "worker and beat running")
    finally:
        stack.stop()
