"""The frontier shared by every worker of a crawl: pages are added once (unique crawl + address), claimed by one
worker at a time with a conditional UPDATE (FOR UPDATE SKIP LOCKED on PostgreSQL), and a claim expires, so a
killed worker's page comes back to the others. Host leases bound how many workers fetch from one site at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from reportal.crawler.models import Crawl, CrawlPage, CrawlState, HostLease, PageState
from reportal.crawler.pages import url_hash


def claim_seconds() -> float:
    return float(settings.REPORTAL_CRAWL_CLAIM_SECONDS)


def new_token() -> str:
    return uuid.uuid4().hex


def add_pages(crawl: Crawl, pages: Sequence[tuple[str, int]]) -> int:
    """Add (address, depth) pages not yet in the crawl's frontier, within its page limit; returns how many."""
    by_hash: dict[str, tuple[str, int]] = {}
    for url, depth in pages:
        by_hash.setdefault(url_hash(url), (url, depth))
    if not by_hash:
        return 0
    known = set(CrawlPage.objects.filter(crawl=crawl, url_hash__in=list(by_hash)).values_list("url_hash", flat=True))
    new = [(h, u, d) for h, (u, d) in by_hash.items() if h not in known]
    if not new:
        return 0
    # Reserve room under the page limit first (compare-and-set on the counter), so two workers adding at once
    # never queue more than the limit between them.
    for _attempt in range(20):
        queued = Crawl.objects.filter(pk=crawl.pk).values_list("pages_queued", flat=True).first() or 0
        room = max(0, crawl.max_pages - queued)
        take = min(room, len(new))
        if take == 0:
            return 0
        if Crawl.objects.filter(pk=crawl.pk, pages_queued=queued).update(pages_queued=F("pages_queued") + take):
            break
    else:
        return 0
    rows = [CrawlPage(crawl=crawl, url=u, url_hash=h, depth=d) for h, u, d in new[:take]]
    CrawlPage.objects.bulk_create(rows, ignore_conflicts=True)
    return take


def claim_pages(crawl: Crawl, token: str, count: int = 1) -> list[CrawlPage]:
    """Claim the next `count` pages of the crawl (breadth first): waiting ones, or ones whose claim expired."""
    now = timezone.now()
    claimable = Q(state=PageState.PENDING) | Q(state=PageState.CLAIMED, claimed_until__lt=now)
    until = now + timedelta(seconds=claim_seconds())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {CrawlPage._meta.db_table} SET state = %s, claim_token = %s, claimed_until = %s,
                    attempts = attempts + 1
                    WHERE id IN (SELECT id FROM {CrawlPage._meta.db_table}
                                 WHERE crawl_id = %s AND (state = %s OR (state = %s AND claimed_until < %s))
                                 ORDER BY depth, id LIMIT %s FOR UPDATE SKIP LOCKED)
                    RETURNING id""",  # noqa: S608 - table names from the model, values as parameters
                [PageState.CLAIMED, token, until, crawl.pk, PageState.PENDING, PageState.CLAIMED, now, count],
            )
            ids = [row[0] for row in cursor.fetchall()]
    else:
        # SQLite runs one writer at a time: the candidates are re-checked inside the UPDATE itself, so of two
        # workers that picked the same rows only one changes each.
        ids = list(
            CrawlPage.objects.filter(claimable, crawl=crawl)
            .order_by("depth", "id")
            .values_list("pk", flat=True)[:count]
        )
        if ids:
            CrawlPage.objects.filter(claimable, pk__in=ids).update(
                state=PageState.CLAIMED, claim_token=token, claimed_until=until, attempts=F("attempts") + 1
            )
    if not ids:
        return []
    return list(
        CrawlPage.objects.filter(pk__in=ids, claim_token=token, state=PageState.CLAIMED).order_by("depth", "id")
    )


def release_pages(pages: list[CrawlPage], token: str) -> int:
    """Give back claimed pages this worker did not start (its turn ended): others may take them at once."""
    if not pages:
        return 0
    return CrawlPage.objects.filter(pk__in=[p.pk for p in pages], claim_token=token, state=PageState.CLAIMED).update(
        state=PageState.PENDING, claim_token="", claimed_until=None, attempts=F("attempts") - 1
    )


def finish_page(page: CrawlPage, token: str, *, state: str, status_code: int | None = None, error: str = "") -> bool:
    """Mark a claimed page done or failed; False when the claim was lost meanwhile (it expired and was retaken)."""
    return bool(
        CrawlPage.objects.filter(pk=page.pk, claim_token=token, state=PageState.CLAIMED).update(
            state=state, status_code=status_code, error=error[:300], done_at=timezone.now(), claimed_until=None
        )
    )


def work_left(crawl: Crawl) -> tuple[bool, bool]:
    """(pages waiting or claimed, any of them claimable now)."""
    now = timezone.now()
    open_pages = CrawlPage.objects.filter(crawl=crawl, state__in=(PageState.PENDING, PageState.CLAIMED))
    any_open = open_pages.exists()
    claimable = any_open and open_pages.filter(Q(state=PageState.PENDING) | Q(claimed_until__lt=now)).exists()
    return any_open, claimable


def mark_finished(crawl: Crawl) -> bool:
    return bool(
        Crawl.objects.filter(pk=crawl.pk, state=CrawlState.RUNNING).update(
            state=CrawlState.FINISHED, finished_at=timezone.now()
        )
    )


# --- host leases (politeness) -----------------------------------------------------------------------------------


def acquire_lease(site: str, holder: str) -> int | None:
    """Take a free (or expired) politeness slot of `site`; returns the slot, or None when all are held."""
    slots = max(1, int(settings.REPORTAL_CRAWL_HOST_CONCURRENCY))
    HostLease.objects.bulk_create([HostLease(site=site, slot=slot) for slot in range(slots)], ignore_conflicts=True)
    now = timezone.now()
    free = Q(expires_at__isnull=True) | Q(expires_at__lt=now)
    for slot in range(slots):
        with transaction.atomic():
            taken = HostLease.objects.filter(free, site=site, slot=slot).update(
                holder=holder, expires_at=now + timedelta(seconds=claim_seconds())
            )
        if taken:
            return slot
    return None


def renew_lease(site: str, slot: int, holder: str) -> bool:
    until = timezone.now() + timedelta(seconds=claim_seconds())
    return bool(HostLease.objects.filter(site=site, slot=slot, holder=holder).update(expires_at=until))


def release_lease(site: str, slot: int, holder: str) -> None:
    HostLease.objects.filter(site=site, slot=slot, holder=holder).update(holder="", expires_at=None)
