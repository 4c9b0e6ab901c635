"""Time to removal: per address, and median and 90th percentile per portal, hosting country and host network."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reportal.actions.models import Removal

GROUPS = {"portal": "portal__slug", "country": "hosting_country", "network": "host_network"}


@dataclass(frozen=True)
class RemovalStat:
    key: str  # portal slug, country code or network name ('' when unknown)
    count: int
    median_hours: float
    p90_hours: float


def percentile(sorted_values: list[float], share: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), on an already sorted list."""
    if not sorted_values:
        return 0.0
    position = (len(sorted_values) - 1) * share
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return sorted_values[lower] + (sorted_values[upper] - sorted_values[lower]) * (position - lower)


def time_to_removal(item: Any) -> timedelta | None:
    """From the first report to the (latest standing) removal of one address; None while it is online."""
    removal = Removal.objects.filter(item=item, superseded=False).order_by("-removed_at").first()
    return timedelta(seconds=removal.seconds) if removal else None


def time_to_removal_stats(
    *,
    group_by: str = "portal",
    portal_ids: set[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[RemovalStat]:
    """Median and 90th percentile hours to removal per group, largest groups first.

    `portal_ids` limits to some portals (a partner's view); `since`/`until` bound the removal time.
    """
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}, not {group_by!r}.")
    removals = Removal.objects.filter(superseded=False)
    if portal_ids is not None:
        removals = removals.filter(portal_id__in=portal_ids)
    if since is not None:
        removals = removals.filter(removed_at__gte=since)
    if until is not None:
        removals = removals.filter(removed_at__lt=until)
    groups: dict[str, list[float]] = {}
    for key, seconds in removals.values_list(GROUPS[group_by], "seconds"):
        groups.setdefault(key or "", []).append(seconds / 3600)
    stats = []
    for key, hours in groups.items():
        hours.sort()
        stats.append(
            RemovalStat(
                key=key,
                count=len(hours),
                median_hours=round(percentile(hours, 0.5), 2),
                p90_hours=round(percentile(hours, 0.9), 2),
            )
        )
    return sorted(stats, key=lambda s: (-s.count, s.key))
