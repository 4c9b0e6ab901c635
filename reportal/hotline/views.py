"""Workbench pages: parse the request, ask reportal.access, call the hotline services, render. Every page that
shows or changes an item is audited."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from reportal import access
from reportal.access import Role
from reportal.hotline import claims, preview, reviews, wellbeing
from reportal.hotline.assessment import AssessmentRefused, assess_item
from reportal.hotline.auditing import audit
from reportal.hotline.forms import AbuseContactForm, AssessmentForm
from reportal.hotline.history import item_history
from reportal.hotline.models import Review
from reportal.hotline.queue import (
    AGE_CHOICES,
    QueueFilters,
    claim_next,
    heading,
    queue_items,
    status_options,
)
from reportal.hotline.reporters import reporter_contacts
from reportal.hotline.thumbnails import veil
from reportal.portals import services as portals_services
from reportal.reports.services import ItemStatus, ReportedUrl, SeenOn

READERS = (Role.ANALYST, Role.SENIOR, Role.ADMIN, Role.PARTNER)
ASSESSORS = (Role.ANALYST, Role.SENIOR)
SENIORS = (Role.SENIOR,)
MANAGERS = (Role.SENIOR, Role.ADMIN)
PAGE_SIZE = 50
REVEALED_SESSION_KEY = "hotline_revealed"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _visible_item(request: HttpRequest, item_id: int) -> ReportedUrl:
    """The item if this user may read it; 404 otherwise, so guessed ids reveal nothing."""
    item = access.visible_items(request.user).select_related("portal").filter(pk=item_id).first()
    if item is None or not access.can_view_item(request.user, item):
        raise Http404(_("There is no item with this number that you may see."))
    return item


def _base_context(request: HttpRequest) -> dict[str, Any]:
    role = access.staff_role(request.user)
    context: dict[str, Any] = {"role": role, "can_assess": role in ASSESSORS, "is_senior": role in SENIORS}
    if role in ASSESSORS:
        context["wellbeing"] = wellbeing.wellbeing(request.user)
    return context


@never_cache
@require_GET
@access.require_staff(*READERS)
def queue(request: HttpRequest) -> HttpResponse:
    filters = QueueFilters.from_params(request.GET)
    portal_ids = access.visible_portal_ids(request.user)
    reports = access.visible_reports(request.user)
    items = queue_items(request.user, filters).prefetch_related(Prefetch("reports", queryset=reports))
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    portals = portals_services.portal_summaries(portal_ids)
    audit(request.user, "queue.viewed", None, filters=filters.__dict__, page=page.number, items=[i.pk for i in page])
    context = _base_context(request) | {
        "page": page,
        "filters": filters,
        "portals": portals,
        "statuses": status_options(),
        "heading": heading(filters),
        "filtered": filters != QueueFilters(),
        "ages": [(key, label) for key, (label, _n, _o) in AGE_CHOICES.items()],
        "seen_on_choices": SeenOn.choices,
        "query": _query_without_page(request),
    }
    return render(request, "hotline/queue.html", context)


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@never_cache
@require_GET
@access.require_staff(*READERS)
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _visible_item(request, item_id)
    context = _item_context(request, item)
    audit(request.user, "item.viewed", item, status=item.status)
    return render(request, "hotline/item.html", context)


def _case_context(
    request: HttpRequest, item: ReportedUrl, contact_form: AbuseContactForm | None = None
) -> dict[str, Any]:
    """Where the address is hosted and what was done about it, from the tracing and actions stages."""
    from reportal.actions import services as actions
    from reportal.ncmec import services as ncmec
    from reportal.tracing import services as tracing

    case = actions.case_state(item)
    can_act = access.can_change_item(request.user, item)
    return {
        "trace": tracing.latest_trace(item),
        "case": case,
        "cybertipline": ncmec.report_state(item.pk),
        "contact_form": (contact_form or AbuseContactForm()) if can_act and case.needs_contact else None,
    }


def _item_context(request: HttpRequest, item: ReportedUrl, form: AssessmentForm | None = None) -> dict[str, Any]:
    context = _base_context(request)
    state = claims.claim_state(item)
    holds = state.held_by(request.user)
    pending_review = Review.objects.filter(item=item, decided_at__isnull=True).select_related("assessment").first()
    reports = list(access.visible_reports(request.user, item))
    context |= {
        "item": item,
        "reports": reports,
        "contacts": reporter_contacts(request.user, reports),
        "claim": state,
        "holds_claim": holds,
        "claimable": context["can_assess"] and item.status in claims.CLAIMABLE_STATUSES and not state.claimed_by_id,
        "history": item_history(item),
        "events": item.events.select_related("actor").order_by("at"),
        "assessments": item.assessments.select_related("analyst").order_by("created_at"),
        "pending_review": pending_review,
    } | _case_context(request, item)
    if holds and item.status == ItemStatus.ASSESSING:
        context["form"] = form or AssessmentForm()
        context["screen"] = wellbeing.open_screen(request.user, item) if form is None else None
        context["preference"] = wellbeing.viewing_preference(request.user)
    return context


@require_POST
@access.require_staff(*ASSESSORS)
def claim(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _visible_item(request, item_id)
    try:
        state = claims.claim_item(item, request.user)
    except claims.ClaimRefused as refusal:
        audit(request.user, "item.claim_refused", item)
        messages.error(request, str(refusal))
        return HttpResponseRedirect(reverse("hotline:item", args=[item.pk]))
    audit(request.user, "item.claimed", item, until=state.expires_at.isoformat() if state.expires_at else None)
    return HttpResponseRedirect(reverse("hotline:item", args=[item.pk]))


@require_POST
@access.require_staff(*ASSESSORS)
def release(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _visible_item(request, item_id)
    if claims.release_item(item, request.user):
        audit(request.user, "item.released", item)
        messages.info(request, _("You released the item; it is back in the queue."))
    wellbeing.close_screen(request.user, item=item)
    preview.STORE.forget_item(item.pk)
    return HttpResponseRedirect(reverse("hotline:queue"))


@require_POST
@access.require_staff(*ASSESSORS)
def assess(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _visible_item(request, item_id)
    form = AssessmentForm(request.POST)
    if form.is_valid():
        decision = form.decision()
        try:
            assessment = assess_item(item, request.user, decision)
        except AssessmentRefused as refusal:
            form.add_service_errors(refusal.errors)
        else:
            audit(
                request.user,
                "item.assessed",
                item,
                outcome=assessment.outcome,
                reason=assessment.reason,
                classification=assessment.classification,
            )
            wellbeing.close_screen(request.user, item=item)
            return _open_next(request, item, saved=assessment.get_outcome_display())
    audit(request.user, "item.assessment_rejected", item, errors=list(form.errors))
    item.refresh_from_db()
    if not claims.holds_claim(item, request.user):
        # Without a claim the page shows no form, so the reason goes where the page shows it.
        for message in form.non_field_errors():
            messages.error(request, str(message))
        return HttpResponseRedirect(reverse("hotline:item", args=[item.pk]))
    context = _item_context(request, item, form=form)
    return render(request, "hotline/item.html", context, status=400)


def _open_next(request: HttpRequest, done: ReportedUrl, *, saved: str | None = None) -> HttpResponse:
    """Claim the next item of the queue for the analyst and open it; the queue when nothing is left."""
    following = claim_next(request.user, skip=done.pk)
    if following is not None:
        audit(request.user, "item.claimed", following, via="next")
        if saved is not None:
            message = _("Item %(id)s saved as '%(outcome)s'. Here is the next one: item %(next)s.") % {
                "id": done.pk,
                "outcome": saved,
                "next": following.pk,
            }
        else:
            message = _("Here is the next item: item %(next)s.") % {"next": following.pk}
        messages.success(request, message)
        return HttpResponseRedirect(reverse("hotline:item", args=[following.pk]))
    if saved is not None:
        messages.success(
            request,
            _("Item %(id)s saved as '%(outcome)s'. Nothing else is waiting in the queue.")
            % {"id": done.pk, "outcome": saved},
        )
    else:
        messages.info(request, _("Nothing else is waiting in the queue."))
    return HttpResponseRedirect(reverse("hotline:queue"))


@require_POST
@access.require_staff(*ASSESSORS)
def next_item(request: HttpRequest) -> HttpResponse:
    """Skip to the next item: the one the analyst holds (if any, named in `after`) goes back to the queue."""
    try:
        after = int(request.POST.get("after", ""))
    except ValueError:
        after = None
    if after is not None:
        item = _visible_item(request, after)
        if claims.release_item(item, request.user):
            audit(request.user, "item.released", item, via="next")
        wellbeing.close_screen(request.user, item=item)
        preview.STORE.forget_item(item.pk)
        return _open_next(request, item)
    following = claim_next(request.user)
    if following is None:
        messages.info(request, _("Nothing else is waiting in the queue."))
        return HttpResponseRedirect(reverse("hotline:queue"))
    audit(request.user, "item.claimed", following, via="next")
    return HttpResponseRedirect(reverse("hotline:item", args=[following.pk]))


@require_POST
@access.require_staff(Role.ANALYST, Role.SENIOR, Role.ADMIN)
def abuse_contact(request: HttpRequest, item_id: int) -> HttpResponse:
    """The analyst supplies the host's abuse address that RDAP did not give; the waiting notices go to it."""
    from reportal.actions import services as actions

    item = _visible_item(request, item_id)
    if not access.can_change_item(request.user, item):
        raise Http404(_("There is no item with this number that you may see."))
    form = AbuseContactForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        count = actions.enter_abuse_contact(item, email)
        audit(request.user, "item.abuse_contact_entered", item, email=email, notices=count)
        if count:
            messages.success(
                request,
                ngettext("%(count)s notice goes to %(email)s now.", "%(count)s notices go to %(email)s now.", count)
                % {"count": count, "email": email},
            )
        else:
            messages.info(request, _("No notice of this item is waiting for a contact address any more."))
        return HttpResponseRedirect(reverse("hotline:item", args=[item.pk]) + "#case-heading")
    audit(request.user, "item.abuse_contact_rejected", item, errors=list(form.errors))
    context = _item_context(request, item) | _case_context(request, item, contact_form=form)
    return render(request, "hotline/item.html", context, status=400)


def _may_preview(request: HttpRequest, item: ReportedUrl) -> bool:
    """Content is fetched for the analyst holding the claim, or a senior giving a pending second opinion."""
    if claims.holds_claim(item, request.user):
        return True
    return (
        access.staff_role(request.user) in SENIORS
        and Review.objects.filter(item=item, decided_at__isnull=True).exists()
    )


@never_cache
@require_GET
@access.require_staff(*ASSESSORS)
def item_preview(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _visible_item(request, item_id)
    if not _may_preview(request, item):
        return HttpResponse(
            _("Claim this item before previewing it."), status=403, content_type="text/plain; charset=utf-8"
        )
    result = preview.build_preview(item, request.user)
    audit(
        request.user,
        "item.previewed",
        item,
        images=len(result.images),
        videos=len(result.videos),
        status=result.status,
        error=bool(result.error),
    )
    revealed = set(request.session.get(REVEALED_SESSION_KEY, []))
    preference = wellbeing.viewing_preference(request.user)
    shown = []
    for image in result.images:
        stored = preview.STORE.get(image.token)
        if stored is not None:
            is_revealed = image.token in revealed
            shown.append((image, is_revealed, _data_uri(stored, revealed=is_revealed, preference=preference)))
    context = {"item": item, "preview": result, "shown": shown}
    template = "hotline/_preview.html" if _is_htmx(request) else "hotline/preview_page.html"
    return render(request, template, _base_context(request) | context)


def _data_uri(image: preview.StoredImage, *, revealed: bool, preference: wellbeing.ViewingDefaults | None) -> str:
    """The thumbnail inline in the page: no request per image, and no address at which it could be fetched again."""
    body = image.thumbnail
    if not revealed and preference is not None:
        body = veil(image.thumbnail, blur=preference.blur, greyscale=preference.greyscale)
    return "data:image/jpeg;base64," + base64.b64encode(body).decode("ascii")


def _own_image(request: HttpRequest, token: str) -> preview.StoredImage:
    image = preview.stored_image(token)
    if image is None or image.user_id != request.user.pk:
        raise Http404(_("This preview has expired. Reload the item to fetch it again."))
    return image


@never_cache
@require_GET
@access.require_staff(*ASSESSORS)
def thumbnail(request: HttpRequest, token: str) -> HttpResponse:
    """One thumbnail as an image of its own (to open it alone); the preview inlines them, veiled the same way."""
    image = _own_image(request, token)
    if token in request.session.get(REVEALED_SESSION_KEY, []):
        body = image.thumbnail
    else:
        preference = wellbeing.viewing_preference(request.user)
        body = veil(image.thumbnail, blur=preference.blur, greyscale=preference.greyscale)
    response = HttpResponse(body, content_type="image/jpeg")
    response["Cache-Control"] = "no-store, private"
    response["Content-Disposition"] = 'inline; filename="preview.jpg"'
    return response


@require_POST
@access.require_staff(*ASSESSORS)
def reveal(request: HttpRequest, token: str) -> HttpResponse:
    image = _own_image(request, token)
    item = access.item_or_404(request.user, image.item_id)
    revealed = list(request.session.get(REVEALED_SESSION_KEY, []))
    if token not in revealed:
        revealed = (revealed + [token])[-200:]
        request.session[REVEALED_SESSION_KEY] = revealed
    audit(request.user, "preview.revealed", item, source_url=image.source_url)
    if _is_htmx(request):
        context = {
            "token": token,
            "revealed": True,
            "source_url": image.source_url,
            "is_video": image.is_video,
            "data_uri": _data_uri(image, revealed=True, preference=None),
        }
        return render(request, "hotline/_thumbnail.html", context)
    return HttpResponseRedirect(reverse("hotline:item_preview", args=[item.pk]))


@require_POST
# background: an open, unattended screen must still reach the idle sign-out.
@access.require_staff(*ASSESSORS, background=True)
def heartbeat(request: HttpRequest) -> HttpResponse:
    try:
        session_id = int(request.POST.get("session", ""))
    except ValueError:
        return JsonResponse({"error": _("The heartbeat names no screen session.")}, status=400)
    session = wellbeing.heartbeat(request.user, session_id)
    if session is not None and session.item is not None:
        claims.extend_claim(session.item, request.user)  # an open screen keeps its claim; a closed tab lets it lapse
    status = wellbeing.wellbeing(request.user)
    payload: dict[str, Any] = status.as_dict() | {"session": session.pk if session else None}
    if status.limit_reached:
        payload["message"] = _(
            "You have spent %(minutes)s minutes on assessment screens today, the daily limit. "
            "Finish this item and stop for today."
        ) % {"minutes": status.minutes_today}
    elif status.break_due:
        payload["message"] = _(
            "You have been assessing for %(minutes)s minutes without a break. Take a break of at least five minutes."
        ) % {"minutes": status.continuous_minutes}
    return JsonResponse(payload)


@never_cache
@require_GET
@access.require_staff(*SENIORS)
def review_list(request: HttpRequest) -> HttpResponse:
    pending = list(access.only_visible(request.user, reviews.pending_reviews()))
    audit(request.user, "reviews.viewed", None, items=[review.item_id for review in pending])
    return render(request, "hotline/reviews.html", _base_context(request) | {"reviews": pending})


@never_cache
@access.require_staff(*SENIORS)
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.select_related("assessment", "assessment__analyst", "item"), pk=review_id)
    item = _visible_item(request, review.item_id)
    form = AssessmentForm(allow_second_opinion=False)
    if request.method == "POST":
        try:
            if request.POST.get("verdict") == "agree":
                reviews.agree(review, request.user)
            else:
                form = AssessmentForm(request.POST, allow_second_opinion=False)
                if not form.is_valid():
                    raise AssessmentRefused({})
                reviews.decide(review, request.user, form.decision())
        except AssessmentRefused as refusal:
            form.add_service_errors(refusal.errors)
        else:
            review.refresh_from_db()
            audit(request.user, "review.decided", item, review=review.pk, verdict=review.verdict)
            wellbeing.close_screen(request.user, item=item)
            messages.success(
                request, _("Second opinion recorded: %(verdict)s.") % {"verdict": review.get_verdict_display()}
            )
            return HttpResponseRedirect(reverse("hotline:reviews"))
    elif request.method != "GET":
        return HttpResponse(status=405)
    else:
        audit(request.user, "review.viewed", item, review=review.pk)
    context = _base_context(request) | {
        "review": review,
        "item": item,
        "reports": access.visible_reports(request.user, item),
        "contacts": reporter_contacts(request.user, list(access.visible_reports(request.user, item))),
        "history": item_history(item),
        "form": form,
        "own": review.assessment.analyst_id == request.user.pk,
        "screen": wellbeing.open_screen(request.user, item) if request.method == "GET" else None,
    }
    return render(request, "hotline/review.html", context, status=400 if request.method == "POST" else 200)


@never_cache
@require_GET
@access.require_staff(*MANAGERS)
def team(request: HttpRequest) -> HttpResponse:
    audit(request.user, "team.viewed", None)
    context = _base_context(request) | {
        "rates": reviews.agreement_rates(),
        "screen_time": wellbeing.team_screen_time(),
    }
    return render(request, "hotline/team.html", context)
