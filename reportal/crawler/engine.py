"""One worker's turn on a crawl: hold a politeness slot of the site, claim pages one by one, fetch each through the
guarded fetcher, follow its links within the crawl's limits, fetch and hash its media in memory and match them
against the banks as they arrive. Pages and media live in memory only; what is kept is addresses and hashes."""

from __future__ import annotations

import collections
import hashlib
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reportal.crawler import frontier, results
from reportal.crawler.models import Crawl, CrawlMedia, CrawlPage, CrawlState, Lead, PageState
from reportal.crawler.pages import host_of, on_site, read_page, url_hash
from reportal.hashes import services as hashes
from reportal.net.fetch import FetchError, FetchResult, FetchSession, fetch

logger = logging.getLogger(__name__)

USER_AGENT = "reportal/0.1 (hotline proactive search)"
PAGE_TYPES = ("text/html", "application/xhtml+xml")
PAGE_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
MEDIA_ACCEPT = "image/*,video/*;q=0.9"
WAIT_FOR_PAGES_SECONDS = 0.2
# Pages a worker claims at once (fewer round trips); those it has not started go back when its turn ends.
CLAIM_BATCH = 4


class SliceEnd(Enum):
    MORE = "more"  # the slice's time ran out with pages left: send the next slice
    IDLE = "idle"  # no politeness slot of the site was free: enough workers are on it
    DONE = "done"  # the crawl finished or was stopped


@dataclass
class PageFigures:
    fetched: int = 0
    failed: int = 0
    media_hashed: int = 0
    media_matched: int = 0
    errors: int = 0
    bytes: int = 0
    leads: int = 0
    with_matches: int = 0


def run_slice(crawl_id: int, *, seconds: float | None = None, pages: int | None = None) -> SliceEnd:
    """Work the crawl for up to `seconds` (REPORTAL_CRAWL_SLICE_SECONDS), or `pages` pages, holding one politeness
    slot of its site."""
    crawl = Crawl.objects.filter(pk=crawl_id).first()
    if crawl is None or crawl.state != CrawlState.RUNNING:
        return SliceEnd.DONE
    holder = frontier.new_token()
    slot = frontier.acquire_lease(crawl.site, holder)
    if slot is None:
        return SliceEnd.IDLE
    deadline = time.monotonic() + float(seconds if seconds is not None else settings.REPORTAL_CRAWL_SLICE_SECONDS)
    delay = float(settings.REPORTAL_CRAWL_DELAY_SECONDS)
    session = FetchSession()  # connections kept open between this turn's fetches (to addresses the guard allowed)
    downloads = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crawl-fetch")  # one download ahead
    claimed: collections.deque[CrawlPage] = collections.deque()
    try:
        while True:
            state = Crawl.objects.filter(pk=crawl_id).values_list("state", flat=True).first()
            if state != CrawlState.RUNNING:
                return SliceEnd.DONE
            if time.monotonic() >= deadline or pages == 0:
                return SliceEnd.MORE
            if not claimed:
                claimed.extend(frontier.claim_pages(crawl, holder, min(CLAIM_BATCH, pages or CLAIM_BATCH)))
            page = claimed.popleft() if claimed else None
            if page is None:
                any_open, _claimable = frontier.work_left(crawl)
                if not any_open:
                    frontier.mark_finished(crawl)
                    return SliceEnd.DONE
                # Other workers hold the last pages; theirs may add more (a crawl starts with one seed page).
                frontier.renew_lease(crawl.site, slot, holder)
                time.sleep(WAIT_FOR_PAGES_SECONDS)
                continue
            try:
                crawl_page(crawl, page, holder, session, downloads)
            except Exception as exc:  # a page that breaks something must not block the crawl: it fails, once
                logger.exception("crawl %s: page %s failed", crawl_id, page.pk)
                with transaction.atomic():
                    frontier.finish_page(page, holder, state=PageState.FAILED, error=f"{type(exc).__name__}: {exc}")
                    _count(crawl, PageFigures(failed=1))
            pages = None if pages is None else pages - 1
            if not frontier.renew_lease(crawl.site, slot, holder):
                return SliceEnd.MORE  # our lease expired (a very long page): take a fresh one next time
            if delay > 0:
                time.sleep(delay)
    finally:
        frontier.release_pages(list(claimed), holder)
        downloads.shutdown()
        session.close()
        frontier.release_lease(crawl.site, slot, holder)


def _fetch(url: str, session: FetchSession | None, *, max_bytes: int, accept: str) -> FetchResult:
    return fetch(url, max_bytes=max_bytes, headers={"User-Agent": USER_AGENT, "Accept": accept}, session=session)


def crawl_page(
    crawl: Crawl,
    page: CrawlPage,
    token: str,
    session: FetchSession | None = None,
    downloads: ThreadPoolExecutor | None = None,
) -> None:
    """Fetch one claimed page and do everything it leads to. The network and hashing come first; what the page
    adds (pages, leads, media, figures, its own done mark) is written in one transaction at the end, after any
    finding (idempotent), so a worker killed at any point leaves the page to be taken again, nothing half-done."""
    figures = PageFigures()
    try:
        result = _fetch(page.url, session, max_bytes=settings.REPORTAL_CRAWL_PAGE_MAX_BYTES, accept=PAGE_ACCEPT)
    except FetchError as exc:
        figures.failed = 1
        with transaction.atomic():
            frontier.finish_page(page, token, state=PageState.FAILED, error=f"{exc.reason}: {exc}")
            _count(crawl, figures)
        return
    figures.fetched = 1
    figures.bytes = len(result.body)
    error = ""
    children: list[tuple[str, int]] = []
    leads: list[str] = []
    new_media: list[CrawlMedia] = []
    if result.status >= 400:
        error = f"HTTP {result.status}"
    elif not on_site(result.final_url, crawl.site, crawl.scope) and not crawl.follow_other_sites:
        leads = [result.final_url]  # a redirect off the site: the target is a lead, not a page of this crawl
    elif result.content_type in PAGE_TYPES:
        content = read_page(result.text(), result.final_url)
        inside = [u for u in content.links if on_site(u, crawl.site, crawl.scope)]
        leads = [u for u in content.links if not on_site(u, crawl.site, crawl.scope)]
        if page.depth < crawl.max_depth:
            follow = inside + (leads if crawl.follow_other_sites else [])
            children = [(u, page.depth + 1) for u in follow]
        limit = int(settings.REPORTAL_CRAWL_MEDIA_PER_PAGE)
        media = ([(u, "image") for u in content.images] + [(u, "video") for u in content.videos])[:limit]
        seen, new_media = _media_of_page(crawl, media, figures, session, downloads)
        known = [m for m in seen if m.known]
        if known:
            figures.with_matches = 1
            unknown = [m for m in seen if not m.known and m.sha256]
            results.record_finding(crawl, result.final_url, known, unknown)
    with transaction.atomic():
        if children:
            frontier.add_pages(crawl, children)
        if leads:
            figures.leads += _add_leads(crawl, page.url, leads)
        CrawlMedia.objects.bulk_create(new_media, ignore_conflicts=True)
        frontier.finish_page(page, token, state=PageState.DONE, status_code=result.status, error=error)
        _count(crawl, figures)


def _add_leads(crawl: Crawl, from_page: str, urls: list[str]) -> int:
    rows = {
        url_hash(u): Lead(crawl=crawl, url=u, url_hash=url_hash(u), host=host_of(u), from_page=from_page) for u in urls
    }
    existing = set(Lead.objects.filter(crawl=crawl, url_hash__in=list(rows)).values_list("url_hash", flat=True))
    new = [row for key, row in rows.items() if key not in existing]
    Lead.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _media_of_page(
    crawl: Crawl,
    media: list[tuple[str, str]],
    figures: PageFigures,
    session: FetchSession | None,
    downloads: ThreadPoolExecutor | None,
) -> tuple[list[CrawlMedia], list[CrawlMedia]]:
    """(the page's media, those new to the crawl): each medium is fetched and hashed once per crawl (one seen on
    an earlier page is reused). The next medium downloads while this one is hashed, over the one connection."""
    by_hash = {url_hash(u): (u, kind) for u, kind in media}
    rows = {m.url_hash: m for m in CrawlMedia.objects.filter(crawl=crawl, url_hash__in=list(by_hash))}
    wanted = [(key, url, kind) for key, (url, kind) in by_hash.items() if key not in rows]
    new: list[CrawlMedia] = []
    for (key, url, kind), fetched in zip(
        wanted, _prefetch([url for _k, url, _kind in wanted], session, downloads), strict=True
    ):
        row = _hash_medium(crawl, url, key, kind, fetched, figures)
        rows[key] = row
        new.append(row)
    return [rows[key] for key in by_hash], new


def _prefetch(
    urls: list[str], session: FetchSession | None, downloads: ThreadPoolExecutor | None
) -> Iterator[FetchResult | FetchError]:
    """The fetches of `urls` in order, one at a time, the next one already running while the caller works."""

    def one(url: str) -> FetchResult | FetchError:
        try:
            return _fetch(url, session, max_bytes=settings.REPORTAL_CRAWL_MEDIA_MAX_BYTES, accept=MEDIA_ACCEPT)
        except FetchError as exc:
            return exc

    if downloads is None:
        yield from (one(url) for url in urls)
        return
    ahead = collections.deque(downloads.submit(one, url) for url in urls[:2])
    for url in urls[2:]:
        yield ahead.popleft().result()
        ahead.append(downloads.submit(one, url))
    while ahead:
        yield ahead.popleft().result()


def _hash_medium(
    crawl: Crawl, url: str, key: str, kind: str, fetched: FetchResult | FetchError, figures: PageFigures
) -> CrawlMedia:
    row = CrawlMedia(crawl=crawl, url=url, url_hash=key, kind=kind)
    if isinstance(fetched, FetchError):
        figures.errors += 1
        row.error = f"{fetched.reason}: {fetched}"[:300]
        return row
    result = fetched
    figures.bytes += len(result.body)
    row.content_type = result.content_type[:100]
    row.size_bytes = len(result.body)
    if result.status >= 400 or not result.content_type.startswith(("image/", "video/")):
        row.error = f"HTTP {result.status} {result.content_type}"[:300]
        return row
    row.kind = "video" if result.content_type.startswith("video/") else "image"
    try:
        matches = _hash_and_match(row, result.body)
    except Exception as exc:  # noqa: BLE001 - one bad medium (a hostile file) must not stop the crawl
        figures.errors += 1
        row.error = f"{type(exc).__name__}: {exc}"[:300]
        return row
    figures.media_hashed += 1
    if matches:
        figures.media_matched += 1
        row.known, row.known_grade = True, (matches[0].classification or "")[:200]
    return row


def _hash_and_match(row: CrawlMedia, data: bytes) -> list[Any]:
    """Fill the row's hashes from the bytes (held in memory only) and return the bank matches, nearest first."""
    if row.kind == "video":
        try:
            video = hashes.hash_video(data)
        except hashes.VideoHashError:
            # Not decodable as video: still known by its bytes (MD5, SHA-256).
            row.md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
            row.sha256 = hashlib.sha256(data).hexdigest()
            return list(hashes.lookup_bytes(data))
        row.md5, row.sha256, row.duration_s = video.md5, video.sha256, video.duration_s
        row.width, row.height = video.width, video.height
        row.vpdq = [{"pdq": f.pdq_hex, "quality": f.quality, "timestamp": f.timestamp_s} for f in video.frames]
        return list(hashes.lookup_video(video))  # vPDQ with each bank's video settings, and MD5/SHA-256
    image = hashes.hash_bytes(data, mode="fast")
    row.md5, row.sha256 = image.md5, image.sha256
    row.pdq, row.pdq_quality = image.pdq, image.pdq_quality
    row.width, row.height = image.width, image.height
    return list(hashes.lookup_hashes(image))


def _count(crawl: Crawl, f: PageFigures) -> None:
    Crawl.objects.filter(pk=crawl.pk).update(
        pages_fetched=F("pages_fetched") + f.fetched,
        pages_failed=F("pages_failed") + f.failed,
        media_hashed=F("media_hashed") + f.media_hashed,
        media_matched=F("media_matched") + f.media_matched,
        pages_with_matches=F("pages_with_matches") + f.with_matches,
        errors=F("errors") + f.errors + f.failed,
        bytes_fetched=F("bytes_fetched") + f.bytes,
        leads=F("leads") + f.leads,
        last_activity_at=timezone.now(),
    )


def idle_crawls(older_than: timedelta) -> list[int]:
    """Running crawls no worker has touched for a while (a killed worker, a lost message): to be sent again."""
    since = timezone.now() - older_than
    stale = Crawl.objects.filter(state=CrawlState.RUNNING).exclude(last_activity_at__gte=since)
    return list(stale.values_list("pk", flat=True))
