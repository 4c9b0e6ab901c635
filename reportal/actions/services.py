"""What other apps may ask of the actions stage: act on a confirmed address, and time-to-removal figures."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from reportal.actions.removal import RemovalStat, time_to_removal, time_to_removal_stats

__all__ = ["RemovalStat", "act_on_item", "on_actionable", "time_to_removal", "time_to_removal_stats"]

logger = logging.getLogger(__name__)


def on_actionable(item: Any, actor: Any | None = None) -> None:
    """An analyst confirmed `item` (a reports.ReportedUrl): trace it and route the notice/referral (after commit)."""
    from reportal.actions import tasks

    item_id = item.pk
    transaction.on_commit(lambda: tasks.act_on_item.delay(item_id))


def act_on_item(item_id: int) -> list[int]:
    """Trace a confirmed address, open its case (notices by route), start monitoring. Idempotent per item.

    Returns the ids of the notices created (empty when the case was already open).
    """
    from reportal.actions import fingerprint, monitoring, notices
    from reportal.actions.models import Monitor
    from reportal.net.errors import FetchError
    from reportal.reports.lifecycle import change_status
    from reportal.reports.models import ItemStatus, ReportedUrl
    from reportal.tracing.services import trace_item

    item = ReportedUrl.objects.select_related("portal").get(pk=item_id)
    if item.status != ItemStatus.ACTIONABLE or Monitor.objects.filter(item=item).exists():
        return []
    trace = trace_item(item, purpose="action")
    try:
        baseline = fingerprint.capture(item.canonical_url).to_dict()
    except FetchError as exc:
        logger.info("no baseline for item %s yet (%s); the first monitoring check takes it", item.pk, exc)
        baseline = {}
    with transaction.atomic():
        item = ReportedUrl.objects.select_for_update().get(pk=item_id)
        if item.status != ItemStatus.ACTIONABLE or Monitor.objects.filter(item=item).exists():
            return []
        created = notices.open_case(item, trace)
        monitoring.start(item, baseline=baseline if baseline.get("status") == 200 else {})
        change_status(item, ItemStatus.ACTION_TAKEN, reason="notice and referral prepared")
    return [n.pk for n in created]
