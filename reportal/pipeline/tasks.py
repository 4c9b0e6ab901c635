"""The beat sweep of the hand-off outbox (registry.py explains the pattern)."""

from __future__ import annotations

from celery import shared_task

from reportal.pipeline import services


@shared_task(name="pipeline.sweep", ignore_result=True)
def sweep() -> int:
    """Send again every hand-off that is undone and due: lost messages, killed workers, failed runs (back-off)."""
    return services.sweep()


@shared_task(name="pipeline.deliver", acks_late=True, ignore_result=True)
def deliver(handoff_ids: list[int]) -> int:
    """Everything one transaction recorded, in one message: each hand-off runs through its own task in turn."""
    return services.deliver(handoff_ids)
