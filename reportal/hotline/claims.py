"""Claims: one analyst at a time per item. Taken with a conditional UPDATE whose row count says who won."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from reportal.hotline.models import Claim
from reportal.reports.services import ItemStatus, ReportedUrl, change_status

# Items awaiting assessment can be claimed; second opinions go through the seniors' review pages instead.
CLAIMABLE_STATUSES = frozenset({ItemStatus.NEW, ItemStatus.ASSESSING})


class ClaimRefused(Exception):
    """The item is claimed by someone else, or not in a state that can be claimed. The message says which."""


@dataclass(frozen=True)
class ClaimState:
    claimed_by_id: int | None
    claimed_by_name: str
    expires_at: datetime | None

    def held_by(self, user: Any) -> bool:
        return self.claimed_by_id is not None and self.claimed_by_id == getattr(user, "pk", None)


def claim_duration() -> timedelta:
    return timedelta(minutes=settings.REPORTAL_CLAIM_MINUTES)


def _live(now: datetime) -> Q:
    """Claims that still hold at `now`."""
    return Q(claimed_by__isnull=False, expires_at__gt=now)


def claim_state(item: ReportedUrl, now: datetime | None = None) -> ClaimState:
    now = now or timezone.now()
    claim = Claim.objects.filter(item=item).filter(_live(now)).select_related("claimed_by").first()
    if claim is None:
        return ClaimState(None, "", None)
    holder = claim.claimed_by.get_username() if claim.claimed_by is not None else ""
    return ClaimState(claim.claimed_by_id, holder, claim.expires_at)


def claim_item(item: ReportedUrl, user: Any) -> ClaimState:
    """Claim `item` for `user` (or extend their own claim). Raises ClaimRefused if someone else holds it."""
    from django.utils.translation import gettext as _

    if item.status not in CLAIMABLE_STATUSES:
        raise ClaimRefused(_("This item has already been assessed; open it from the queue to see the outcome."))
    now = timezone.now()
    _ensure_claim_row(item)
    with transaction.atomic():
        # The race is decided here: only one UPDATE finds the row free (or already ours).
        won = (
            Claim.objects.filter(item=item)
            .filter(Q(claimed_by__isnull=True) | Q(expires_at__lte=now) | Q(claimed_by=user))
            .update(claimed_by=user, claimed_at=now, expires_at=now + claim_duration())
        )
        if not won:
            holder = claim_state(item, now)
            raise ClaimRefused(
                _("%(name)s is assessing this item until %(time)s. Pick another item from the queue.")
                % {"name": holder.claimed_by_name, "time": timezone.localtime(holder.expires_at).strftime("%H:%M")}
                if holder.expires_at
                else _("Someone else is assessing this item. Pick another item from the queue.")
            )
        item.refresh_from_db(fields=["status", "is_open", "closed_at", "closed_reason"])
        if item.status == ItemStatus.NEW:
            change_status(item, ItemStatus.ASSESSING, actor=user, reason="claimed")
    return claim_state(item)


def release_item(item: ReportedUrl, user: Any, *, force: bool = False) -> bool:
    """Give up `user`'s claim (or anyone's, with force); an item still being assessed goes back to the queue."""
    with transaction.atomic():
        claims = Claim.objects.filter(item=item, claimed_by__isnull=False)
        if not force:
            claims = claims.filter(claimed_by=user)
        released = claims.update(claimed_by=None, claimed_at=None, expires_at=None)
        if released:
            item.refresh_from_db(fields=["status", "is_open", "closed_at", "closed_reason"])
            if item.status == ItemStatus.ASSESSING:
                change_status(item, ItemStatus.NEW, actor=user, reason="released")
    return bool(released)


def extend_claim(item: ReportedUrl, user: Any) -> bool:
    """Keep a live claim alive while its holder's screen is open (the heartbeat); an expired claim stays expired."""
    now = timezone.now()
    return bool(
        Claim.objects.filter(item=item, claimed_by=user, expires_at__gt=now).update(expires_at=now + claim_duration())
    )


def end_claim(item: ReportedUrl) -> None:
    """The item was decided: nobody holds it any more."""
    Claim.objects.filter(item=item).update(claimed_by=None, claimed_at=None, expires_at=None)


def holds_claim(item: ReportedUrl, user: Any) -> bool:
    return Claim.objects.filter(item=item, claimed_by=user, expires_at__gt=timezone.now()).exists()


def _ensure_claim_row(item: ReportedUrl) -> None:
    if Claim.objects.filter(item=item).exists():
        return
    try:
        with transaction.atomic():
            Claim.objects.create(item=item)
    except IntegrityError:
        pass  # another request created it first; the UPDATE decides who claims
