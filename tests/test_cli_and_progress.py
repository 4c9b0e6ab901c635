"""The `reportal` command where nothing is set up says what to do (no traceback, no files left behind); `reportal
trace` exits non-zero with the problem in words; long commands show a bar on a terminal and plain lines in a log."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reportal.progress import Progress

REPORTAL = str(Path(sys.executable).with_name("reportal"))


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("REPORTAL_DATA_DIR", "DATABASE_URL", "REPORTAL_TESTING")}
    return subprocess.run(
        [REPORTAL, *args], cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("args", [["staff"], ["members"], ["lists", "status"], ["portals", "export", "gt"]])
def test_commands_without_a_data_directory_say_what_to_do_and_create_nothing(tmp_path, args):
    done = _run(args, tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "no reportal database in" in done.stderr and "reportal migrate" in done.stderr
    assert "REPORTAL_DATA_DIR is not set" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing created, not even ./var


def test_a_named_but_empty_data_directory_is_named_in_the_message(tmp_path):
    done = _run(["staff"], tmp_path, REPORTAL_DATA_DIR=str(tmp_path / "elsewhere"))
    assert done.returncode == 2 and f"in {tmp_path / 'elsewhere'} (REPORTAL_DATA_DIR)" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_an_unmigrated_database_says_run_migrate(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "reportal.sqlite3").touch()
    done = _run(["staff"], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is not set up, or not up to date" in done.stderr and "reportal migrate" in done.stderr


def test_trace_of_a_bad_address_exits_non_zero_with_words(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "reportal.sqlite3").touch()
    done = _run(["trace", "not an address"], tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "did not finish (bad_url)" in done.stderr and "Give a whole address" in done.stderr


def test_progress_in_a_log_is_plain_lines():
    out = io.StringIO()
    with Progress("Importing list.csv", total=200, unit="lines", stream=out, log_seconds=0) as bar:
        bar.update(50, detail="49 added")
        bar.update(200, detail="198 added")
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    assert re.match(r"Importing list\.csv +25\.0%  50 of 200 lines", lines[0]) and "49 added" in lines[0]
    assert lines[-1].endswith("(done)") and "100.0%" in lines[-1]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_one_redrawn_bar():
    out = FakeTerminal()
    with Progress("Building", total=10, stream=out, redraw_seconds=0) as bar:
        for done in range(1, 11):
            bar.update(done)
    text = out.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")  # one line, redrawn with carriage returns
    assert re.search(r"\[#{15}\.{15}\] Building +50\.0%  5 of 10", text)
    assert "[" + "#" * 30 + "]" in text.split("\r")[-1]


def test_progress_without_a_total_counts():
    out = io.StringIO()
    with Progress("Fetching", unit="signals", stream=out, log_seconds=0) as bar:
        bar.update(1234)
    assert out.getvalue().splitlines()[0] == "Fetching  1,234 signals"
