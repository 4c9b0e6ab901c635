"""The police package button in Debian's Chromium: a senior analyst downloads the package from the item page (the
file verifies and holds the evidence; the download is audited); an analyst sees no button. Screenshots of the item
page at 390 and 1280 px land in $REPORTAL_SCREENSHOTS (default /tmp) for a person to look at."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pyrage
import pytest

from reportal.actions import package_format
from reportal.audit.models import AuditEntry
from reportal.hotline import evidence
from reportal.lists import services as lists
from tests.hotline.browser_helpers import create_staff_by_command, sign_in

from .conftest import synthetic_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REPORTAL_SCREENSHOTS", "/tmp"))


@pytest.fixture(autouse=True)
def shipped_data(transactional_db):
    """Transactional tests flush the tables, the seeded schemes and routing rules included: seed them again."""
    from importlib import import_module

    from django.apps import apps

    if not apps.get_model("hotline", "ClassificationScheme").objects.exists():
        import_module("reportal.hotline.migrations.0002_seed_classification_schemes").seed(apps, None)
    if not apps.get_model("actions", "RoutingRule").objects.exists():
        import_module("reportal.actions.migrations.0002_sample_routing_rules").load(apps, None)


def _page(browser, width: int):
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    context.route(
        lambda url: not url.startswith(("http://localhost", "http://127.0.0.1", "http://[::1]")),
        lambda route: route.abort(),
    )
    page = context.new_page()
    page.set_default_timeout(90_000)  # the test machine is shared and sometimes slow; nothing here is timed
    return context, page


def test_a_senior_downloads_the_police_package_and_an_analyst_sees_no_button(
    live_server, browser, actionable, settings, tmp_path
):
    settings.REPORTAL_EVIDENCE_STORAGE = True
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    police = pyrage.x25519.Identity.generate()
    settings.REPORTAL_POLICE_RECIPIENTS = [str(police.to_public())]
    item = actionable("browser-police.test")
    image = synthetic_png(11)
    evidence.store_images(item, [image])
    item_url = f"{live_server.url}/workbench/items/{item.pk}/"

    senior = create_staff_by_command("sofia", "senior")
    context, page = _page(browser, 1280)
    try:
        sign_in(page, live_server.url, senior, "sofia's own long passphrase 1")
        page.goto(item_url)
        button = page.get_by_role("button", name="Download the police package")
        assert button.is_visible()
        page.screenshot(path=str(SHOTS / "police-package-item-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.locator("#police-heading").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "police-package-item-390.png"), full_page=True)
        # The button is on screen, nothing in the section overflows it, and the page does not scroll sideways on a
        # phone (the notices table scrolls inside its own box).
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert page.locator("section.wb-police").evaluate("s => s.scrollWidth <= s.clientWidth")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390

        with page.expect_download() as download_info:
            button.click()
        download = download_info.value
        assert download.suggested_filename == f"SV-{item.pk:07d}-police-package.tar"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    finally:
        context.close()

    result = package_format.verify(saved.read_bytes(), lists.signing_public_key_pem(), [police])
    assert result.contents is not None
    sha = hashlib.sha256(image).hexdigest()
    assert result.contents[f"evidence/{sha}.png"] == image
    entry = AuditEntry.objects.get(action="actions.export_police_package", actor_name="sofia")
    assert entry.object_id == str(item.pk) and entry.details["via"] == "item page"
    assert entry.details["package_sha256"] == hashlib.sha256(saved.read_bytes()).hexdigest()

    analyst = create_staff_by_command("ana", "analyst")
    context, page = _page(browser, 1280)
    try:
        sign_in(page, live_server.url, analyst, "ana's own long passphrase 1")
        page.goto(item_url)
        assert page.locator("h1").inner_text() == f"Item {item.pk}"
        assert page.get_by_role("button", name="Download the police package").count() == 0
        assert page.locator("#police-heading").count() == 0
    finally:
        context.close()
