"""Public pages: one per portal and language, language from the URL or Accept-Language, 404s, quick exit."""

from __future__ import annotations

import pytest

from reportal.portals.models import Portal
from tests.portals.conftest import parse, text_of

PAGES = ["", "report/", "status/", "privacy/"]


@pytest.mark.parametrize(
    ("path", "accept", "target"),
    [
        ("/gt/", "", "/gt/es/"),
        ("/gt/", "en-US,en;q=0.9", "/gt/es/"),  # gt offers Spanish only
        ("/bz/", "", "/bz/en/"),
        ("/bz/", "es-BZ,es;q=0.9,en;q=0.5", "/bz/es/"),
        ("/bz/report/", "fr,es;q=0.8", "/bz/es/report/"),
        ("/global/status/", "ar-EG,ar;q=0.9", "/global/ar/status/"),
        ("/global/privacy/", "de-DE,de;q=0.9", "/global/en/privacy/"),
        ("/global/", "pt-BR", "/global/pt/"),
    ],
)
def test_language_comes_from_accept_language_among_the_portals_languages(client, demo_portals, path, accept, target):
    response = client.get(path, headers={"accept-language": accept} if accept else {})
    assert response.status_code == 302
    assert response["Location"] == target
    assert "Accept-Language" in response["Vary"]


@pytest.mark.parametrize(("slug", "lang", "heading"), [("gt", "es", "Qué denunciar"), ("bz", "en", "What to report")])
def test_landing_page_explains_reporting_in_the_portals_language(client, demo_portals, slug, lang, heading):
    response = client.get(f"/{slug}/{lang}/")
    assert response.status_code == 200
    assert response["Content-Language"] == lang
    page = parse(response.content)
    assert page.html_attrs["lang"] == lang
    assert page.html_attrs["dir"] == "ltr"
    text = text_of(response.content)
    assert heading in text
    portal = demo_portals[slug]
    for helpline in portal.helplines.all():
        assert helpline.name in text
        if helpline.phone:
            assert helpline.phone in text
    for partner in portal.partners.all():
        assert partner.name in text


def test_arabic_pages_are_right_to_left(client, demo_portals):
    for path in PAGES:
        response = client.get(f"/global/ar/{path}")
        assert response.status_code == 200, path
        page = parse(response.content)
        assert page.html_attrs["lang"] == "ar"
        assert page.html_attrs["dir"] == "rtl"


def test_language_switch_links_keep_the_portal_and_the_page(client, demo_portals):
    page = parse(client.get("/global/fr/report/").content)
    assert page.language_links == {code: f"/global/{code}/report/" for code in ["en", "es", "pt", "ar"]}
    response = client.get("/bz/es/status/")
    assert parse(response.content).language_links == {"en": "/bz/en/status/"}
    # A one-language portal has no switch at all.
    assert parse(client.get("/gt/es/").content).language_links == {}


@pytest.mark.parametrize(
    "path",
    ["/nowhere/", "/nowhere/es/", "/gt/en/", "/gt/fr/report/", "/bz/ar/status/", "/sv/pt/privacy/", "/gt/xx/"],
)
def test_unknown_portals_and_languages_not_offered_are_not_found(client, demo_portals, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "/gt/" not in response.content.decode()  # nothing of another portal leaks into the error page


def test_inactive_portal_is_not_found_and_not_listed(client, demo_portals):
    Portal.objects.filter(slug="sv").update(active=False)
    assert client.get("/sv/").status_code == 404
    assert client.get("/sv/es/").status_code == 404
    assert client.get("/sv/es/report/").status_code == 404
    assert client.get("/sv/challenge/").status_code == 404
    listing = parse(client.get("/").content)
    assert "/gt/" in listing.links
    assert "/sv/" not in listing.links


def test_front_page_lists_the_active_portals(client, demo_portals):
    response = client.get("/", headers={"accept-language": "es"})
    assert response.status_code == 200
    assert parse(response.content).html_attrs["lang"] == "es"
    text = text_of(response.content)
    for portal in demo_portals.values():
        assert portal.display_name in text


@pytest.mark.parametrize("path", ["/", "/gt/es/", "/gt/es/report/", "/gt/es/status/", "/gt/es/privacy/", "/nope/"])
def test_every_public_page_has_a_leave_quickly_link_to_the_neutral_site(client, demo_portals, settings, path):
    settings.REPORTAL_QUICK_EXIT_URL = "https://weather.example/today"
    response = client.get(path)
    html = response.content.decode()
    assert 'href="https://weather.example/today"' in html
    assert "data-quick-exit" in html


def test_privacy_page_shows_the_portals_own_notice_in_the_language(client, demo_portals):
    text = text_of(client.get("/bz/es/privacy/").content)
    assert demo_portals["bz"].privacy_text["es"] in text
    assert "dirección IP" in text
