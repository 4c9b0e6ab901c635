"""What a crawl makes of a page that holds known media: a queue item marked known material (through intake, source
"crawler"), its media recorded on the item (known ones with the bank's grade, unknown ones left for grading), and,
when the policy says so, the item sent straight to notice and list through the confirmation hand-offs."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import ngettext

from reportal.crawler.models import Crawl, CrawlMedia, Finding
from reportal.crawler.pages import url_hash
from reportal.hotline import services as hotline
from reportal.pipeline import services as pipeline
from reportal.reports import services as reports

logger = logging.getLogger(__name__)

POLICY_ACT = "act"


def _found(row: CrawlMedia, *, known: bool) -> hotline.FoundMedia:
    return hotline.FoundMedia(
        url=row.url,
        kind="video" if row.kind == "video" else "image",
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        width=row.width,
        height=row.height,
        md5=row.md5,
        sha256=row.sha256,
        pdq=row.pdq or None,
        pdq_quality=row.pdq_quality,
        vpdq=row.vpdq,
        duration_s=row.duration_s,
        known_grade=row.known_grade if known else None,
    )


def record_finding(crawl: Crawl, page_url: str, known: list[CrawlMedia], unknown: list[CrawlMedia]) -> Finding | None:
    """Make (or join) the queue item of a page holding known media; idempotent per crawl and page, so a page
    taken again after a killed worker adds nothing twice."""
    key = url_hash(page_url)
    existing = Finding.objects.filter(crawl=crawl, url_hash=key).first()
    if existing is not None:
        return existing
    portal = crawl.portal
    description = ngettext(
        "Found by proactive search (crawl %(crawl)s): %(count)s medium on this page matches a hash bank.",
        "Found by proactive search (crawl %(crawl)s): %(count)s media on this page match a hash bank.",
        len(known),
    ) % {"crawl": crawl.pk, "count": len(known)}
    try:
        submitted = reports.submit_report(
            portal,
            urls=[page_url],
            seen_on="web",
            description=description,
            language=getattr(portal, "default_language", "") or settings.LANGUAGE_CODE,
            source="crawler",
        )
    except reports.IntakeError as exc:
        logger.warning("crawl %s: intake refused a page with known media: %s", crawl.pk, exc.url_errors or exc)
        return None
    item_id = submitted.addresses[0].item_id
    grades = sorted({m.known_grade for m in known if m.known_grade})
    try:
        with transaction.atomic():
            finding = Finding.objects.create(
                crawl=crawl,
                page_url=page_url,
                url_hash=key,
                item_id=item_id,
                known_media=len(known),
                unknown_media=len(unknown),
                grade=", ".join(grades)[:200],
            )
    except IntegrityError:  # another worker recorded the same page meanwhile
        return Finding.objects.filter(crawl=crawl, url_hash=key).first()
    # Known media carry the bank's grade; unknown ones on the same page wait for an analyst's grade. Nothing here
    # enters a bank: only media an analyst grades do (hotline.media.bankable).
    hotline.record_page_media(
        item_id, [_found(m, known=True) for m in known] + [_found(m, known=False) for m in unknown]
    )
    if settings.REPORTAL_CRAWL_KNOWN_MATERIAL == POLICY_ACT:
        _send_to_action(crawl, finding, grades[0] if grades else "")
    return finding


def _send_to_action(crawl: Crawl, finding: Finding, category: str) -> None:
    """Policy "act": known material needs no analyst; the item is confirmed by the rule and handed to lists and
    actions exactly as an analyst's confirmation would be (an item an analyst already holds is left to them)."""
    with transaction.atomic():
        item = reports.lock_item(finding.item_id)
        if item.status != reports.ItemStatus.NEW:
            return
        reports.change_status(item, reports.ItemStatus.ACTIONABLE, reason="known material found by proactive search")
        pipeline.record(
            "item.confirmed",
            item.pk,
            key=f"crawl-finding:{finding.pk}",
            payload={"scope": "url", "category": category, "actor_id": None, "crawl_id": crawl.pk},
        )
        Finding.objects.filter(pk=finding.pk).update(confirmed=True)
