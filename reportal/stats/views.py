"""Statistics pages: the partner dashboard (/stats/), its exports, the printable monthly report, and the public
transparency page of each portal (/<slug>/<lang>/stats/)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from reportal.access import public_page, require_staff, stats_portals
from reportal.audit.services import record as audit
from reportal.portals import services as portals
from reportal.stats import exports, public, services, tables

MAX_DAYS = 3660


@dataclass
class Filters:
    """What the dashboard's form asked for, checked against what the user may see."""

    period: services.Period
    portal: str  # slug, or "" for every portal the user may see
    choices: list[portals.PortalSummary]
    errors: list[str] = field(default_factory=list)

    def query(self) -> str:
        from urllib.parse import urlencode

        params = {"from": self.period.since.isoformat(), "to": self.period.until.isoformat()}
        if self.portal:
            params["portal"] = self.portal
        return urlencode(params)


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months, this one included."""
    start_month = today.month - 11
    year = today.year + (start_month - 1) // 12
    month = (start_month - 1) % 12 + 1
    return date(year, month, 1), today


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


class NotVisible(Exception):
    """The portal asked for does not exist or is not the user's to see."""


def filters_for(user: Any, params: Any, *, strict: bool = False) -> Filters:
    """Period and portal from the query (`from`, `to`, `portal`), limited to what `user` may see.

    With `strict` (exports, the API) a portal the user may not see raises NotVisible instead of being ignored."""
    allowed = stats_portals(user)
    choices = portals.portal_summaries(allowed)
    errors: list[str] = []
    since, until = default_period(timezone.now().date())
    raw_since, raw_until = params.get("from", ""), params.get("to", "")
    if raw_since or raw_until:
        asked_since, asked_until = _date(raw_since or since.isoformat()), _date(raw_until or until.isoformat())
        if asked_since is None or asked_until is None:
            errors.append(
                _("Give the dates as year-month-day, for example 2025-01-31. The last twelve months are shown.")
            )
        elif asked_since > asked_until:
            errors.append(_("The start of the period is after its end. The last twelve months are shown."))
        elif (asked_until - asked_since).days > MAX_DAYS:
            errors.append(_("Choose a period of at most ten years. The last twelve months are shown."))
        else:
            since, until = asked_since, asked_until
    slug = params.get("portal", "")
    chosen_ids = {p.id for p in choices}
    if slug:
        match = next((p for p in choices if p.slug == slug), None)
        if match is None:
            if strict:
                raise NotVisible(slug)
            errors.append(
                _("There is no portal '%(slug)s' among those you may see. All your portals are shown.") % {"slug": slug}
            )
            slug = ""
        else:
            chosen_ids = {match.id}
    portal_ids: frozenset[int] | None = frozenset(chosen_ids)
    if allowed is None and not slug:
        portal_ids = None  # hotline staff, every portal: no filter at all
    return Filters(services.Period(since, until, portal_ids), slug, choices, errors)


@require_GET
@require_staff()
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = filters_for(request.user, request.GET)
    board = tables.build(filters.period)
    audit(
        request.user,
        "stats.view",
        since=filters.period.since.isoformat(),
        until=filters.period.until.isoformat(),
        portal=filters.portal or "all",
    )
    return render(
        request,
        "stats/dashboard.html",
        {
            "filters": filters,
            "board": board,
            "query": filters.query(),
            "export_formats": ("csv", "json"),
            "months": _months_for_reports(filters),
        },
    )


def _months_for_reports(filters: Filters) -> list[tuple[str, str]]:
    """(slug, YYYY-MM) of the printable monthly reports the period covers, newest first (only with one portal)."""
    if not filters.portal:
        return []
    months = tables.months_between(filters.period.since, filters.period.until)
    return [(filters.portal, m.strftime("%Y-%m")) for m in reversed(months)][:24]


@require_GET
@require_staff()
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    """One table of the dashboard (or the case list) as CSV or JSON, for the same filters."""
    try:
        filters = filters_for(request.user, request.GET, strict=True)
    except NotVisible:
        raise Http404(_("There is no such portal among those you may see.")) from None
    slugs = {p.id: p.slug for p in filters.choices}
    if table == "cases":
        rows = services.cases(filters.period, slugs)
        body, content_type = exports.cases(rows, slugs, fmt)
    else:
        board = tables.build(filters.period, with_charts=False)
        found = board.table(table)
        if found is None:
            raise Http404(_("There is no such table."))
        body, content_type = exports.table(found, fmt, filters.period, filters.portal)
    audit(
        request.user,
        "stats.export",
        table=table,
        format=fmt,
        since=filters.period.since.isoformat(),
        until=filters.period.until.isoformat(),
        portal=filters.portal or "all",
    )
    response = HttpResponse(body, content_type=content_type)
    name = f"{table}-{filters.portal or 'all'}-{filters.period.since}-{filters.period.until}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@require_staff()
def monthly_report(request: HttpRequest, slug: str, month: str) -> HttpResponse:
    """A printable report of one portal's month (the browser's print dialog makes it a PDF)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise Http404(_("Give the month as year-month, for example 2025-01.")) from None
    allowed = stats_portals(request.user)
    portal = next((p for p in portals.portal_summaries(allowed) if p.slug == slug), None)
    if portal is None:
        raise Http404(_("There is no such portal among those you may see."))
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    board = tables.build(services.Period(first, last, frozenset({portal.id})))
    audit(request.user, "stats.monthly_report", portal_id=portal.id, month=month)
    return render(
        request,
        "stats/monthly.html",
        {"portal": portal, "month": first, "board": board, "generated": timezone.now()},
    )


# --- Public transparency page ---------------------------------------------------------------------------------


@public_page
@require_GET
def public_stats(request: HttpRequest, slug: str, lang: str) -> HttpResponse:
    portal = portals.active_portal(slug)
    if portal is None or lang not in portal.languages:
        raise Http404(_("No such portal."))
    with translation.override(lang):
        figures = public.figures(portal.id, minimum=settings.REPORTAL_STATS_MIN_COUNT)
        brand_name, brand_logo = portals.brand(slug, lang)
        switch = [
            {
                "code": code,
                "name": portals.native_name(code),
                "url": reverse("portal_stats", kwargs={"slug": slug, "lang": code}),
            }
            for code in portal.languages
            if code != lang
        ]
        response = render(
            request,
            "stats/public.html",
            {
                "portal": portal,
                "lang": lang,
                "figures": figures,
                "minimum": settings.REPORTAL_STATS_MIN_COUNT,
                "language_switch": switch,
                "page": "stats",
                "brand_name": brand_name,
                "brand_logo": brand_logo,
            },
        )
    response["Content-Language"] = lang
    response["Cache-Control"] = "public, max-age=600"
    return response


def as_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
