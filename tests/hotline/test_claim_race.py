"""Claims are race-safe on SQLite: many threads, each with its own connection to one file database, one winner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_one_winner_among_concurrent_claims_on_a_sqlite_file(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_CURRENT_TEST")}
    env |= {"REPORTAL_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT), "REPORTAL_TESTING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.hotline.claim_race", "12"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["errors"] == []
    assert len(outcome["winners"]) == 1 and len(outcome["refused"]) == 11
    assert outcome["holder"] == outcome["winners"][0]
    assert outcome["status"] == "assessing"
    assert outcome["events"] == 1  # one new -> assessing change, not twelve
