"""The NCMEC tests: a fake CyberTipline on loopback, the client configured for it, and the actions fixtures (fake DNS,
RDAP, GeoIP, web site, SMTP; a confirmed item) so an item takes the whole way from confirmation to NCMEC."""

from __future__ import annotations

import pytest

from tests.actions.conftest import actionable, portal, world  # noqa: F401
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.ncmec_server import FakeCyberTipline
from tests.fakes.website import FakeWebsite
from tests.hotline.conftest import staff_client, staff_user  # noqa: F401

US_HOST = "127.0.0.2"  # the fake world's address hosted in the United States


@pytest.fixture
def fake_website():
    """The test web site on the fake world's US address, so the pages NCMEC hears about are fetched from there."""
    site = FakeWebsite(host=US_HOST).start()
    yield site
    site.stop()


@pytest.fixture
def cybertipline(settings, allow_loopback):
    fake = FakeCyberTipline().start()
    settings.REPORTAL_CYBERTIPLINE_ENVIRONMENT = "test"
    settings.REPORTAL_CYBERTIPLINE_TEST_URL = fake.base_url
    settings.REPORTAL_CYBERTIPLINE_USERNAME = fake.username
    settings.REPORTAL_CYBERTIPLINE_PASSWORD = fake.password
    yield fake
    fake.stop()
