"""The one place that moves a queue item between statuses, recording each change as an event."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from reportal.reports.models import CLOSED_STATUSES, ItemEvent, ItemStatus, ReportedUrl


def change_status(item: ReportedUrl, to_status: ItemStatus | str, *, actor=None, reason: str = "") -> ItemEvent:  # noqa: ANN001
    """Move `item` to `to_status` and record who did it and why. Closing frees the address for a new item."""
    to_status = ItemStatus(to_status)
    with transaction.atomic():
        from_status = item.status
        item.status = to_status
        if to_status in CLOSED_STATUSES:
            item.is_open = False
            item.closed_at = timezone.now()
            item.closed_reason = reason[:64]
        else:
            item.is_open = True
            item.closed_at = None
            item.closed_reason = ""
        item.save(update_fields=["status", "is_open", "closed_at", "closed_reason"])
        return ItemEvent.objects.create(
            item=item, actor=actor, from_status=from_status, to_status=to_status, reason=reason[:255]
        )


def coarse_status(statuses: list[str]) -> str:
    """What a reporter may know about their report: received, assessing, action_taken or closed."""
    if not statuses:
        return "received"
    if any(s in (ItemStatus.ACTIONABLE, ItemStatus.ACTION_TAKEN, ItemStatus.REMOVED) for s in statuses) and all(
        s not in (ItemStatus.NEW, ItemStatus.ASSESSING, ItemStatus.SECOND_OPINION) for s in statuses
    ):
        return "closed" if all(s in CLOSED_STATUSES for s in statuses) else "action_taken"
    if all(s in CLOSED_STATUSES for s in statuses):
        return "closed"
    if all(s == ItemStatus.NEW for s in statuses):
        return "received"
    return "assessing"
