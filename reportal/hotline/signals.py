"""Reporters hear about outcomes whichever stage changes the status: an ItemEvent that reporters hear about records
the hand-off item.outcome (reportal/pipeline/registry.py) in the transaction that changed the status."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from reportal.actions.signals import KeptEvidence, police_evidence_wanted
from reportal.hotline import evidence
from reportal.hotline.feedback import wants_feedback
from reportal.pipeline import services as pipeline
from reportal.reports.services import ItemEvent
from reportal.reports.signals import report_followup


@receiver(post_save, sender=ItemEvent, dispatch_uid="hotline-reporter-feedback")
def queue_reporter_feedback(sender: type[ItemEvent], instance: ItemEvent, created: bool, **kwargs: Any) -> None:
    if not created or not wants_feedback(instance):
        return
    pipeline.record("item.outcome", instance.item_id, key=f"event:{instance.pk}", payload={"event_id": instance.pk})


@receiver(police_evidence_wanted, dispatch_uid="hotline-police-evidence")
def evidence_for_police(sender: Any, item: Any, **kwargs: Any) -> list[KeptEvidence]:
    """A police referral package (actions) asks for the evidence kept of `item`: what has not expired, decrypted."""
    return evidence.kept(item)


def request_media_collection(sender: Any, report_id: int, item_ids: list[int], **kwargs: Any) -> None:
    """A reported page's media are fetched and hashed by a worker (hand-off item.queued), never in a request: each
    new report of an address fetches again (the page may have changed; recording is idempotent)."""
    for item_id in item_ids:
        pipeline.record("item.queued", item_id, key=f"report:{report_id}:item:{item_id}")


report_followup.connect(request_media_collection, dispatch_uid="hotline-collect-page-media")
