"""Takedown over JSON at /api/v1/actions/: time-to-removal figures and the case of one address."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from reportal import access
from reportal.access import Role
from reportal.actions import casefile
from reportal.actions.removal import GROUPS, time_to_removal_stats
from reportal.audit.services import record as audit
from reportal.reports import services as reports

router = Router()

READERS = (Role.ANALYST, Role.SENIOR, Role.ADMIN, Role.PARTNER)


class RemovalStatOut(Schema):
    key: str = Field(description="Portal slug, hosting country code or host network name; empty when unknown.")
    count: int
    median_hours: float
    p90_hours: float


class StatsQuery(Schema):
    group_by: str = Field("portal", description="portal, country or network")
    days: int = Field(90, ge=1, le=3660, description="Removals in this many days up to now.")


@router.get(
    "/removal-stats",
    response=list[RemovalStatOut],
    auth=access.staff_api(*READERS),
    summary="Time to removal: median and 90th percentile hours per portal, hosting country or host network",
)
def removal_stats(request: HttpRequest, query: Query[StatsQuery]) -> list[Any]:
    if query.group_by not in GROUPS:
        raise HttpError(422, f"group_by must be one of {', '.join(GROUPS)}.")
    since = timezone.now() - timedelta(days=query.days)
    portals = access.visible_portal_ids(request.user)
    return list(time_to_removal_stats(group_by=query.group_by, portal_ids=portals, since=since))


class TraceOut(Schema):
    at: str
    hostname: str
    cname_chain: list[str]
    ips: list[dict[str, Any]]
    hosting_country: str
    hosting_asn: int | None
    hosting_network: str
    cdn: str
    network_abuse_contacts: list[str]
    domain: str
    registrar: str
    domain_abuse_contacts: list[str]
    error: str


class NoticeOut(Schema):
    kind: str
    reference: str
    to: list[str]
    state: str
    created_at: str
    sent_at: str


class StatusChangeOut(Schema):
    at: str
    from_: str = Field(alias="from")
    to: str
    reason: str


class CaseOut(Schema):
    reference: str
    url: str
    host: str
    portal: str
    portal_country: str
    first_reported_at: str
    report_count: int
    confirmed_at: str
    status: str
    classification: dict[str, Any]
    traces: list[TraceOut]
    notices: list[NoticeOut]
    status_history: list[StatusChangeOut]
    removed_at: str
    time_to_removal_seconds: int | None


@router.get(
    "/items/{item_id}/case",
    response=CaseOut,
    auth=access.staff_api(*READERS),
    summary="The case of one address: traces, notices and referrals, status changes, removal",
)
def item_case(request: HttpRequest, item_id: int) -> dict[str, Any]:
    try:
        item = access.item_or_404(request.user, item_id, reports.items().select_related("portal"))
    except Http404:
        raise HttpError(404, "Not found.") from None
    audit(request.user, "actions.read_case", item, portal_id=item.portal_id)
    return casefile.case_record(item)
