"""Screen time per analyst per day from server-side open/close times and heartbeats; break and limit warnings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from reportal.hotline import wellbeing
from reportal.hotline.models import ScreenSession

from .factories import report_item

pytestmark = pytest.mark.django_db


def _session(user, minutes_ago_open: int, minutes_ago_close: int | None, *, last_seen_ago: int | None = None):
    now = timezone.now()
    opened = now - timedelta(minutes=minutes_ago_open)
    return ScreenSession.objects.create(
        user=user,
        day=timezone.localdate(opened),
        opened_at=opened,
        last_seen_at=now - timedelta(minutes=last_seen_ago if last_seen_ago is not None else minutes_ago_open),
        closed_at=now - timedelta(minutes=minutes_ago_close) if minutes_ago_close is not None else None,
    )


@pytest.fixture
def ana():
    return get_user_model().objects.create_user("ana")


@pytest.fixture(autouse=True)
def _midday(settings, monkeypatch):
    # Keep every session on one calendar day whatever time the suite runs.
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: noon)


def test_open_and_close_without_javascript_count_the_time(ana):
    item = report_item("https://wb.example/1")
    session = wellbeing.open_screen(ana, item)
    ScreenSession.objects.filter(pk=session.pk).update(opened_at=timezone.now() - timedelta(minutes=4))
    wellbeing.close_screen(ana, item=item)
    assert wellbeing.wellbeing(ana).minutes_today == 4


def test_unclosed_session_without_heartbeat_counts_at_most_the_cap(ana):
    _session(ana, 60, None)
    assert wellbeing.wellbeing(ana).minutes_today == int(wellbeing.UNCLOSED_CAP.total_seconds() // 60)


def test_heartbeat_keeps_a_session_alive_and_a_gap_starts_a_new_one(ana):
    live = _session(ana, 20, None, last_seen_ago=0)
    assert wellbeing.heartbeat(ana, live.pk).pk == live.pk
    stale = _session(ana, 50, None, last_seen_ago=40)
    fresh = wellbeing.heartbeat(ana, stale.pk)
    assert fresh.pk != stale.pk
    stale.refresh_from_db()
    assert stale.closed_at == stale.last_seen_at  # time away is not counted
    assert wellbeing.heartbeat(get_user_model().objects.create_user("bea"), live.pk) is None


def test_break_reminder_and_daily_limit(ana, settings):
    settings.REPORTAL_BREAK_MINUTES = 45
    settings.REPORTAL_DAILY_LIMIT_MINUTES = 90
    _session(ana, 180, 130)  # 50 minutes this morning, then a long break
    _session(ana, 60, 2)  # 58 minutes now, closed two minutes ago
    status = wellbeing.wellbeing(ana)
    assert status.minutes_today == 108
    assert status.continuous_minutes == 58
    assert status.break_due and status.limit_reached


def test_a_break_resets_the_continuous_time(ana, settings):
    settings.REPORTAL_BREAK_MINUTES = 45
    _session(ana, 120, 20)  # 100 minutes
    _session(ana, 10, 0)  # after a 10-minute break, 10 more
    status = wellbeing.wellbeing(ana)
    assert status.continuous_minutes == 10
    assert not status.break_due
    _session(ana, 0, None, last_seen_ago=0)
    assert wellbeing.wellbeing(ana).continuous_minutes == 10
    ScreenSession.objects.all().update(closed_at=timezone.now() - timedelta(minutes=6))
    assert wellbeing.wellbeing(ana).continuous_minutes == 0  # on a break now


def test_team_screen_time_per_day(ana):
    _session(ana, 30, 10)
    rows = wellbeing.team_screen_time()
    assert [(row.username, row.minutes) for row in rows] == [("ana", 20)]


def test_viewing_defaults_come_from_the_staff_profile(staff_user):
    user = staff_user("analyst")
    assert wellbeing.viewing_preference(user) == wellbeing.ViewingDefaults(blur=True, greyscale=True)
    user.staff_profile.blur_default = False
    user.staff_profile.save()
    assert wellbeing.viewing_preference(user) == wellbeing.ViewingDefaults(blur=False, greyscale=True)
