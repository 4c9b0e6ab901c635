"""A reported page with a video: the analyst sees a sheet of its frames, blurred and greyscale, served by the app;
the browser never requests the video (or anything) from the site, and revealing the sheet shows it sharp."""

from __future__ import annotations

import os
import re
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.fakes.website import running_website
from tests.hashes.videogen import video

from .browser_helpers import create_staff_by_command, sign_in
from .images import page_with_images
from .test_browser_assessment import IMAGE_STATS_JS, _report_through_the_portal, shipped_schemes  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(os.environ.get("REPORTAL_SCREENSHOTS", "/tmp"))


@pytest.fixture
def video_site(settings):
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]
    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    for site in running_website():
        site.set("/clip.mp4", video(seed=7, seconds=6, size=(480, 270)), headers={"Content-Type": "video/mp4"})
        site.set("/watch", page_with_images([], video="/clip.mp4"))
        yield site


def test_a_video_is_shown_as_a_veiled_sheet_of_frames_and_revealed_on_request(live_server, video_site, browser):
    item = _report_through_the_portal(video_site.url("/watch"))
    ana = create_staff_by_command("ana", "analyst")
    site_origin = f"{video_site.host}:{video_site.port}"
    requested: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)  # a shared, busy test machine; nothing here is timed
        page.on("request", lambda request: requested.append(request.url))
        sign_in(page, live_server.url, ana, "ana's own long passphrase 1")
        page.goto(f"{live_server.url}/workbench/")
        page.click(f"tr[data-item='{item.pk}'] button:has-text('Claim')")
        page.wait_for_url(re.compile(rf"/workbench/items/{item.pk}/$"))

        # In the media grid once the worker recorded the page's media, else among the preview's thumbnails.
        sheet = page.locator(
            "#preview li.wb-media-tile:has-text('Video') figure.wb-thumb, "
            "#preview figure.wb-thumb:has-text('Video: frames')"
        )
        sheet.locator("img").wait_for()
        img = sheet.locator("img")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#preview figure.wb-thumb img')]"
            ".every(i => i.complete && i.naturalWidth > 0)"
        )
        assert img.get_attribute("src").startswith("data:image/jpeg;base64,")
        veiled = img.evaluate(IMAGE_STATS_JS)
        assert veiled["colour"] == 0  # greyscale until revealed
        assert page.locator("video").count() == 0
        page.screenshot(path=str(SHOTS / "video-item-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        sheet.screenshot(path=str(SHOTS / "video-sheet-veiled-390.png"))
        page.set_viewport_size({"width": 1280, "height": 900})

        sheet.locator("button.wb-reveal").click()
        revealed_img = page.locator("#preview figure.wb-revealed img")
        revealed_img.wait_for()
        page.wait_for_function(
            "() => { const i = document.querySelector('#preview figure.wb-revealed img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        revealed = revealed_img.evaluate(IMAGE_STATS_JS)
        assert revealed["colour"] > 20 and revealed["edges"] > 2 * veiled["edges"]
        page.locator("#preview figure.wb-revealed").screenshot(path=str(SHOTS / "video-sheet-revealed-1280.png"))
    finally:
        context.close()

    assert not [url for url in requested if urlsplit(url).netloc == site_origin]  # the browser never went there
