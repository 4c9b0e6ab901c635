"""Fixtures of the hashes tests: a fresh matcher per test, index files in a temporary folder, API keys."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from reportal.hashes import matcher


@pytest.fixture(autouse=True)
def _fresh_matcher(settings, tmp_path):
    """The matcher lives for the whole process; a test's rolled-back rows must not linger in it."""
    settings.REPORTAL_HASH_INDEX_DIR = str(tmp_path / "hash-index")
    settings.REPORTAL_HASH_RATE_LIMIT = "off"
    matcher.reset_matcher()
    yield
    matcher.reset_matcher()


@dataclass
class Keys:
    match: str
    hashes: str
    lists_only: str
    staff: str
    partner: str


@pytest.fixture
def keys(db) -> Keys:
    """Member keys with the match scope, the hashes scope, an unrelated scope; hotline and partner staff tokens."""
    from reportal.accounts import services as accounts

    _m, match_key = accounts.create_member("Platform A", "platform", ["match"])
    _h, hashes_key = accounts.create_member("Platform B", "platform", ["hashes"])
    _l, lists_key = accounts.create_member("ISP C", "isp", ["url-list"])
    analyst, *_rest = accounts.create_staff("analyst1", "analyst", must_change_password=False)
    staff_token, _row = accounts.issue_staff_token(analyst)
    from reportal.portals.models import Portal

    portal = Portal.objects.create(
        slug="zz", country_code="ZZ", name="Test", languages=["en"], display_name="Test portal"
    )
    partner, *_rest = accounts.create_staff("partner1", "partner", portals=[portal], must_change_password=False)
    partner_token, _row = accounts.issue_staff_token(partner)
    return Keys(match_key, hashes_key, lists_key, staff_token, partner_token)


def auth(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}
