"""What other apps may ask of the portals stage: which portals exist, by id or slug, as plain values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reportal.portals.languages import is_rtl, native_name, negotiate
from reportal.portals.models import Portal

__all__ = [
    "Portal",
    "PortalSummary",
    "active_portal",
    "is_rtl",
    "native_name",
    "negotiate",
    "page_portal",
    "portal_in_country",
    "portal_summaries",
    "portals_by_slug",
]


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
    default_language: str = ""


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
        default_language=portal.default_language,
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


def portal_in_country(country_code: str) -> PortalSummary | None:
    """An active portal of this country (ISO 3166 alpha-2), or None."""
    portal = Portal.objects.filter(country_code=country_code.upper(), active=True).order_by("pk").first()
    return _summary(portal) if portal is not None else None


def portals_by_slug(slugs: Iterable[str]) -> list[Portal]:
    """The portals with these slugs (those that exist), for another app's relation to them (e.g. a partner's)."""
    return list(Portal.objects.filter(slug__in=[s for s in slugs if s]))


def page_portal(slug: str) -> Portal | None:
    """The active portal with this slug, its helplines loaded, for a public page that shows its branding and help."""
    return Portal.objects.filter(slug=slug, active=True).prefetch_related("helplines").first()


def brand(slug: str, language: str) -> tuple[str, str]:
    """(name, logo text) of a portal in a language, as its public pages show them; ('', '') for no such portal."""
    portal = Portal.objects.filter(slug=slug).first()
    if portal is None:
        return "", ""
    return portal.display_name_in(language), portal.logo_text_in(language)
