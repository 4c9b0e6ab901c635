"""Monitoring: re-check every actioned address on a backing-off schedule until it is gone, escalate while it stays,
and reopen it when it comes back. Every check traces the address again (hosting moves)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from reportal.actions import fingerprint, notices
from reportal.actions.models import (
    CheckOutcome,
    DeliveryState,
    Monitor,
    MonitorCheck,
    MonitorState,
    Notice,
    NoticeKind,
    Removal,
)
from reportal.net.errors import FetchError
from reportal.net.fetch import fetch
from reportal.pipeline import services as pipeline
from reportal.reports.services import ItemStatus, change_status
from reportal.tracing.services import Trace, TracePurpose, last_known_hosting

logger = logging.getLogger(__name__)

GONE_STATUSES = (404, 410, 451)
CHECK_LEASE = timedelta(minutes=15)
UNREACHABLE_CHECKS_FOR_GONE = 2  # a host that refuses connections twice in a row has taken the site down


def interval_after(check_number: int) -> timedelta:
    """The pause before check `check_number + 1`: the configured steps in turn, then the steady interval."""
    steps = settings.REPORTAL_MONITOR_SCHEDULE_HOURS
    hours = steps[check_number] if check_number < len(steps) else settings.REPORTAL_MONITOR_THEN_HOURS
    return timedelta(hours=hours)


def start(item: Any, *, baseline: dict[str, Any] | None = None, now: datetime | None = None) -> Monitor:
    now = now or timezone.now()
    monitor, created = Monitor.objects.get_or_create(
        item=item,
        defaults={
            "started_at": now,
            "next_check_at": now + interval_after(0),
            "last_action_at": now,
            "baseline": baseline or {},
        },
    )
    if not created:
        # Confirmed again (after an overturn, or a new decision): a fresh watch with a fresh baseline.
        monitor.state = MonitorState.LIVE
        monitor.started_at = now
        monitor.next_check_at = now + interval_after(0)
        monitor.checks = 0
        monitor.escalation_level = 0
        monitor.unreachable_streak = 0
        monitor.last_action_at = now
        monitor.baseline = baseline or {}
        monitor.save()
    return monitor


def observe(monitor: Monitor) -> tuple[str, int | None, str, Any]:
    """Fetch the address once: (outcome, HTTP status, why, fingerprint or None)."""
    try:
        page = fetch(monitor.item.canonical_url, max_bytes=fingerprint.MAX_PAGE_BYTES, allow_truncate=True)
    except FetchError as exc:
        if exc.reason == "dns":
            return CheckOutcome.GONE, None, f"DNS: {exc}", None
        if exc.reason in ("connect", "timeout"):
            return CheckOutcome.UNREACHABLE, None, str(exc), None
        return CheckOutcome.ERROR, None, str(exc), None
    if page.status in GONE_STATUSES:
        return CheckOutcome.GONE, page.status, f"HTTP {page.status}", None
    if page.status >= 400:
        return CheckOutcome.ERROR, page.status, f"HTTP {page.status}", None
    current = fingerprint.capture(page.final_url, page=page)
    if not monitor.baseline:
        return CheckOutcome.UP, page.status, "online; baseline taken now", current
    carries, why = fingerprint.still_carries(monitor.baseline, current)
    return (CheckOutcome.UP if carries else CheckOutcome.GONE), page.status, why, current


def _record_removal(monitor: Monitor, trace: Trace | None, now: datetime, how: str) -> None:
    item = monitor.item
    reported = item.first_reported_at
    Removal.objects.create(
        item=item,
        portal=item.portal,
        reported_at=reported,
        removed_at=now,
        seconds=max(0, int((now - reported).total_seconds())),
        hosting_country=(trace.hosting_country if trace else "") or _last_known(item, "hosting_country"),
        hosting_asn=(trace.hosting_asn if trace else None) or _last_known(item, "hosting_asn"),
        host_network=(trace.hosting_network if trace else "") or _last_known(item, "hosting_network"),
        how=how[:200],
    )


def _last_known(item: Any, field: str) -> Any:
    """Where it was hosted while online: a removed site's own trace often no longer resolves."""
    return last_known_hosting(item, field)


def _mark_removed(monitor: Monitor, trace: Trace | None, now: datetime, how: str) -> None:
    item = monitor.item
    if item.status != ItemStatus.REMOVED:
        change_status(item, ItemStatus.REMOVED, reason=f"removed: {how}"[:255])
    _record_removal(monitor, trace, now, how)
    # A host need not hear about material that is gone; the police and partners still get their referrals.
    Notice.objects.filter(
        item=item,
        state__in=(DeliveryState.PENDING, DeliveryState.WAITING_CONTACT),
        kind__in=(NoticeKind.HOST_NOTICE, NoticeKind.CDN_NOTICE, NoticeKind.REMINDER),
    ).update(state=DeliveryState.CANCELLED, next_attempt_at=None)
    monitor.state = MonitorState.REMOVED
    monitor.removed_at = now
    monitor.watch_until = now + timedelta(days=settings.REPORTAL_MONITOR_REAPPEAR_DAYS)
    pipeline.record("item.removed", item.pk, key=f"{item.pk}:{now.isoformat()}")


def _reopen(monitor: Monitor, trace: Trace | None, now: datetime) -> bool:
    item = monitor.item
    try:
        with transaction.atomic():
            change_status(item, ItemStatus.ACTION_TAKEN, reason="content reappeared after removal")
    except IntegrityError:
        # A newer open item for the same address exists; it carries the case now.
        monitor.state = MonitorState.STOPPED
        return False
    Removal.objects.filter(item=item, superseded=False).update(superseded=True)
    monitor.state = MonitorState.LIVE
    monitor.removed_at = None
    monitor.watch_until = None
    monitor.escalation_level = 0
    monitor.last_action_at = now
    monitor.reappeared_count += 1
    created = notices.open_case(item, trace, reason="reappeared")
    pipeline.record("item.reappeared", item.pk, key=f"{item.pk}:{now.isoformat()}")
    transaction.on_commit(lambda: _send_soon([n.pk for n in created]))
    return True


def _send_soon(notice_ids: list[int]) -> None:
    from reportal.actions import tasks

    for notice_id in notice_ids:
        tasks.send_notice.delay(notice_id)


def check(monitor: Monitor, *, now: datetime | None = None) -> MonitorCheck:
    """One monitoring check of one address: trace, fetch, decide, act, schedule the next."""
    from reportal.tracing.services import trace_item

    now = now or timezone.now()
    item = monitor.item
    if item.status not in (ItemStatus.ACTION_TAKEN, ItemStatus.REMOVED, ItemStatus.ACTIONABLE):
        monitor.state = MonitorState.STOPPED  # overturned or closed by staff: nothing to watch
        monitor.save(update_fields=["state"])
        return MonitorCheck.objects.create(monitor=monitor, at=now, outcome=CheckOutcome.ERROR, detail=item.status)
    trace = trace_item(item, purpose=TracePurpose.MONITOR)
    outcome, status, why, current = observe(monitor)
    if outcome == CheckOutcome.UNREACHABLE:
        monitor.unreachable_streak += 1
        if monitor.unreachable_streak >= UNREACHABLE_CHECKS_FOR_GONE:
            outcome, why = CheckOutcome.GONE, f"unreachable {monitor.unreachable_streak} checks in a row: {why}"
    else:
        monitor.unreachable_streak = 0
    new_notices: list[int] = []
    with transaction.atomic():
        if outcome == CheckOutcome.UP and current is not None and not monitor.baseline:
            monitor.baseline = current.to_dict()
        if monitor.state == MonitorState.LIVE and outcome == CheckOutcome.GONE:
            _mark_removed(monitor, trace, now, why)
        elif monitor.state == MonitorState.REMOVED and outcome == CheckOutcome.UP:
            _reopen(monitor, trace, now)
        elif monitor.state == MonitorState.LIVE and outcome == CheckOutcome.UP:
            due = monitor.last_action_at + timedelta(hours=settings.REPORTAL_ESCALATE_AFTER_HOURS)
            if monitor.escalation_level < 2 and now >= due:
                monitor.escalation_level += 1
                monitor.last_action_at = now
                new_notices = [n.pk for n in notices.escalate(item, trace, monitor.escalation_level)]
        monitor.checks += 1
        monitor.last_checked_at = now
        monitor.last_outcome = outcome
        if monitor.state == MonitorState.REMOVED and monitor.watch_until and now >= monitor.watch_until:
            monitor.state = MonitorState.STOPPED
        steady = monitor.state == MonitorState.REMOVED
        monitor.next_check_at = now + (
            timedelta(hours=settings.REPORTAL_MONITOR_THEN_HOURS) if steady else interval_after(monitor.checks)
        )
        monitor.save()
        record = MonitorCheck.objects.create(
            monitor=monitor, at=now, outcome=outcome, http_status=status, detail=why[:2000], trace=trace
        )
        if new_notices:
            transaction.on_commit(lambda: _send_soon(new_notices))
    return record


def due_monitors(now: datetime | None = None, *, everything: bool = False) -> list[Monitor]:
    now = now or timezone.now()
    watched = Monitor.objects.filter(state__in=(MonitorState.LIVE, MonitorState.REMOVED)).select_related("item")
    if not everything:
        watched = watched.filter(next_check_at__lte=now)
    return list(watched.order_by("next_check_at")[:1000])


def run_pass(*, now: datetime | None = None, everything: bool = False) -> list[MonitorCheck]:
    """One monitoring pass over what is due (or, with `everything`, every watched address)."""
    results = []
    for monitor in due_monitors(now, everything=everything):
        # A lease: a second pass running beside this one (a slow pass, two beat hosts) skips what this one took.
        lease = timezone.now() + CHECK_LEASE
        if not Monitor.objects.filter(pk=monitor.pk, next_check_at=monitor.next_check_at).update(next_check_at=lease):
            continue
        monitor.next_check_at = lease
        try:
            results.append(check(monitor, now=now))
        except Exception:
            logger.exception("monitoring check of item %s failed; it is tried on the next pass", monitor.item_id)
    return results
