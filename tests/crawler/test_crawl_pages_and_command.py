"""The workbench's crawl pages and `reportal crawl`: who may start and stop a crawl, what the progress shows, and
that every view and change is in the audit log."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from reportal.audit.models import AuditEntry
from reportal.crawler import engine, services
from reportal.crawler.models import Crawl, CrawlState
from tests.crawler.conftest import bank_pictures, serve
from tests.fakes.crawl_site import SiteMap, picture_bytes
from tests.fakes.items import make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(dns_for_site):
    yield from serve(SiteMap(pages=40, branching=3, images_per_page=1))


def test_analyst_starts_a_crawl_from_the_crawl_page_and_follows_it(site, portal, staff_client):
    client, user = staff_client("analyst")
    page = client.get("/workbench/search/")
    assert page.status_code == 200
    assert "Start a crawl" in page.content.decode()

    answer = client.post(
        "/workbench/search/",
        {"url": site.url(host="site.test"), "portal": portal.pk, "scope": "host", "max_depth": 2, "max_pages": 100},
    )
    crawl = Crawl.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/workbench/search/{crawl.pk}/"
    assert crawl.started_by == user and crawl.max_depth == 2
    engine.run_slice(crawl.pk, seconds=600)

    detail = client.get(f"/workbench/search/{crawl.pk}/").content.decode()
    assert re.search(r'data-figure="pages">13<', detail)  # 1 + 3 + 9 pages within depth 2
    assert re.search(r'data-figure="media">13<', detail)
    assert "Finished" in detail
    actions = list(AuditEntry.objects.filter(actor_id=user.pk).values_list("action", flat=True))
    assert "crawler.start" in actions and "crawler.view_crawl" in actions


def test_a_refused_seed_keeps_what_was_typed_and_says_why(site, portal, staff_client, settings):
    client, _user = staff_client("analyst")
    typed = "http://10.0.0.9/gallery"
    page = client.post(
        "/workbench/search/", {"url": typed, "portal": portal.pk, "scope": "host", "max_depth": 3, "max_pages": 10}
    )
    text = page.content.decode()
    assert page.status_code == 200 and typed in text
    assert "private or reserved address" in text
    assert not Crawl.objects.exists()


def test_stop_from_the_workbench(site, portal, staff_client):
    client, user = staff_client("senior")
    crawl = services.start_crawl(site.url(host="site.test"), portal=portal)
    client.post(f"/workbench/search/{crawl.pk}/stop")
    crawl.refresh_from_db()
    assert crawl.state == CrawlState.STOPPED
    assert engine.run_slice(crawl.pk) == engine.SliceEnd.DONE  # a worker that comes later fetches nothing
    assert not site.requests
    assert AuditEntry.objects.filter(actor_id=user.pk, action="crawler.stop").exists()


def test_partner_viewers_may_not_crawl(site, portal, staff_client):
    client, _user = staff_client("partner", portals=("sv",))
    assert client.get("/workbench/search/").status_code == 403
    assert client.post("/workbench/search/", {"url": site.url(host="site.test")}).status_code == 403
    assert not Crawl.objects.exists()


def test_item_page_offers_a_crawl_and_marks_known_material(site, portal, staff_client):
    client, _user = staff_client("analyst")
    bank_pictures({4: picture_bytes(4)})
    seed = make_item(site.url("/p/0.html", host="site.test"), portal, via_intake=True)
    page = client.get(f"/workbench/items/{seed.pk}/").content.decode()
    assert "Crawl this site for known material" in page

    answer = client.post(f"/workbench/search/item/{seed.pk}/start")
    crawl = Crawl.objects.get(seed_item=seed)
    assert answer["Location"] == f"/workbench/search/{crawl.pk}/"
    engine.run_slice(crawl.pk, seconds=600)
    finding = crawl.findings.get()
    found = client.get(f"/workbench/items/{finding.item_id}/").content.decode()
    assert "Known material" in found and "found 1 medium on this page that a hash bank knows" in found
    assert "Bank grade: Baseline" in found and "baseline/uk-" not in found  # the bank's grade in words


def test_command_start_status_stop(site, portal):
    out = io.StringIO()
    call_command("crawl", "start", site.url(host="site.test"), "--portal", "sv", "--depth", "1", stdout=out)
    crawl = Crawl.objects.get()
    assert f"Crawl {crawl.pk} started on site.test." in out.getvalue()
    engine.run_slice(crawl.pk, seconds=600)

    out = io.StringIO()
    call_command("crawl", "status", str(crawl.pk), stdout=out)
    text = out.getvalue()
    # depth 1 on the registrable domain (the default): the root, its 3 children and its www. mirror page
    assert "Finished" in text and "pages fetched: 5" in text and "media hashed: 4" in text
    assert "pages/s" in text and "time left" in text

    running = services.start_crawl(site.url(host="site.test"), portal=portal)
    out = io.StringIO()
    call_command("crawl", "stop", str(running.pk), stdout=out)
    running.refresh_from_db()
    assert running.state == CrawlState.STOPPED
    with pytest.raises(CommandError, match="not running"):
        call_command("crawl", "stop", str(running.pk))
    with pytest.raises(CommandError, match="private or reserved"):
        call_command("crawl", "start", "http://192.168.0.3/", "--portal", "sv")
