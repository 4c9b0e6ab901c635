"""The analyst's preview of a hostile site: a malformed redirect of the page or of an image is a message on the
preview, never a 500."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reportal.hotline import preview
from tests.fakes.fixtures import allow_loopback  # noqa: F401 -- the fixture, for this module
from tests.fakes.raw_http import response, running_raw_server
from tests.net.test_fetch_hostile import HOSTILE_LOCATIONS

from .factories import report_item

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_loopback")]


@pytest.fixture(scope="module")
def raw_server():
    yield from running_raw_server()


@pytest.mark.parametrize("location", HOSTILE_LOCATIONS[:8], ids=range(8))
def test_hostile_redirects_of_the_page_and_its_images_are_messages(raw_server, location):
    redirect = response(b"302 Found", [b"Location: " + location, b"Content-Length: 0"])
    raw_server.answer("/page", redirect)
    user = get_user_model().objects.create_user(f"ana{abs(hash(location))}")
    result = preview.build_preview(report_item(raw_server.url("/page")), user)
    assert result.error and result.images == []

    page = b'<!doctype html><html><body><img src="/img"></body></html>'
    raw_server.answer(
        "/page", response(b"200 OK", [b"Content-Type: text/html", b"Content-Length: %d" % len(page)], page)
    )
    raw_server.answer("/img", redirect)
    result = preview.build_preview(report_item(raw_server.url("/page")), user)
    assert result.error == "" and [f.source_url for f in result.failures] == [raw_server.url("/img")]
