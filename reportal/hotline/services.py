"""What other apps may ask of the hotline stage (the workbench itself uses its own modules)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reportal.hotline.models import Assessment, Outcome


@dataclass(frozen=True)
class Decision:
    """An item's standing decision for the figures: when it was first decided, and what the latest decision says."""

    item_id: int
    first_decided_at: datetime
    outcome: str  # actionable or not_actionable
    reason: str
    classification: dict[str, Any] = field(default_factory=dict)


def decisions(item_ids: Iterable[int]) -> dict[int, Decision]:
    """The standing decision of each of these items that was decided (a second opinion's answer replaces the first
    decision; a request for a second opinion is no decision). Items never decided are absent."""
    found: dict[int, Decision] = {}
    rows = (
        Assessment.objects.filter(item_id__in=list(item_ids), outcome__in=(Outcome.ACTIONABLE, Outcome.NOT_ACTIONABLE))
        .order_by("item_id", "created_at", "pk")
        .values_list("item_id", "created_at", "outcome", "reason", "classification")
    )
    for item_id, created_at, outcome, reason, classification in rows:
        first = found[item_id].first_decided_at if item_id in found else created_at
        found[item_id] = Decision(item_id, first, outcome, reason, dict(classification or {}))
    return found
