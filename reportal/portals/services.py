"""What other apps may ask of the portals stage: which portals exist, by id or slug, as plain values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reportal.portals.languages import native_name
from reportal.portals.models import Portal

__all__ = ["PortalSummary", "active_portal", "native_name", "portal_summaries"]


@dataclass(frozen=True)
class PortalSummary:
    id: int
    slug: str
    name: str
    display_name: str
    country_code: str
    languages: tuple[str, ...]
    active: bool
    logo_text: str = ""


def _summary(portal: Portal) -> PortalSummary:
    return PortalSummary(
        id=portal.pk,
        slug=portal.slug,
        name=portal.name,
        display_name=portal.display_name,
        country_code=portal.country_code,
        languages=tuple(portal.languages or ()),
        active=portal.active,
        logo_text=portal.logo_text,
    )


def portal_summaries(ids: Iterable[int] | None = None) -> list[PortalSummary]:
    """Every portal (or those with these ids), by name."""
    portals = Portal.objects.order_by("name", "slug")
    if ids is not None:
        portals = portals.filter(pk__in=list(ids))
    return [_summary(p) for p in portals]


def active_portal(slug: str) -> PortalSummary | None:
    """The active portal with this slug, or None."""
    portal = Portal.objects.filter(slug=slug, active=True).first()
    return _summary(portal) if portal is not None else None
