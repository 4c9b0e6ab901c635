"""Outcome e-mails to reporters who gave an address: in their report's language, once per item and outcome.

They never name the reported address: a reporter should not be sent the link again, and mail is not private.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone, translation

from reportal import crypto
from reportal.hotline.models import ReporterFeedback
from reportal.reports import services as reports
from reportal.reports.services import ItemEvent, ItemStatus, Report

logger = logging.getLogger(__name__)

# Status changes that a reporter hears about, and the outcome each one reports.
FEEDBACK_OUTCOMES = {
    ItemStatus.ACTION_TAKEN: "action_taken",
    ItemStatus.REMOVED: "removed",
    ItemStatus.NOT_ACTIONABLE: "not_actionable",
}


SWEEP_DAYS = 7
STALE_ATTEMPT = timedelta(minutes=15)


def wants_feedback(event: ItemEvent) -> bool:
    return event.to_status in FEEDBACK_OUTCOMES


def send_for_event(event_id: int) -> int:
    """Send the outcome of one status change to every reporter of the item who left an address; returns the count."""
    event = reports.item_event(event_id)
    if event is None or not wants_feedback(event):
        return 0
    outcome = FEEDBACK_OUTCOMES[ItemStatus(event.to_status)]
    sent = 0
    for report in event.item.reports.exclude(email_encrypted="").select_related("portal"):
        if _send_once(report, event, outcome):
            sent += 1
    return sent


def sweep(days: int = SWEEP_DAYS) -> int:
    """Send what was missed: outcomes of the last `days` whose e-mails never went (broker down, SMTP refused)."""
    now = timezone.now()
    # A row left unsent for this long belongs to an attempt that died mid-way; it must not block a retry.
    ReporterFeedback.objects.filter(sent_at__isnull=True, created_at__lt=now - STALE_ATTEMPT).delete()
    with_address = reports.reports_with_contact().filter(items=OuterRef("item_id"))
    events = (
        reports.events_since(now - timedelta(days=days), FEEDBACK_OUTCOMES)
        .filter(Exists(with_address))
        .values_list("pk", flat=True)
    )
    return sum(send_for_event(event_id) for event_id in events)


def _send_once(report: Report, event: ItemEvent, outcome: str) -> bool:
    try:
        with transaction.atomic():
            feedback = ReporterFeedback.objects.create(report=report, item=event.item, outcome=outcome)
    except IntegrityError:
        return False  # already sent (or being sent) for this outcome
    address = _reporter_address(report)
    if not address:
        return False
    try:
        _message(report, event, outcome, address).send()
    except Exception:
        feedback.delete()  # let a retry send it
        raise
    feedback.sent_at = timezone.now()
    feedback.save(update_fields=["sent_at"])
    return True


def _reporter_address(report: Report) -> str:
    try:
        return crypto.decrypt(report.email_encrypted)
    except crypto.DecryptionFailed:
        logger.warning("The e-mail address of report %s could not be decrypted; no feedback sent", report.pk)
        return ""


def _message(report: Report, event: ItemEvent, outcome: str, address: str) -> EmailMessage:
    language = report.language or report.portal.default_language
    context = {
        "portal": report.portal,
        # The portal's name as the reporter saw it, in the language they reported in.
        "portal_name": report.portal.display_name_in(language) or report.portal.name,
        "reported_on": report.created_at,
        "outcome": outcome,
        "reason": event.reason,
        "status_url": f"{settings.REPORTAL_BASE_URL.rstrip('/')}/{report.portal.slug}/status/",
        "hotline_name": settings.REPORTAL_HOTLINE_NAME,
    }
    with translation.override(language):
        subject = render_to_string("hotline/email/feedback_subject.txt", context).strip()
        body = render_to_string("hotline/email/feedback_body.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[address])
