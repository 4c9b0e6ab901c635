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


def make_item(url: str, portal: Portal | None = None, *, via_intake: bool = False) -> ReportedUrl:
    """A queue item for `url`. With `via_intake` it goes through the intake service as a citizen's report would
    (loopback test sites accepted), falling back to plain rows only while intake is not implemented."""
    portal = portal or make_portal()
    if via_intake:
        from django.test import override_settings

        from reportal.reports.services import submit_report

        try:
            with override_settings(REPORTAL_ACCEPT_PRIVATE_URLS=True):
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
