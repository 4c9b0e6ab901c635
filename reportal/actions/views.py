"""Staff pages of the actions stage: time-to-removal figures, open cases, and case exports for the police."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reportal import access
from reportal.access import HOTLINE_ROLES, Role, require_staff, staff_role, visible_portal_ids
from reportal.actions import casefile
from reportal.actions.models import DeliveryState, Monitor, MonitorState, Notice
from reportal.actions.removal import time_to_removal_stats
from reportal.audit.services import record as audit
from reportal.reports import services as reports

PERIODS = (30, 90, 365)


@require_staff(Role.ANALYST, Role.SENIOR, Role.ADMIN, Role.PARTNER)
def removal_overview(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", "90"))
    except ValueError:
        days = 90
    days = days if days in PERIODS else 90
    portals = visible_portal_ids(request.user)
    since = timezone.now() - timedelta(days=days)
    groups = [
        (_("By portal"), _("Portal"), time_to_removal_stats(group_by="portal", portal_ids=portals, since=since)),
        (
            _("By hosting country"),
            _("Country"),
            time_to_removal_stats(group_by="country", portal_ids=portals, since=since),
        ),
        (
            _("By host network"),
            _("Network"),
            time_to_removal_stats(group_by="network", portal_ids=portals, since=since),
        ),
    ]
    monitors = access.only_visible(request.user, Monitor.objects.filter(state=MonitorState.LIVE))
    attention = access.only_visible(
        request.user, Notice.objects.filter(state__in=(DeliveryState.FAILED, DeliveryState.WAITING_CONTACT))
    )
    audit(request.user, "actions.view_removal_figures", days=days)
    return render(
        request,
        "actions/removal.html",
        {
            "groups": groups,
            "days": days,
            "periods": PERIODS,
            "live_count": monitors.count(),
            "attention": attention.select_related("item").order_by("-created_at")[:50],
            "can_retry": portals is None and staff_role(request.user) in HOTLINE_ROLES,
        },
    )


@require_staff(*HOTLINE_ROLES)
def case_export(request: HttpRequest, item_id: int, fmt: str) -> HttpResponse:
    item = access.item_or_404(request.user, item_id, reports.items().select_related("portal"))
    audit(request.user, "actions.export_case", item, portal_id=item.portal_id, format=fmt)
    name = f"case-{casefile.reference_of(item).lower()}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(casefile.case_csv([item]), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(casefile.case_json([item]), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@require_staff(*access.POLICE_PACKAGE_ROLES)
def police_package(request: HttpRequest, item_id: int) -> HttpResponse:
    """The item page's button: the case as one signed archive encrypted to the police unit's key (a download)."""
    from reportal.actions import police_package as packages
    from reportal.actions.package_format import PackageError

    item = access.item_or_404(request.user, item_id, reports.items().select_related("portal"))
    recipients = packages.configured_recipients(item)
    try:
        if not recipients:
            raise PackageError(
                _(
                    "Police packages are off for this portal: no police recipient key is set. Ask the operator to "
                    "set REPORTAL_POLICE_RECIPIENTS to the police unit's age public key."
                )
            )
        package = packages.build(item, recipients=recipients, actor=request.user, via="item page")
    except PackageError as exc:
        audit(request.user, "actions.police_package_refused", item, portal_id=item.portal_id, reason=str(exc))
        messages.error(request, str(exc))
        return redirect("hotline:item", item_id=item.pk)
    response = HttpResponse(package.data, content_type="application/x-tar")
    response["Content-Disposition"] = f'attachment; filename="{package.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_staff(Role.ANALYST, Role.SENIOR, Role.ADMIN, Role.PARTNER)
def cases_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Every actioned address of the visible portals in a period, for the police (CSV or JSON)."""
    try:
        days = int(request.GET.get("days", "90"))
    except ValueError:
        days = 90
    days = min(max(days, 1), 3660)
    actioned = reports.items().filter(
        monitor__isnull=False, first_reported_at__gte=timezone.now() - timedelta(days=days)
    )
    items = access.visible_items(request.user, actioned.select_related("portal"))
    slug = request.GET.get("portal", "")
    if slug:
        items = reports.reported_through(items, slug)
    chosen = list(items.order_by("first_reported_at")[:5000])
    audit(request.user, "actions.export_cases", days=days, portal=slug, count=len(chosen))
    name = f"cases-{slug or 'all'}-{days}d.{fmt}"
    if fmt == "csv":
        response = HttpResponse(casefile.case_csv(chosen), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(casefile.case_json(chosen), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@require_staff(*HOTLINE_ROLES)
def retry_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Staff fixed what stopped a notice (a contact, a routing rule): send it again now, with a fresh attempt count."""
    from reportal.actions.notices import deliver

    notice = access.row_or_404(request.user, Notice.objects.select_related("item__portal"), notice_id)
    if notice.state in (DeliveryState.FAILED, DeliveryState.WAITING_CONTACT, DeliveryState.PENDING):
        Notice.objects.filter(pk=notice.pk).update(
            state=DeliveryState.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        audit(request.user, "actions.retry_notice", notice.item, portal_id=notice.item.portal_id, notice=notice.pk)
        state = deliver(notice.pk)
        if state == DeliveryState.SENT:
            messages.success(request, _("The notice %(reference)s was sent.") % {"reference": notice.reference})
        else:
            notice.refresh_from_db()
            messages.error(
                request,
                _("The notice %(reference)s could not be sent: %(error)s")
                % {"reference": notice.reference, "error": notice.last_error},
            )
    return redirect("actions:removal")
