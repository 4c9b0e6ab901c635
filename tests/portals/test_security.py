"""Every public page: strict headers, no inline script or style, nothing loaded from another host."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.portals.conftest import parse

PUBLIC_PAGES = [
    "/",
    "/gt/es/",
    "/gt/es/report/",
    "/gt/es/status/",
    "/gt/es/privacy/",
    "/bz/en/",
    "/bz/en/report/",
    "/global/ar/",
    "/global/ar/report/",
    "/global/fr/status/",
    "/does-not-exist/",
]


def _same_origin(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and url.startswith("/")


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_security_headers(client, demo_portals, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split("; ")}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["Referrer-Policy"] == "same-origin"  # no other site learns a page address (reportal/security.py)
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_no_third_party_resource_and_no_inline_script_or_style(client, demo_portals, path):
    page = parse(client.get(path).content)
    assert page.resources, "a public page loads at least its stylesheet"
    foreign = [url for url in page.resources if not _same_origin(url)]
    assert foreign == []
    assert page.inline_scripts == 0
    assert page.inline_style_attrs == 0


def test_partner_links_are_navigation_only(client, demo_portals):
    page = parse(client.get("/gt/es/").content)
    assert "https://pnc.gt.example/" in page.links  # a link the reporter may follow
    assert not any("example" in url for url in page.resources)  # but nothing loads from there


def test_theme_stylesheet_carries_a_contrasting_text_colour(client, demo_portals):
    response = client.get("/gt/theme.css")
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "--brand:#0b5d8f" in css
    assert "--on-brand:#ffffff" in css


def test_pages_are_compressed_when_the_browser_accepts_gzip(client, demo_portals):
    response = client.get("/gt/es/report/", headers={"accept-encoding": "gzip, deflate, br"})
    assert response["Content-Encoding"] == "gzip"
