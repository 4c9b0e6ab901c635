"""Fixtures for the ICCAM tests: the fake ICCAM (mutual TLS on loopback) with reportal configured for it."""

from __future__ import annotations

import pytest

from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.iccam_server import PASSWORD, USERNAME, FakeIccam, running_iccam
from tests.fakes.items import make_portal

OUR_COUNTRY = "SV"  # the fake world hosts 127.0.0.1 in SV: content traced there is ours to action


@pytest.fixture
def iccam(settings, tmp_path, allow_loopback):
    with running_iccam(tmp_path / "iccam", country=OUR_COUNTRY) as fake:
        settings.REPORTAL_ICCAM_URL = fake.url
        settings.REPORTAL_ICCAM_USERNAME = USERNAME
        settings.REPORTAL_ICCAM_PASSWORD = PASSWORD
        settings.REPORTAL_ICCAM_CLIENT_CERT = str(fake.client_cert)
        settings.REPORTAL_ICCAM_CLIENT_KEY = str(fake.client_key)
        settings.REPORTAL_ICCAM_CA_BUNDLE = str(fake.ca_file)
        settings.REPORTAL_ICCAM_COUNTRY = OUR_COUNTRY
        settings.REPORTAL_ICCAM_PORTAL = ""
        settings.REPORTAL_ICCAM_TIMEOUT = 5.0
        yield fake


@pytest.fixture
def our_portal(db):
    return make_portal("sv", OUR_COUNTRY, ["es", "en"])


__all__ = ["FakeIccam"]
