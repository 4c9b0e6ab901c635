"""Reporters hear about outcomes whichever stage changes the status: every ItemEvent is checked after commit."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from reportal.hotline.feedback import wants_feedback
from reportal.reports.models import ItemEvent

logger = logging.getLogger(__name__)


@receiver(post_save, sender=ItemEvent, dispatch_uid="hotline-reporter-feedback")
def queue_reporter_feedback(sender: type[ItemEvent], instance: ItemEvent, created: bool, **kwargs: Any) -> None:
    if not created or not wants_feedback(instance):
        return
    event_id = instance.pk

    def enqueue() -> None:
        from reportal.hotline.tasks import send_reporter_feedback

        try:
            send_reporter_feedback.delay(event_id)
        except Exception:
            # The decision is already committed; a broker or mail failure must not undo the analyst's work.
            logger.exception("Could not queue the reporter feedback for item event %s", event_id)

    transaction.on_commit(enqueue)
