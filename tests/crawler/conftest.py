"""Fixtures of the crawler tests: a generated site on loopback reached through fake DNS, a bank with some of its
pictures, and crawl settings without politeness pauses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reportal.hashes import matcher
from tests.fakes.crawl_site import CrawlSite, SiteMap, running_site
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.items import make_portal
from tests.hotline.conftest import staff_client, staff_user  # noqa: F401 - signed-in staff for the page tests

BANK = "CRAWL_TEST_BANK"
GRADE = "baseline/uk-A"


@pytest.fixture(autouse=True)
def _crawl_settings(settings, tmp_path):
    settings.REPORTAL_HASH_INDEX_DIR = str(tmp_path / "hash-index")
    settings.REPORTAL_CRAWL_DELAY_SECONDS = 0
    settings.REPORTAL_CRAWL_SCOPE = "domain"
    settings.REPORTAL_CRAWL_KNOWN_MATERIAL = "review"
    settings.REPORTAL_CRAWL_CONFIRMED = False
    settings.REPORTAL_FETCH_TIMEOUT = 5.0
    matcher.reset_matcher()
    yield
    matcher.reset_matcher()


def serve(site: SiteMap) -> Iterator[CrawlSite]:
    yield from running_site(site)


@pytest.fixture
def dns_for_site(fake_dns, allow_loopback):
    """site.test, www.site.test, sub.site.test and other.test all reach the loopback site."""
    for name in ("site.test", "www.site.test", "sub.site.test", "other.test"):
        fake_dns.add(name, "A", "127.0.0.1")
    return fake_dns


@pytest.fixture
def portal(db):
    return make_portal("sv", "SV")


def bank_pictures(pictures: dict[int, bytes], *, classification: str = GRADE) -> None:
    """Put these pictures' hashes in a bank, as an exchange import or an earlier confirmation would have."""
    from reportal.hashes import banks
    from reportal.hashes.hashing import hash_image_bytes

    bank = banks.get_or_create_bank(BANK)
    for data in pictures.values():
        hashes = hash_image_bytes(data, mode="exact")
        banks.add_content(
            bank,
            banks.ContentSignals(
                pdq=hashes.pdq,
                pdq_quality=hashes.pdq_quality,
                md5=hashes.md5,
                sha1=hashes.sha1,
                sha256=hashes.sha256,
                source="test",
                classification=classification,
            ),
        )


def bank_size() -> int:
    from reportal.hashes.models import BankContent

    return BankContent.objects.count()
