"""One hostile site never stops a monitoring pass: a malformed redirect or broken markup is recorded as that
address's check, and every other due address is still checked in the same `reportal monitor --once`."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from reportal.actions.models import MonitorCheck

pytestmark = pytest.mark.django_db


def test_a_malformed_location_is_a_recorded_check_and_the_pass_goes_on(actionable, world):
    hostile = actionable("bad.test", path="/gallery")
    broken_markup = actionable("markup.test", path="/broken")
    fine = actionable("fine.test", path="/fine")
    world.website.redirect("/gallery", "http:\\\\host\\x")
    world.website.set(
        "/broken",
        '<!doctype html><html><body><img src="http://[::1/x.png"><img src="/broken/pic.png"></body></html>',
    )

    call_command("monitor", "--once", "--all")

    checks = {c.monitor.item_id: c for c in MonitorCheck.objects.select_related("monitor")}
    assert set(checks) == {hostile.pk, broken_markup.pk, fine.pk}
    assert checks[hostile.pk].outcome == "error"
    assert "redirected to an address that is not a valid web address" in checks[hostile.pk].detail
    assert checks[broken_markup.pk].outcome in ("up", "gone")
    assert checks[fine.pk].outcome == "up"
