"""The item page in Debian's Chromium shows the route an item took and why, the rule passed over because its route
is not configured, and NCMEC's report id; on a phone (390 px) and a desktop (1280 px). Screenshots land in
$REPORTAL_SCREENSHOTS (default /tmp) for a person to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.utils import timezone

from reportal.actions import routing
from reportal.actions.models import RoutingRule
from reportal.ncmec.models import CyberTiplineReport, Step
from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus
from tests.hotline.browser_helpers import create_staff_by_command, sign_in
from tests.hotline.factories import report_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REPORTAL_SCREENSHOTS", "/tmp"))


@pytest.fixture(autouse=True)
def shipped_rules(transactional_db):
    """Transactional tests flush the tables, the shipped routing rules and schemes included: load them again."""
    from importlib import import_module

    from django.apps import apps

    import_module("reportal.hotline.migrations.0002_seed_classification_schemes").seed(apps, None)
    routing.load_rules(routing.sample_rules())


def _new_page(browser, **options):
    context = browser.new_context(**options)
    context.route(
        lambda url: not url.startswith(("http://localhost", "http://127.0.0.1", "http://[::1]")),
        lambda route: route.abort(),
    )
    page = context.new_page()
    page.set_default_timeout(90_000)  # the machine is shared and sometimes slow; nothing here is timed
    return context, page


def test_item_page_shows_route_reason_and_cybertipline_report(live_server, browser, settings):
    settings.REPORTAL_ICCAM_URL = ""  # ICCAM off: the INHOPE rule is passed over, the partner rule decides
    item = report_item("http://shop.nl.example/gallery", portal_slug="gt")
    change_status(item, ItemStatus.ACTIONABLE, reason="assessed actionable")
    routing.record_decision(item, routing.decide("NL", portal_country="GT"))
    CyberTiplineReport.objects.create(
        item=item, step=Step.FINISHED, environment="test", report_id="90001", finished_at=timezone.now()
    )
    partner = RoutingRule.objects.get(name="Partner hotline Netherlands")
    inhope = RoutingRule.objects.get(name="INHOPE member countries")
    ana = create_staff_by_command("ana", "analyst")

    for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
        context, page = _new_page(browser, viewport=viewport)
        try:
            if name == "desktop":
                sign_in(page, live_server.url, ana, "ana's own long passphrase 1")
                storage = context.storage_state()
            else:
                context.close()
                context = browser.new_context(viewport=viewport, storage_state=storage)
                page = context.new_page()
                page.set_default_timeout(90_000)
            page.goto(f"{live_server.url}/workbench/items/{item.pk}/")
            route = page.locator("section.wb-route")
            assert route.locator("h2").inner_text() == "Route"
            assert route.locator(".wb-route-reason").inner_text() == (
                "Referred to the partner hotline because hosted in NL "
                f"(rule {partner.pk}: Partner hotline Netherlands)."
            )
            assert route.locator(".wb-route-passed").inner_text() == (
                f"Rule {inhope.pk} (INHOPE member countries) was passed over: ICCAM is not configured."
            )
            assert "90001" in route.locator(".wb-cybertipline").inner_text()
            route.scroll_into_view_if_needed()
            page.screenshot(path=str(SHOTS / f"routing-item-{name}.png"), full_page=True)
            route.screenshot(path=str(SHOTS / f"routing-section-{name}.png"))
        finally:
            context.close()
