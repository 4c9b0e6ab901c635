"""Report intake over JSON for partner apps and abuse desks: POST /api/v1/reports, GET /api/v1/reports/status/{ref}.

Anonymous callers get the strict no-JavaScript rate limit; members whose key has the `report` scope get their own.
Messages are in the caller's language (Accept-Language, among the languages reportal speaks).
It sits in the portals app beside the report form: both are the public's ways in, above intake (reports.services).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from reportal import ratelimit
from reportal.access import PUBLIC
from reportal.portals.models import Portal
from reportal.reports.services import IntakeError, normalise_reference, report_status, submit_report

router = Router()
AUTH = PUBLIC  # anyone may report; the rate limit, not a key, is the guard


class ReportIn(Schema):
    portal: str
    urls: list[str]
    seen_on: str
    description: str = ""
    email: str = ""


class AddressOut(Schema):
    submitted: str
    canonical: str


class ReportOut(Schema):
    reference: str
    status_url: str
    addresses: list[AddressOut]


class UrlErrorOut(Schema):
    position: int
    submitted: str
    message: str


class IntakeErrorOut(Schema):
    message: str
    field_errors: dict[str, list[str]]
    url_errors: list[UrlErrorOut]


class MessageOut(Schema):
    message: str


class StatusOut(Schema):
    reference: str
    status: str
    label: str


STATUS_LABELS = {
    "received": translation.gettext_lazy("Received: it waits for an analyst."),
    "assessing": translation.gettext_lazy("Being assessed by an analyst."),
    "action_taken": translation.gettext_lazy("Action taken: the hotline is working to have it removed."),
    "removed": translation.gettext_lazy("Removed: the material was taken down and the hotline has finished."),
    "closed": translation.gettext_lazy("Closed: the hotline has finished with this report."),
}


# Portals by slug for a few seconds: one database round trip less per report. A change in this process clears it
# at once (signals); other worker processes see it within PORTAL_CACHE_SECONDS.
PORTAL_CACHE_SECONDS = 30.0
_portals: dict[str, tuple[float, Portal | None]] = {}


def _portal_by_slug(slug: str) -> Portal | None:
    now = time.monotonic()
    cached = _portals.get(slug)
    if cached is not None and cached[0] > now:
        return cached[1]
    portal = Portal.objects.filter(slug=slug).first()
    if len(_portals) > 1000:  # unknown slugs are cached too; keep the map small
        _portals.clear()
    _portals[slug] = (now + PORTAL_CACHE_SECONDS, portal)
    return portal


def _forget_portals(**kwargs: Any) -> None:
    _portals.clear()


post_save.connect(_forget_portals, sender=Portal, dispatch_uid="portals.api.forget_portals")
post_delete.connect(_forget_portals, sender=Portal, dispatch_uid="portals.api.forget_portals.delete")


def _member(request: HttpRequest) -> Any | None:
    """The member whose key (with the `report` scope) the request carries; None for anonymous callers."""
    if "Authorization" not in request.headers and "X-API-Key" not in request.headers:
        return None
    try:
        from reportal.access import member_for_request

        return member_for_request(request, "report")
    except NotImplementedError:
        return None


def _too_many(message: str, retry_after: int) -> HttpResponse:
    response = HttpResponse(
        MessageOut(message=message).model_dump_json(),
        status=429,
        content_type="application/json",
    )
    response["Retry-After"] = str(retry_after)
    return response


def _intake_error(field_errors: dict[str, list[str]], url_errors: list[UrlErrorOut]) -> IntakeErrorOut:
    return IntakeErrorOut(
        message=_("The report was not sent. Correct the fields below and send it again."),
        field_errors=field_errors,
        url_errors=url_errors,
    )


def _retry_after(rule: str) -> int:
    parsed = ratelimit.parse_limit(rule)
    return parsed.seconds if parsed else 60


def _language(request: HttpRequest, portal: Portal | None) -> str:
    language = translation.get_language_from_request(request)
    if portal is not None and portal.languages and language not in portal.languages:
        return portal.default_language
    return language


@router.post(
    "",
    auth=AUTH,
    response={201: ReportOut, 422: IntakeErrorOut, 429: MessageOut},
    summary="Report one or more web addresses",
    url_name="reports_submit",
    operation_id="reportal_reports_api_submit",  # as published before the move from reports/api.py
)
def submit(request: HttpRequest, payload: ReportIn) -> Any:
    """Report up to 20 web addresses seen on the portal's behalf. `seen_on` is one of web, social, messaging,
    filesharing, search, other; `description` up to 2,000 characters; `email` optional, for feedback, stored
    encrypted. Answers the reference code (shown once: keep it) and each address's canonical form, or 422 with a
    message per field and per address position, in the language of Accept-Language. Anonymous callers share a
    strict rate limit per connection; a member key with the `report` scope (Authorization: Bearer) has its own."""
    member = _member(request)
    if member is not None:
        rule = settings.REPORTAL_MEMBER_REPORT_RATE_LIMIT
        allowed = ratelimit.hit(f"reports:member:{member.pk}", rule)
    else:
        rule = settings.REPORTAL_RATE_LIMIT_NO_JS
        allowed = ratelimit.hit("reports", request, rule)
    portal = _portal_by_slug(payload.portal)
    language = _language(request, portal)
    with translation.override(language):
        if not allowed:
            return _too_many(
                _(
                    "Too many reports from this connection. Wait a while and try again; the reports you already "
                    "sent are safe."
                ),
                _retry_after(rule),
            )
        if portal is None:
            unknown = _("There is no portal with this name. Use one of the hotline's portals.")
            return Status(422, _intake_error({"portal": [unknown]}, []))
        try:
            result = submit_report(
                portal,
                urls=payload.urls,
                seen_on=payload.seen_on,
                description=payload.description,
                email=payload.email,
                language=language,
                source="member" if member is not None else "api",
            )
        except IntakeError as error:
            url_errors = [
                UrlErrorOut(position=pos, submitted=payload.urls[pos], message=msg)
                for pos, msg in sorted(error.url_errors.items())
            ]
            return Status(422, _intake_error(error.field_errors, url_errors))
    accepted = ReportOut(
        reference=result.reference,
        status_url=f"/{portal.slug}/status/",
        addresses=[AddressOut(submitted=a.submitted, canonical=a.canonical) for a in result.addresses],
    )
    return Status(201, accepted)


class StatusIn(Schema):
    reference: str


@router.post(
    "/status",
    auth=AUTH,
    response={200: StatusOut, 404: MessageOut, 429: MessageOut},
    summary="Coarse status of a report by its reference code (the code in the body)",
    url_name="reports_status_post",
    operation_id="reportal_reports_api_status_post",
)
def status_by_body(request: HttpRequest, payload: StatusIn) -> Any:
    """The coarse status of a report (received, assessing, action_taken, removed, closed), nothing of its content.
    Send {"reference": "..."}: in the body the code stays out of access logs and proxies' URL logs. The code is
    read case- and dash-blind (O as 0, I and L as 1). Rate limited per connection."""
    return _status_answer(request, payload.reference[:100])


@router.get(
    "/status/{reference}",
    auth=AUTH,
    response={200: StatusOut, 404: MessageOut, 429: MessageOut},
    summary="Coarse status of a report by its reference code (kept for existing clients; prefer POST)",
    url_name="reports_status",
    operation_id="reportal_reports_api_status",
)
def status(request: HttpRequest, reference: str) -> Any:
    """The same answer as POST /api/v1/reports/status, for clients written before it. The code in the path is
    redacted from reportal's access log (reportal.gunicorn_conf), but a proxy in front may still log it."""
    return _status_answer(request, reference)


def _status_answer(request: HttpRequest, reference: str) -> Any:
    language = translation.get_language_from_request(request)
    with translation.override(language):
        rule = settings.REPORTAL_STATUS_RATE_LIMIT
        if not ratelimit.hit("reports-status", request, rule):
            return _too_many(
                _("Too many status checks from this connection. Wait a while and try again."), _retry_after(rule)
            )
        code = normalise_reference(reference)
        found = report_status(reference) if code else None
        if code is None or found is None:
            unknown = _(
                "No report has this reference code. Check it against the one you were given; "
                "letters and numbers only, dashes optional."
            )
            return Status(404, MessageOut(message=unknown))
        formatted = "-".join(code[i : i + 4] for i in range(0, len(code), 4))
        return Status(200, StatusOut(reference=formatted, status=found, label=str(STATUS_LABELS[found])))
