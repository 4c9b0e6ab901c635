"""Schemathesis over the whole OpenAPI document (the /api/v1/ operations and the HMA paths) against a live server on
loopback: no answer is a 5xx, every status is one the document names, and every body matches the documented
schema. Two passes: as a hotline admin (staff token) and as a member whose key has every scope.

Bounded (a few examples per operation) so that the run stays well under two minutes.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from tests.fakes.fixtures import fake_dns  # noqa: F401 -- the fixture, for this module

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(live_server, settings, fake_dns, monkeypatch):  # noqa: F811
    settings.REPORTAL_HASH_RATE_LIMIT = "off"
    # Generated addresses (/h/hash?url=...) must not leave the machine: the fetcher refuses every destination, and
    # DNS of anything else (tracing after intake) goes to the loopback fake.
    from reportal.net import fetch as net_fetch
    from reportal.net.errors import FetchRefused

    def refuse(url, **kwargs):
        raise FetchRefused("fuzzing: no outside connections", url=url)

    monkeypatch.setattr(net_fetch, "check_url", refuse)
    return schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")


@pytest.fixture
def credentials(db):
    from reportal.accounts import services as accounts
    from reportal.hashes import banks

    banks.create_bank("FUZZ_BANK")
    admin, *_rest = accounts.create_staff("fuzz-admin", "admin", must_change_password=False)
    staff_token, _row = accounts.issue_staff_token(admin)
    analyst, *_rest = accounts.create_staff("fuzz-analyst", "analyst", must_change_password=False)
    analyst_token, _row = accounts.issue_staff_token(analyst)
    _member, member_key = accounts.create_member(
        "Fuzz member",
        "platform",
        ["report", "url-list", "hashed-url-list", "keywords", "hashes", "match"],
        licence_accepted=True,
    )
    return {"admin": staff_token, "analyst": analyst_token, "member": member_key}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_only_documented_statuses_and_never_5xx(case, live_server, credentials):
    for who in ("analyst", "member"):
        case.call_and_validate(
            base_url=live_server.url,
            headers={"Authorization": f"Bearer {credentials[who]}", "Accept-Language": "en"},
            checks=CHECKS,
        )
