"""Queue items for tests: through the intake service when it is there, else straight into the tables."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from reportal.portals.models import Portal
from reportal.reports.models import ReportedUrl


def make_portal(slug: str = "sv", country: str = "SV", languages: list[str] | None = None) -> Portal:
    portal, _created = Portal.objects.get_or_create(
        slug=slug,
        defaults={
            "country_code": country,
            "name": f"Portal {slug}",
            "display_name": f"Portal {slug}",
            "languages": languages or ["es", "en"],
        },
    )
    return portal


def make_item(url: str, portal: Portal | None = None) -> ReportedUrl:
    portal = portal or make_portal()
    try:
        from reportal.reports.services import submit_report

        result = submit_report(portal, urls=[url], seen_on="web", language=portal.default_language)
        return ReportedUrl.objects.get(pk=result.addresses[0].item_id)
    except NotImplementedError:
        pass
    return ReportedUrl.objects.create(
        canonical_url=url,
        url_sha256=hashlib.sha256(url.encode()).hexdigest(),
        host=urlsplit(url).hostname or "",
        portal=portal,
        report_count=1,
    )
