"""What other apps may ask of the actions stage: act on a confirmed address, and time-to-removal figures."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
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
    "provide_classifications",
    "provide_route",
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


def provide_classifications(reader: Callable[[int], dict[str, Any]]) -> None:
    """The hotline hands over how to read an item's classification (routing rules by content class)."""
    from reportal.actions import routing

    routing.CLASSIFICATIONS[0] = reader


def provide_route(action: str, available: Callable[[str], bool]) -> None:
    """A network client (ICCAM, NCMEC) hands over whether its route can be taken for a hosting country."""
    from reportal.actions import routing

    routing.ROUTE_CHECKS[action] = available


def on_actionable(item: Any, actor: Any | None = None) -> None:
    """An analyst confirmed `item` (a reports.ReportedUrl): trace it, open its case (notices by route) and send
    the notices, once the caller's transaction commits (at once outside one). The receiver of the hand-off
    actions.act_on_confirmed (reportal/pipeline/registry.py), run by a worker, never in the analyst's request.
    Idempotent: a second run finds the case open and changes nothing."""
    item_id = item.pk

    def act() -> None:
        from reportal.actions import tasks

        for notice_id in act_on_item(item_id):
            try:
                tasks.send_notice.delay(notice_id)
            except Exception:  # noqa: BLE001 - the notice waits in the database; send_due_notices sends it
                logger.warning("could not queue notice %s; the next sending pass sends it", notice_id, exc_info=True)

    transaction.on_commit(act)


def sweep_unacted(*, older_than_minutes: int = 5) -> list[int]:
    """Actionable items that never got their case opened (a lost task, a broker outage): act on them now."""
    from datetime import timedelta

    from django.utils import timezone

    from reportal.reports import services as reports

    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return reports.waiting_since(reports.ItemStatus.ACTIONABLE, cutoff, limit=200)


def act_on_item(item_id: int) -> list[int]:
    """Trace a confirmed address, open its case (notices by route), start monitoring. Idempotent per item.

    Returns the ids of the notices created (empty when the case was already open).
    """
    from reportal.actions import fingerprint, monitoring, notices
    from reportal.net.errors import FetchError
    from reportal.reports import services as reports
    from reportal.reports.services import ItemStatus, change_status
    from reportal.tracing.services import trace_item

    item = reports.get_item(item_id)
    if item is None:  # deleted since the hand-off was recorded: nothing to act on
        return []
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
        item = reports.lock_item(item_id)
        if item.status != ItemStatus.ACTIONABLE:
            return []
        created = notices.open_case(item, trace, baseline=baseline if baseline.get("status") == 200 else {})
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

    ids = item_ids if isinstance(item_ids, range) else list(item_ids)
    sent: dict[int, list[tuple[str, datetime]]] = {}
    notices = Notice.objects.filter(**_item_filter(ids), state=DeliveryState.SENT, sent_at__isnull=False)
    for item_id, kind, sent_at in notices.order_by("item_id", "sent_at", "pk").values_list(
        "item_id", "kind", "sent_at"
    ):
        if sent_at is not None:
            sent.setdefault(item_id, []).append((kind, sent_at))
    removals: dict[int, tuple[datetime, int, str]] = {}
    rows = Removal.objects.filter(**_item_filter(ids), superseded=False).order_by("item_id", "removed_at", "pk")
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


# --- the workbench's view of a case -----------------------------------------------------------------------------

# Notices that go to whoever hosts the address; an analyst may supply their contact when RDAP had none.
HOST_KINDS = ("host_notice", "cdn_notice", "reminder")


@dataclass(frozen=True)
class NoticeState:
    """One notice or referral of a case as the item page shows it."""

    kind: str
    kind_label: str
    is_referral: bool
    state: str
    state_label: str
    recipients: list[str]
    recipient_name: str
    reference: str
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str
    waiting_for_contact: bool


@dataclass(frozen=True)
class CheckState:
    at: datetime
    outcome: str
    outcome_label: str
    http_status: int | None
    detail: str


@dataclass(frozen=True)
class RouteState:
    """Which route the address took and why, as the routing rules decided when it was confirmed."""

    action: str
    label: str
    reason: str
    passed_over: list[str]
    decided_at: datetime


@dataclass(frozen=True)
class CaseState:
    """Notices and referrals with their delivery state, and the monitoring of the address with its checks."""

    notices: list[NoticeState]
    route: RouteState | None = None
    monitor_state: str = ""
    monitor_state_label: str = ""
    next_check_at: datetime | None = None
    removed_at: datetime | None = None
    checks: list[CheckState] = field(default_factory=list)

    @property
    def needs_contact(self) -> bool:
        return any(n.waiting_for_contact for n in self.notices)


def _waits_for_contact(notice: Any) -> bool:
    from reportal.actions.models import DeliveryState

    open_states = (DeliveryState.PENDING, DeliveryState.WAITING_CONTACT, DeliveryState.FAILED)
    return notice.kind in HOST_KINDS and notice.state in open_states and not notice.recipients


def case_state(item: Any, *, max_checks: int = 50) -> CaseState:
    """What the actions stage did about `item`: every notice and referral, and the latest monitoring checks."""
    from reportal.actions.models import Monitor, MonitorCheck, Notice

    notices = [
        NoticeState(
            kind=n.kind,
            kind_label=n.get_kind_display(),
            is_referral=n.kind in ("partner_referral", "police_referral"),
            state=n.state,
            state_label=n.get_state_display(),
            recipients=list(n.recipients or []),
            recipient_name=n.recipient_name,
            reference=n.reference,
            created_at=n.created_at,
            sent_at=n.sent_at,
            attempts=n.attempts,
            last_error=n.last_error,
            waiting_for_contact=_waits_for_contact(n),
        )
        for n in Notice.objects.filter(item=item).order_by("created_at", "pk")
    ]
    route = _route_state(item)
    monitor = Monitor.objects.filter(item=item).first()
    if monitor is None:
        return CaseState(notices=notices, route=route)
    recent = MonitorCheck.objects.filter(monitor=monitor).order_by("-at", "-pk")[:max_checks]
    checks = [
        CheckState(
            at=c.at,
            outcome=c.outcome,
            outcome_label=c.get_outcome_display(),
            http_status=c.http_status,
            detail=c.detail,
        )
        for c in reversed(list(recent))
    ]
    return CaseState(
        notices=notices,
        route=route,
        monitor_state=monitor.state,
        monitor_state_label=monitor.get_state_display(),
        next_check_at=monitor.next_check_at,
        removed_at=monitor.removed_at,
        checks=checks,
    )


def _route_state(item: Any) -> RouteState | None:
    from reportal.actions import routing

    decision = routing.latest_decision(item)
    if decision is None:
        return None
    reason, passed_over = routing.explain(decision)
    return RouteState(
        action=decision.action,
        label=routing.route_label(decision.action),
        reason=reason,
        passed_over=passed_over,
        decided_at=decision.decided_at,
    )


def enter_abuse_contact(item: Any, email: str) -> int:
    """An analyst found the host's abuse address that RDAP did not give: every notice to the host that waits for a
    contact goes to it now (sent after commit; the beat's due-notice sweep sends it if the broker is down).
    Returns how many notices will go to it. The caller audits who entered it."""
    from django.utils import timezone

    from reportal.actions import tasks
    from reportal.actions.models import DeliveryState, Notice

    with transaction.atomic():
        waiting = [n for n in Notice.objects.select_for_update().filter(item=item) if _waits_for_contact(n)]
        for notice in waiting:
            if notice.state == DeliveryState.FAILED:
                notice.attempts = 0  # it had run out of attempts for want of an address; start again
            notice.recipients = [email]
            notice.state = DeliveryState.PENDING
            notice.next_attempt_at = timezone.now()
            notice.last_error = ""
            notice.xarf = None  # rebuilt with the new recipient
            notice.save()
    ids = [n.pk for n in waiting]

    def enqueue() -> None:
        for notice_id in ids:
            try:
                tasks.send_notice.delay(notice_id)
            except Exception:
                logger.warning("could not queue notice %s; the due-notice sweep sends it", notice_id, exc_info=True)

    transaction.on_commit(enqueue)
    return len(ids)


def notice_kinds() -> dict[str, str]:
    """{notice kind: translated label}."""
    from reportal.actions.models import NoticeKind

    return {str(value): str(label) for value, label in NoticeKind.choices}


def _item_filter(item_ids: Iterable[int], field: str = "item_id") -> dict[str, object]:
    """A `range` of ids filters by bounds (one index range scan); anything else by an IN list."""
    if isinstance(item_ids, range) and item_ids.step == 1:
        return {f"{field}__gte": item_ids.start, f"{field}__lt": item_ids.stop}
    return {f"{field}__in": list(item_ids)}
