"""Celery tasks of intake: thin, idempotent wrappers. The outbox is the report table itself: a report whose
followup_done_at is empty still waits for its follow-up, whatever happened to the broker meanwhile.

After each commit the intake asks for `reports.process_pending` (services.enqueue_followup). Under load those
requests coalesce: one message per process per REPORTAL_FOLLOWUP_COALESCE_SECONDS, run just after that window,
takes every report committed in it, so a busy intake does not pay a broker round trip per report.
`reports.flush_outbox` (beat, every minute) asks again for reports that have waited longer than a minute.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reportal.reports.models import Report, ReportUrl
from reportal.reports.signals import report_followup

logger = logging.getLogger(__name__)

BATCH = 200
MAX_BATCHES = 50  # per task run; the next run takes the rest


def _run_followup(report_ids: list[int]) -> None:
    """The follow-up steps of these reports (receivers of reports.signals.report_followup). Receivers must be
    quick and idempotent: slow work (tracing, fetching) belongs in tasks of their own that they enqueue."""
    links: dict[int, list[int]] = {pk: [] for pk in report_ids}
    for report_id, item_id in ReportUrl.objects.filter(report_id__in=report_ids).values_list("report_id", "item_id"):
        links[report_id].append(item_id)
    for report_id, item_ids in links.items():
        for receiver, result in report_followup.send_robust(sender=Report, report_id=report_id, item_ids=item_ids):
            if isinstance(result, Exception):
                logger.error("Follow-up step %r failed for report %s: %r", receiver, report_id, result)


@shared_task(name="reports.process_pending", ignore_result=True)
def process_pending() -> int:
    """Run the follow-up of every report still waiting for it, in batches; returns how many were done.

    On PostgreSQL concurrent runs split the work (FOR UPDATE SKIP LOCKED); elsewhere a repeat is harmless."""
    done = 0
    for _batch in range(MAX_BATCHES):
        with transaction.atomic():
            waiting = Report.objects.filter(followup_done_at__isnull=True).order_by("pk")
            ids = list(waiting.select_for_update(skip_locked=True).values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            _run_followup(ids)
            done += Report.objects.filter(pk__in=ids, followup_done_at__isnull=True).update(
                followup_done_at=timezone.now()
            )
        if len(ids) < BATCH:
            break
    return done


@shared_task(name="reports.process_report", ignore_result=True)
def process_report(report_id: int) -> bool:
    """Run the follow-up of one report once; a repeat delivery finds it done and does nothing."""
    with transaction.atomic():
        found = list(
            Report.objects.filter(pk=report_id, followup_done_at__isnull=True)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not found:
            return False
        _run_followup(found)
        Report.objects.filter(pk=report_id).update(followup_done_at=timezone.now())
    return True


@shared_task(name="reports.flush_outbox", ignore_result=True)
def flush_outbox() -> int:
    """Ask again for the follow-up of reports that have waited longer than the hand-off grace (the broker was down,
    or a message was lost). Returns how many reports the request covers (0 while the broker is still down)."""
    from reportal.reports.services import request_followup

    now = timezone.now()
    # The same grace as every other hand-off (REPORTAL_HANDOFF_GRACE_SECONDS), so one setting tunes all sweeps.
    grace = timedelta(seconds=settings.REPORTAL_HANDOFF_GRACE_SECONDS)
    waiting = Report.objects.filter(followup_done_at__isnull=True, created_at__lt=now - grace)
    count = waiting.count()
    if not count:
        return 0
    if not request_followup(coalesce=False):
        return 0
    waiting.filter(followup_enqueued_at__isnull=True).update(followup_enqueued_at=now)
    logger.info("Outbox sweep asked for the follow-up of %s waiting reports.", count)
    return count


def followup_backlog() -> tuple[int, datetime | None]:
    """Reports still waiting for their follow-up, and when the oldest of them was made (for pipeline.backlog)."""
    waiting = Report.objects.filter(followup_done_at__isnull=True)
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    return (waiting.count() if oldest is not None else 0), oldest
