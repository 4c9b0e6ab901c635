"""What other apps may ask of the actions stage: act on a confirmed address, and time-to-removal figures."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from reportal.actions.removal import RemovalStat, time_to_removal, time_to_removal_stats

__all__ = [
    "RemovalStat",
    "Takedown",
    "act_on_item",
    "case_of",
    "items_with_notices_sent_since",
    "on_actionable",
    "takedowns",
    "time_to_removal",
    "time_to_removal_stats",
]

logger = logging.getLogger(__name__)


def case_of(item: Any) -> dict[str, Any]:
    """The takedown case of an address for other apps' pages (workbench, statistics): reference, traces, notices
    with their delivery state, status changes, removal and time to removal. Nothing about the reporter."""
    from reportal.actions.casefile import case_record

    return case_record(item)


def on_actionable(item: Any, actor: Any | None = None) -> None:
    """An analyst confirmed `item` (a reports.ReportedUrl): trace it and route the notice/referral (after commit)."""
    from reportal.actions import tasks

    item_id = item.pk

    def enqueue() -> None:
        try:
            tasks.act_on_item.delay(item_id)
        except Exception:
            # The broker is down: the item stays actionable and the monitoring sweep acts on it later.
            logger.warning("could not queue the action for item %s; the sweep will pick it up", item_id, exc_info=True)

    transaction.on_commit(enqueue)


def sweep_unacted(*, older_than_minutes: int = 5) -> list[int]:
    """Actionable items that never got their case opened (a lost task, a broker outage): act on them now."""
    from datetime import timedelta

    from django.utils import timezone

    from reportal.reports.models import ItemEvent, ItemStatus, ReportedUrl

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    confirmed_before = ItemEvent.objects.filter(to_status=ItemStatus.ACTIONABLE, at__lte=cutoff).values("item_id")
    waiting = ReportedUrl.objects.filter(status=ItemStatus.ACTIONABLE, pk__in=confirmed_before).values_list(
        "pk", flat=True
    )[:200]
    return list(waiting)


def act_on_item(item_id: int) -> list[int]:
    """Trace a confirmed address, open its case (notices by route), start monitoring. Idempotent per item.

    Returns the ids of the notices created (empty when the case was already open).
    """
    from reportal.actions import fingerprint, monitoring, notices
    from reportal.net.errors import FetchError
    from reportal.reports.lifecycle import change_status
    from reportal.reports.models import ItemStatus, ReportedUrl
    from reportal.tracing.services import trace_item

    item = ReportedUrl.objects.select_related("portal").get(pk=item_id)
    # Only an item waiting for action: a second task for the same decision finds it already moved on.
    # (A monitor may exist from an earlier confirmation that a senior overturned; a new decision starts it again.)
    if item.status != ItemStatus.ACTIONABLE:
        return []
    trace = trace_item(item, purpose="action")
    try:
        baseline = fingerprint.capture(item.canonical_url).to_dict()
    except FetchError as exc:
        logger.info("no baseline for item %s yet (%s); the first monitoring check takes it", item.pk, exc)
        baseline = {}
    with transaction.atomic():
        item = ReportedUrl.objects.select_for_update().get(pk=item_id)
        if item.status != ItemStatus.ACTIONABLE:
            return []
        created = notices.open_case(item, trace)
        monitoring.start(item, baseline=baseline if baseline.get("status") == 200 else {})
        change_status(item, ItemStatus.ACTION_TAKEN, reason="notice and referral prepared")
    return [n.pk for n in created]


@dataclass(frozen=True)
class Takedown:
    """What the takedown of one item achieved, for the figures: notices sent, and the standing removal."""

    item_id: int
    notices_sent: list[tuple[str, datetime]] = field(default_factory=list)  # (kind, sent at), oldest first
    removed_at: datetime | None = None
    removal_seconds: int | None = None
    removal_country: str = ""


def takedowns(item_ids: Iterable[int]) -> dict[int, Takedown]:
    """Notices sent and the standing (not superseded) removal of each of these items; items with neither are absent."""
    from reportal.actions.models import DeliveryState, Notice, Removal

    ids = list(item_ids)
    sent: dict[int, list[tuple[str, datetime]]] = {}
    notices = Notice.objects.filter(item_id__in=ids, state=DeliveryState.SENT, sent_at__isnull=False)
    for item_id, kind, sent_at in notices.order_by("item_id", "sent_at", "pk").values_list(
        "item_id", "kind", "sent_at"
    ):
        sent.setdefault(item_id, []).append((kind, sent_at))
    removals: dict[int, tuple[datetime, int, str]] = {}
    rows = Removal.objects.filter(item_id__in=ids, superseded=False).order_by("item_id", "removed_at", "pk")
    for item_id, removed_at, seconds, country in rows.values_list(
        "item_id", "removed_at", "seconds", "hosting_country"
    ):
        removals[item_id] = (removed_at, seconds, country)  # the latest standing removal wins
    found: dict[int, Takedown] = {}
    for item_id in set(sent) | set(removals):
        removal = removals.get(item_id)
        found[item_id] = Takedown(
            item_id=item_id,
            notices_sent=sent.get(item_id, []),
            removed_at=removal[0] if removal else None,
            removal_seconds=removal[1] if removal else None,
            removal_country=removal[2] if removal else "",
        )
    return found


def items_with_notices_sent_since(since: datetime) -> list[int]:
    """Items with a notice sent at or after `since` (the figures count notices when they are sent)."""
    from reportal.actions.models import DeliveryState, Notice

    rows = Notice.objects.filter(state=DeliveryState.SENT, sent_at__gte=since).values_list("item_id", flat=True)
    return sorted(set(rows))
