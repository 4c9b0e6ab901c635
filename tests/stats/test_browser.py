"""In Chromium: the dashboard and the public page load nothing from another host, work without JavaScript, and
axe-core finds no serious or critical problem. Screenshots (390 and 1280 px wide) go to /tmp/stats/shots for a person
to look at."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from reportal.accounts.testing import make_staff, sign_in
from reportal.reports.models import Report
from reportal.stats import services
from tests.stats.histories import Decided, History, portals, write

# serialized_rollback: the classification schemes that migrations seed stay in the database for these tests.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = Path("/tmp/stats/shots")
WIDTHS = (390, 1280)


def _shots(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)


CLASSIFICATIONS = [
    {"legal_assessment": "baseline", "uk_category": "A", "age_group": "prepubescent", "content_type": ["photo"]},
    {"legal_assessment": "national", "uk_category": "B", "age_group": "pubescent", "site_type": "forum"},
    {"legal_assessment": "baseline", "uk_category": "C", "content_type": ["video", "ai_generated"], "commercial": True},
]


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _figures() -> list:
    portal_list = portals()
    items = []
    for n in range(36):
        history = History(
            portal=n % 2,
            day=(n * 9) % 330,
            sources=["portal", "api", "member"][: 1 + n % 3],
            decisions=[Decided("actionable", 4, classification=CLASSIFICATIONS[n % 3])]
            if n % 4
            else [Decided("not_actionable", 4, reason="not_illegal")],
            action_hours=3,
            trace_country=["NL", "US", "DE", "GT"][n % 4],
            notices=[("host_notice", 1, True), ("police_referral", 2, n % 2 == 0)],
            removal_hours=[10, 40, 100, 400][n % 4],
            removal_superseded=False,
            removal_country="",
        )
        items.append(write(history, portal_list))
    services.update_for_reports(Report.objects.values_list("pk", flat=True), [i.pk for i in items])
    return portal_list


def _watch(page, base: str) -> list[str]:
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(base) else elsewhere.append(request.url))
    return elsewhere


def test_dashboard_loads_nothing_from_elsewhere_and_passes_axe(page, live_server):
    sv = _figures()[0]
    partner = make_staff("partner-browser", "partner", [sv])[0]
    client = sign_in(Client(), partner)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    elsewhere = _watch(page, live_server.url)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(f"{live_server.url}/stats/?from=2025-01-01&to=2025-12-31")
    assert page.locator("h1").inner_text() == "Statistics"
    assert page.locator("svg.chart").count() >= 10
    assert page.locator("svg.chart title").first.text_content()
    assert page.get_by_role("img", name="Reports, assessments and removals by month").count() == 1
    problems = {"dashboard": _serious(page)}
    _shots(page, "dashboard")

    page.goto(f"{live_server.url}/stats/report/sv/2025-03/")
    _shots(page, "monthly")
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "monthly-print.png"), full_page=True)
    page.emulate_media(media="screen")
    problems["monthly report"] = _serious(page)

    assert elsewhere == []
    assert {name: found for name, found in problems.items() if found} == {}


def test_public_page_works_without_javascript_and_passes_axe(page, page_no_js, live_server, settings):
    settings.REPORTAL_STATS_MIN_COUNT = 3
    _figures()
    elsewhere = _watch(page_no_js, live_server.url)
    page_no_js.goto(f"{live_server.url}/sv/es/stats/")
    assert page_no_js.locator("h1").count() == 1
    assert page_no_js.locator("table.figures").count() == 2
    assert page_no_js.locator("h1").inner_text().startswith("Qué pasó con las denuncias hechas a")
    assert page_no_js.get_by_role("heading", name="Por mes").count() == 1
    _shots(page_no_js, "public-es")
    assert elsewhere == []

    elsewhere = _watch(page, live_server.url)
    page.goto(f"{live_server.url}/sv/en/stats/")
    assert _serious(page) == []
    assert elsewhere == []
