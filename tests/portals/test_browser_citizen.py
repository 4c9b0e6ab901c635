"""A citizen on a 360 px phone and on a desktop, in Debian's Chromium: sending once, the error summary, the
reference code kept whole and copyable, tap targets of at least 44 px, screenshots of every page in es, en, ar."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from reportal.portals.demo import load_demo_portals
from reportal.reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
CODE = re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$")
# Set REPORTAL_SCREENSHOTS=/some/dir to keep a screenshot of every page these tests visit.
SHOTS = os.environ.get("REPORTAL_SCREENSHOTS", "")
SEND = {"es": "Enviar la denuncia", "en": "Send the report", "ar": "إرسال البلاغ"}
WEBSITE = {"es": "Un sitio web", "en": "A website", "ar": "موقع ويب"}


@pytest.fixture
def portals(transactional_db, settings):
    settings.REPORTAL_ALTCHA_MAX_NUMBER = 2000
    load_demo_portals()


def _context(browser, viewport=PHONE, javascript=True, **options):
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript, **options)
    context.route(
        lambda url: not url.startswith(("http://localhost", "http://127.0.0.1", "http://[::1]")),
        lambda route: route.abort(),
    )
    return context


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def _send(page, base: str, lang: str = "en", url: str = "https://seen.example/page") -> None:
    page.goto(f"{base}/report/")
    page.locator("#url-0").fill(url)
    page.locator("#seen_on-web").check()
    page.get_by_role("button", name=SEND[lang]).click()
    page.wait_for_url("**/report/thanks/", timeout=30_000)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_reload_back_and_forward_never_send_the_report_again(browser, live_server, portals, javascript):
    context = _context(browser, javascript=javascript)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base = f"{live_server.url}/bz/en"
    _send(page, base)
    code = page.locator("#reference").inner_text()
    assert CODE.match(code)

    page.reload()
    assert page.locator("#reference").count() == 0
    assert "shown only once" in page.locator("main").inner_text()
    page.go_back()
    assert page.url == f"{base}/report/"
    page.go_forward()
    assert page.url == f"{base}/report/thanks/"
    assert page.locator("#reference").count() == 0
    page.reload()
    context.close()
    assert dialogs == []  # no "resend the form?" question either
    assert Report.objects.count() == 1


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_form_has_no_checkbox_and_its_error_summary_links_each_field(browser, live_server, portals, javascript):
    context = _context(browser, javascript=javascript)
    page = context.new_page()
    base = f"{live_server.url}/bz/en"
    page.goto(f"{base}/report/")
    page.locator("#url-0").focus()  # with JavaScript the proof of work starts here; it draws nothing
    assert page.get_by_role("checkbox").count() == 0
    page.locator("#url-0").fill("ftp://files.example/x")
    page.locator("#email").fill("not-an-address")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_selector("#errors", timeout=30_000)

    summary = page.locator("#errors .summary a")
    assert summary.all_inner_texts() == [
        "Address 1",
        "Where did you see it?",
        "Your e-mail address, if you want to hear the outcome (optional)",
    ]
    if javascript:  # the summary takes the focus once the page's script has run, so it is read first
        page.wait_for_function("() => document.activeElement && document.activeElement.id === 'errors'")
        assert page.evaluate("document.activeElement.id") == "errors"
    page.get_by_role("link", name="Where did you see it?").click()
    if javascript:
        assert page.evaluate("document.activeElement.id") == "seen_on-web"
    else:
        assert page.url.endswith("#seen_on-web")
    page.locator("#seen_on-web").check()
    page.locator("#email").fill("")
    page.locator("#url-0").fill("https://files.example/x")
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url("**/report/thanks/", timeout=30_000)
    context.close()
    assert Report.objects.count() == 1  # valid without ticking anything


def test_on_a_phone_the_code_keeps_its_groups_whole_and_the_copy_button_copies_it(browser, live_server, portals):
    context = _context(browser, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    _send(page, f"{live_server.url}/global/en")
    groups = page.locator("#reference span")
    assert groups.count() == 5
    for i in range(5):
        # Each group is one box: it was not broken across lines.
        assert groups.nth(i).evaluate("el => el.getClientRects().length") == 1
    lines = {round(groups.nth(i).bounding_box()["y"]) for i in range(5)}
    assert len(lines) <= 3
    code = page.locator("#reference").inner_text()
    page.get_by_role("button", name="Copy the code").click()
    page.wait_for_function("() => document.querySelector('[data-copy-status]').textContent !== ''")
    assert page.evaluate("navigator.clipboard.readText()") == code
    assert "Copied" in page.locator("[data-copy-status]").inner_text()
    context.close()


def test_without_javascript_the_code_is_plain_text_to_select(browser, live_server, portals):
    context = _context(browser, javascript=False)
    page = context.new_page()
    _send(page, f"{live_server.url}/global/en")
    assert (
        page.get_by_role("button", name="Copy the code").count() == 0
        or not page.get_by_role("button", name="Copy the code").is_visible()
    )
    page.locator("#reference").select_text()
    selected = page.evaluate("window.getSelection().toString()")
    assert CODE.match(selected)
    context.close()


def _small_targets(page) -> list[str]:
    """Every visible link, button and field smaller than 44 x 44 px, as "TAG id-or-text WxH"."""
    targets = page.evaluate(
        """() => [...document.querySelectorAll('a[href], button, input:not([type=hidden]), textarea, select')]
            .filter(el => el.offsetParent !== null)
            .map(el => [el, el.getBoundingClientRect()])
            .map(([el, box]) => [`${el.tagName} ${el.id || el.getAttribute('href') || el.textContent.trim()}`,
                                 box.width, box.height])"""
    )
    assert len(targets) >= 6, targets  # at least the header and footer links were measured
    return [f"{name} {round(w)}x{round(h)}" for name, w, h in targets if w < 44 or h < 44]


@pytest.mark.parametrize(("slug", "lang"), [("gt", "es"), ("bz", "en"), ("global", "ar")])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "desktop"])
def test_every_target_is_at_least_44_px_and_every_page_is_screenshotted(
    browser, live_server, portals, slug, lang, viewport
):
    context = _context(browser, viewport=viewport)
    page = context.new_page()
    base = f"{live_server.url}/{slug}/{lang}"
    width = "360" if viewport == PHONE else "desktop"
    small: dict[str, list[str]] = {}

    def visit(name: str) -> None:
        page.wait_for_load_state("load")  # measured once the stylesheets apply, not while they are still loading
        small[name] = _small_targets(page)
        _shot(page, f"{slug}-{lang}-{width}-{name}")

    page.goto(f"{base}/")
    visit("landing")
    page.goto(f"{base}/report/")
    visit("form")
    page.locator("#url-0").fill("javascript:void(0)")
    page.get_by_role("button", name=SEND[lang]).click()
    page.wait_for_selector("#errors", timeout=30_000)
    visit("form-errors")
    page.locator("#url-0").fill("https://seen.example/page")
    page.get_by_label(WEBSITE[lang]).check()
    page.get_by_role("button", name=SEND[lang]).click()
    page.wait_for_url("**/report/thanks/", timeout=30_000)
    code = page.locator("#reference").inner_text()
    visit("thanks")
    page.reload()
    visit("thanks-reloaded")
    page.goto(f"{base}/status/")
    visit("status")
    page.locator("#reference").fill(code)
    page.locator("form button[type=submit]").click()
    page.wait_for_selector(".state")
    visit("status-result")
    page.goto(f"{base}/privacy/")
    visit("privacy")
    context.close()
    assert {name: found for name, found in small.items() if found} == {}
