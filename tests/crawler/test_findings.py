"""A crawl of a generated site of thousands of pages finds every banked picture placed on it (byte-identical copies
by MD5, re-encoded and resized copies by PDQ), makes one queue item per page holding them, marked known material
with the bank's grade, queues the unknown pictures beside them for grading, and banks nothing itself."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from reportal.crawler import engine, services
from reportal.crawler.models import Crawl, CrawlState, Finding
from reportal.hotline.models import MediaItem
from reportal.reports.models import Report, ReportedUrl
from tests.crawler.conftest import GRADE, bank_pictures, bank_size, serve
from tests.fakes.crawl_site import SiteMap, jpeg, picture, picture_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def run(crawl: Crawl) -> Crawl:
    for _turn in range(1000):
        if engine.run_slice(crawl.pk, seconds=900) == engine.SliceEnd.DONE:
            break
    crawl.refresh_from_db()
    return crawl


def resized_copy(seed: int) -> bytes:
    """The same picture, smaller and re-encoded: other bytes (no MD5 match), nearly the same PDQ."""
    image = picture(seed).resize((120, 90), Image.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


SITE = SiteMap(pages=1500, branching=6, images_per_page=2)
# Banked pictures: exact copies on pages at every depth (4 is the deepest), and re-encoded copies.
EXACT = [0, 9, 101, 777, 1555, 2998]  # image ids (page = id // 2)
RESIZED = [450, 2600]


@pytest.fixture
def big_site(dns_for_site):
    site = SiteMap(pages=SITE.pages, branching=SITE.branching, images_per_page=SITE.images_per_page)
    for k in RESIZED:
        site.overrides[k] = resized_copy(k)
    yield from serve(site)


def test_every_banked_picture_is_found_and_becomes_a_known_material_item(big_site, portal):
    site = big_site.map
    bank_pictures({k: picture_bytes(k) for k in EXACT + RESIZED} | {99_999: jpeg(picture(99_999))})
    banked_before = bank_size()

    crawl = services.start_crawl(big_site.url(host="site.test"), portal=portal, scope="host", max_depth=4)
    crawl = run(crawl)

    assert crawl.state == CrawlState.FINISHED
    assert crawl.pages_fetched == site.pages == 1500
    assert set(big_site.fetched_pages("site.test").values()) == {1}
    assert crawl.media_hashed == 3000
    assert crawl.media_matched == len(EXACT) + len(RESIZED)

    pages_with_banked = {site.page_of_image(k) for k in EXACT + RESIZED}
    findings = Finding.objects.filter(crawl=crawl)
    found_pages = {int(f.page_url.rsplit("/", 1)[1].removesuffix(".html")) for f in findings}
    assert found_pages == pages_with_banked
    assert crawl.pages_with_matches == len(pages_with_banked)

    for finding in findings:
        item = ReportedUrl.objects.get(pk=finding.item_id)
        assert item.canonical_url == finding.page_url and item.status == "new"  # waits for one analyst (review)
        assert Report.objects.filter(items=item, source="crawler").count() == 1
        media = {m.url.rsplit("/", 1)[1]: m for m in MediaItem.objects.filter(item=item)}
        page = int(item.canonical_url.rsplit("/", 1)[1].removesuffix(".html"))
        expected = {f"{k}.jpg" for k in site.images_of(page)}
        assert set(media) == expected  # the known picture and its unknown neighbour, both queued on the item
        for name, row in media.items():
            k = int(name[:-4])
            if k in EXACT or k in RESIZED:
                assert row.known and row.known_grade == GRADE
            else:
                assert not row.known and row.grade == {}  # waits for an analyst's grade
        assert finding.grade == GRADE

    # The crawl banked nothing: the unknown pictures it hashed are not in any bank.
    assert bank_size() == banked_before
