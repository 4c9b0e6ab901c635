"""Celery tasks of the workbench: thin, idempotent wrappers around its services."""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task

from reportal.hotline import evidence, feedback


@shared_task(
    name="hotline.send_reporter_feedback",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    retry_kwargs={"max_retries": 8},
)
def send_reporter_feedback(event_id: int) -> int:
    """E-mail the outcome of one item status change to its reporters (each outcome at most once per reporter)."""
    return feedback.send_for_event(event_id)


@shared_task(name="hotline.feedback_sweep")
def feedback_sweep() -> int:
    """Periodic: send reporter e-mails that a broker or mail-server outage left unsent."""
    return feedback.sweep()


@shared_task(name="hotline.purge_expired_evidence")
def purge_expired_evidence() -> int:
    return evidence.purge_expired()
