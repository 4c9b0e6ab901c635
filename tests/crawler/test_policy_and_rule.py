"""The known-material policy and the seeding rule, through the real hand-offs (run in-process after each commit):
"act" sends a found page straight to the URL list and notice without an analyst, and banks nothing it did not
know; a confirmed item seeds a crawl of its site when the rule is on, once, and not for items a crawl found."""

from __future__ import annotations

import pytest

from reportal.crawler import engine, services
from reportal.crawler.models import Crawl, CrawlOrigin, Finding
from reportal.hotline.models import MediaItem
from reportal.lists.models import ListEntry
from reportal.pipeline import services as pipeline
from reportal.reports.models import ReportedUrl
from reportal.reports.services import change_status
from tests.crawler.conftest import GRADE, bank_pictures, bank_size, serve
from tests.fakes.crawl_site import SiteMap, picture_bytes
from tests.fakes.items import make_item

pytestmark = pytest.mark.django_db(transaction=True)


def run(crawl: Crawl) -> Crawl:
    for _turn in range(100):
        if engine.run_slice(crawl.pk, seconds=600) == engine.SliceEnd.DONE:
            break
    crawl.refresh_from_db()
    return crawl


@pytest.fixture
def site(fake_world):
    for name in ("site.test", "www.site.test", "other.test"):
        fake_world.dns.add(name, "A", "127.0.0.1")
    yield from serve(SiteMap(pages=40, branching=3, images_per_page=2))


def test_act_policy_lists_the_page_without_an_analyst_and_banks_nothing_new(site, portal, settings):
    settings.REPORTAL_CRAWL_KNOWN_MATERIAL = "act"
    settings.REPORTAL_CRAWL_HOST_CONCURRENCY = 1  # the slice sent after the commit works alone
    bank_pictures({7: picture_bytes(7)})  # on page 3, beside the unknown picture 6
    banked = bank_size()

    crawl = services.start_crawl(site.url(host="site.test"), portal=portal, scope="host", max_depth=2)
    crawl = run(crawl)  # the slice sent on commit ran already (tasks run eagerly here); this finds it done

    finding = Finding.objects.get(crawl=crawl)
    assert finding.page_url.endswith("/p/3.html") and finding.confirmed
    item = ReportedUrl.objects.get(pk=finding.item_id)
    assert item.status in ("actionable", "action_taken")
    entry = ListEntry.objects.get(item=item)
    assert entry.address == item.canonical_url and entry.category == GRADE
    known = MediaItem.objects.get(item=item, known=True)
    assert known.url.endswith("/i/7.jpg") and known.known_grade == GRADE
    unknown = MediaItem.objects.get(item=item, known=False)
    assert unknown.url.endswith("/i/6.jpg") and unknown.grade == {}
    # Confirmed by the rule, the bank still holds only what it held: the unknown picture was not banked.
    assert bank_size() == banked
    # The item.confirmed it sent did not seed another crawl of the site it came from.
    assert Crawl.objects.count() == 1


def test_review_policy_waits_for_an_analyst(site, portal, settings):
    settings.REPORTAL_CRAWL_HOST_CONCURRENCY = 1
    bank_pictures({7: picture_bytes(7)})
    crawl = run(services.start_crawl(site.url(host="site.test"), portal=portal, scope="host", max_depth=2))
    finding = Finding.objects.get(crawl=crawl)
    assert not finding.confirmed
    assert ReportedUrl.objects.get(pk=finding.item_id).status == "new"
    assert not ListEntry.objects.exists()


def _confirm(item: ReportedUrl) -> None:
    from django.db import transaction

    with transaction.atomic():
        change_status(item, "actionable", reason="assessed actionable")
        pipeline.record("item.confirmed", item.pk, key=f"test:{item.pk}", payload={"scope": "url", "actor_id": None})


def test_rule_seeds_one_crawl_per_confirmed_item(site, portal, settings):
    settings.REPORTAL_CRAWL_CONFIRMED = True
    settings.REPORTAL_CRAWL_HOST_CONCURRENCY = 1
    item = make_item(site.url("/p/1.html", host="site.test"), portal, via_intake=True)
    _confirm(item)
    crawls = list(Crawl.objects.all())
    assert len(crawls) == 1
    crawl = crawls[0]
    assert crawl.origin == CrawlOrigin.CONFIRMED and crawl.seed_item_id == item.pk and crawl.site == "site.test"
    crawl.refresh_from_db()
    assert crawl.pages_fetched > 1  # its workers ran (in-process here)
    # The hand-off delivered again (a redelivered message) starts nothing new.
    services.seed_from_confirmed(item.pk)
    assert Crawl.objects.count() == 1


def test_rule_off_seeds_nothing(site, portal, settings):
    item = make_item(site.url("/p/1.html", host="site.test"), portal, via_intake=True)
    _confirm(item)
    assert not Crawl.objects.exists()
