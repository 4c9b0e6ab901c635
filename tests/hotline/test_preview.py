"""The server-side preview: images found in the page, fetched through the guarded fetcher, thumbnailed in memory,
veiled until revealed; videos never fetched; refused destinations explained."""

from __future__ import annotations

import io
from ipaddress import ip_network

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from reportal.hotline import preview
from reportal.hotline.pagemedia import find_media
from reportal.hotline.thumbnails import MAX_PIXELS, ThumbnailError, make_thumbnail, veil
from tests.fakes.website import running_website

from .factories import report_item
from .images import drawn_image, huge_header_png, page_with_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    yield from running_website()


@pytest.fixture
def loopback_allowed(settings):
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]
    preview.STORE.clear()
    yield
    preview.STORE.clear()


def test_find_media_reads_img_srcset_og_image_and_video_without_data_uris():
    html = """<html><head><base href="https://pics.example/gallery/">
    <meta property="og:image" content="/og.jpg"><title> A  page </title></head><body>
    <img src="one.png"><img srcset="two.png 1x, two@2x.png 2x"><img data-src="three.webp">
    <img src="javascript:alert(1)"><img src="data:image/png;base64,AAAA">
    <video src="clip.mp4" poster="poster.jpg"><source src="clip.webm"></video></body></html>"""
    media = find_media(html, "https://pics.example/start")
    assert media.title == "A  page"
    assert media.images == [
        "https://pics.example/og.jpg",
        "https://pics.example/gallery/one.png",
        "https://pics.example/gallery/two.png",
        "https://pics.example/gallery/three.webp",
    ]
    assert media.videos == ["https://pics.example/gallery/clip.mp4", "https://pics.example/gallery/clip.webm"]
    assert media.video_posters == ["https://pics.example/gallery/poster.jpg"]


def test_thumbnail_is_small_and_veil_is_greyscale_and_blurred():
    thumb = make_thumbnail(drawn_image("PNG", (900, 600)))
    assert (thumb.width, thumb.height) == (320, 213)
    assert (thumb.source_width, thumb.source_height) == (900, 600)

    veiled = Image.open(io.BytesIO(veil(thumb.jpeg, blur=True, greyscale=True)))
    sharp_grey = Image.open(io.BytesIO(veil(thumb.jpeg, blur=False, greyscale=True)))
    colour = Image.open(io.BytesIO(thumb.jpeg))
    assert veiled.mode == "L" and sharp_grey.mode == "L" and colour.mode == "RGB"
    # Blurring removes edges: neighbouring pixels differ far less than in the sharp image.
    assert _neighbour_difference(veiled) < _neighbour_difference(sharp_grey) / 3


def _neighbour_difference(img: Image.Image) -> float:
    pixels = np.asarray(img.convert("L"), dtype=float)[10:-10, 10:-10]  # the border is not the point
    return float(np.abs(np.diff(pixels, axis=1)).mean() + np.abs(np.diff(pixels, axis=0)).mean())


def test_decompression_bomb_and_non_images_are_refused():
    assert 8000 * 8000 > MAX_PIXELS
    with pytest.raises(ThumbnailError, match="too large"):
        make_thumbnail(huge_header_png())
    with pytest.raises(ThumbnailError):
        make_thumbnail(b"<html>not an image</html>")


def test_preview_fetches_images_in_memory_and_a_broken_video_stays_an_address(site, loopback_allowed):
    site.set("/a.png", drawn_image("PNG", seed=1), headers={"Content-Type": "image/png"})
    site.set("/b.jpg", drawn_image("JPEG", seed=2), headers={"Content-Type": "image/jpeg"})
    site.set("/poster.png", drawn_image("PNG", seed=3), headers={"Content-Type": "image/png"})
    site.set("/bomb.png", huge_header_png(), headers={"Content-Type": "image/png"})
    site.set("/clip.mp4", b"\x00\x00\x00\x18ftypmp42", headers={"Content-Type": "video/mp4"})
    site.set(
        "/page",
        page_with_images(
            ["/a.png", "/bomb.png", "/missing.png"], og_image="/b.jpg", video="/clip.mp4", poster="/poster.png"
        ),
    )
    item = report_item(site.url("/page"))
    analyst = get_user_model().objects.create_user("ana")

    result = preview.build_preview(item, analyst)

    assert result.error == ""
    assert result.title == "Synthetic test page"
    assert [image.source_url for image in result.images] == [
        site.url("/b.jpg"),
        site.url("/a.png"),
        site.url("/poster.png"),
    ]
    assert [image.is_poster for image in result.images] == [False, False, True]
    # The video is fetched by the server (never by the browser) for a sheet of its frames; this one is no video.
    assert result.videos == [site.url("/clip.mp4")]
    assert {f.source_url for f in result.failures} == {
        site.url("/bomb.png"),
        site.url("/missing.png"),
        site.url("/clip.mp4"),
    }
    stored = preview.stored_image(result.images[0].token)
    assert stored is not None and stored.user_id == analyst.pk and stored.item_id == item.pk
    assert len(preview.images_seen(item)) == 3


def test_preview_of_a_refused_address_explains_why(site, settings):
    settings.REPORTAL_FETCH_ALLOW = []
    item = report_item(site.url("/page"))
    result = preview.build_preview(item, get_user_model().objects.create_user("ana"))
    assert "may not reach" in result.error
    assert result.images == []
    assert site.requests == []


def test_preview_of_a_removed_page_says_so(site, loopback_allowed):
    site.remove("/gone", status=404)
    item = report_item(site.url("/gone"))
    result = preview.build_preview(item, get_user_model().objects.create_user("ana"))
    assert result.status == 404
    assert "404" in result.error


def test_direct_image_address_is_thumbnailed(site, loopback_allowed):
    site.set("/pic.jpg", drawn_image("JPEG"), headers={"Content-Type": "image/jpeg"})
    item = report_item(site.url("/pic.jpg"))
    result = preview.build_preview(item, get_user_model().objects.create_user("ana"))
    assert len(result.images) == 1


def test_token_missing_from_memory_is_fetched_again(site, loopback_allowed):
    site.set("/a.png", drawn_image("PNG"), headers={"Content-Type": "image/png"})
    site.set("/page", page_with_images(["/a.png"]))
    item = report_item(site.url("/page"))
    result = preview.build_preview(item, get_user_model().objects.create_user("ana"))
    token = result.images[0].token
    preview.STORE.clear()  # as in another web process

    again = preview.stored_image(token)

    assert again is not None and again.source_url == site.url("/a.png")
    assert preview.stored_image("no-such-token") is None


def test_store_evicts_oldest_beyond_its_budget():
    store = preview.PreviewStore(max_bytes=100)
    first = store.put(preview.StoredImage(1, 1, "https://a.example/1", b"x" * 40, b"y" * 20, 0.0 + 1e12))
    second = store.put(preview.StoredImage(1, 1, "https://a.example/2", b"x" * 40, b"y" * 20, 0.0 + 1e12))
    assert store.get(first) is None
    assert store.get(second) is not None


def test_malformed_image_addresses_are_listed_not_fatal(site, loopback_allowed):
    site.set("/a.png", drawn_image("PNG"), headers={"Content-Type": "image/png"})
    site.set("/page", page_with_images(["/a.png", "https://a..b/x.png", "http://[::1/y.png"]))
    item = report_item(site.url("/page"))
    result = preview.build_preview(item, get_user_model().objects.create_user("ana"))
    assert [image.source_url for image in result.images] == [site.url("/a.png")]
    assert [failure.source_url for failure in result.failures] == ["https://a..b/x.png"]


def test_a_video_is_previewed_as_a_veiled_sheet_of_its_frames_never_as_the_video(site, loopback_allowed):
    from tests.hashes.videogen import video

    site.set("/clip.mp4", video(seed=5, seconds=4, size=(320, 180)), headers={"Content-Type": "video/mp4"})
    site.set("/page", page_with_images([], video="/clip.mp4"))
    item = report_item(site.url("/page"))
    analyst = get_user_model().objects.create_user("ana")

    result = preview.build_preview(item, analyst)

    assert result.videos == []  # shown as frames, so not listed as an address only
    [sheet] = result.images
    assert sheet.is_video and sheet.source_url == site.url("/clip.mp4")
    stored = preview.stored_image(sheet.token)
    assert stored is not None and stored.is_video and stored.original == b""  # the video itself is not kept
    assert Image.open(io.BytesIO(stored.thumbnail)).format == "JPEG"
    assert preview.images_seen(item) == []  # a frame sheet is never hashed or banked as if it were an image
