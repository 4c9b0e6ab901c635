"""In Chromium: an analyst opens Proactive search from the navigation, starts a crawl of a loopback site, watches
its figures move on the crawl page (refreshed by htmx while a worker's turn runs), and stops it. Screenshots at
1280 and 390 px go to REPORTAL_SHOTS_DIR."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from reportal.crawler import engine, services
from reportal.crawler.models import Crawl, CrawlState
from tests.crawler.conftest import bank_pictures, serve
from tests.fakes.crawl_site import SiteMap, picture_bytes
from tests.fakes.items import make_portal
from tests.hotline.browser_helpers import create_staff_by_command, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REPORTAL_SHOTS_DIR", "/tmp/reportal-shots"))


@pytest.fixture
def site(dns_for_site, settings):
    settings.REPORTAL_BREAK_MINUTES = 600
    settings.REPORTAL_DAILY_LIMIT_MINUTES = 6000
    yield from serve(SiteMap(pages=300, branching=4, images_per_page=1))


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """Workers are not started inside the request (tasks would run eagerly there): the test gives them their turn."""
    sent: list[int] = []
    monkeypatch.setattr(services, "_send", lambda crawl_id, count: sent.append(crawl_id))
    return sent


def _shots(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"crawl-{name}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"crawl-{name}-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 390, f"the {name} page scrolls sideways on a phone ({width} px)"


def test_analyst_starts_follows_and_stops_a_crawl(live_server, browser, site, sent):
    make_portal("sv", "SV")
    bank_pictures({5: picture_bytes(5)})  # the picture on page 5, among the first 25 pages
    ana = create_staff_by_command("ana", "analyst")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)  # the machine is shared; nothing here is timed
        sign_in(page, live_server.url, ana, "ana's own long passphrase 1")
        page.click("nav.staff-nav a:has-text('Proactive search')")
        page.wait_for_url(re.compile(r"/workbench/search/$"))
        assert "No crawl has run yet." in page.inner_text("main")
        _shots(page, "start")

        page.fill("input[name=url]", site.url(host="site.test"))
        page.select_option("select[name=scope]", "host")
        page.fill("input[name=max_depth]", "4")
        page.click("button:has-text('Start the crawl')")
        page.wait_for_url(re.compile(r"/workbench/search/\d+/$"))
        crawl = Crawl.objects.get()
        assert sent == [crawl.pk]
        assert "The crawl of site.test has started." in page.inner_text("ul.messages")
        assert page.inner_text("[data-figure=pages]") == "0"

        # A worker's turn: 25 pages. The page shows them without a reload.
        assert engine.run_slice(crawl.pk, pages=25) == engine.SliceEnd.MORE
        page.wait_for_function("() => document.querySelector('[data-figure=pages]').textContent === '25'")
        assert page.inner_text("[data-figure=media]") == "25"
        figures = page.inner_text("#crawl-progress")
        assert (
            "pages/s" in figures
            and "minutes left at the current rate" in figures
            or "minute left at the current rate" in figures
        )
        page.wait_for_function("() => document.querySelectorAll('.crawl-leads li').length === 2")
        leads = page.inner_text(".crawl-leads")
        assert "other.test · 25 links" in leads and "www.site.test · 25 links" in leads
        _shots(page, "running")

        page.click("button:has-text('Stop this crawl')")
        page.wait_for_selector("text=The crawl was stopped.")
        assert "Stopped" in page.inner_text("#crawl-progress")
        assert page.locator("button:has-text('Stop this crawl')").count() == 0
        crawl.refresh_from_db()
        assert crawl.state == CrawlState.STOPPED
        asked = sum(site.fetched_pages(agent="proactive search").values())
        assert engine.run_slice(crawl.pk) == engine.SliceEnd.DONE  # the next turn fetches nothing
        assert sum(site.fetched_pages(agent="proactive search").values()) == asked == 25
        _shots(page, "stopped")

        # The page with the banked picture became an item marked known material; its page says so.
        page.click(".crawl-findings a")
        page.wait_for_url(re.compile(r"/workbench/items/\d+/$"))
        panel = page.inner_text(".crawl-item")
        assert "Known material" in panel and "found 1 medium on this page that a hash bank knows" in panel
        _shots(page, "item")
        page.go_back()

        page.click("a:has-text('All crawls')")
        row = page.locator("table tbody tr").first
        assert "site.test" in row.inner_text() and "Stopped" in row.inner_text()
    finally:
        context.close()
