"""What other apps, the workbench pages and the `reportal crawl` command may ask of proactive search: start a crawl
(from a confirmed item by the rule, or by an analyst), stop it, and read its progress and findings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from reportal.crawler import frontier
from reportal.crawler.models import Crawl, CrawlOrigin, CrawlState, Finding, Lead
from reportal.crawler.pages import normalise, site_of
from reportal.net.errors import FetchError
from reportal.net.guard import check_url

__all__ = [
    "Crawl",
    "CrawlRefused",
    "Progress",
    "findings_for_item",
    "progress",
    "recent_crawls",
    "seed_from_confirmed",
    "start_crawl",
    "stop_crawl",
]


class CrawlRefused(Exception):
    """The crawl was not started; the message (translated) says why and what to do."""


def _send(crawl_id: int, count: int) -> None:
    from reportal.crawler.tasks import crawl_slice

    for _n in range(count):
        crawl_slice.apply_async(args=[crawl_id])


def start_crawl(
    seed_url: str,
    *,
    portal: Any,
    seed_item: Any = None,
    started_by: Any = None,
    origin: str = CrawlOrigin.ANALYST,
    scope: str | None = None,
    max_depth: int | None = None,
    max_pages: int | None = None,
    follow_other_sites: bool | None = None,
) -> Crawl:
    """Record a crawl around `seed_url` and send its workers after the commit (one per politeness slot).

    The seed is checked by the guarded fetcher's rule first: a private, loopback or reserved destination (outside
    REPORTAL_FETCH_ALLOW) is refused here with CrawlRefused, and every later fetch is checked again."""
    url = normalise(seed_url, seed_url)
    if url is None:
        raise CrawlRefused(_("%(url)s is not a web address that can be crawled.") % {"url": seed_url})
    try:
        check_url(url)
    except FetchError as exc:
        raise CrawlRefused(str(exc)) from None
    scope = scope or settings.REPORTAL_CRAWL_SCOPE
    with transaction.atomic():
        crawl = Crawl.objects.create(
            seed_url=url,
            site=site_of(url, scope),
            scope=scope,
            origin=origin,
            seed_item=seed_item,
            portal_id=getattr(portal, "pk", None) or portal.id,
            started_by=started_by if getattr(started_by, "pk", None) else None,
            max_depth=settings.REPORTAL_CRAWL_MAX_DEPTH if max_depth is None else max_depth,
            max_pages=settings.REPORTAL_CRAWL_MAX_PAGES if max_pages is None else max_pages,
            follow_other_sites=(
                settings.REPORTAL_CRAWL_FOLLOW_OTHER_SITES if follow_other_sites is None else follow_other_sites
            ),
            last_activity_at=timezone.now(),
        )
        frontier.add_pages(crawl, [(url, 0)])
        workers = max(1, int(settings.REPORTAL_CRAWL_HOST_CONCURRENCY))
        crawl_id = crawl.pk
        transaction.on_commit(lambda: _send(crawl_id, workers), robust=True)
    return crawl


def stop_crawl(crawl_id: int) -> bool:
    """Stop a running crawl: its workers finish the page in hand and fetch nothing more. False if not running."""
    return bool(
        Crawl.objects.filter(pk=crawl_id, state=CrawlState.RUNNING).update(
            state=CrawlState.STOPPED, finished_at=timezone.now()
        )
    )


def resume_idle(older_than: timedelta | None = None) -> int:
    """Send workers again to running crawls nobody touched lately (a killed worker, a lost message, a restart)."""
    from reportal.crawler.engine import idle_crawls

    age = older_than or timedelta(seconds=float(settings.REPORTAL_CRAWL_CLAIM_SECONDS))
    crawl_ids = idle_crawls(age)
    workers = max(1, int(settings.REPORTAL_CRAWL_HOST_CONCURRENCY))
    for crawl_id in crawl_ids:
        _send(crawl_id, workers)
    return len(crawl_ids)


def seed_from_confirmed(item_id: int, *, found_by_crawl: bool = False) -> Crawl | None:
    """The rule (REPORTAL_CRAWL_CONFIRMED): a confirmed item seeds a crawl of its site, unless a crawl already
    covers it (one of the same site is running, or this item seeded one). Idempotent."""
    from reportal.reports import services as reports

    if not settings.REPORTAL_CRAWL_CONFIRMED or found_by_crawl:
        return None
    item = reports.get_item(item_id)
    if item is None or not reports.is_confirmed(item):
        return None
    site = site_of(item.canonical_url, settings.REPORTAL_CRAWL_SCOPE)
    if Crawl.objects.filter(seed_item_id=item_id).exists():
        return None
    if Crawl.objects.filter(site=site, state=CrawlState.RUNNING).exists():
        return None
    try:
        return start_crawl(item.canonical_url, portal=item.portal, seed_item=item, origin=CrawlOrigin.CONFIRMED)
    except CrawlRefused:
        return None


@dataclass(frozen=True)
class Progress:
    """A crawl's figures as the crawl page and `reportal crawl status` show them."""

    crawl_id: int
    state: str
    state_label: str
    site: str
    seed_url: str
    pages_fetched: int
    pages_failed: int
    pages_queued: int
    pages_left: int
    media_hashed: int
    media_matched: int
    pages_with_matches: int
    errors: int
    leads: int
    bytes_fetched: int
    started_at: datetime
    elapsed_seconds: float
    pages_per_second: float
    media_per_second: float
    seconds_left: float | None  # None: not running, or no rate yet

    @property
    def running(self) -> bool:
        return self.state == CrawlState.RUNNING

    @property
    def minutes_left(self) -> int | None:
        """The estimate in whole minutes, rounded up (a crawl about to end says 1)."""
        return None if self.seconds_left is None else max(1, math.ceil(self.seconds_left / 60))


def progress(crawl: Crawl) -> Progress:
    end = crawl.finished_at or timezone.now()
    elapsed = max(0.0, (end - crawl.created_at).total_seconds())
    done = crawl.pages_fetched + crawl.pages_failed
    left = max(0, crawl.pages_queued - done)
    page_rate = crawl.pages_fetched / elapsed if elapsed > 0 else 0.0
    media_rate = crawl.media_hashed / elapsed if elapsed > 0 else 0.0
    seconds_left = None
    if crawl.state == CrawlState.RUNNING and done and elapsed > 0:
        seconds_left = left / (done / elapsed)
    return Progress(
        crawl_id=crawl.pk,
        state=crawl.state,
        state_label=str(crawl.get_state_display()),
        site=crawl.site,
        seed_url=crawl.seed_url,
        pages_fetched=crawl.pages_fetched,
        pages_failed=crawl.pages_failed,
        pages_queued=crawl.pages_queued,
        pages_left=left if crawl.state == CrawlState.RUNNING else 0,
        media_hashed=crawl.media_hashed,
        media_matched=crawl.media_matched,
        pages_with_matches=crawl.pages_with_matches,
        errors=crawl.errors,
        leads=crawl.leads,
        bytes_fetched=crawl.bytes_fetched,
        started_at=crawl.created_at,
        elapsed_seconds=elapsed,
        pages_per_second=page_rate,
        media_per_second=media_rate,
        seconds_left=seconds_left,
    )


def get_crawl(crawl_id: int) -> Crawl | None:
    return Crawl.objects.select_related("portal", "started_by").filter(pk=crawl_id).first()


def recent_crawls(limit: int = 50) -> list[Crawl]:
    return list(Crawl.objects.select_related("portal", "started_by")[:limit])


def crawls_of_item(item_id: int) -> list[Crawl]:
    return list(Crawl.objects.filter(seed_item_id=item_id)[:20])


def findings_of(crawl: Crawl, limit: int = 200) -> list[Finding]:
    return list(crawl.findings.all()[:limit])


@dataclass(frozen=True)
class LeadHost:
    host: str
    links: int
    example: str


def leads_of(crawl: Crawl, limit: int = 100) -> list[LeadHost]:
    """The other sites this crawl's pages link to, most linked first, with one address each."""
    rows = (
        Lead.objects.filter(crawl=crawl)
        .values("host")
        .annotate(links=Count("pk"), example=Min("url"))
        .order_by("-links", "host")[:limit]
    )
    return [LeadHost(row["host"], row["links"], row["example"]) for row in rows]


def findings_for_item(item_id: int) -> list[Finding]:
    """The crawls' findings that made or joined this item (the item page marks it known material)."""
    return list(Finding.objects.filter(item_id=item_id).select_related("crawl")[:20])
