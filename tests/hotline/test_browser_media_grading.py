"""Done-when (media grading): a page on a loopback site shows five drawn images; the worker records them as media
items; the analyst sees them blurred and in greyscale in a grid, grades three of them with the keyboard (arrows,
Space, number keys) and confirms the page. Exactly those three reach the hash bank, each with its own grade."""

from __future__ import annotations

import os
import re
from ipaddress import ip_network
from pathlib import Path

import pytest
from django.test import Client

from reportal.celery import app
from reportal.hashes.models import BankContent
from reportal.hotline import media
from reportal.pipeline.models import Handoff
from reportal.reports.models import Report, ReportedUrl
from tests.fakes.website import running_website

from .browser_helpers import create_staff_by_command, sign_in
from .factories import portal
from .images import drawn_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("REPORTAL_SHOTS_DIR", "/tmp/reportal-shots"))
IMAGES = [f"/img/{n}.png" for n in range(1, 6)]
GREY_STATS_JS = """(img) => {
  const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
  const x = c.getContext('2d'); x.drawImage(img, 0, 0);
  const d = x.getImageData(0, 0, c.width, c.height).data; let colour = 0;
  for (let i = 0; i < d.length; i += 4) {
    colour = Math.max(colour, Math.abs(d[i] - d[i + 1]), Math.abs(d[i + 1] - d[i + 2]));
  }
  return colour;
}"""


@pytest.fixture(autouse=True)
def shipped_schemes(transactional_db):
    """Transactional tests flush every table, the schemes seeded by migration included: seed them again."""
    from importlib import import_module

    from django.apps import apps

    import_module("reportal.hotline.migrations.0002_seed_classification_schemes").seed(apps, None)


@pytest.fixture
def gallery_site(settings):
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]
    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    settings.REPORTAL_BREAK_MINUTES = 600
    settings.REPORTAL_DAILY_LIMIT_MINUTES = 6000
    for site in running_website():
        for number, path in enumerate(IMAGES):
            site.set(path, drawn_image("PNG", seed=70 + number), headers={"Content-Type": "image/png"})
        body = "".join(f'<img src="{path}" alt="">' for path in IMAGES)
        site.set("/gallery", f"<!doctype html><html><head><title>Shapes</title></head><body>{body}</body></html>")
        yield site


def _run_hand_offs(item_id: int, event: str) -> None:
    """The worker's turn: run the item's undone hand-offs of `event` with their real tasks."""
    app.loader.import_default_modules()
    for handoff in Handoff.objects.filter(subject_id=item_id, event=event, done_at__isnull=True):
        app.tasks[handoff.task].apply(args=[handoff.pk])


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"media-grid-{name}.png"), full_page=True)


def test_analyst_grades_three_of_five_images_with_the_keyboard_and_only_those_are_banked(
    live_server, gallery_site, browser
):
    from reportal.reports.tasks import process_pending

    portal("gt", languages=["es", "en"], name="Guatemala")
    response = Client().post(
        "/gt/es/report/", {"url": gallery_site.url("/gallery"), "seen_on": "web", "description": "Fotos."}, follow=True
    )
    assert response.status_code == 200
    item: ReportedUrl = Report.objects.get(portal__slug="gt").items.get()
    process_pending()  # intake's follow-up (idempotent), then the worker fetches and hashes the page's media
    _run_hand_offs(item.pk, "item.queued")
    recorded = media.media_of(item.pk)
    assert len(recorded) == 5

    ana = create_staff_by_command("ana", "analyst")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(90_000)  # the machine is shared; nothing here is timed
        sign_in(page, live_server.url, ana, "ana's own long passphrase 1")
        page.click(f"tr[data-item='{item.pk}'] button:has-text('Claim')")
        page.wait_for_url(re.compile(rf"/workbench/items/{item.pk}/$"))

        # The grid arrives with the server's preview: five tiles, each veiled (greyscale), none from the site.
        page.wait_for_selector("#media-grid li.wb-media-tile img")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#media-grid img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        tiles = page.locator("#media-grid li.wb-media-tile")
        assert tiles.count() == 5
        images = page.locator("#media-grid li.wb-media-tile img")
        assert all(images.nth(i).get_attribute("src").startswith("data:image/jpeg;base64,") for i in range(5))
        assert [images.nth(i).evaluate(GREY_STATS_JS) for i in range(5)] == [0] * 5
        assert "5 media still need a grade." in page.locator("#media-grid").inner_text()
        boxes = page.locator("#media-grid input[name=media]")
        sizes = [boxes.nth(i).locator("xpath=..").bounding_box() for i in range(5)]
        assert all(box["height"] >= 44 for box in sizes), sizes  # touch targets
        _shot(page, "1280")
        page.set_viewport_size({"width": 390, "height": 844})
        _shot(page, "390")
        page.set_viewport_size({"width": 1280, "height": 900})

        # Keyboard: Space selects image 1, two arrows on, Space selects image 3, key 1 grades both "baseline".
        boxes.first.focus()
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("Space")
        page.keyboard.press("1")
        page.wait_for_selector("#media-grid [role=status]:has-text('2 media graded.')")
        # The focus stays in the grid (the grid's script puts it back once htmx has swapped the new grid in):
        # two arrows on to image 5, key 2 grades the focused one "national".
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.matches('#media-grid input[name=media]')"
        )
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("2")
        page.wait_for_selector("#media-grid [role=status]:has-text('1 medium graded.')")
        assert "2 media still need a grade." in page.locator("#media-grid").inner_text()
        # The outcome keys were not touched by the grading keys.
        assert not page.locator("input[name=outcome]:checked").count()
        _shot(page, "graded-1280")

        # Reveal one image, as today: only that one shows in colour, the other four stay veiled.
        page.locator("#media-grid li.wb-media-tile").nth(1).locator("button.wb-reveal").click()
        page.wait_for_selector("#media-grid figure.wb-revealed img")
        page.wait_for_function(
            "() => { const i = document.querySelector('#media-grid figure.wb-revealed img');"
            " return i && i.complete && i.naturalWidth > 0; }"
        )
        assert page.locator("#media-grid figure.wb-revealed img").evaluate(GREY_STATS_JS) > 40
        veiled = page.locator("#media-grid figure.wb-thumb:not(.wb-revealed) img")
        assert [veiled.nth(i).evaluate(GREY_STATS_JS) for i in range(veiled.count())] == [0] * 4

        page.check("input[name=outcome][value=actionable]")
        page.check("input[name=c_legal_assessment][value=baseline]")
        page.check("input[name=c_content_type][value=photo]")
        page.check("input[name=c_site_type][value=image_host]")
        page.click("button:has-text('Save decision')")
        page.wait_for_url(re.compile(r"/workbench/$"))
    finally:
        context.close()

    _run_hand_offs(item.pk, "item.confirmed")  # whatever the web process left to the worker
    by_url = {row.url.rsplit("/", 1)[1]: row for row in media.media_of(item.pk)}
    banked = dict(BankContent.objects.filter(external_id=f"item:{item.pk}").values_list("sha256", "classification"))
    assert banked == {
        by_url["1.png"].sha256: "baseline",
        by_url["3.png"].sha256: "baseline",
        by_url["5.png"].sha256: "national",
    }
    assert gallery_site.requests  # the server fetched the page; the browser never did (only data: URIs above)
