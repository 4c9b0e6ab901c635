"""Figures over JSON at /api/v1/stats for partners' own tools: the same figures and scoping as the dashboard."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from reportal import access
from reportal.audit.services import record as audit
from reportal.stats import services, views

router = Router()

GROUPS = ("key", "month", "day", "portal")


class FiguresQuery(Schema):
    portal: str = Field("", description="A portal slug; empty for every portal you may see.")
    from_: date | None = Field(None, alias="from", description="First day (YYYY-MM-DD, UTC); default 12 months ago.")
    to: date | None = Field(None, description="Last day, included (YYYY-MM-DD, UTC); default today.")
    group_by: str = Field("key", description="key (totals per metric and key), month, day or portal.")


class CountOut(Schema):
    metric: str = Field(description="reports, urls, assessed, uk_category, ... (see reportal/stats/facts.py).")
    key: str = Field(description="Source, outcome, option, country code, notice kind, ...; empty when not recorded.")
    group: str = Field(description="The month (YYYY-MM), day (YYYY-MM-DD) or portal slug; empty for group_by=key.")
    count: int


class RemovalOut(Schema):
    count: int
    median_hours: float | None
    p90_hours: float | None
    within_1_day: float | None = Field(description="Share (0-1) removed within 1 day of the first report.")
    within_2_5_days: float | None
    within_7_days: float | None


class FiguresOut(Schema):
    from_: date = Field(alias="from")
    to: date
    portal: str
    group_by: str
    counts: list[CountOut]
    removal: RemovalOut


@router.get(
    "",
    response=FiguresOut,
    auth=access.staff_api(),
    by_alias=True,
    summary="Figures per metric and key, by month, day or portal; a partner viewer gets their portals' only",
)
def figures(request: HttpRequest, query: Query[FiguresQuery]) -> dict[str, Any]:
    if query.group_by not in GROUPS:
        raise HttpError(422, f"group_by must be one of {', '.join(GROUPS)}.")
    params = {"portal": query.portal}
    if query.from_ is not None:
        params["from"] = query.from_.isoformat()
    if query.to is not None:
        params["to"] = query.to.isoformat()
    try:
        filters = views.filters_for(request.user, params, strict=True)
    except views.NotVisible:
        raise HttpError(404, "There is no such portal among those you may see.") from None
    if filters.errors:
        raise HttpError(422, " ".join(filters.errors))
    slugs = {p.id: p.slug for p in filters.choices}
    rows = services.grouped(filters.period, query.group_by, slugs)
    summary, _months = services.removals(filters.period)
    audit(
        request.user,
        "stats.api",
        since=filters.period.since.isoformat(),
        until=filters.period.until.isoformat(),
        portal=filters.portal or "all",
        group_by=query.group_by,
    )
    has = summary.count > 0
    return {
        "from": filters.period.since,
        "to": filters.period.until,
        "portal": filters.portal,
        "group_by": query.group_by,
        "counts": [{"metric": m, "key": k, "group": g, "count": n} for m, k, g, n in rows],
        "removal": {
            "count": summary.count,
            "median_hours": summary.median_hours if has else None,
            "p90_hours": summary.p90_hours if has else None,
            "within_1_day": round(summary.within["1d"], 4) if has else None,
            "within_2_5_days": round(summary.within["2.5d"], 4) if has else None,
            "within_7_days": round(summary.within["7d"], 4) if has else None,
        },
    }
