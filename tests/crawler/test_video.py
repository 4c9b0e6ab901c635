"""Videos on crawled pages are hashed in memory with vPDQ and matched with each bank's video settings: a resized
copy of a banked video makes its page a known-material item; an unrelated video does not."""

from __future__ import annotations

import pytest

from reportal.crawler import engine, services
from reportal.crawler.models import Finding
from reportal.hashes import services as hashes
from reportal.hotline.models import MediaItem
from tests.crawler.conftest import BANK, GRADE, serve
from tests.fakes.crawl_site import SiteMap
from tests.hashes.videogen import video

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def site(dns_for_site):
    yield from serve(SiteMap(pages=13, branching=3, images_per_page=1))


def test_a_banked_video_is_found_by_vpdq(site, portal):
    banked = video(3, seconds=6)
    hashes.add_confirmed_video(None, hashes.hash_video(banked), classification=GRADE, bank_name=BANK)
    site.files["/v/copy.mp4"] = ("video/mp4", video(3, seconds=6, size=(320, 180)))  # other bytes, same scene
    site.files["/v/other.mp4"] = ("video/mp4", video(9, seconds=6))
    site.map.extra_links[2] = ["/v/copy.mp4"]
    site.map.extra_links[3] = ["/v/other.mp4"]

    crawl = services.start_crawl(site.url(host="site.test"), portal=portal, scope="host", max_depth=1)
    assert engine.run_slice(crawl.pk, seconds=600) == engine.SliceEnd.DONE
    crawl.refresh_from_db()

    assert crawl.media_hashed == 4 + 2 and crawl.media_matched == 1
    finding = Finding.objects.get(crawl=crawl)
    assert finding.page_url.endswith("/p/2.html")
    known = MediaItem.objects.get(item_id=finding.item_id, known=True)
    assert known.kind == "video" and known.url.endswith("/v/copy.mp4") and known.known_grade == GRADE
    assert known.vpdq and known.duration_s == pytest.approx(6, abs=0.5)
