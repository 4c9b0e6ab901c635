"""What one queue item adds to the figures, computed from the raw rows (read through the other stages' services).

Each figure is a count per (portal, day, metric, key). Which rows feed which metric, and on which day:

| metric | key | one per | on the day |
| --- | --- | --- | --- |
| `reports` | source channel (portal, api, member, staff, crawler) | report received | the report was made |
| `urls` | source channel of the item's earliest report | queue item (distinct address) | first reported |
| `assessed` | actionable / not_actionable (the standing decision) | decided item | first decided |
| `outcome_by_source` | 'portal/actionable' (source of the earliest report / outcome) | decided item | first decided |
| `reason` | why not actionable | item decided not actionable | first decided |
| `legal_assessment` | the scheme's option ('' = not recorded) | decided item | first decided |
| `uk_category`, `age_group`, `site_type` | option ('' = not recorded) | actionable item | first decided |
| `uk_category_age` | 'A/prepubescent' | actionable item | first decided |
| `content_type` | each option chosen ('' = none) | actionable item and option | first decided |
| `self_generated`, `commercial` | yes / no | actionable item | first decided |
| `actioned` | '' | item whose notices or referrals were prepared | first reached 'action taken' |
| `hosting_country` | ISO code ('' = unknown) | actioned item | first reached 'action taken' |
| `notices_sent` | notice kind | notice sent | sent |
| `notices_answered` | notice kind | notice sent before the standing removal | sent |
| `removed` | 1d, 2.5d, 7d, later (time to removal) | item with a standing removal | removed |

The hosting country is the standing removal's, else the latest trace's that found one. Classification dimensions
count confirmed (actionable) items only, as the IWF and INHOPE publish them; the legal assessment counts every
decided item. Source channels are the intake's: the public portal, the API (anonymous), member keys, staff entry
and proactive search; no other channel (police, hotline partners) is recorded today.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from reportal.actions import services as actions
from reportal.hotline import services as hotline
from reportal.reports import services as reports
from reportal.tracing import services as tracing

ACTIONABLE = "actionable"
NOT_ACTIONABLE = "not_actionable"
ACTION_TAKEN = "action_taken"

SINGLE_DIMENSIONS = ("uk_category", "age_group", "site_type")
FLAG_DIMENSIONS = ("self_generated", "commercial")
# Time-to-removal buckets: (key, upper bound in seconds), the last one open-ended.
REMOVAL_BUCKETS: tuple[tuple[str, float], ...] = (
    ("1d", 86_400),
    ("2.5d", 216_000),
    ("7d", 604_800),
    ("later", float("inf")),
)

Contribution = tuple[str, str, date]  # (metric, key, day)


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def removal_bucket(seconds: int) -> str:
    for key, bound in REMOVAL_BUCKETS:
        if seconds <= bound:
            return key
    return REMOVAL_BUCKETS[-1][0]


@dataclass
class Fact:
    """The figures' view of one item: the columns of models.ItemFact and what it counts."""

    item_id: int
    portal_id: int
    reported_on: date
    source: str
    outcome: str = ""
    assessed_on: date | None = None
    actioned_on: date | None = None
    hosting_country: str = ""
    removed_on: date | None = None
    removal_seconds: int | None = None
    classification: dict[str, Any] = field(default_factory=dict)
    notices_sent: int = 0
    contributions: Counter[Contribution] = field(default_factory=Counter)


def _text(value: Any) -> str:
    return str(value)[:48] if value not in (None, "") else ""


def compute_fact(
    snapshot: reports.ItemSnapshot,
    decision: hotline.Decision | None,
    actioned_at: datetime | None,
    takedown: actions.Takedown | None,
    traced_country: str,
) -> Fact:
    fact = Fact(
        item_id=snapshot.item_id,
        portal_id=snapshot.portal_id,
        reported_on=utc_day(snapshot.first_reported_at),
        source=snapshot.source,
    )
    counts = fact.contributions
    counts[("urls", snapshot.source, fact.reported_on)] += 1
    if decision is not None:
        fact.outcome = decision.outcome
        day = fact.assessed_on = utc_day(decision.first_decided_at)
        classification = decision.classification
        fact.classification = classification
        counts[("assessed", decision.outcome, day)] += 1
        counts[("outcome_by_source", f"{snapshot.source}/{decision.outcome}", day)] += 1
        counts[("legal_assessment", _text(classification.get("legal_assessment")), day)] += 1
        if decision.outcome == NOT_ACTIONABLE:
            counts[("reason", _text(decision.reason), day)] += 1
        elif decision.outcome == ACTIONABLE:
            for dimension in SINGLE_DIMENSIONS:
                counts[(dimension, _text(classification.get(dimension)), day)] += 1
            category, age = _text(classification.get("uk_category")), _text(classification.get("age_group"))
            counts[("uk_category_age", f"{category}/{age}", day)] += 1
            content = classification.get("content_type") or []
            content = [content] if isinstance(content, str) else list(content)
            for option in sorted({_text(v) for v in content}) or [""]:
                counts[("content_type", option, day)] += 1
            for flag in FLAG_DIMENSIONS:
                counts[(flag, "yes" if classification.get(flag) else "no", day)] += 1
    if takedown is not None and takedown.removal_country:
        fact.hosting_country = takedown.removal_country
    else:
        fact.hosting_country = traced_country
    if actioned_at is not None:
        day = fact.actioned_on = utc_day(actioned_at)
        counts[("actioned", "", day)] += 1
        counts[("hosting_country", fact.hosting_country, day)] += 1
    if takedown is not None:
        fact.notices_sent = len(takedown.notices_sent)
        for kind, sent_at in takedown.notices_sent:
            day = utc_day(sent_at)
            counts[("notices_sent", kind, day)] += 1
            if takedown.removed_at is not None and takedown.removed_at >= sent_at:
                counts[("notices_answered", kind, day)] += 1
        if takedown.removed_at is not None and takedown.removal_seconds is not None:
            fact.removed_on = utc_day(takedown.removed_at)
            fact.removal_seconds = takedown.removal_seconds
            counts[("removed", removal_bucket(takedown.removal_seconds), fact.removed_on)] += 1
    return fact


def compute_facts(item_ids: Sequence[int]) -> dict[int, Fact]:
    """Facts of these items from the raw rows (six queries, whatever the number of items; a `range` is read by its
    bounds); missing ids are absent."""
    snapshots = reports.item_snapshots(item_ids)
    decisions = hotline.decisions(item_ids)
    actioned = reports.first_reached(item_ids, ACTION_TAKEN)
    takedowns = actions.takedowns(item_ids)
    countries = tracing.hosting_countries(item_ids)
    return {
        s.item_id: compute_fact(
            s, decisions.get(s.item_id), actioned.get(s.item_id), takedowns.get(s.item_id), countries.get(s.item_id, "")
        )
        for s in snapshots
    }


def encode(counts: Counter[Contribution]) -> list[list[Any]]:
    """Contributions as stored in ItemFact.contributions: [[metric, key, 'YYYY-MM-DD', n], ...], sorted."""
    return [[metric, key, day.isoformat(), n] for (metric, key, day), n in sorted(counts.items()) if n]


def decode(stored: list[list[Any]] | None) -> Counter[Contribution]:
    counts: Counter[Contribution] = Counter()
    for metric, key, day, n in stored or []:
        counts[(str(metric), str(key), date.fromisoformat(day))] += int(n)
    return counts
