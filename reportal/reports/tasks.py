"""Celery tasks of intake: thin, idempotent wrappers. The outbox sweep makes sure no report's follow-up is lost."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from reportal.reports.models import Report, ReportUrl
from reportal.reports.signals import report_followup

logger = logging.getLogger(__name__)

# A report waits this long for its after-commit hand-over before the sweep takes it.
OUTBOX_GRACE = timedelta(minutes=1)
# Handed over this long ago and still not done: the message was lost (a crash between commit and publish, or a
# broker restart without persistence). Sending it again is safe: process_report is idempotent.
LOST_AFTER = timedelta(minutes=30)
SWEEP_BATCH = 500


@shared_task(name="reports.process_report", ignore_result=True)
def process_report(report_id: int) -> bool:
    """Run the follow-up of one report once; a repeat delivery finds it done and does nothing."""
    report = Report.objects.filter(pk=report_id).values("pk", "followup_done_at").first()
    if report is None:
        logger.warning("Follow-up for report %s skipped: the report no longer exists.", report_id)
        return False
    if report["followup_done_at"] is not None:
        return False
    item_ids = list(ReportUrl.objects.filter(report_id=report_id).values_list("item_id", flat=True))
    for receiver, result in report_followup.send_robust(sender=Report, report_id=report_id, item_ids=item_ids):
        if isinstance(result, Exception):
            logger.error("Follow-up step %r failed for report %s: %r", receiver, report_id, result)
    done = Report.objects.filter(pk=report_id, followup_done_at__isnull=True).update(followup_done_at=timezone.now())
    return bool(done)


@shared_task(name="reports.flush_outbox", ignore_result=True)
def flush_outbox() -> int:
    """Hand over reports whose follow-up never reached the broker (or was lost there). Returns how many."""
    from reportal.reports.services import enqueue_followup

    now = timezone.now()
    never_sent = Report.objects.filter(followup_enqueued_at__isnull=True, created_at__lt=now - OUTBOX_GRACE)
    lost = Report.objects.filter(followup_done_at__isnull=True, followup_enqueued_at__lt=now - LOST_AFTER)
    ids = list(never_sent.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    lost_ids = list(lost.order_by("created_at").values_list("pk", flat=True)[:SWEEP_BATCH])
    ids += lost_ids
    sent = 0
    for report_id in ids:
        Report.objects.filter(pk=report_id).update(followup_enqueued_at=now)
        if not enqueue_followup(report_id):
            break  # the broker is still down (the stamp is cleared again): the next sweep tries again
        sent += 1
    if ids:
        logger.info("Outbox sweep handed over %s of %s waiting reports.", sent, len(ids))
    return sent
