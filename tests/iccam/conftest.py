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


def decide(item, classification: dict | None = None, *, outcome: str = "actionable", reason: str = "") -> None:
    """An analyst's standing decision on `item`, without the hand-offs an assessment records (tests that need the
    whole way use the hotline's assessment service)."""
    from reportal.hotline.models import Assessment
    from reportal.reports.lifecycle import change_status

    Assessment.objects.create(
        item=item, outcome=outcome, reason=reason, classification=classification or {"legal_assessment": "baseline"}
    )
    change_status(item, "actionable" if outcome == "actionable" else "not_actionable", reason="assessed")


@pytest.fixture
def hosted(fake_world, our_portal, settings):
    """`hosted(name, ip)`: a queue item for http://<name>:<port>/page, the name resolving to `ip` in the fake DNS
    (127.0.0.1 SV, 127.0.0.3 DE, 127.0.0.4 NZ; see tests/fakes/fixtures.py)."""
    from tests.fakes.items import make_item

    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True

    def make(name: str, ip: str, path: str = "/page"):
        base = fake_world.host(name, ip)
        fake_world.website.set(path, "<!doctype html><html><body><h1>Page</h1></body></html>")
        return make_item(f"{base}{path}", our_portal, via_intake=True)

    return make
