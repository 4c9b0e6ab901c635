"""The queue: items awaiting assessment, highest priority then oldest first, limited to what the user may see."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reportal import access
from reportal.hotline.models import Assessment, Claim, Outcome, PreviewHashMatch
from reportal.reports import services as reports
from reportal.reports.services import ItemStatus, ReportedUrl

if TYPE_CHECKING:
    from reportal.access import Viewer

AWAITING = (ItemStatus.NEW, ItemStatus.ASSESSING)
DECIDED = (Outcome.ACTIONABLE, Outcome.NOT_ACTIONABLE)

# Age filter: a key, its label, and (newer than, older than) bounds.
AGE_CHOICES: dict[str, tuple[Promise, timedelta | None, timedelta | None]] = {
    "day": (_("Reported in the last 24 hours"), timedelta(days=1), None),
    "week": (_("Reported in the last 7 days"), timedelta(days=7), None),
    "older": (_("Waiting more than 7 days"), None, timedelta(days=7)),
}


@dataclass(frozen=True)
class QueueFilters:
    portal: str = ""
    status: str = ""
    age: str = ""
    seen_on: str = ""

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> QueueFilters:
        return cls(
            portal=str(params.get("portal", "") or "")[:32],
            status=str(params.get("status", "") or "")[:16],
            age=str(params.get("age", "") or "")[:8],
            seen_on=str(params.get("seen_on", "") or "")[:16],
        )


def with_known(items: QuerySet[ReportedUrl]) -> QuerySet[ReportedUrl]:
    """Annotate what is already known: a decision on the same address or domain, or a hash-bank match."""
    same_address = (
        Assessment.objects.filter(item__url_sha256=OuterRef("url_sha256"), outcome__in=DECIDED)
        .exclude(item_id=OuterRef("pk"))
        .order_by("-created_at")
    )
    same_domain = Assessment.objects.filter(item__host=OuterRef("host"), outcome=Outcome.ACTIONABLE).exclude(
        item_id=OuterRef("pk")
    )
    now = timezone.now()
    live_claim = Claim.objects.filter(item_id=OuterRef("pk"), claimed_by__isnull=False, expires_at__gt=now)
    return items.annotate(
        known_address_outcome=Subquery(same_address.values("outcome")[:1]),
        known_domain=Exists(same_domain),
        known_hash=Exists(PreviewHashMatch.objects.filter(item_id=OuterRef("pk"))),
        claimed_by_name=Subquery(live_claim.values("claimed_by__username")[:1]),
        claimed_by_id=Subquery(live_claim.values("claimed_by_id")[:1]),
        claim_expires_at=Subquery(live_claim.values("expires_at")[:1]),
    )


def queue_items(user: Viewer, filters: QueueFilters) -> QuerySet[ReportedUrl]:
    items = access.visible_items(user).select_related("portal")  # who sees what: access, never here
    if filters.status and filters.status in ItemStatus.values:
        items = items.filter(status=filters.status)
    else:
        items = items.filter(status__in=AWAITING)
    if filters.portal:
        items = reports.reported_through(items, filters.portal)
    if filters.age in AGE_CHOICES:
        _label, newer_than, older_than = AGE_CHOICES[filters.age]
        now = timezone.now()
        if newer_than is not None:
            items = items.filter(first_reported_at__gte=now - newer_than)
        if older_than is not None:
            items = items.filter(first_reported_at__lt=now - older_than)
    if filters.seen_on:
        items = items.filter(Exists(reports.reports().filter(items=OuterRef("pk"), seen_on=filters.seen_on)))
    return with_known(items).order_by("-priority", "first_reported_at", "pk")


def status_options() -> Sequence[tuple[str, str | Promise]]:
    """The queue's status menu: the default (new and being assessed) once, then each status once."""
    labels = dict(ItemStatus.choices)
    labels[ItemStatus.NEW] = _("New, nobody has claimed it")
    return [("", _("Awaiting assessment (new and being assessed)"))] + [
        (value, labels[value]) for value in ItemStatus.values
    ]


# The queue's heading for each status filter (whole sentences, so each language can word them its own way).
HEADINGS: dict[str, Promise] = {
    "": _("Items awaiting assessment"),
    ItemStatus.NEW: _("New items nobody has claimed"),
    ItemStatus.ASSESSING: _("Items being assessed"),
    ItemStatus.SECOND_OPINION: _("Items awaiting a second opinion"),
    ItemStatus.ACTIONABLE: _("Confirmed items awaiting action"),
    ItemStatus.ACTION_TAKEN: _("Items with action taken, being monitored"),
    ItemStatus.REMOVED: _("Removed items"),
    ItemStatus.NOT_ACTIONABLE: _("Items found not actionable"),
}


def heading(filters: QueueFilters) -> Promise:
    return HEADINGS.get(filters.status, HEADINGS[""])


def claim_next(user: Viewer, *, skip: int | None = None) -> ReportedUrl | None:
    """Claim the first item of the queue that nobody holds (highest priority, then oldest); None when none is left.
    Tries a few in turn: another analyst may take one between the look and the claim."""
    from reportal.hotline import claims

    candidates = queue_items(user, QueueFilters()).filter(status__in=claims.CLAIMABLE_STATUSES)
    candidates = candidates.filter(Q(claimed_by_id__isnull=True) | Q(claimed_by_id=getattr(user, "pk", None)))
    if skip is not None:
        candidates = candidates.exclude(pk=skip)
    for item in candidates[:10]:
        try:
            claims.claim_item(item, user)
        except claims.ClaimRefused:
            continue
        return item
    return None
