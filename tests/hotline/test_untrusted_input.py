"""Whatever a reported site sends, the preview's parser and thumbnailer fail only in the ways they declare."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportal.hotline.pagemedia import MAX_IMAGES, MAX_VIDEOS, find_media
from reportal.hotline.thumbnails import ThumbnailError, make_thumbnail

from .images import drawn_image

tags = st.sampled_from(["img", "meta", "video", "source", "base", "link", "title", "div", "IMG", "Video"])
attrs = st.sampled_from(["src", "srcset", "data-src", "poster", "href", "content", "property", "rel", "name"])
values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "og:image",
            "image_src",
            "/a.png",
            "javascript:alert(1)",
            "data:image/png;base64,AA",
            "//cdn.example/x.jpg",
            "https://x.example/a.jpg 2x, b.jpg 1x",
            "file:///etc/passwd",
            "http://[::1/",
            "ftp://x.example/y",
        ]
    ),
)
elements = st.builds(
    lambda tag, pairs, text: f"<{tag} " + " ".join(f'{a}="{v}"' for a, v in pairs) + f">{text}",
    tags,
    st.lists(st.tuples(attrs, values), max_size=4),
    st.text(max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=400), st.lists(elements, max_size=40).map("".join)))
def test_parser_returns_only_web_addresses_within_limits(html):
    media = find_media(html, "https://page.example/dir/index.html")
    for url in media.images + media.videos + media.video_posters:
        assert urlsplit(url).scheme in ("http", "https")
    assert len(media.images) <= MAX_IMAGES and len(media.videos) <= MAX_VIDEOS
    assert len(media.title) <= 300


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_thumbnailer_refuses_junk_with_its_own_error(data):
    try:
        make_thumbnail(data)
    except ThumbnailError:
        pass


@pytest.mark.parametrize("cut", [10, 100, 1000])
def test_truncated_images_are_refused_or_thumbnailed(cut):
    data = drawn_image("JPEG")[:cut]
    try:
        thumb = make_thumbnail(data)
    except ThumbnailError:
        return
    assert thumb.width <= 320
