"""Issue 11 item 10: REPORTAL_BEHIND_TLS_PROXY turns on the proxy header, HTTPS redirects, HSTS and Secure cookies;
`reportal check --deploy` passes with it (and complains without it). Settings are read once at start-up, so each
case runs in its own process, as a deployment would."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPORTAL = str(Path(sys.executable).with_name("reportal"))

PROBE = """
import django, os
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
c = Client(HTTP_HOST="hotline.example")
plain = c.get("/staff/login/")
print("plain", plain.status_code, plain.get("Location", ""))
tls = c.get("/staff/login/", HTTP_X_FORWARDED_PROTO="https")
print("tls", tls.status_code, tls.get("Strict-Transport-Security", "-"))
print("cookie-secure", tls.cookies["csrftoken"]["secure"])
print("referrer", tls["Referrer-Policy"])
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    # The browser tests' switch is not a deployment's.
    unset = ("REPORTAL_TESTING", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "reportal.settings",
            "REPORTAL_DATA_DIR": str(tmp_path / "data"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "hotline.example",
        }
    )
    env.update(extra)
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [REPORTAL, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_passes_behind_a_tls_proxy(tmp_path):
    done = _check_deploy(_env(tmp_path, REPORTAL_BEHIND_TLS_PROXY="true"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout + done.stderr


def test_check_deploy_names_what_is_missing_without_it(tmp_path):
    done = _check_deploy(_env(tmp_path))
    assert done.returncode != 0
    output = done.stdout + done.stderr
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in output, check


@pytest.mark.parametrize("setting", ["true", "false"])
def test_behind_a_tls_proxy_https_hsts_and_secure_cookies(tmp_path, setting):
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=_env(tmp_path, REPORTAL_BEHIND_TLS_PROXY=setting),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    if setting == "true":
        assert lines["plain"] == "301 https://hotline.example/staff/login/"
        assert lines["tls"] == "200 max-age=31536000; includeSubDomains"
        assert lines["cookie-secure"] == "True"
    else:
        assert lines["plain"].startswith("200")
        assert lines["tls"] == "200 -"
        assert lines["cookie-secure"] in ("", "False")
    assert lines["referrer"] == "same-origin"
