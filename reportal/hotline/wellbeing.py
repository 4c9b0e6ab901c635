"""Time on assessment screens: the server opens and closes each session, a heartbeat keeps it honest with JS on.

A session whose heartbeat stops for longer than IDLE_GAP ends at its last heartbeat; the next heartbeat starts
a new one, so time away from a hidden tab is not counted. A break is a gap of at least BREAK_GAP between sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone

from reportal.hotline.models import ScreenSession
from reportal.reports.services import ReportedUrl

HEARTBEAT_SECONDS = 30
IDLE_GAP = timedelta(seconds=HEARTBEAT_SECONDS * 3)
# Without JavaScript there is no heartbeat: an unclosed session counts until at most this long after it opened.
UNCLOSED_CAP = timedelta(minutes=10)
BREAK_GAP = timedelta(minutes=5)


def open_screen(user: Any, item: ReportedUrl | None) -> ScreenSession:
    now = timezone.now()
    _close_stale(user, now)
    return ScreenSession.objects.create(
        user=user, item=item, day=timezone.localdate(now), opened_at=now, last_seen_at=now
    )


def heartbeat(user: Any, session_id: int) -> ScreenSession | None:
    """The screen is still visible: extend the session, or start a new one after an idle gap."""
    now = timezone.now()
    session = ScreenSession.objects.filter(pk=session_id, user=user).first()
    if session is None:
        return None
    if session.closed_at is None and now - session.last_seen_at <= IDLE_GAP:
        session.last_seen_at = now
        session.save(update_fields=["last_seen_at"])
        return session
    if session.closed_at is None:
        session.closed_at = session.last_seen_at
        session.save(update_fields=["closed_at"])
    return ScreenSession.objects.create(
        user=user, item=session.item, day=timezone.localdate(now), opened_at=now, last_seen_at=now
    )


def close_screen(user: Any, item: ReportedUrl | None = None, session_id: int | None = None) -> None:
    """The analyst decided or released the item (or left): end their open sessions on it now."""
    now = timezone.now()
    sessions = ScreenSession.objects.filter(user=user, closed_at__isnull=True)
    if session_id is not None:
        sessions = sessions.filter(pk=session_id)
    elif item is not None:
        sessions = sessions.filter(item=item)
    for session in sessions:
        session.closed_at = min(now, max(session.last_seen_at, session.opened_at + UNCLOSED_CAP))
        session.last_seen_at = max(session.last_seen_at, session.closed_at)
        session.save(update_fields=["closed_at", "last_seen_at"])


def _close_stale(user: Any, now: datetime) -> None:
    for session in ScreenSession.objects.filter(user=user, closed_at__isnull=True):
        session.closed_at = min(now, max(session.last_seen_at, session.opened_at + UNCLOSED_CAP))
        session.save(update_fields=["closed_at"])


def _end(session: ScreenSession, now: datetime) -> datetime:
    if session.closed_at is not None:
        return session.closed_at
    # Still open: heartbeats say it is in use up to now; without them, up to the cap.
    if now - session.last_seen_at <= IDLE_GAP:
        return now
    return min(now, max(session.last_seen_at, session.opened_at + UNCLOSED_CAP))


def _sessions(user: Any, day: date) -> QuerySet[ScreenSession]:
    return ScreenSession.objects.filter(user=user, day=day).order_by("opened_at")


@dataclass(frozen=True)
class Wellbeing:
    minutes_today: int
    continuous_minutes: int
    break_minutes: int
    daily_limit_minutes: int

    @property
    def break_due(self) -> bool:
        return self.break_minutes > 0 and self.continuous_minutes >= self.break_minutes

    @property
    def limit_reached(self) -> bool:
        return self.daily_limit_minutes > 0 and self.minutes_today >= self.daily_limit_minutes

    def as_dict(self) -> dict[str, Any]:
        return {
            "minutes_today": self.minutes_today,
            "continuous_minutes": self.continuous_minutes,
            "break_due": self.break_due,
            "limit_reached": self.limit_reached,
        }


def wellbeing(user: Any, now: datetime | None = None) -> Wellbeing:
    now = now or timezone.now()
    total = timedelta()
    streak_start: datetime | None = None
    previous_end: datetime | None = None
    for session in _sessions(user, timezone.localdate(now)):
        end = _end(session, now)
        total += max(end - session.opened_at, timedelta())
        if previous_end is None or session.opened_at - previous_end >= BREAK_GAP:
            streak_start = session.opened_at
        previous_end = max(end, previous_end) if previous_end else end
    continuous = timedelta()
    if streak_start is not None and previous_end is not None and now - previous_end < BREAK_GAP:
        continuous = previous_end - streak_start
    return Wellbeing(
        minutes_today=int(total.total_seconds() // 60),
        continuous_minutes=int(continuous.total_seconds() // 60),
        break_minutes=settings.REPORTAL_BREAK_MINUTES,
        daily_limit_minutes=settings.REPORTAL_DAILY_LIMIT_MINUTES,
    )


@dataclass(frozen=True)
class ScreenTime:
    user_id: int
    username: str
    day: date
    minutes: int


def team_screen_time(days: int = 7) -> list[ScreenTime]:
    """Minutes on assessment screens per analyst per day, newest day first, for seniors and managers."""
    now = timezone.now()
    since = timezone.localdate(now) - timedelta(days=days - 1)
    totals: dict[tuple[int, date], timedelta] = {}
    for session in ScreenSession.objects.filter(day__gte=since):
        key = (session.user_id, session.day)
        totals[key] = totals.get(key, timedelta()) + max(_end(session, now) - session.opened_at, timedelta())
    names = dict(get_user_model().objects.filter(pk__in={k[0] for k in totals}).values_list("pk", "username"))
    rows = [
        ScreenTime(user_id, names.get(user_id, ""), day, int(total.total_seconds() // 60))
        for (user_id, day), total in totals.items()
    ]
    return sorted(rows, key=lambda row: (-row.day.toordinal(), row.username))


@dataclass(frozen=True)
class ViewingDefaults:
    blur: bool
    greyscale: bool


def viewing_preference(user: Any) -> ViewingDefaults:
    """How previews first appear to `user`: their staff profile's defaults (set on their account page)."""
    profile = getattr(user, "staff_profile", None)
    return ViewingDefaults(
        blur=bool(getattr(profile, "blur_default", True)), greyscale=bool(getattr(profile, "greyscale_default", True))
    )
