"""Celery tasks of the ICCAM exchange: thin wrappers around the services (each idempotent)."""

from __future__ import annotations

import logging

from celery import shared_task

from reportal.pipeline.services import Work, receiver

logger = logging.getLogger(__name__)


@receiver("iccam.export_item")
def export_item(work: Work) -> None:
    """Hand-off item.route_iccam -> iccam: report the item to the hosting country's hotline through ICCAM, once.
    A failure (ICCAM offline, or a refusal with its reason) is recorded on the hand-off and retried with back-off."""
    from reportal.iccam import services

    services.export_item(work.subject_id)


def _pass(name: str, step: object) -> int:
    from reportal.iccam import services

    if not services.enabled():
        return 0
    try:
        return int(step())  # type: ignore[operator]
    except services.IccamError as exc:
        level = logging.WARNING if exc.retryable else logging.ERROR
        logger.log(level, "ICCAM %s did not finish (%s); the next beat run tries again.", name, exc)
        return 0


@shared_task(name="iccam.import_new", ignore_result=True)
def import_new() -> int:
    """One batch of content assigned to our country without our reference: into the queue, reference back."""
    from reportal.iccam import services

    return _pass("import", lambda: len(services.import_new().item_ids))


@shared_task(name="iccam.sync_actions", ignore_result=True)
def sync_actions() -> int:
    """Our actions on imported content to ICCAM; other hotlines' actions on exported content back."""
    from reportal.iccam import services

    def step() -> int:
        result = services.sync_actions()
        return len(result.sent) + len(result.received)

    return _pass("action sync", step)


@shared_task(name="iccam.refresh_lookups", ignore_result=True)
def refresh_lookups() -> int:
    """ICCAM's lists (countries, hotlines, classifications, ...) into the Lookup table."""
    from reportal.iccam import services

    return _pass("lookup refresh", services.refresh_lookups)
