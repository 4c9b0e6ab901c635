"""The workbench over JSON at /api/v1/: the queue, items, claiming and assessment, with the pages' permission checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from reportal import access
from reportal.access import Role
from reportal.hotline import claims, wellbeing
from reportal.hotline.assessment import AssessmentRefused, Decision, assess_item
from reportal.hotline.auditing import audit
from reportal.hotline.history import item_history
from reportal.hotline.models import ListScope
from reportal.hotline.queue import QueueFilters, queue_items, with_known
from reportal.hotline.reporters import reporter_contacts
from reportal.hotline.schemes import active_schemes
from reportal.reports.services import Report, ReportedUrl

router = Router()

READERS = (Role.ANALYST, Role.SENIOR, Role.ADMIN, Role.PARTNER)
ASSESSORS = (Role.ANALYST, Role.SENIOR)
MAX_PAGE_SIZE = 200


class ReportOut(Schema):
    id: int
    portal: str
    language: str
    seen_on: str
    description: str
    source: str
    created_at: datetime
    submitted_urls: list[str]
    reporter_email: str | None = None


class KnownOut(Schema):
    address_outcome: str | None = Field(None, description="Outcome of an earlier decision on the same address.")
    domain_confirmed: bool = Field(False, description="Another address on the same domain was confirmed.")
    hash_match: bool = Field(False, description="An image of this item's preview matched the hash bank.")


class ClaimOut(Schema):
    item_id: int
    claimed_by: str | None
    expires_at: datetime | None


class ItemOut(Schema):
    id: int
    canonical_url: str
    host: str
    portal: str
    status: str
    priority: int
    report_count: int
    first_reported_at: datetime
    last_reported_at: datetime
    known: KnownOut
    claim: ClaimOut


class QueueOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ItemOut]


class DecisionOut(Schema):
    id: int
    outcome: str
    reason: str
    list_scope: str
    classification: dict[str, Any]
    notes: str
    analyst: str | None
    is_review: bool
    created_at: datetime


class PastDecisionOut(Schema):
    item_id: int
    canonical_url: str
    same_address: bool
    outcome: str
    decided_at: datetime


class ItemDetailOut(ItemOut):
    reports: list[ReportOut]
    decisions: list[DecisionOut]
    history: list[PastDecisionOut]


class AssessIn(Schema):
    outcome: str = Field(..., description="actionable, not_actionable or second_opinion")
    reason: str = Field(
        "", description="For not_actionable: no_longer_available, not_illegal, not_found, outside_remit"
    )
    list_scope: str = Field(ListScope.URL.value, description="For actionable: url, prefix or domain")
    classification: dict[str, Any] = Field(default_factory=dict, description="Scheme key -> option key(s) or true")
    notes: str = ""


class ErrorOut(Schema):
    detail: str
    errors: dict[str, str] = Field(default_factory=dict)


class ReleaseOut(Schema):
    item_id: int
    released: bool


class OptionOut(Schema):
    key: str
    label: str


class SchemeOut(Schema):
    key: str
    name: str
    kind: str
    required_when_actionable: bool
    options: list[OptionOut]


class QueueParams(Schema):
    portal: str = ""
    status: str = ""
    age: str = Field("", description="day, week or older")
    seen_on: str = ""
    page: int = 1
    page_size: int = 50


def _claim_out(item: ReportedUrl) -> ClaimOut:
    """From the queue annotations (see queue.with_known): who holds a live claim, until when."""
    return ClaimOut(item_id=item.pk, claimed_by=item.claimed_by_name or None, expires_at=item.claim_expires_at)  # type: ignore[attr-defined]


def _item_out(item: ReportedUrl) -> dict[str, Any]:
    return {
        "id": item.pk,
        "canonical_url": item.canonical_url,
        "host": item.host,
        "portal": item.portal.slug,
        "status": item.status,
        "priority": item.priority,
        "report_count": item.report_count,
        "first_reported_at": item.first_reported_at,
        "last_reported_at": item.last_reported_at,
        "known": KnownOut(
            address_outcome=getattr(item, "known_address_outcome", None),
            domain_confirmed=bool(getattr(item, "known_domain", False)),
            hash_match=bool(getattr(item, "known_hash", False)),
        ),
        "claim": _claim_out(item),
    }


def _visible_item(request: HttpRequest, item_id: int) -> ReportedUrl:
    item = with_known(access.visible_items(request.user).select_related("portal")).filter(pk=item_id).first()
    if item is None or not access.can_view_item(request.user, item):
        raise HttpError(404, _("There is no item with this number that you may see."))
    return item


@router.get("/queue", response=QueueOut, auth=access.staff_api(*READERS), summary="Items awaiting assessment")
def get_queue(request: HttpRequest, params: Query[QueueParams]) -> dict[str, Any]:
    filters = QueueFilters(portal=params.portal, status=params.status, age=params.age, seen_on=params.seen_on)
    page_size = max(1, min(params.page_size, MAX_PAGE_SIZE))
    page = Paginator(queue_items(request.user, filters).select_related("portal"), page_size).get_page(params.page)
    audit(
        request.user,
        "queue.viewed",
        None,
        filters=filters.__dict__,
        page=page.number,
        items=[i.pk for i in page],
        api=True,
    )
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "items": [_item_out(item) for item in page],
    }


@router.get("/classification-schemes", response=list[SchemeOut], auth=access.staff_api(*ASSESSORS))
def get_schemes(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "key": scheme.key,
            "name": scheme.name,
            "kind": scheme.kind,
            "required_when_actionable": scheme.required_when_actionable,
            "options": [{"key": option.key, "label": option.label} for option in scheme.options],
        }
        for scheme in active_schemes()
    ]


def _decision_out(assessment: Any, show_analyst: bool) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "outcome": assessment.outcome,
        "reason": assessment.reason,
        "list_scope": assessment.list_scope,
        "classification": assessment.classification,
        "notes": assessment.notes if show_analyst else "",  # colleagues' notes stay inside the hotline
        "analyst": assessment.analyst.get_username() if show_analyst and assessment.analyst else None,
        "is_review": assessment.is_review,
        "created_at": assessment.created_at,
    }


@router.get(
    "/items/{item_id}", response=ItemDetailOut, auth=access.staff_api(*READERS), summary="One item with its reports"
)
def get_item(request: HttpRequest, item_id: int) -> dict[str, Any]:
    item = _visible_item(request, item_id)
    reports = list(access.visible_reports(request.user, item).prefetch_related(Prefetch("urls")))
    contacts = reporter_contacts(request.user, reports)
    show_names = access.staff_role(request.user) != Role.PARTNER
    audit(request.user, "item.viewed", item, status=item.status, api=True)
    return _item_out(item) | {
        "reports": [_report_out(report, contacts.get(report.pk)) for report in reports],
        "decisions": [_decision_out(a, show_names) for a in item.assessments.select_related("analyst")],
        "history": [
            {
                "item_id": d.item_id,
                "canonical_url": d.canonical_url,
                "same_address": d.same_address,
                "outcome": d.outcome,
                "decided_at": d.decided_at,
            }
            for d in item_history(item).decisions
        ],
    }


def _report_out(report: Report, email: str | None) -> dict[str, Any]:
    return {
        "id": report.pk,
        "portal": report.portal.slug,
        "language": report.language,
        "seen_on": report.seen_on,
        "description": report.description,
        "source": report.source,
        "created_at": report.created_at,
        "submitted_urls": [link.submitted_url for link in report.urls.all()],
        "reporter_email": email,
    }


@router.post(
    "/items/{item_id}/claim",
    response={200: ClaimOut, 409: ErrorOut},
    auth=access.staff_api(*ASSESSORS),
    summary="Claim an item for assessment",
)
def post_claim(request: HttpRequest, item_id: int) -> Any:
    item = _visible_item(request, item_id)
    try:
        state = claims.claim_item(item, request.user)
    except claims.ClaimRefused as refusal:
        audit(request.user, "item.claim_refused", item, api=True)
        return Status(409, {"detail": str(refusal)})
    audit(
        request.user, "item.claimed", item, until=state.expires_at.isoformat() if state.expires_at else None, api=True
    )
    return Status(200, {"item_id": item.pk, "claimed_by": state.claimed_by_name, "expires_at": state.expires_at})


@router.post(
    "/items/{item_id}/release", response=ReleaseOut, auth=access.staff_api(*ASSESSORS), summary="Release your claim"
)
def post_release(request: HttpRequest, item_id: int) -> dict[str, Any]:
    item = _visible_item(request, item_id)
    released = claims.release_item(item, request.user)
    if released:
        audit(request.user, "item.released", item, api=True)
    wellbeing.close_screen(request.user, item=item)
    return {"item_id": item.pk, "released": released}


@router.post(
    "/items/{item_id}/assess",
    response={200: DecisionOut, 400: ErrorOut, 409: ErrorOut},
    auth=access.staff_api(*ASSESSORS),
    summary="Record your decision on an item you have claimed",
)
def post_assess(request: HttpRequest, item_id: int, payload: AssessIn) -> Any:
    item = _visible_item(request, item_id)
    decision = Decision(
        outcome=payload.outcome,
        reason=payload.reason,
        list_scope=payload.list_scope,
        classification=payload.classification,
        notes=payload.notes,
    )
    try:
        assessment = assess_item(item, request.user, decision)
    except AssessmentRefused as refusal:
        audit(request.user, "item.assessment_rejected", item, errors=sorted(refusal.errors), api=True)
        if "__all__" in refusal.errors and len(refusal.errors) == 1:
            return Status(409, {"detail": refusal.errors["__all__"]})
        return Status(
            400,
            {
                "detail": _("The decision was not recorded; correct the fields named in errors."),
                "errors": refusal.errors,
            },
        )
    audit(
        request.user,
        "item.assessed",
        item,
        outcome=assessment.outcome,
        reason=assessment.reason,
        classification=assessment.classification,
        api=True,
    )
    wellbeing.close_screen(request.user, item=item)
    return Status(200, _decision_out(assessment, True))
