"""A crawl stays on its site, within its depth and page limits, fetches each page once, and never reaches a
private or loopback address outside the allowed test range (the seed, a link, or a redirect)."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from reportal.crawler import engine, services
from reportal.crawler.models import Crawl, CrawlPage, CrawlState, Lead
from tests.crawler.conftest import serve
from tests.fakes.crawl_site import SiteMap

pytestmark = pytest.mark.django_db


def run(crawl: Crawl) -> Crawl:
    for _turn in range(1000):
        if engine.run_slice(crawl.pk, seconds=600) == engine.SliceEnd.DONE:
            break
    crawl.refresh_from_db()
    return crawl


@pytest.fixture
def small_site(dns_for_site):
    yield from serve(SiteMap(pages=400, branching=3, images_per_page=1))


def test_host_scope_and_depth_limit(small_site, portal):
    site = small_site.map
    crawl = services.start_crawl(small_site.url(host="site.test"), portal=portal, scope="host", max_depth=3)
    crawl = run(crawl)

    expected = {n for n in range(site.pages) if site.depth(n) <= 3}
    assert len(expected) == 40
    assert small_site.fetched_pages("site.test") == dict.fromkeys(expected, 1)  # each page of depth <= 3, once
    # Only the seed's host: the sibling host and the other site were never asked for a page.
    assert {h for h, path in small_site.requests if not path.startswith("/i/")} == {"site.test"}
    assert crawl.state == CrawlState.FINISHED
    assert crawl.pages_fetched == 40
    assert crawl.media_hashed == 40  # one picture per page, hashed in memory
    # Links to other hosts are leads, not pages.
    lead_hosts = set(Lead.objects.filter(crawl=crawl).values_list("host", flat=True))
    assert lead_hosts == {"www.site.test", "other.test"}
    assert crawl.leads == Lead.objects.filter(crawl=crawl).count() == 80


def test_domain_scope_takes_sibling_hosts_not_other_sites(small_site, portal):
    crawl = services.start_crawl(small_site.url(host="site.test"), portal=portal, scope="domain", max_depth=2)
    crawl = run(crawl)

    asked = {h for h, path in small_site.requests}
    assert asked == {"site.test", "www.site.test"}
    mirror_pages = {path for h, path in small_site.requests if h == "www.site.test"}
    # Pages of depth <= 1 link to their mirror page (depth + 1 <= 2); deeper mirrors are beyond the limit.
    assert mirror_pages == {"/w/0.html", "/w/1.html", "/w/2.html", "/w/3.html"}
    assert set(Lead.objects.filter(crawl=crawl).values_list("host", flat=True)) == {"other.test"}
    assert not CrawlPage.objects.filter(crawl=crawl, url__contains="other.test").exists()


def test_page_limit_breadth_first(small_site, portal):
    site = small_site.map
    crawl = services.start_crawl(
        small_site.url(host="site.test"), portal=portal, scope="host", max_depth=20, max_pages=25
    )
    crawl = run(crawl)

    fetched = small_site.fetched_pages("site.test")
    assert len(fetched) == 25 and set(fetched.values()) == {1}
    assert max(site.depth(n) for n in fetched) == 3  # breadth first: the shallow pages come first
    assert crawl.pages_fetched == 25 and crawl.pages_queued == 25


def test_other_sites_are_crawled_only_when_the_rule_says_so(small_site, portal):
    crawl = services.start_crawl(
        small_site.url(host="site.test"), portal=portal, scope="host", max_depth=1, follow_other_sites=True
    )
    run(crawl)
    assert ("other.test", "/from/0.html") in small_site.requests


def test_private_and_loopback_targets_are_refused(small_site, portal, settings, dns_for_site):
    # Only 127.0.0.1 is allowed in this test: every other loopback and private address must be refused.
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.1/32")]
    dns_for_site.add("intranet.site.test", "A", "10.0.0.5")
    dns_for_site.add("loop2.site.test", "A", "127.0.0.2")
    port = small_site.port
    small_site.map.extra_links[0] = [
        f"http://intranet.site.test:{port}/p/1.html",
        f"http://loop2.site.test:{port}/p/2.html",
        f"http://192.168.1.10:{port}/p/3.html",
        "/r/loopback",
    ]
    small_site.redirects["/r/loopback"] = f"http://127.0.0.2:{port}/p/4.html"

    for seed in (
        f"http://10.1.2.3:{port}/",
        f"http://127.0.0.2:{port}/",
        "http://[::1]/",
        "http://intranet.site.test/",
    ):
        with pytest.raises(services.CrawlRefused):
            services.start_crawl(seed, portal=portal)

    crawl = services.start_crawl(small_site.url(host="site.test"), portal=portal, scope="domain", max_depth=1)
    crawl = run(crawl)
    refused = dict(CrawlPage.objects.filter(crawl=crawl, state="failed").values_list("url", "error"))
    assert set(refused) == {
        f"http://intranet.site.test:{port}/p/1.html",
        f"http://loop2.site.test:{port}/p/2.html",
        f"http://site.test:{port}/r/loopback",
    }
    assert all(error.startswith("refused:") for error in refused.values())
    # The redirect was followed only as far as the guard allowed: nothing on 127.0.0.2 was asked for.
    assert ("127.0.0.2", "/p/4.html") not in small_site.requests
    assert not any(h in ("intranet.site.test", "loop2.site.test", "192.168.1.10") for h, _p in small_site.requests)
