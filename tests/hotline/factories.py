"""Portals, reports and queue items for the workbench tests, made directly (the portal form is tested elsewhere)."""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlsplit

from reportal.portals.models import Portal
from reportal.reports.models import Report, ReportedUrl, ReportUrl


def portal(slug: str = "gt", languages: list[str] | None = None, name: str = "") -> Portal:
    found = Portal.objects.filter(slug=slug).first()
    if found:
        return found
    return Portal.objects.create(
        slug=slug,
        name=name or f"Portal {slug}",
        display_name=name or f"Portal {slug.upper()}",
        country_code=slug.upper()[:2],
        languages=languages or ["es", "en"],
    )


def report_item(
    url: str,
    *,
    portal_slug: str = "gt",
    description: str = "I saw this while searching.",
    seen_on: str = "web",
    language: str = "es",
    email_encrypted: str = "",
    priority: int = 0,
) -> ReportedUrl:
    """One report of `url` through `portal_slug`, joining the open item for the address if there is one."""
    where = portal(portal_slug)
    report = Report.objects.create(
        portal=where,
        language=language,
        seen_on=seen_on,
        description=description,
        email_encrypted=email_encrypted,
        receipt_hash=hashlib.sha256(secrets.token_bytes(16)).hexdigest(),
    )
    digest = hashlib.sha256(url.encode()).hexdigest()
    item = ReportedUrl.objects.filter(url_sha256=digest, is_open=True).first()
    if item is None:
        item = ReportedUrl.objects.create(
            canonical_url=url, url_sha256=digest, host=urlsplit(url).hostname or "", portal=where, priority=priority
        )
    ReportUrl.objects.create(report=report, item=item, submitted_url=url)
    item.report_count += 1
    item.save(update_fields=["report_count"])
    return item
