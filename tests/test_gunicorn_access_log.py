"""A real gunicorn with reportal.gunicorn_conf: its access log never holds a reporter's reference code, and a
client cannot forge log lines (%0a, %0d, %00, escape sequences in the path are written escaped, one line a request).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportal.gunicorn_conf import escape_for_log, redact_path

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raw_get(port: int, target: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return data


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("gunicorn-data")
    log = data_dir / "access.log"
    port = _free_port()
    env = {
        **os.environ,
        "REPORTAL_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "reportal.settings",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "2",
        "GUNICORN_ACCESS_LOG": str(log),
        "GUNICORN_ERROR_LOG": str(data_dir / "error.log"),
    }
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:reportal.gunicorn_conf", "reportal.wsgi"], cwd=ROOT, env=env
    )
    try:
        for _ in range(200):
            try:
                _raw_get(port, b"/api/v1/openapi.json")
                break
            except OSError:
                time.sleep(0.1)
        yield port, log
    finally:
        server.terminate()
        server.wait(timeout=20)


def _log_after(log: Path, requests: int) -> list[str]:
    for _ in range(100):  # gunicorn writes the line after the response is sent
        lines = log.read_text(encoding="utf-8", errors="strict").splitlines()
        if len(lines) >= requests:
            return lines
        time.sleep(0.05)
    return log.read_text().splitlines()


def test_reference_codes_and_forged_lines_never_reach_the_log(gunicorn):
    port, log = gunicorn
    before = len(_log_after(log, 0))
    targets = [
        b"/api/v1/reports/status/SECRET-CODE-1234",
        b"/api/v1/reports/status/SECRET%0a127.0.0.1%20-%20-%20forged",
        b"/x%0d%0a[01/Jan/2026:00:00:00]%20%22GET%20/admin/%20HTTP/1.1%22%20200",
        b"/nul%00byte",
        b"/esc%1b[31mred",
        b"/gt/status/?code=SECRET-QUERY-1",
    ]
    for target in targets:
        assert _raw_get(port, target).startswith(b"HTTP/1.1 ")
    lines = _log_after(log, before + len(targets))[before:]
    text = "\n".join(lines)
    assert len(lines) == len(targets)  # one line per request: nothing forged a second one
    assert "SECRET" not in text
    assert "/api/v1/reports/status/[redacted]" in text
    assert "\x00" not in text and "\x1b" not in text and "\r" not in text
    assert "\\n" in text or "\\x0a" in text  # the decoded %0a is shown escaped
    assert all(line.startswith("[") for line in lines)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text())
def test_any_path_is_one_printable_line(path):
    logged = escape_for_log(redact_path(path))
    assert len(logged.splitlines()) <= 1
    assert all(c.isprintable() for c in logged)
