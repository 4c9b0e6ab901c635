"""What other apps may ask of the hotline stage (the workbench itself uses its own modules)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

# Media items of a page: the crawler records what it finds on pages through these (re-exported).
from reportal.hotline.media import FoundMedia as FoundMedia
from reportal.hotline.media import known_grade_label as known_grade_label
from reportal.hotline.media import record_page_media as record_page_media
from reportal.hotline.models import (
    Assessment,
    ClassificationOption,
    ClassificationScheme,
    NotActionableReason,
    Outcome,
)


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
        Assessment.objects.filter(**_item_filter(item_ids), outcome__in=(Outcome.ACTIONABLE, Outcome.NOT_ACTIONABLE))
        .order_by("item_id", "created_at", "pk")
        .values_list("item_id", "created_at", "outcome", "reason", "classification")
    )
    for item_id, created_at, outcome, reason, classification in rows:
        first = found[item_id].first_decided_at if item_id in found else created_at
        found[item_id] = Decision(item_id, first, outcome, reason, dict(classification or {}))
    return found


def classification_of(item_id: int) -> dict[str, Any]:
    """The standing classification of an item ({} when never confirmed), for the routing rules."""
    decision = decisions([item_id]).get(item_id)
    return dict(decision.classification) if decision is not None else {}


def option_labels() -> dict[str, dict[str, str]]:
    """{scheme key: {option key: translated label}} of the classification schemes, inactive options included (old
    decisions still name them), for pages that show classifications (statistics)."""
    labels: dict[str, dict[str, str]] = {key: {} for key in ClassificationScheme.objects.values_list("key", flat=True)}
    for scheme, key, label in ClassificationOption.objects.values_list("scheme__key", "key", "label"):
        labels.setdefault(scheme, {})[key] = _(label)
    return labels


def scheme_names() -> dict[str, str]:
    """{scheme key: translated name}."""
    return {key: _(name) for key, name in ClassificationScheme.objects.values_list("key", "name")}


def not_actionable_reasons() -> dict[str, str]:
    return {str(value): str(label) for value, label in NotActionableReason.choices}


def _item_filter(item_ids: Iterable[int], field: str = "item_id") -> dict[str, object]:
    """A `range` of ids filters by bounds (one index range scan); anything else by an IN list."""
    if isinstance(item_ids, range) and item_ids.step == 1:
        return {f"{field}__gte": item_ids.start, f"{field}__lt": item_ids.stop}
    return {f"{field}__in": list(item_ids)}
