"""What other apps (and the ncmec task) may ask of the CyberTipline reporting: one report per confirmed item.

`report_item` is the receiver of the hand-off item.route_ncmec (reportal/pipeline/registry.py). It keeps the step
reached in CyberTiplineReport before and after every call to NCMEC, so a run after a crash or an outage goes on from
there: never a second finished report for an item, never a file uploaded twice, and a report NCMEC already finished
stays finished. One window remains, as ISPWS has no idempotency key: if the process dies after NCMEC answered /submit
and before the report id is committed, the retry opens a new report and the first stays unfinished at NCMEC (an
unfinished report is not a CyberTip). Off until REPORTAL_CYBERTIPLINE_ENVIRONMENT and credentials are set.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from reportal.ncmec import report_xml
from reportal.ncmec.client import ALREADY_FINISHED, CyberTiplineClient, CyberTiplineError
from reportal.ncmec.models import CyberTiplineFile, CyberTiplineReport, Step
from reportal.net.errors import FetchError
from reportal.net.fetch import fetch

__all__ = ["CyberTiplineError", "ReportState", "is_configured", "report_item", "report_state", "retry"]

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 50 * 1024 * 1024


def is_configured() -> bool:
    return bool(
        settings.REPORTAL_CYBERTIPLINE_ENVIRONMENT
        and settings.REPORTAL_CYBERTIPLINE_USERNAME
        and settings.REPORTAL_CYBERTIPLINE_PASSWORD
    )


def base_url() -> str:
    if settings.REPORTAL_CYBERTIPLINE_ENVIRONMENT == "production":
        return str(settings.REPORTAL_CYBERTIPLINE_PRODUCTION_URL)
    return str(settings.REPORTAL_CYBERTIPLINE_TEST_URL)


def client() -> CyberTiplineClient:
    return CyberTiplineClient(
        base_url(),
        settings.REPORTAL_CYBERTIPLINE_USERNAME,
        settings.REPORTAL_CYBERTIPLINE_PASSWORD,
        timeout=settings.REPORTAL_CYBERTIPLINE_TIMEOUT,
    )


@dataclass(frozen=True)
class ReportState:
    """An item's CyberTipline report as the item page shows it."""

    step: str
    step_label: str
    report_id: str
    environment: str
    files: int
    last_error: str
    submitted_at: datetime | None
    finished_at: datetime | None


def report_state(item_id: int) -> ReportState | None:
    report = CyberTiplineReport.objects.filter(item_id=item_id).first()
    if report is None:
        return None
    return ReportState(
        step=report.step,
        step_label=report.get_step_display(),
        report_id=report.report_id,
        environment=report.environment,
        files=report.files.exclude(file_id="").count(),
        last_error=report.last_error,
        submitted_at=report.submitted_at,
        finished_at=report.finished_at,
    )


def _reporter() -> report_xml.Reporter:
    email = settings.DEFAULT_FROM_EMAIL.split("<")[-1].strip(" >")
    return report_xml.Reporter(organisation=settings.REPORTAL_HOTLINE_NAME, email=email)


def _facts(facts: dict[str, Any]) -> report_xml.ReportFacts:
    confirmed = parse_datetime(str(facts.get("confirmed_at") or "")) or timezone.now()
    hosting = ", ".join(
        part
        for part in (
            str(facts.get("hosting_country") or ""),
            str(facts.get("network") or ""),
            " ".join(facts.get("ips") or []),
        )
        if part
    )
    return report_xml.ReportFacts(
        url=str(facts["url"]),
        confirmed_at=confirmed,
        reporter=_reporter(),
        media_urls=[str(m["url"]) for m in facts.get("media", [])],
        hosting=hosting,
        reference=str(facts.get("reference") or ""),
    )


def report_item(item_id: int, facts: dict[str, Any]) -> ReportState | None:
    """Report a confirmed item to the CyberTipline, going on from the step reached. A retryable failure (outage,
    NCMEC's server errors) is recorded and raised, so the hand-off is tried again; a refusal is recorded on the
    report (FAILED, shown on the item page) and not retried."""
    if not is_configured():
        raise CyberTiplineError(
            _("The CyberTipline client is not configured (REPORTAL_CYBERTIPLINE_*)."),
            code=None,
            retryable=True,
            step="",
        )
    report, _created = CyberTiplineReport.objects.get_or_create(
        item_id=item_id, defaults={"environment": settings.REPORTAL_CYBERTIPLINE_ENVIRONMENT, "facts": facts}
    )
    if report.step in (Step.FINISHED, Step.FAILED):
        return report_state(item_id)
    api = client()
    try:
        if report.step == Step.PENDING:
            answer = api.submit(report_xml.report_document(_facts(facts)))
            report.report_id, report.step, report.submitted_at = answer.report_id, Step.SUBMITTED, timezone.now()
            report.save(update_fields=["report_id", "step", "submitted_at"])
        _add_files(api, report, facts.get("media", []))
        try:
            api.finish(report.report_id)
        except CyberTiplineError as exc:
            if exc.code != ALREADY_FINISHED:  # finished before a crash cut off our record of it
                raise
        report.step, report.finished_at, report.last_error, report.error_code = Step.FINISHED, timezone.now(), "", None
        report.save(update_fields=["step", "finished_at", "last_error", "error_code"])
    except CyberTiplineError as exc:
        report.attempts += 1
        report.last_error, report.error_code = str(exc), exc.code
        if not exc.retryable:
            report.step = Step.FAILED
        report.save(update_fields=["attempts", "last_error", "error_code", "step"])
        if exc.retryable:
            raise
        logger.warning("CyberTipline report of item %s refused: %s", item_id, exc)
    return report_state(item_id)


def retry(item_id: int) -> ReportState | None:
    """Try an unfinished report again once its cause is fixed (credentials, permissions, a long outage), from the
    step it reached: a report NCMEC opened is carried on, not opened again. An operator's action (`reportal
    cybertipline retry`); a finished report is left as it is."""
    report = CyberTiplineReport.objects.filter(item_id=item_id).exclude(step=Step.FINISHED).first()
    if report is None:
        return report_state(item_id)
    if report.step == Step.FAILED:
        report.step = Step.SUBMITTED if report.report_id else Step.PENDING
        report.save(update_fields=["step"])
    return report_item(item_id, report.facts)


def _add_files(api: CyberTiplineClient, report: CyberTiplineReport, media: list[dict[str, Any]]) -> None:
    """Upload each confirmed file once (fetched again in memory, sent only if it is still the file confirmed), then
    describe it. Files already uploaded are only described if that step was cut off."""
    done = {f.sha256: f for f in report.files.all()}
    for number, entry in enumerate(media, start=1):
        expected = str(entry.get("sha256") or "")
        row = done.get(expected) if expected else None
        if row is None:
            data = _fetch_confirmed(str(entry["url"]), expected)
            if data is None:
                continue
            digest = hashlib.sha256(data).hexdigest()
            row = done.get(digest)
            if row is None:
                name = f"{report.item_id}-{number}{_extension(str(entry.get('content_type') or ''))}"
                answer = api.upload(report.report_id, name, data)
                with transaction.atomic():
                    row = CyberTiplineFile.objects.create(
                        report=report,
                        source_url=str(entry["url"]),
                        sha256=digest,
                        file_id=answer.file_id,
                        md5=answer.hash or hashlib.md5(data, usedforsecurity=False).hexdigest(),
                    )
                done[digest] = row
        if not row.described:
            api.fileinfo(
                report_xml.file_details_document(
                    report.report_id, row.file_id, location=row.source_url, sha256=row.sha256, md5=row.md5
                )
            )
            row.described = True
            row.save(update_fields=["described"])


def _fetch_confirmed(url: str, expected_sha256: str) -> bytes | None:
    """The file at `url`, in memory, if it is still the one the analyst confirmed (else None: the report still names
    its address)."""
    try:
        result = fetch(url, max_bytes=MAX_FILE_BYTES)
    except FetchError as exc:
        logger.info("file for the CyberTipline report not fetched (%s)", exc)
        return None
    if result.status != 200:
        return None
    if expected_sha256 and hashlib.sha256(result.body).hexdigest() != expected_sha256:
        return None
    return result.body


def _extension(content_type: str) -> str:
    return mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
