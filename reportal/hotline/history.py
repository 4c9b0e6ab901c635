"""What the hotline already knows about an item's address and its domain, for the assessment screen."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from reportal.hotline.models import Assessment, PreviewHashMatch
from reportal.lists import services as lists_services
from reportal.reports import services as reports
from reportal.reports.services import ReportedUrl

HISTORY_LIMIT = 20


@dataclass(frozen=True)
class PastDecision:
    item_id: int
    canonical_url: str
    same_address: bool
    outcome: str
    outcome_label: str
    reason_label: str
    decided_at: datetime
    analyst: str


@dataclass
class ItemHistory:
    decisions: list[PastDecision] = field(default_factory=list)
    list_entries: list[Any] = field(default_factory=list)
    hash_matches: int = 0
    other_items_on_domain: int = 0


def item_history(item: ReportedUrl) -> ItemHistory:
    history = ItemHistory()
    earlier = (
        Assessment.objects.filter(item__host=item.host)
        .exclude(item=item)
        .select_related("item", "analyst")
        .order_by("-created_at")[:HISTORY_LIMIT]
    )
    for assessment in earlier:
        history.decisions.append(
            PastDecision(
                item_id=assessment.item_id,
                canonical_url=assessment.item.canonical_url,
                same_address=assessment.item.url_sha256 == item.url_sha256,
                outcome=assessment.outcome,
                outcome_label=str(assessment.get_outcome_display()),
                reason_label=str(assessment.get_reason_display()) if assessment.reason else "",
                decided_at=assessment.created_at,
                analyst=assessment.analyst.get_username() if assessment.analyst else "",
            )
        )
    history.other_items_on_domain = reports.items_on_host(item.host, exclude=item.pk)
    history.hash_matches = sum(PreviewHashMatch.objects.filter(item=item).values_list("matches", flat=True))
    history.list_entries = _list_entries(item)
    return history


def _list_entries(item: ReportedUrl) -> list[Any]:
    """URL-list entries, live and ended, that cover the address (itself, a path prefix, or its domain)."""
    try:
        return list(lists_services.entries_for(item.canonical_url, host=item.host))
    except NotImplementedError:
        return []
