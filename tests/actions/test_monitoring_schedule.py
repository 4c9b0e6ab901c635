"""The back-off of monitoring checks and what a pass picks up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from reportal.actions import monitoring
from reportal.actions.models import Monitor, MonitorState
from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus
from tests.fakes.items import make_item, make_portal

pytestmark = pytest.mark.django_db


def test_checks_back_off_then_run_daily(settings):
    hours = [monitoring.interval_after(n) / timedelta(hours=1) for n in range(6)]
    assert hours == [1, 6, 24, 24, 24, 24]
    settings.REPORTAL_MONITOR_SCHEDULE_HOURS = [0.5, 2]
    settings.REPORTAL_MONITOR_THEN_HOURS = 12
    assert [monitoring.interval_after(n) / timedelta(hours=1) for n in range(4)] == [0.5, 2, 12, 12]


def test_a_pass_only_checks_what_is_due(settings, fake_world):
    base = fake_world.host("dark.test")
    fake_world.website.set("/p", "<html><body>page</body></html>")
    item = make_item(f"{base}/p", make_portal())
    change_status(item, ItemStatus.ACTION_TAKEN)
    now = timezone.now()
    monitor = monitoring.start(item, now=now)
    assert monitor.next_check_at == now + timedelta(hours=1)
    assert monitoring.run_pass(now=now) == []
    [check] = monitoring.run_pass(now=now + timedelta(hours=1, seconds=1))
    assert check.outcome == "up"
    monitor.refresh_from_db()
    assert monitor.checks == 1 and monitor.baseline  # the first check took the baseline the action could not
    assert monitor.next_check_at == now + timedelta(hours=1, seconds=1) + timedelta(hours=6)


def test_an_overturned_item_is_no_longer_watched(fake_world):
    base = fake_world.host("dark.test")
    item = make_item(f"{base}/p", make_portal())
    change_status(item, ItemStatus.ACTION_TAKEN)
    monitoring.start(item)
    change_status(item, ItemStatus.NOT_ACTIONABLE, reason="overturned")
    call_command("monitor", "--once", "--all")
    assert Monitor.objects.get(item=item).state == MonitorState.STOPPED


def test_removed_addresses_stop_being_watched_after_the_reappearance_window(fake_world, settings):
    settings.REPORTAL_MONITOR_REAPPEAR_DAYS = 0
    base = fake_world.host("dark.test")
    item = make_item(f"{base}/gone", make_portal())
    change_status(item, ItemStatus.ACTION_TAKEN)
    monitoring.start(item)
    call_command("monitor", "--once", "--all")  # 404: removed, and the watch window is already over
    call_command("monitor", "--once", "--all")  # so this pass leaves it alone
    monitor = Monitor.objects.get(item=item)
    assert monitor.state == MonitorState.STOPPED and monitor.checks == 1 and monitor.removed_at
