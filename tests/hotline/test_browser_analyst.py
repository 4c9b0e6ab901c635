"""Issue 10, items 10, 11 and 13, in Debian's Chromium as an analyst (and a senior and an admin) would do them:
no template comment on any staff page, navigation to every staff page the role may open from every staff page,
the keyboard (next item, reveal, outcome, save and the next one claimed, release) with its legend, the queue's
menu and heading, the audit page's filters, and an abuse contact typed for a notice that waits for one.
Screenshots land in $REPORTAL_SCREENSHOTS (default /tmp) for a person to look at."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path

import pytest

from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.rdap_server import network_object
from tests.fakes.website import running_website

from .browser_helpers import create_staff_by_command, sign_in
from .factories import report_item
from .images import drawn_image, page_with_images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REPORTAL_SCREENSHOTS", "/tmp"))


@pytest.fixture(autouse=True)
def shipped_data(transactional_db):
    """Transactional tests flush the tables, the seeded schemes and routing rules included: seed them again."""
    from importlib import import_module

    from django.apps import apps

    import_module("reportal.hotline.migrations.0002_seed_classification_schemes").seed(apps, None)
    import_module("reportal.actions.migrations.0002_sample_routing_rules").load(apps, None)


@pytest.fixture
def workbench_settings(settings):
    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    settings.REPORTAL_BREAK_MINUTES = 600
    settings.REPORTAL_DAILY_LIMIT_MINUTES = 6000
    return settings


def _shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"analyst-{name}.png"), full_page=True)


def _visible_text(page) -> str:
    return page.locator("body").inner_text()


def _nav_paths(page) -> list[str]:
    return page.locator("nav.staff-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def _new_page(browser, **options):
    context = browser.new_context(**options)
    context.route(
        lambda url: not url.startswith(("http://localhost", "http://127.0.0.1", "http://[::1]")),
        lambda route: route.abort(),
    )
    page = context.new_page()
    page.set_default_timeout(90_000)  # the test machine is shared and sometimes slow; nothing here is timed
    return context, page


def test_analyst_works_through_the_queue_with_the_keyboard(live_server, browser, workbench_settings):
    workbench_settings.REPORTAL_FETCH_ALLOW = [ipaddress.ip_network("127.0.0.0/8")]
    for site in running_website():
        site.set("/a.png", drawn_image("PNG", seed=3), headers={"Content-Type": "image/png"})
        site.set("/b.png", drawn_image("PNG", seed=4), headers={"Content-Type": "image/png"})
        site.set("/first", page_with_images(["/a.png"]))
        site.set("/second", page_with_images(["/b.png"]))
        first = report_item(site.url("/first"), priority=2)
        second = report_item(site.url("/second"), priority=1)
        ana = create_staff_by_command("ana", "analyst")
        context, page = _new_page(browser)
        errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        try:
            sign_in(page, live_server.url, ana, "ana's own long passphrase 1")

            # Item 10: no comment text; item 13: the queue's menu and heading.
            assert "{#" not in _visible_text(page) and "#}" not in _visible_text(page)
            assert page.locator("h1").inner_text() == "Items awaiting assessment"
            options = page.locator("select[name=status] option").all_inner_texts()
            assert len(options) == len(set(options))
            _shot(page, "queue")
            page.select_option("select[name=status]", "removed")
            page.click("form.wb-filters button[type=submit]")
            page.wait_for_url(re.compile(r"status=removed"))
            assert page.locator("h1").inner_text() == "Removed items"
            assert page.title().startswith("Removed items")
            page.goto(f"{live_server.url}/workbench/")

            # N takes the next item, claimed; the legend names the keys.
            page.keyboard.press("n")
            page.wait_for_url(re.compile(rf"/workbench/items/{first.pk}/$"))
            legend = page.locator(".wb-keys")
            assert legend.is_visible()
            for words in ("reveal the next blurred image", "save the decision", "release this item back"):
                assert words in legend.inner_text()

            # R reveals the first blurred image.
            page.wait_for_selector("#preview figure.wb-thumb img")
            page.keyboard.press("r")
            page.wait_for_selector("#preview figure.wb-revealed")
            _shot(page, "item-claimed")

            # Typing an "s" into the notes does not save.
            page.click("textarea[name=notes]")
            page.keyboard.type("seen before")
            assert re.search(rf"/workbench/items/{first.pk}/$", page.url)

            # 1 chooses "actionable"; S saves and the next item opens, already claimed.
            page.locator("h1").click()  # leave the text box
            page.keyboard.press("1")
            assert page.locator("input[name=outcome][value=actionable]").is_checked()
            page.check("input[name=c_legal_assessment][value=baseline]")
            page.check("input[name=c_content_type][value=photo]")
            page.keyboard.press("s")
            page.wait_for_url(re.compile(rf"/workbench/items/{second.pk}/$"))
            assert f"Here is the next one: item {second.pk}." in page.locator(".messages").inner_text()
            assert page.locator("#assessment-form").is_visible()

            # Q releases it back to the queue.
            page.keyboard.press("q")
            page.wait_for_url(re.compile(r"/workbench/$"))
            assert "back in the queue" in page.locator(".messages").inner_text()
            second.refresh_from_db()
            assert second.status == ItemStatus.NEW
        finally:
            context.close()
        first.refresh_from_db()
        assert first.status in (ItemStatus.ACTIONABLE, ItemStatus.ACTION_TAKEN)
        assert errors == []


def _walk_navigation(page, base: str, role: str) -> list[str]:
    """Follow every navigation link by clicking it; every page shows the same navigation and no template text."""
    page.goto(f"{base}/workbench/")
    expected = _nav_paths(page)
    for path in expected:
        page.click(f"nav.staff-nav a[href='{path}']")
        page.wait_for_url(re.compile(re.escape(path) + r"(\?.*)?$"))
        if path == "/admin/":  # the Django admin has its own pages; it opens, and the walk goes on from the queue
            assert page.locator("#site-name").count() == 1
            page.goto(f"{base}/workbench/")
            continue
        text = _visible_text(page)
        assert "{#" not in text and "#}" not in text and "{%" not in text, f"{path} as {role}"
        assert _nav_paths(page) == expected, f"{path} as {role}"
        assert page.locator(f"nav.staff-nav a[href='{path}'][aria-current=page]").count() == 1
        _shot(page, f"{role}-{path.strip('/').replace('/', '-') or 'home'}")
    return expected


def test_seniors_and_admins_reach_every_staff_page_from_every_staff_page(live_server, browser, workbench_settings):
    from reportal.audit.services import record

    item = report_item("https://nav.example/page")
    sam = create_staff_by_command("sam", "senior")
    ada = create_staff_by_command("ada", "admin")
    record("system-check", "hotline.item.viewed", item, status="new", source_url="https://nav.example/one.png")

    context, page = _new_page(browser)
    try:
        sign_in(page, live_server.url, sam, "sam's own long passphrase 3")
        senior_pages = _walk_navigation(page, live_server.url, "senior")
        for path in ("/workbench/reviews/", "/workbench/team/", "/workbench/removal/", "/staff/audit/"):
            assert path in senior_pages
        assert "/staff/members/" not in senior_pages

        # The audit page: details as fields, filtered through its form by action and date.
        page.goto(f"{live_server.url}/staff/audit/")
        page.fill("input[name=action]", "hotline.item")
        page.fill("input[name=since]", "2020-01-01")
        page.click("form.audit-filters button[type=submit]")
        page.wait_for_url(re.compile(r"action=hotline\.item"))
        details = page.locator("dl.audit-details").first.inner_text()
        assert "Source url" in details and "https://nav.example/one.png" in details
        _shot(page, "senior-audit-filtered")
    finally:
        context.close()

    context, page = _new_page(browser)
    try:
        sign_in(page, live_server.url, ada, "ada's own long passphrase 4")
        admin_pages = _walk_navigation(page, live_server.url, "admin")
        for path in ("/staff/people/", "/staff/members/", "/staff/audit/", "/workbench/removal/", "/admin/"):
            assert path in admin_pages
        assert "/workbench/reviews/" not in admin_pages  # second opinions are given by senior analysts
    finally:
        context.close()


@pytest.fixture
def quiet_case(fake_world, fake_smtp, workbench_settings):
    """An actioned item whose host has no abuse contact in RDAP: the host notice waits, the police referral went."""
    from reportal.actions import monitoring, notices
    from reportal.actions.services import act_on_item

    address = ipaddress.ip_address("127.0.0.1")
    fake_world.rdap.networks.insert(0, (address, address, network_object("127.0.0.1", "127.0.0.1", name="HOST-QUIET")))
    base = fake_world.host("quiet.test", "127.0.0.1")
    fake_world.website.set("/gallery", "<!doctype html><title>Gallery</title><p>Nothing to see.</p>")
    item = report_item(f"{base}/gallery", portal_slug="sv")
    change_status(item, ItemStatus.ACTIONABLE, reason="assessed actionable")
    for notice_id in act_on_item(item.pk):
        notices.deliver(notice_id)
    monitoring.run_pass(everything=True)
    return item, fake_smtp


def test_analyst_reads_the_case_and_gives_the_missing_abuse_contact(live_server, browser, quiet_case):
    item, smtp = quiet_case
    ana = create_staff_by_command("ana", "analyst")
    context, page = _new_page(browser)
    try:
        sign_in(page, live_server.url, ana, "ana's own long passphrase 1")
        # From the removal page's "needs attention" list to the item.
        page.click("nav.staff-nav a[href='/workbench/removal/']")
        page.click(f"a[href='/workbench/items/{item.pk}/']")
        page.wait_for_url(re.compile(rf"/workbench/items/{item.pk}/$"))
        trace = page.locator("section.wb-trace").inner_text()
        for fact in ("quiet.test", "127.0.0.1", "SV", "AS64500 Loopback Hosting SV", "none found", "none detected"):
            assert fact in trace
        notices_text = page.locator("section.wb-case").inner_text()
        assert "Waiting for a contact address" in notices_text and "Referral to the police" in notices_text
        assert "Still online" in page.locator("section.wb-monitoring").inner_text()
        _shot(page, "item-case-waiting")

        page.fill("input[name=email]", "abuse at quiet")
        page.click("button:has-text('Send the notice to this address')")
        page.wait_for_selector(".wb-contact-form [role=alert]")
        assert page.input_value("input[name=email]") == "abuse at quiet"  # nothing typed is lost
        page.fill("input[name=email]", "abuse@quiet-host.example")
        page.click("button:has-text('Send the notice to this address')")
        page.wait_for_selector(".messages")
        assert "1 notice goes to abuse@quiet-host.example now." in page.locator(".messages").inner_text()
        assert page.locator("input[name=email]").count() == 0
        assert "Waiting for a contact address" not in page.locator("section.wb-case").inner_text()
        _shot(page, "item-case-sent")
    finally:
        context.close()
    assert smtp.messages_to("abuse@quiet-host.example")


def test_arabic_staff_pages_read_right_to_left(live_server, browser, workbench_settings):
    item = report_item("https://rtl.example/page")
    ana = create_staff_by_command("ana", "analyst")
    context, page = _new_page(browser, locale="ar")
    try:
        sign_in(page, live_server.url, ana, "ana's own long passphrase 1")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.locator("h1").inner_text() == "عناصر بانتظار التقييم"
        # Nothing pushes the page sideways (a skip link parked at left: -999px did, in right-to-left pages).
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        _shot(page, "ar-queue")
        page.goto(f"{live_server.url}/workbench/items/{item.pk}/")
        box = page.locator("nav.staff-nav").bounding_box()
        width = page.viewport_size["width"]
        assert box["x"] + box["width"] < width  # the navigation fits the page
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        brand = page.locator(".staff-brand").bounding_box()
        assert brand["x"] > width / 2  # right to left: the brand sits on the right
        _shot(page, "ar-item")
    finally:
        context.close()
