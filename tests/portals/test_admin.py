"""Operators edit a portal with its partners and helplines on one admin page."""

from __future__ import annotations

from reportal.accounts.testing import staff_client
from reportal.portals.models import Portal


def _admin_client():
    client, user = staff_client("ops-admin", "admin")
    type(user).objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    return client


def test_portal_change_page_has_partner_and_helpline_inlines(demo_portals):
    client = _admin_client()
    portal = demo_portals["bz"]
    response = client.get(f"/admin/portals/portal/{portal.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Belize Police Department (demo)" in html
    assert "Child helpline (demo)" in html
    assert 'name="partners-TOTAL_FORMS"' in html and 'name="helplines-TOTAL_FORMS"' in html


def test_portal_list_shows_every_portal(demo_portals):
    response = _admin_client().get("/admin/portals/portal/")
    assert response.status_code == 200
    for slug in ("gt", "sv", "bz", "global"):
        assert f">{slug}<" in response.content.decode()


def test_a_bad_brand_colour_is_refused_in_the_admin(demo_portals):
    client = _admin_client()
    portal = Portal.objects.get(slug="sv")
    response = client.get(f"/admin/portals/portal/{portal.pk}/change/")
    assert response.status_code == 200
    data = {
        "slug": "sv",
        "name": "El Salvador",
        "country_code": "SV",
        "languages": '["es"]',
        "active": "on",
        "display_name": "Reporta El Salvador",
        "logo_text": "",
        "brand_colour": "red;}a{",
        "privacy_text": "{}",
        "legal_text": "{}",
        "partners-TOTAL_FORMS": "0",
        "partners-INITIAL_FORMS": "0",
        "helplines-TOTAL_FORMS": "0",
        "helplines-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/portals/portal/{portal.pk}/change/", data)
    assert response.status_code == 200
    assert "six hexadecimal digits" in response.content.decode()
    assert Portal.objects.get(slug="sv").brand_colour == "#1c4e8a"
