"""Media items end to end over HTTP: the worker fetches a loopback page's media (capped), the analyst sees them
veiled in a grid and grades them, and confirming the page banks only the graded media with enough PDQ quality,
each under its own grade. Media the bank already knows are marked with their earlier grade."""

from __future__ import annotations

import io
import json
import re
from ipaddress import ip_network

import pytest
from PIL import Image

from reportal.audit.models import AuditEntry
from reportal.hashes import services as hashes
from reportal.hashes.models import BankContent
from reportal.hotline import media, mediacollect
from reportal.hotline.mediacollect import MediaCaps
from reportal.hotline.models import PreviewHashMatch
from reportal.pipeline.models import Handoff
from tests.fakes.website import running_website

from .conftest import signed_in
from .factories import report_item
from .images import drawn_image

pytestmark = pytest.mark.django_db


def flat_png(shade: int = 128) -> bytes:
    """One flat colour: PDQ quality 0, too poor to match on (never banked)."""
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (shade, shade, shade)).save(out, "PNG")
    return out.getvalue()


GALLERY = """<!doctype html><html><head><title>Shapes</title></head><body>
<img src="/a.png" alt=""><img srcset="/b.jpg 1x, /b-big.jpg 2x" alt="">
<picture><source srcset="/c.png 640w"><img src="/c-small.png" alt=""></picture>
<a href="/full/d.png">full size</a> <a href="/about">about</a>
<img src="/flat.png" alt=""><img src="/missing.png" alt=""><img src="/not-an-image.png" alt="">
<video poster="/poster.png"><source src="/clip.mp4" type="video/mp4"></video>
</body></html>"""


@pytest.fixture(autouse=True)
def fresh_matcher():
    """The matcher follows the bank by row id; rolled-back tests reuse ids, so each test starts a fresh one."""
    from reportal.hashes import matcher

    matcher.reset_matcher()
    yield
    matcher.reset_matcher()


@pytest.fixture
def gallery(settings):
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]
    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    for site in running_website():
        site.set("/gallery", GALLERY)
        for number, path in enumerate(("/a.png", "/c.png", "/c-small.png", "/full/d.png", "/poster.png")):
            site.set(path, drawn_image("PNG", seed=40 + number), headers={"Content-Type": "image/png"})
        site.set("/b.jpg", drawn_image("JPEG", seed=50), headers={"Content-Type": "image/jpeg"})
        site.set("/flat.png", flat_png(), headers={"Content-Type": "image/png"})
        site.set("/not-an-image.png", b"<html>oops</html>", headers={"Content-Type": "image/png"})
        site.set("/clip.mp4", b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, headers={"Content-Type": "video/mp4"})
        yield site


def test_the_worker_records_page_images_srcset_picture_linked_media_and_video_sources(gallery, analyst_item):
    item = analyst_item(gallery.url("/gallery"))
    ids = mediacollect.collect_item_media(item)
    rows = media.media_of(item.pk)
    assert [row.pk for row in rows] == ids
    paths = [re.sub(r"^http://[^/]+", "", row.url) for row in rows]
    # Images first (page order: img, srcset, picture source, img inside picture, linked, flat, poster), then videos;
    # the missing image and the HTML served as PNG are left out.
    assert paths == [
        "/a.png",
        "/b.jpg",
        "/c.png",
        "/c-small.png",
        "/full/d.png",
        "/flat.png",
        "/poster.png",
        "/clip.mp4",
    ]
    first = rows[0]
    assert (first.kind, first.content_type, first.width, first.height) == ("image", "image/png", 400, 300)
    assert len(first.md5) == 32 and len(first.sha256) == 64 and len(first.pdq) == 64 and first.pdq_quality >= 50
    assert next(row for row in rows if row.url.endswith("/flat.png")).pdq_quality < 50
    video = rows[-1]
    assert video.kind == "video" and video.vpdq is None and video.vpdq_pending  # not decodable: MD5 only
    assert len(video.md5) == 32


def test_collection_is_capped_in_count_and_bytes(gallery, analyst_item):
    item = analyst_item(gallery.url("/gallery"))
    four = MediaCaps(max_items=4, max_image_bytes=10**7, max_video_bytes=10**7, max_page_bytes=10**8)
    mediacollect.collect_item_media(item, caps=four)
    assert [row.url.rsplit("/", 1)[1] for row in media.media_of(item.pk)] == ["a.png", "b.jpg", "c.png", "c-small.png"]

    other = analyst_item(gallery.url("/gallery") + "?again")
    one_image_of_bytes = len(drawn_image("PNG", seed=40))
    tight = MediaCaps(max_items=40, max_image_bytes=10**7, max_video_bytes=10**7, max_page_bytes=one_image_of_bytes)
    mediacollect.collect_item_media(other, caps=tight)
    assert [row.url.rsplit("/", 1)[1] for row in media.media_of(other.pk)] == ["a.png"]

    small = analyst_item(gallery.url("/gallery") + "?small")
    under = MediaCaps(max_items=40, max_image_bytes=60, max_video_bytes=60, max_page_bytes=10**8)
    mediacollect.collect_item_media(small, caps=under)  # every medium is larger than its cap: none is kept
    assert media.media_of(small.pk) == []


def test_collecting_twice_records_each_medium_once(gallery, analyst_item):
    item = analyst_item(gallery.url("/gallery"))
    first = mediacollect.collect_item_media(item)
    assert mediacollect.collect_item_media(item) == first


def test_a_report_hands_the_collection_to_the_worker(gallery, django_capture_on_commit_callbacks):
    from reportal.reports.tasks import process_pending

    item = report_item(gallery.url("/gallery"))
    process_pending()  # intake's follow-up: it records the hand-off, and the (eager) worker runs it
    handoff = Handoff.objects.get(event="item.queued", subject_id=item.pk)
    from reportal.celery import app

    app.loader.import_default_modules()
    app.tasks["hotline.collect_page_media"].apply(args=[handoff.pk])
    handoff.refresh_from_db()
    assert handoff.done_at is not None
    assert len(media.media_of(item.pk)) == 8
    assert AuditEntry.objects.filter(action="hotline.item.media_collected", object_id=str(item.pk)).exists()


def test_media_already_in_the_bank_are_marked_known_with_their_grade(gallery, analyst_item, staff_client):
    earlier = report_item("https://earlier.example/page")
    hashes.add_confirmed_images(earlier, [drawn_image("PNG", seed=40)], classification="baseline/uk-A")
    item = analyst_item(gallery.url("/gallery"))
    mediacollect.collect_item_media(item)
    known = [row for row in media.media_of(item.pk) if row.known]
    assert [row.url.rsplit("/", 1)[1] for row in known] == ["a.png"]
    assert known[0].known_grade == "baseline/uk-A"

    page = analyst_item.client.get(f"/workbench/items/{item.pk}/media/").content.decode()
    tile = page[page.index(f'data-media="{known[0].pk}"') :]
    tile = tile[: tile.index("</li>")]
    assert "Known" in tile and "Baseline: illegal under INTERPOL criteria, Category A" in tile
    assert 'name="media"' not in tile  # nothing to grade
    # The queue says so before anyone opens the item.
    queue = analyst_item.client.get("/workbench/").content.decode()
    row = queue[queue.index(f'data-item="{item.pk}"') :]
    assert "Images match the hash bank" in row[: row.index("</tr>")]
    mediacollect.collect_item_media(item)  # found again: still one hint
    assert PreviewHashMatch.objects.filter(item=item).count() == 1


def test_the_analyst_grades_several_media_at_once_and_only_those_reach_the_bank(
    gallery, analyst_item, django_capture_on_commit_callbacks
):
    item = analyst_item(gallery.url("/gallery"))
    mediacollect.collect_item_media(item)
    rows = {row.url.rsplit("/", 1)[1]: row for row in media.media_of(item.pk)}
    client = analyst_item.client

    # Grid: blurred thumbnails need the analyst's preview; the grid itself lists every medium with its facts.
    page = client.get(f"/workbench/items/{item.pk}/media/").content.decode()
    assert page.count('name="media"') == 8
    assert "too low for the bank" in page and "vPDQ pending" in page

    url = f"/workbench/items/{item.pk}/media/grade/"
    both = {"media": [rows["a.png"].pk, rows["b.jpg"].pk], "c_legal_assessment": "baseline", "c_uk_category": "A"}
    assert client.post(url, both).status_code == 302
    national = {"media": [rows["c.png"].pk, rows["flat.png"].pk], "c_legal_assessment": "national"}
    assert client.post(url, national, HTTP_HX_REQUEST="true").status_code == 200
    advert = {"media": [rows["poster.png"].pk], "c_legal_assessment": "not_illegal"}
    assert client.post(url, advert).status_code == 302

    # A grade without a legal assessment is refused with a message, and changes nothing.
    refused = client.post(url, {"media": [rows["d.png"].pk], "c_uk_category": "B"})
    assert refused.status_code == 400
    assert "Choose a legal assessment for the selected media." in refused.content.decode()
    assert media.media_of(item.pk)[4].grade == {}
    graded = AuditEntry.objects.filter(action="hotline.item.media_graded", object_id=str(item.pk))
    assert graded.count() == 3

    page = client.get(f"/workbench/items/{item.pk}/media/").content.decode()
    assert "Baseline: illegal under INTERPOL criteria, Category A" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/workbench/items/{item.pk}/assess/",
            {
                "outcome": "actionable",
                "list_scope": "url",
                "c_legal_assessment": "national",
                "c_content_type": "photo",
                "c_site_type": "image_host",
            },
        )
    assert response.status_code == 302, re.findall(r"<li>[^<]*</li>", response.content.decode())[:5]
    banked = dict(BankContent.objects.filter(external_id=f"item:{item.pk}").values_list("sha256", "classification"))
    # a.png, b.jpg (baseline/A) and c.png (national); not the flat image (PDQ quality too low), not the advert, not
    # the ungraded ones, and none with the page's own classification.
    assert banked == {
        rows["a.png"].sha256: "baseline/uk-A",
        rows["b.jpg"].sha256: "baseline/uk-A",
        rows["c.png"].sha256: "national",
    }


def test_only_the_claim_holder_grades(gallery, analyst_item, staff_client):
    item = analyst_item(gallery.url("/gallery"))
    mediacollect.collect_item_media(item)
    medium = media.media_of(item.pk)[0]
    other, _user = staff_client("analyst")
    response = other.post(
        f"/workbench/items/{item.pk}/media/grade/", {"media": [medium.pk], "c_legal_assessment": "baseline"}
    )
    assert response.status_code == 302
    assert media.media_of(item.pk)[0].grade == {}
    assert other.get(f"/workbench/items/{item.pk}/media/").status_code == 403


@pytest.fixture
def analyst_item(staff_user):
    """Makes items claimed by one signed-in analyst; `.client` is that analyst's browser session."""
    from reportal.hotline import claims

    analyst = staff_user("analyst")

    def make(url: str):
        item = report_item(url)
        claims.claim_item(item, analyst)
        return item

    make.client = signed_in(analyst)  # type: ignore[attr-defined]
    make.analyst = analyst  # type: ignore[attr-defined]
    return make


def test_a_video_source_is_hashed_with_vpdq_and_a_graded_video_is_banked_with_its_grade(settings, staff_user):
    from tests.hashes.videogen import video

    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.1/32")]
    clip = video(seed=5, seconds=3, fps=10, size=(160, 120))  # moving shapes, drawn with numpy
    for site in running_website():
        site.set("/watch", '<!doctype html><video controls><source src="/v/clip.mp4" type="video/mp4"></video>')
        site.set("/v/clip.mp4", clip, headers={"Content-Type": "video/mp4"})
        item = report_item(site.url("/watch"))
        mediacollect.collect_item_media(item)
    [medium] = media.media_of(item.pk)
    assert (medium.kind, medium.width, medium.height, medium.size_bytes) == ("video", 160, 120, len(clip))
    assert len(medium.vpdq) == 3 and not medium.vpdq_pending  # one frame a second, threatexchange's format
    pdq_hex, quality, timestamp = medium.vpdq[0].split(",")
    assert len(pdq_hex) == 64 and int(quality) >= 0 and float(timestamp) == 0.0
    assert medium.duration_s == pytest.approx(3.0, abs=0.2)

    media.grade_media(item.pk, [medium.pk], {"legal_assessment": "national", "uk_category": "C"}, staff_user("analyst"))
    assert mediacollect.bank_graded_media(item) == 1
    entry = BankContent.objects.get(external_id=f"item:{item.pk}")
    assert (entry.md5, entry.classification) == (medium.md5, "national/uk-C")
    assert hashes.parse_vpdq_signal(entry.vpdq) == hashes.parse_vpdq_signal(json.dumps(medium.vpdq))
    assert mediacollect.bank_graded_media(item) == 0  # already in the bank

    # Found again on another page: known, with the grade it was banked under.
    for site in running_website():
        site.set("/again", '<!doctype html><a href="/clip.mp4">download</a>')
        site.set("/clip.mp4", clip, headers={"Content-Type": "video/mp4"})
        again = report_item(site.url("/again"))
        mediacollect.collect_item_media(again)
    [copy] = media.media_of(again.pk)
    assert copy.known and copy.known_grade == "national/uk-C"


def test_the_analyst_asks_the_worker_to_fetch_the_media_again(
    gallery, analyst_item, django_capture_on_commit_callbacks
):
    item = analyst_item(gallery.url("/gallery"))  # made without intake's follow-up: nothing recorded yet
    client = analyst_item.client
    page = client.get(f"/workbench/items/{item.pk}/media/").content.decode()
    assert "No media of this page have been recorded yet" in page
    fetched_before = len(gallery.requests)
    with django_capture_on_commit_callbacks(execute=False) as owed:
        response = client.post(f"/workbench/items/{item.pk}/media/collect/")
    assert response.status_code == 302
    assert len(gallery.requests) == fetched_before  # the request only recorded the hand-off
    handoff = Handoff.objects.get(event="item.queued", subject_id=item.pk, task="hotline.collect_page_media")
    assert handoff.done_at is None and owed  # sent to the worker after the commit
    for callback in owed:
        callback()  # the broker's message, run by the (eager) worker
    handoff.refresh_from_db()
    assert handoff.done_at is not None
    assert len(media.media_of(item.pk)) == 8
    assert AuditEntry.objects.filter(action="hotline.item.media_requested", object_id=str(item.pk)).exists()
