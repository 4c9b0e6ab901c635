"""No reporter's IP address in the database or in any log, in-process and behind gunicorn with its access log on.

The gunicorn run also shows that the rate limit counts exactly across several worker processes.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from django.db import connection

CLIENT_ADDRESS = "203.0.113.99"
FORWARDED_ADDRESS = "198.51.100.23"


def _every_text_value() -> str:
    """Every row of every table, as text: what a database dump would show."""
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            dump.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(dump)


def _submit_everything(client) -> None:
    """A mix of what citizens and clients do: good reports, bad ones, status checks, a 404 page, rate limiting."""
    headers = {"REMOTE_ADDR": CLIENT_ADDRESS, "HTTP_X_FORWARDED_FOR": FORWARDED_ADDRESS}
    good = {"portal": "gt", "urls": ["https://privacy.example/a"], "seen_on": "web", "email": "me@mail.example"}
    references = []
    for body in (good, {**good, "urls": ["http://10.0.0.1/"]}, {**good, "seen_on": "tv"}, good, good):
        response = client.post("/api/v1/reports", data=json.dumps(body), content_type="application/json", **headers)
        if response.status_code == 201:
            references.append(response.json()["reference"])
    assert references
    for reference in [*references, "AAAA-AAAA-AAAA-AAAA-AAAA"]:
        client.get(f"/api/v1/reports/status/{reference}", **headers)
    client.get("/no-such-portal-here/report/", **headers)


def test_no_client_address_in_database_or_logs(client, portal, settings, caplog) -> None:
    settings.REPORTAL_RATE_LIMIT_NO_JS = "3/h"  # the limit engages, so counters are written
    settings.REPORTAL_STATUS_RATE_LIMIT = "3/h"
    caplog.set_level(logging.DEBUG)
    _submit_everything(client)
    dump = _every_text_value()
    assert "privacy.example" in dump  # the scan does see the reports
    assert CLIENT_ADDRESS not in dump and FORWARDED_ADDRESS not in dump
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert CLIENT_ADDRESS not in logged and FORWARDED_ADDRESS not in logged


# --- behind gunicorn ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from reportal.portals.models import Portal
Portal.objects.create(slug="gt", name="Guatemala", display_name="Guatemala", country_code="GT", languages=["es", "en"])
"""


@pytest.fixture(scope="module")
def gunicorn_server(tmp_path_factory):
    """gunicorn with three workers on loopback, SQLite in a temporary data directory, access log to a file."""
    data = tmp_path_factory.mktemp("gunicorn-data")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="reportal.settings",
        REPORTAL_DATA_DIR=str(data),
        SECRET_KEY="privacy-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        REPORTAL_RATE_LIMIT_NO_JS="12/h",
        REPORTAL_STATUS_RATE_LIMIT="off",
        REPORTAL_CLIENT_ADDRESS_HEADER="X-Forwarded-For",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="3",
        GUNICORN_ACCESS_LOG=str(data / "access.log"),
        GUNICORN_ERROR_LOG=str(data / "error.log"),
        LOG_LEVEL="DEBUG",
    )
    subprocess.run([sys.executable, "-c", SETUP], env=env, check=True, capture_output=True, timeout=300)
    app_log = (data / "app.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:reportal.gunicorn_conf", "reportal.wsgi"],
        env=env, stdout=app_log, stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=1)
                break
            except httpx.HTTPError:
                if server.poll() is not None:
                    raise RuntimeError((data / "app.log").read_text()) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", data, server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        app_log.close()


@pytest.mark.slow
def test_behind_gunicorn_no_address_in_access_log_or_database_and_the_limit_holds_across_workers(
    gunicorn_server,
) -> None:
    base, data, server = gunicorn_server
    body = {"portal": "gt", "urls": ["https://gunicorn.example/x"], "seen_on": "web", "email": "me@mail.example"}

    def post(_: int) -> int:
        response = httpx.post(f"{base}/api/v1/reports", json=body, timeout=30,
                              headers={"X-Forwarded-For": FORWARDED_ADDRESS})
        return response.status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(post, range(30)))
    # Three worker processes, one allowance of 12: counted exactly, never over-admitted.
    assert codes.count(201) == 12 and codes.count(429) == 18
    httpx.post(f"{base}/api/v1/reports", json={**body, "seen_on": "tv"}, timeout=30)
    httpx.get(f"{base}/api/v1/reports/status/AAAA-AAAA-AAAA-AAAA-AAAA", timeout=30)
    httpx.get(f"{base}/no-such-portal-here/", timeout=30)
    # A malformed request: gunicorn's own error path.
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1]))) as raw:
        raw.sendall(b"NOT A REQUEST\r\n\r\n")
        raw.recv(1024)

    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)

    access = (data / "access.log").read_text()
    assert access.count('"POST /api/v1/reports HTTP/1.1" 201') == 12
    assert "127.0.0.1" not in access and FORWARDED_ADDRESS not in access
    logs = (data / "error.log").read_text() + (data / "app.log").read_text(errors="replace")
    assert FORWARDED_ADDRESS not in logs
    own_lines = [line for line in logs.splitlines() if "127.0.0.1" in line and "Listening at" not in line]
    assert own_lines == []
    databases = b"".join(path.read_bytes() for path in Path(data).glob("*.sqlite3*"))
    assert b"gunicorn.example" in databases  # the scan sees the reports (database, WAL and broker files)
    assert FORWARDED_ADDRESS.encode() not in databases and b"127.0.0.1" not in databases
