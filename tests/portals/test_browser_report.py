"""A reporter in a real browser (Debian's Chromium): Spanish and English, JavaScript on and off."""

from __future__ import annotations

import re

import pytest

from reportal.portals.demo import load_demo_portals
from reportal.reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")


@pytest.fixture
def portals(transactional_db):
    load_demo_portals()


def _fill_spanish_report(pg, url: str) -> None:
    pg.get_by_label("Dirección 1").fill(url)
    pg.get_by_label("Un sitio web").check()
    pg.get_by_label("¿Algo más que debamos saber? (opcional)").fill("Lo vi en un foro")


def _check_status(pg, base: str, code: str) -> None:
    pg.goto(f"{base}/gt/status/")
    assert pg.url == f"{base}/gt/es/status/"
    pg.get_by_label("Código de referencia").fill(code)
    pg.get_by_role("button", name="Consultar").click()
    assert pg.locator(".state").inner_text() == "Recibida"


def test_spanish_report_with_javascript_solves_the_challenge_and_status_recognises_the_code(
    page, live_server, portals, settings
):
    # The no-JavaScript allowance is spent first, so this report only gets through with a solved challenge.
    settings.REPORTAL_RATE_LIMIT = "50/h"
    settings.REPORTAL_RATE_LIMIT_NO_JS = "1/h"
    settings.REPORTAL_ALTCHA_MAX_NUMBER = 5000
    from django.test import Client

    spent = Client().post("/gt/es/report/", {"url": "https://x.example/", "seen_on": "web"})
    assert spent.status_code == 303

    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{live_server.url}/gt/")
    assert page.url == f"{live_server.url}/gt/es/"
    assert page.locator("html").get_attribute("lang") == "es"
    page.get_by_role("link", name="Hacer una denuncia").first.click()
    _fill_spanish_report(page, "https://foro.example/hilo?utm_source=x")
    page.get_by_role("button", name="Enviar la denuncia").click()
    page.wait_for_selector("#reference", timeout=30_000)
    assert page.get_by_role("heading", level=1).inner_text() == "Gracias. Recibimos su denuncia."
    code = page.locator("#reference").inner_text()
    assert CODE.match(code)
    assert code not in page.url
    assert Report.objects.filter(language="es").count() == 2
    _check_status(page, live_server.url, code)
    assert console_errors == []  # in particular, nothing refused by the Content-Security-Policy
    assert f"{live_server.url}/gt/challenge/" in requested  # the proof of work came from us
    assert [url for url in requested if not url.startswith(live_server.url)] == []


def test_spanish_report_without_javascript(page_no_js, live_server, portals):
    pg = page_no_js
    pg.goto(f"{live_server.url}/gt/es/report/")
    _fill_spanish_report(pg, "hxxps://descargas[.]example/archivo")
    pg.get_by_role("button", name="Enviar la denuncia").click()
    code = pg.locator("#reference").inner_text()
    assert CODE.match(code)
    _check_status(pg, live_server.url, code)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_english_bad_input_comes_back_next_to_the_field_with_everything_kept(request, live_server, portals, javascript):
    pg = request.getfixturevalue("page" if javascript else "page_no_js")
    pg.goto(f"{live_server.url}/bz/en/report/")
    pg.get_by_label("Address 1").fill("https://good.example/page")
    pg.get_by_label("Address 2").fill("javascript:alert(document.cookie)")
    pg.get_by_label("A messaging app").check()
    pg.get_by_label("Anything else we should know? (optional)").fill("Shared in a chat group")
    pg.get_by_label("Your e-mail address, if you want to hear the outcome (optional)").fill("not-an-address")
    pg.get_by_role("button", name="Send the report").click()
    pg.wait_for_selector("#errors", timeout=30_000)

    # Every problem at once, each next to its field, and everything typed still there.
    assert "e-mail address such as name@example.com" in pg.locator("#email-error").inner_text()
    assert pg.locator("#url-1-error").inner_text() == (
        "Only web addresses that start with http:// or https:// can be reported."
    )
    assert pg.get_by_label("Address 2").get_attribute("aria-invalid") == "true"
    assert pg.get_by_label("Address 1").get_attribute("aria-invalid") is None
    assert pg.get_by_label("Address 1").input_value() == "https://good.example/page"
    assert pg.get_by_label("Address 2").input_value() == "javascript:alert(document.cookie)"
    assert pg.get_by_label("A messaging app").is_checked()
    assert pg.get_by_label("Anything else we should know? (optional)").input_value() == "Shared in a chat group"
    assert pg.get_by_label("Your e-mail address, if you want to hear the outcome (optional)").input_value() == (
        "not-an-address"
    )
    assert Report.objects.count() == 0

    # Fix the form fields but not the address: the intake service refuses it, with the same message in place.
    pg.get_by_label("Your e-mail address, if you want to hear the outcome (optional)").fill("")
    with pg.expect_navigation(timeout=30_000):  # with JavaScript, after the proof of work is solved
        pg.get_by_role("button", name="Send the report").click()
    assert pg.locator("#url-1-error").inner_text() == (
        "Only web addresses that start with http:// or https:// can be reported."
    )
    assert pg.locator("#email-error").count() == 0
    assert pg.get_by_label("Address 2").input_value() == "javascript:alert(document.cookie)"
    assert Report.objects.count() == 0

    # Correct the mistakes and send: the report goes through.
    pg.get_by_label("Address 2").fill("https://good.example/other")
    pg.get_by_role("button", name="Send the report").click()
    pg.wait_for_selector("#reference", timeout=30_000)
    assert CODE.match(pg.locator("#reference").inner_text())
    assert Report.objects.get().language == "en"


def test_add_another_address_without_javascript(page_no_js, live_server, portals):
    pg = page_no_js
    pg.goto(f"{live_server.url}/bz/en/report/")
    for n in (1, 2, 3):
        pg.get_by_label(f"Address {n}").fill(f"https://site{n}.example/")
    pg.get_by_label("Anything else we should know? (optional)").fill("four links")
    pg.get_by_role("button", name="Add another address").click()
    assert pg.get_by_label("Address 3").input_value() == "https://site3.example/"
    assert pg.get_by_label("Anything else we should know? (optional)").input_value() == "four links"
    pg.get_by_label("Address 4").fill("https://site4.example/")
    pg.get_by_label("A website").check()
    pg.get_by_role("button", name="Send the report").click()
    assert CODE.match(pg.locator("#reference").inner_text())
    assert Report.objects.get().urls.count() == 4


def test_language_switch_keeps_the_portal_and_the_page(page_no_js, live_server, portals):
    pg = page_no_js
    pg.goto(f"{live_server.url}/global/en/status/")
    pg.get_by_role("link", name="العربية").click()
    assert pg.url == f"{live_server.url}/global/ar/status/"
    assert pg.locator("html").get_attribute("dir") == "rtl"
    pg.get_by_role("link", name="Français").click()
    assert pg.url == f"{live_server.url}/global/fr/status/"


def test_accept_language_picks_the_portals_language(browser, live_server, portals):
    context = browser.new_context(locale="es-BZ", java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(f"{live_server.url}/bz/")
        assert pg.url == f"{live_server.url}/bz/es/"
        assert pg.locator("html").get_attribute("lang") == "es"
    finally:
        context.close()


@pytest.mark.parametrize("how", ["click", "escape"])
def test_leave_quickly_with_javascript_replaces_the_page_in_history(page, live_server, portals, settings, how):
    settings.REPORTAL_QUICK_EXIT_URL = f"{live_server.url}/?neutral"
    page.goto(f"{live_server.url}/bz/en/")
    page.goto(f"{live_server.url}/bz/en/report/")
    length = page.evaluate("history.length")
    if how == "click":
        page.get_by_role("link", name="Leave this site quickly").click()
    else:
        page.get_by_label("Address 1").fill("typed")
        page.keyboard.press("Escape")
    page.wait_for_url(f"{live_server.url}/?neutral")
    assert page.evaluate("history.length") == length  # replaced, not pushed
    page.go_back()
    assert page.url == f"{live_server.url}/bz/en/"  # the report form is no longer in the history


def test_leave_quickly_without_javascript_is_a_plain_link(page_no_js, live_server, portals, settings):
    settings.REPORTAL_QUICK_EXIT_URL = f"{live_server.url}/?neutral"
    page_no_js.goto(f"{live_server.url}/gt/es/privacy/")
    page_no_js.get_by_role("link", name="Salir rápido de este sitio").click()
    assert page_no_js.url == f"{live_server.url}/?neutral"


def test_add_another_address_with_javascript_needs_no_round_trip(page, live_server, portals):
    page.goto(f"{live_server.url}/gt/es/report/")
    page.get_by_label("Dirección 1").fill("https://uno.example/")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    for _ in range(17):
        page.get_by_role("button", name="Añadir otra dirección").click()
    assert navigations == []
    assert page.evaluate("document.activeElement.id") == "url-19"
    assert page.get_by_role("button", name="Añadir otra dirección").is_hidden()  # 20 is the most
    assert page.get_by_label("Dirección 1", exact=True).input_value() == "https://uno.example/"
    page.get_by_label("Dirección 20").fill("https://veinte.example/")
    page.get_by_label("Una red social").check()
    page.get_by_role("button", name="Enviar la denuncia").click()
    page.wait_for_selector("#reference", timeout=30_000)
    assert Report.objects.get().urls.count() == 2
