"""The takedown API: figures and the case of one address, with the pages' access rules."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from reportal.actions.models import Removal
from tests.fakes.items import make_item, make_portal

pytestmark = pytest.mark.django_db


def _api(role: str, portals=()):
    from reportal.accounts.services import create_staff, issue_staff_token

    user, *_rest = create_staff(
        f"{role}-api", role, list(portals), password="a long test password 42", must_change_password=False
    )
    token, _row = issue_staff_token(user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_removal_stats_and_case_over_the_api(actionable, world):
    item = actionable("dark.test")
    world.website.remove("/gallery")
    from django.core.management import call_command

    call_command("monitor", "--once", "--all")
    client = _api("senior")
    [row] = client.get("/api/v1/actions/removal-stats?group_by=country").json()
    assert row["key"] == "SV" and row["count"] == 1
    case = client.get(f"/api/v1/actions/items/{item.pk}/case").json()
    assert case["reference"] == f"SV-{item.pk:07d}" and case["status"] == "removed"
    assert case["traces"][0]["network_abuse_contacts"] == ["abuse@host-sv.example"]
    assert {n["kind"] for n in case["notices"]} == {"host_notice", "police_referral"}
    assert case["status_history"][-1]["to"] == "removed"


def test_partners_only_see_their_portals_and_anonymous_callers_nothing():
    sv, gt = make_portal("sv", "SV"), make_portal("gt", "GT")
    other = make_item("http://elsewhere.test/p", gt)
    now = timezone.now()
    Removal.objects.create(item=other, portal=gt, reported_at=now, removed_at=now, seconds=3600, hosting_country="DE")
    partner = _api("partner", [sv])
    assert partner.get("/api/v1/actions/removal-stats").json() == []
    assert partner.get(f"/api/v1/actions/items/{other.pk}/case").status_code == 404
    assert Client().get("/api/v1/actions/removal-stats").status_code == 401
    assert _api("admin").get("/api/v1/actions/removal-stats?group_by=colour").status_code == 422
