"""Done-when: an analyst made with `reportal staff create` signs in with password and TOTP, claims a report made
through the portal, sees blurred greyscale thumbnails served by the app for a page on a loopback test site, reveals
one, classifies the item, and it moves on. The browser never requests anything from the test site, and a second
analyst cannot claim the same item."""

from __future__ import annotations

import re
from datetime import timedelta
from ipaddress import ip_network
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from reportal.hotline.models import ScreenSession
from reportal.reports.models import ItemStatus, Report, ReportedUrl
from tests.fakes.website import running_website

from .browser_helpers import create_staff_by_command, sign_in
from .factories import portal
from .images import drawn_image, page_with_images

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def shipped_schemes(transactional_db):
    """Earlier transactional tests flush every table, the schemes seeded by migration included: seed them again."""
    from importlib import import_module

    from django.apps import apps

    import_module("reportal.hotline.migrations.0002_seed_classification_schemes").seed(apps, None)

# Pixel statistics of an <img> as the browser decoded it: colour spread and sharpness.
IMAGE_STATS_JS = """(img) => {
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let colour = 0, edges = 0, count = 0;
  for (let i = 0; i < d.length; i += 4) {
    colour = Math.max(colour, Math.abs(d[i] - d[i + 1]), Math.abs(d[i + 1] - d[i + 2]));
    if ((i / 4) % canvas.width !== canvas.width - 1) {
      const lum = d[i] + d[i + 1] + d[i + 2], next = d[i + 4] + d[i + 5] + d[i + 6];
      edges += Math.abs(lum - next); count += 1;
    }
  }
  return {width: img.naturalWidth, colour: colour, edges: edges / count / 3};
}"""


@pytest.fixture
def test_site(settings):
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]
    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    settings.REPORTAL_BREAK_MINUTES = 45
    for site in running_website():
        site.set("/one.png", drawn_image("PNG", seed=11), headers={"Content-Type": "image/png"})
        site.set("/two.jpg", drawn_image("JPEG", seed=12), headers={"Content-Type": "image/jpeg"})
        site.set("/poster.png", drawn_image("PNG", seed=13), headers={"Content-Type": "image/png"})
        site.set("/clip.mp4", b"\x00\x00\x00\x18ftypmp42", headers={"Content-Type": "video/mp4"})
        site.set("/gallery", page_with_images(["/one.png", "/two.jpg"], video="/clip.mp4", poster="/poster.png"))
        yield site


def _report_through_the_portal(url: str) -> ReportedUrl:
    """A citizen's report through the gt portal's form, in Spanish."""
    portal("gt", languages=["es", "en"], name="Guatemala")
    form = {"url": url, "seen_on": "web", "description": "Vi esto en un foro."}
    response = Client().post("/gt/es/report/", form, follow=True)  # on to the thank-you page, as a browser goes
    assert response.status_code == 200 and 'id="reference"' in response.content.decode(), response.content[:2000]
    return Report.objects.get(portal__slug="gt").items.get()


def test_analyst_assesses_a_reported_page_without_touching_the_site(live_server, test_site, browser):
    item = _report_through_the_portal(test_site.url("/gallery"))
    ana = create_staff_by_command("ana", "analyst")
    bea = create_staff_by_command("bea", "analyst")
    site_origin = f"{test_site.host}:{test_site.port}"
    app_origin = urlsplit(live_server.url).netloc
    requested: list[str] = []
    console_errors: list[str] = []
    failed: list[str] = []

    contexts = [browser.new_context(), browser.new_context()]
    try:
        ana_page = contexts[0].new_page()
        bea_page = contexts[1].new_page()
        for page in (ana_page, bea_page):
            page.set_default_timeout(90_000)  # the test machine is shared and sometimes slow; nothing here is timed
            page.on("request", lambda request: requested.append(request.url))
            page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
            page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
        sign_in(ana_page, live_server.url, ana, "ana's own long passphrase 1")
        sign_in(bea_page, live_server.url, bea, "bea's own long passphrase 2")

        # Both see the item in the queue with a Claim button; Ana is first.
        row = f"tr[data-item='{item.pk}']"
        assert "Vi esto" not in ana_page.content()
        bea_page.wait_for_selector(f"{row} button:has-text('Claim')")
        ana_page.click(f"{row} button:has-text('Claim')")
        ana_page.wait_for_url(re.compile(rf"/workbench/items/{item.pk}/$"))
        assert "Vi esto en un foro." in ana_page.content()

        # The preview arrives from the app: blurred, greyscale thumbnails; the video is a placeholder only.
        ana_page.wait_for_selector("#preview figure.wb-thumb img")
        ana_page.wait_for_function(
            "() => [...document.querySelectorAll('#preview img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        images = ana_page.locator("#preview figure.wb-thumb img")
        assert images.count() == 3  # two images and the video's poster
        for index in range(images.count()):
            assert images.nth(index).get_attribute("src").startswith("data:image/jpeg;base64,")  # inline
        veiled = [images.nth(i).evaluate(IMAGE_STATS_JS) for i in range(images.count())]
        assert all(stats["colour"] == 0 for stats in veiled), veiled
        assert ana_page.locator("video").count() == 0
        assert "Video (not loaded)" in ana_page.content()

        # Bea's Claim button is stale now: the server refuses her.
        bea_page.click(f"{row} button:has-text('Claim')")
        bea_page.wait_for_url(re.compile(rf"/workbench/items/{item.pk}/$"))
        assert "ana is assessing this item until" in bea_page.content()
        assert bea_page.locator("#assessment-form").count() == 0

        # An hour on assessment screens without a break: the heartbeat brings the reminder, no reload needed.
        assert ana_page.locator("#wellbeing p").count() == 0
        now = timezone.now()
        ScreenSession.objects.create(
            user=get_user_model().objects.get(username="ana"),
            day=timezone.localdate(now),
            opened_at=now - timedelta(minutes=60),
            last_seen_at=now,
            closed_at=now,
        )
        ana_page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        ana_page.wait_for_selector("#wellbeing .wb-reminder")
        assert "without a break" in ana_page.locator("#wellbeing").inner_text()

        # Ana reveals the first thumbnail: colour and sharp.
        first = ana_page.locator("#preview figure.wb-thumb").first
        first.locator("button.wb-reveal").click()
        ana_page.wait_for_selector("#preview figure.wb-revealed img")
        ana_page.wait_for_function(
            "() => { const i = document.querySelector('#preview figure.wb-revealed img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        revealed = ana_page.locator("#preview figure.wb-revealed img").evaluate(IMAGE_STATS_JS)
        assert revealed["colour"] > 40
        assert revealed["edges"] > 2 * veiled[0]["edges"]

        # Classify with the keyboard-friendly form; the item leaves the queue.
        ana_page.keyboard.press("1")
        assert ana_page.locator("input[name=outcome][value=actionable]").is_checked()
        ana_page.check("input[name=c_legal_assessment][value=baseline]")
        ana_page.check("input[name=c_content_type][value=photo]")
        ana_page.check("input[name=c_site_type][value=image_host]")
        ana_page.click("button:has-text('Save decision')")
        ana_page.wait_for_url(re.compile(r"/workbench/$"))
        assert f"Item {item.pk} saved as" in ana_page.content()
        assert ana_page.locator(row).count() == 0
    finally:
        for context in contexts:
            context.close()

    item.refresh_from_db()
    assert item.status in (ItemStatus.ACTIONABLE, ItemStatus.ACTION_TAKEN)  # the actions stage may already have acted
    assert item.assessments.get().classification["legal_assessment"] == "baseline"
    assert requested, "the request log is empty"
    assert not [url for url in requested if site_origin in url]
    assert {urlsplit(url).netloc for url in requested if url.startswith("http")} == {app_origin}
    assert test_site.requests  # the server did fetch the page and images
    # Nothing refused by the Content-Security-Policy, and nothing missing but the browser's favicon guess.
    assert [m for m in console_errors if not m.startswith("Failed to load resource")] == []
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
