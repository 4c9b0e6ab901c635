"""Celery tasks of the workbench: thin, idempotent wrappers around its services."""

from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from celery import shared_task
from django.conf import settings

from reportal.hotline import evidence, feedback, mediacollect, preview
from reportal.hotline.auditing import audit
from reportal.pipeline.services import Work, actor, receiver


@shared_task(
    name="hotline.send_reporter_feedback",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_kwargs={"max_retries": 8},
)
def send_reporter_feedback(event_id: int) -> int:
    """E-mail the outcome of one item status change to its reporters (each outcome at most once per reporter)."""
    return feedback.send_for_event(event_id)


@receiver("hotline.send_outcome_feedback")
def send_outcome_feedback(work: Work) -> None:
    """Hand-off item.outcome -> feedback: e-mail the outcome to the item's reporters (once per reporter and
    outcome: ReporterFeedback's unique key). An SMTP failure leaves the hand-off to be retried with back-off."""
    feedback.send_for_event(int(work.payload["event_id"]))


@receiver("hotline.collect_page_media")
def collect_page_media(work: Work) -> None:
    """Hand-off item.queued -> media: fetch the item's page and its images and videos through the guarded fetcher
    (in memory, in the worker, capped by the REPORTAL_MEDIA_* settings), hash them and record them as media items
    for the analyst to grade. Idempotent on (item, SHA-256); an unreachable page is tried again later."""
    from reportal.reports.services import get_item

    item = get_item(work.subject_id)
    if item is None or item.status == "not_actionable":
        return
    ids = mediacollect.collect_item_media(item)
    audit(None, "item.media_collected", item, media=len(ids))


@receiver("hotline.bank_confirmed_images")
def bank_confirmed_images(work: Work) -> None:
    """Hand-off item.confirmed -> hashes: bank the media the analyst graded (images and videos), each with its own
    grade, images only when their PDQ quality reaches REPORTAL_MEDIA_BANK_MIN_QUALITY. Ungraded, not-illegal,
    low-quality and already known media never enter the bank. A medium already in the bank is not added again."""
    item = _confirmed_item(work)
    if item is None:
        return
    added = mediacollect.bank_graded_media(item, analyst=actor(work))
    if added:
        audit(actor(work), "item.media_banked", item, media=added)


@receiver("hotline.store_confirmed_evidence")
def store_confirmed_evidence(work: Work) -> None:
    """Hand-off item.confirmed -> evidence: keep the images, encrypted, when evidence storage is on (each image
    once per item)."""
    if not settings.REPORTAL_EVIDENCE_STORAGE:
        return
    item = _confirmed_item(work)
    if item is not None:
        evidence.store_images(item, _images(item))


def _confirmed_item(work: Work) -> Any:
    from reportal.reports.services import get_item

    item = get_item(work.subject_id)
    # Overturned by a senior before this ran: nothing of it goes to the bank or the evidence store.
    return None if item is None or item.status == "not_actionable" else item


def _images(item: Any) -> list[bytes]:
    # What the analyst previewed, if this process holds it (a run inside the web process); else fetched again.
    return preview.images_seen(item) or preview.refetch_images(item, strict=True)


@shared_task(name="hotline.feedback_sweep")
def feedback_sweep() -> int:
    """Periodic: send reporter e-mails that a broker or mail-server outage left unsent."""
    return feedback.sweep()


@shared_task(name="hotline.purge_expired_evidence")
def purge_expired_evidence() -> int:
    return evidence.purge_expired()
