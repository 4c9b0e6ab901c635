"""Time-to-removal figures and the staff page that shows them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from reportal.actions import services as actions
from reportal.actions.models import Removal
from reportal.actions.removal import percentile
from tests.fakes.items import make_item, make_portal

pytestmark = pytest.mark.django_db


def _removed(portal, hours: float, country: str, network: str, n: int):
    item = make_item(f"http://host{n}.test/p", portal)
    now = timezone.now()
    return Removal.objects.create(
        item=item,
        portal=portal,
        reported_at=now - timedelta(hours=hours),
        removed_at=now,
        seconds=int(hours * 3600),
        hosting_country=country,
        host_network=network,
    )


@pytest.fixture
def figures():
    sv, gt = make_portal("sv", "SV"), make_portal("gt", "GT")
    for n, hours in enumerate([1, 2, 3, 4, 100]):
        _removed(sv, hours, "SV", "Net A", n)
    for n, hours in enumerate([10, 30]):
        _removed(gt, hours, "DE", "Net B", 10 + n)
    superseded = _removed(gt, 1000, "DE", "Net B", 99)
    superseded.superseded = True
    superseded.save()
    return sv, gt


def test_percentile_matches_linear_interpolation():
    assert percentile([1, 2, 3, 4, 100], 0.5) == 3
    assert percentile([1, 2, 3, 4, 100], 0.9) == pytest.approx(61.6)
    assert percentile([5], 0.9) == 5 and percentile([], 0.5) == 0


def test_median_and_p90_per_portal_country_and_network(figures):
    by_portal = {s.key: s for s in actions.time_to_removal_stats(group_by="portal")}
    assert (by_portal["sv"].count, by_portal["sv"].median_hours, by_portal["sv"].p90_hours) == (5, 3, 61.6)
    assert (by_portal["gt"].count, by_portal["gt"].median_hours) == (2, 20)  # the superseded removal is left out
    assert {s.key for s in actions.time_to_removal_stats(group_by="country")} == {"SV", "DE"}
    assert [s.key for s in actions.time_to_removal_stats(group_by="network", portal_ids={figures[1].pk})] == ["Net B"]
    with pytest.raises(ValueError):
        actions.time_to_removal_stats(group_by="colour")


def _signed_in(role: str, portals=()):
    from reportal.accounts.services import create_staff

    user, *_rest = create_staff(
        f"{role}-ttr", role, list(portals), password="a long test password 42", must_change_password=False
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


def test_staff_page_shows_the_figures(figures):
    response = _signed_in("senior").get("/workbench/removal/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Time to removal" in page and "61.6" in page and "Net A" in page


def test_a_partner_sees_only_their_portal(figures):
    sv, _gt = figures
    page = _signed_in("partner", [sv]).get("/workbench/removal/").content.decode()
    assert "Net A" in page and "Net B" not in page


def test_anonymous_visitors_are_sent_to_sign_in():
    response = Client().get("/workbench/removal/")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


def test_case_export_downloads_for_hotline_staff_only(figures):
    item = Removal.objects.filter(portal=figures[0]).first().item
    response = _signed_in("analyst").get(f"/workbench/removal/case/{item.pk}.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert b"reference,url,portal" in response.content
    assert _signed_in("partner", [figures[0]]).get(f"/workbench/removal/case/{item.pk}.json").status_code == 403


def test_partner_case_export_covers_only_their_portal(figures):
    from reportal.actions import monitoring

    sv, gt = figures
    for removal in Removal.objects.all():
        monitoring.start(removal.item)
    rows = _signed_in("partner", [sv]).get("/workbench/removal/cases.csv?days=30").content.decode().splitlines()
    assert rows[0].startswith("reference,url,portal")
    assert len(rows) == 1 + 5 and all(",sv," in row for row in rows[1:])
    everything = _signed_in("admin").get("/workbench/removal/cases.json?days=30").json()
    assert len(everything["cases"]) == 8


def test_a_partner_sees_the_cases_reported_through_their_portal_after_another(figures):
    """Case exports and the live count follow the queue's rule (access.visible_items): an address first reported
    through gt and then through sv is a case of sv's partner too, and of sv when an admin filters by portal."""
    from reportal.actions import monitoring
    from reportal.reports.services import submit_report

    sv, gt = figures
    url = "http://shared-case.test/page"
    item = make_item(url, gt, via_intake=True)
    submit_report(sv, urls=[url], seen_on="web", language="es")
    monitoring.start(item)
    sv_partner = _signed_in("partner", [sv])
    rows = sv_partner.get("/workbench/removal/cases.csv?days=30").content.decode().splitlines()
    assert [row for row in rows if "shared-case.test" in row]
    admin = _signed_in("admin")
    filtered = admin.get("/workbench/removal/cases.json?days=30&portal=sv").json()["cases"]
    assert [case for case in filtered if "shared-case.test" in str(case)]
    from reportal.accounts.testing import staff_client

    elsewhere, _user = staff_client("partner-bz", "partner", [make_portal("bz", "BZ")])
    assert "shared-case.test" not in elsewhere.get("/workbench/removal/cases.csv?days=30").content.decode()


def test_the_page_speaks_spanish_to_a_spanish_browser(figures):
    page = _signed_in("senior").get("/workbench/removal/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Tiempo hasta la retirada" in page and "Percentil 90 (horas)" in page


def test_staff_send_a_stuck_notice_again_once_they_fixed_the_contact(actionable, world):
    from reportal.actions.models import DeliveryState, Notice, RoutingRule

    RoutingRule.objects.filter(hosting_countries="SV").update(police_email="")
    RoutingRule.objects.filter(hosting_countries="").update(police_email="")
    item = actionable("dark.test")
    stuck = Notice.objects.get(item=item, kind="police_referral")
    assert stuck.state == DeliveryState.WAITING_CONTACT
    client = _signed_in("senior")
    page = client.get("/workbench/removal/").content.decode()
    assert stuck.reference in page and "Send again now" in page

    RoutingRule.objects.filter(hosting_countries="SV").update(police_email="fixed@police-sv.example")
    response = client.post(f"/workbench/removal/notice/{stuck.pk}/retry", follow=True)
    assert "was sent" in response.content.decode()
    stuck.refresh_from_db()
    assert stuck.state == DeliveryState.SENT
    assert len(world.smtp.messages_to("fixed@police-sv.example")) == 1
    assert _signed_in("partner", [item.portal]).post(f"/workbench/removal/notice/{stuck.pk}/retry").status_code == 403
