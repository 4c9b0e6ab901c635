"""gunicorn settings for reportal. No client address appears in any log line: the access log format has no
%(h)s (remote address) and no %({x-forwarded-for}i)s, and the error log drops addresses gunicorn would print.

    gunicorn -c python:reportal.gunicorn_conf reportal.wsgi

Environment: GUNICORN_BIND (127.0.0.1:8000), GUNICORN_WORKERS (one per core), GUNICORN_THREADS (8: gthread
workers; 1: sync workers), GUNICORN_ACCESS_LOG ("-" for stdout, a file, or "off"), GUNICORN_ERROR_LOG ("-"),
GUNICORN_LOG_LEVEL (info).
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from gunicorn import glogging

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# A request mostly waits for the database's commit: threads overlap those waits at little memory cost
# (bench/load_reports.py measured one 8-thread worker per core ahead of 2 x cores + 1 sync workers).
workers = int(os.environ.get("GUNICORN_WORKERS", "0")) or (os.cpu_count() or 1)
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
keepalive = 5

_access = os.environ.get("GUNICORN_ACCESS_LOG", "-")
accesslog = None if _access == "off" else _access
# Time, request line without the query string (status checks carry reference codes there), status, size, duration.
# Deliberately absent: %(h)s (client address), %(r)s and %(q)s (query string), %(f)s (referrer), %(a)s (user agent).
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Headers naming the client are not trusted from anyone: reportal does not want to know the address.
forwarded_allow_ips = ""
proxy_allow_ips = ""

# IPv4, full IPv6, and compressed IPv6 (with "::"); times such as 06:30:12 do not match.
_ADDRESS = re.compile(
    r"\b(?:\d{1,3}\.){3}\d{1,3}\b|(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|[0-9a-fA-F:.]*::[0-9a-fA-F:.]*"
)


class DropClientAddresses(logging.Filter):
    """gunicorn prints a client's address on some errors ("Invalid request from ip=..."): remove any address,
    except in the lines that say where the server itself listens."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith(("Listening at", "Starting gunicorn")):
            return True
        cleaned = _ADDRESS.sub("[address removed]", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# Paths that carry a secret in themselves: a reporter's reference code (the GET kept for older clients).
_SECRET_PATHS = (re.compile(r"(/api/v1/reports/status/)[^/?\s]*"),)


def _escape(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


def escape_for_log(text: str) -> str:
    """One log line per request, whatever a client put in its path: control characters (a decoded %0a, %0d or %00
    would start a forged line), anything else not printable, and backslashes are written as escapes."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(c if c.isprintable() and c != "\\" else _escape(c) for c in text)


def redact_path(path: str) -> str:
    for pattern in _SECRET_PATHS:
        path = pattern.sub(r"\1[redacted]", path)
    return path


class RedactingLogger(glogging.Logger):
    """gunicorn's logger, with reference codes removed from logged paths and every logged value escaped."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "r", "q"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact_path(atoms[key])
        return {k: escape_for_log(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = RedactingLogger


def on_starting(server: Any) -> None:
    logging.getLogger("gunicorn.error").addFilter(DropClientAddresses())


def post_worker_init(worker: Any) -> None:
    """Import every URL module (and with them the API and its schemas) before the first request, not during it."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  -- the access loads them
