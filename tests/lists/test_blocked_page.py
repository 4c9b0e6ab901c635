"""The blocking page each portal offers ISPs: localised, with help, never naming the blocked address."""

from __future__ import annotations

import re

import pytest

from reportal.portals.models import Helpline, Portal

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal():
    portal = Portal.objects.create(
        slug="gt", name="Guatemala", display_name="Reportal Guatemala", languages=["es", "en", "ar"]
    )
    Helpline.objects.create(
        portal=portal, name="Línea de ayuda", phone="+502 1234 5678", link="https://help.example.test/"
    )
    return portal


def test_page_is_in_the_portal_language_with_help_and_links(client, portal):
    response = client.get("/gt/blocked/?url=http://blocked-site.example.test/secret")
    assert response.status_code == 200
    html = response.content.decode()
    assert response["Content-Language"] == "es"
    assert "Esta página ha sido bloqueada" in html
    assert "Línea de ayuda" in html and "tel:+50212345678" in html
    assert 'href="/gt/es/"' in html and 'href="/gt/es/report/"' in html
    assert "blocked-site" not in html and "secret" not in html  # never names the address


def test_browser_language_and_switch(client, portal):
    html = client.get("/gt/blocked/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8").content.decode()
    assert "This page has been blocked" in html
    arabic = client.get("/gt/blocked/?lang=ar")
    assert 'dir="rtl"' in arabic.content.decode() and "تم حظر هذه الصفحة" in arabic.content.decode()
    # A language the portal does not offer falls back to the portal's default.
    assert client.get("/gt/blocked/?lang=fr")["Content-Language"] == "es"


def test_loads_nothing_from_elsewhere_and_reads_without_script(client, portal):
    html = client.get("/gt/blocked/").content.decode()
    loaded = re.findall(r'<(?:script|img|iframe|link)[^>]*?(?:src|href)="([^"]+)"', html)
    assert loaded, "the page should load its stylesheet"
    for url in loaded:
        assert url.startswith("/") and not url.startswith("//"), f"{url} is loaded from another site"
    text = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    assert "Esta página ha sido bloqueada" in text and "Línea de ayuda" in text


def test_unknown_portal_is_404(client):
    assert client.get("/nowhere/blocked/").status_code == 404
