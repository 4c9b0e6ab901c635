"""`reportal doctor`: is this install healthy? Database, broker, cache, hash index file, list signing key, the
disk, the hand-off backlog and its oldest undone hand-off; each problem in words with what to do. Exits 1 when
something is wrong, so a monitor (or a person after an incident) can run it.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# An undone hand-off older than this means work is stuck, not just queued (the sweep re-sends every minute).
STUCK_AFTER = timedelta(minutes=15)
LOW_DISK_BYTES = 200 * 1024 * 1024


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str
    todo: str = ""


class Command(BaseCommand):
    help = (
        "Check the database, broker, cache, hash index file, list signing key, disk space and the hand-off "
        "backlog; exit status 1 when something is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the findings as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        checks: list[Callable[[], Finding]] = [
            check_database,
            check_disk,
            check_broker,
            check_cache,
            check_hash_index,
            check_signing_key,
            check_backlog,
        ]
        findings = []
        for check in checks:
            try:
                findings.append(check())
            except Exception as exc:  # noqa: BLE001 - a check that breaks is itself a finding
                name = check.__name__.removeprefix("check_").replace("_", " ")
                findings.append(
                    Finding(name, False, f"{type(exc).__name__}: {exc}", _("See the error above; then run again."))
                )
        if options["json"]:
            self.stdout.write(json.dumps([f.__dict__ for f in findings], indent=2))
        else:
            for finding in findings:
                mark = self.style.SUCCESS("ok     ") if finding.ok else self.style.ERROR("PROBLEM")
                self.stdout.write(f"{mark} {finding.name:<12} {finding.detail}")
                if finding.todo:
                    self.stdout.write(f"        {'':<12} {_('What to do:')} {finding.todo}")
        problems = [f for f in findings if not f.ok]
        if problems:
            raise CommandError(
                ngettext("%(count)s problem found: %(names)s.", "%(count)s problems found: %(names)s.", len(problems))
                % {"count": len(problems), "names": ", ".join(f.name for f in problems)},
                returncode=1,
            )
        self.stdout.write(_("Everything checked is working."))


def check_database() -> Finding:
    from django.db.migrations.executor import MigrationExecutor

    vendor = connection.vendor
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any driver error means the same to the operator
        return Finding(
            "database",
            False,
            _("cannot connect (%(error)s)") % {"error": _first_line(exc)},
            _("Start the database server or correct DATABASE_URL, then run reportal doctor again."),
        )
    elapsed_ms = (time.monotonic() - started) * 1000
    plan = MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes())
    if plan:
        return Finding(
            "database",
            False,
            ngettext("%(count)s migration not applied", "%(count)s migrations not applied", len(plan))
            % {"count": len(plan)},
            _("Run reportal migrate."),
        )
    return Finding("database", True, _("%(vendor)s answers in %(ms).0f ms") % {"vendor": vendor, "ms": elapsed_ms})


def check_disk() -> Finding:
    data_dir = Path(settings.DATA_DIR)
    free = shutil.disk_usage(data_dir).free
    detail = _("%(free)s MB free in %(dir)s") % {"free": free // (1024 * 1024), "dir": data_dir}
    if free < LOW_DISK_BYTES:
        return Finding(
            "disk",
            False,
            detail,
            _("Free space on this disk: new reports are refused with 503 while it is full."),
        )
    return Finding("disk", True, detail)


def check_broker() -> Finding:
    from reportal.celery import app

    url = str(app.conf.broker_url)
    shown = url.split("@")[-1]  # never print a password from the URL
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
            with conn.channel() as channel:
                pending = channel.queue_declare(queue=app.conf.task_default_queue, passive=False).message_count
    except Exception as exc:  # noqa: BLE001 - kombu raises per transport
        return Finding(
            "broker",
            False,
            _("%(url)s cannot be reached (%(error)s)") % {"url": shown, "error": _first_line(exc)},
            _(
                "Start the broker (Redis: systemctl start redis-server) or correct CELERY_BROKER_URL. Reports are "
                "still accepted meanwhile; their hand-offs wait in the outbox."
            ),
        )
    waiting = ngettext("%(url)s, %(count)s message waiting", "%(url)s, %(count)s messages waiting", pending)
    return Finding("broker", True, waiting % {"url": shown, "count": pending})


def check_cache() -> Finding:
    from django.core.cache import cache

    backend = str(settings.CACHES.get("default", {}).get("BACKEND", "")).rsplit(".", 1)[-1]
    key = f"reportal-doctor-{time.time_ns()}"
    try:
        cache.set(key, "1", timeout=10)
        answered = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:  # noqa: BLE001 - redis-py and the database cache raise different types
        return Finding(
            "cache",
            False,
            _("%(backend)s cannot be reached (%(error)s)") % {"backend": backend, "error": _first_line(exc)},
            _(
                "Start Redis or correct REDIS_URL (with the database cache: run reportal createcachetable). "
                "Rate limits count in each process until it is back."
            ),
        )
    if not answered:
        return Finding(
            "cache",
            False,
            _("%(backend)s does not keep values") % {"backend": backend},
            _("Check its memory limit and eviction settings."),
        )
    return Finding("cache", True, backend)


def check_hash_index() -> Finding:
    from reportal.hashes.matcher import index_dir
    from reportal.hashes.signals import SIGNAL_TYPES

    directory = index_dir()
    latest = directory / "latest.json"
    if not latest.exists():
        return Finding(
            "hash index",
            True,
            _("none built yet in %(dir)s (matchers use the database until the first build)") % {"dir": directory},
        )
    summary = json.loads(latest.read_text())
    missing = [
        name for name in (f"{t}-{summary['stamp']}.idx" for t in SIGNAL_TYPES) if not (directory / name).is_file()
    ]
    if missing:
        return Finding(
            "hash index",
            False,
            _("files of the latest build are missing: %(files)s") % {"files": ", ".join(missing)},
            _("Run reportal hashes build-index (or wait for the next merge) to write a new one."),
        )
    age = time.time() - int(summary["stamp"]) / 1000
    return Finding(
        "hash index",
        True,
        _("%(count)s PDQ hashes, built %(minutes).0f min ago in %(dir)s")
        % {"count": summary.get("sizes", {}).get("pdq", 0), "minutes": age / 60, "dir": directory},
    )


def check_signing_key() -> Finding:
    from reportal.lists import signing

    message = b"reportal doctor"
    try:
        signature = signing.sign(message)
        valid = signing.verify(message, signature)
    except Exception as exc:  # noqa: BLE001 - ImproperlyConfigured, or an unreadable file
        return Finding(
            "signing key",
            False,
            _first_line(exc),
            _("Set REPORTAL_LIST_SIGNING_KEY to an Ed25519 PEM private key (text or file path) that can be read."),
        )
    if not valid:
        return Finding("signing key", False, _("signatures do not verify"), _("Replace REPORTAL_LIST_SIGNING_KEY."))
    source = _("REPORTAL_LIST_SIGNING_KEY") if getattr(settings, "REPORTAL_LIST_SIGNING_KEY", "") else _("demo key")
    return Finding("signing key", True, _("%(source)s signs and verifies") % {"source": source})


def check_backlog() -> Finding:
    count, oldest_at, oldest, failed, last_error = _backlog()
    if count == 0:
        return Finding("hand-offs", True, _("nothing waiting"))
    age = timezone.now() - oldest_at if oldest_at else timedelta(0)
    detail = _("%(count)s waiting; the oldest (%(oldest)s) for %(minutes).0f min") % {
        "count": count,
        "oldest": oldest,
        "minutes": age.total_seconds() / 60,
    }
    if failed:
        return Finding(
            "hand-offs",
            False,
            detail + "; " + _("%(failed)s given up, last error: %(error)s") % {"failed": failed, "error": last_error},
            _("Fix the cause in the error, then run reportal handoffs --retry-failed."),
        )
    if age > STUCK_AFTER:
        return Finding(
            "hand-offs",
            False,
            detail,
            _("Check that a worker and beat run (reportal demo, or the systemd units in the README) and their logs."),
        )
    return Finding("hand-offs", True, detail)


def _backlog() -> tuple[int, Any, str, int, str]:
    """(count, oldest time, oldest label, given up, last error) from the pipeline's backlog."""
    from reportal.pipeline.services import backlog

    found = backlog()
    return found.count, found.oldest_at, found.oldest, found.failed, found.last_error


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
