"""Public pages of each portal: landing, report form and thank-you, status check, privacy; the portal list at /.

Every page is rendered in the language named in its URL; pages without one redirect to the best match.
A sent report redirects to the thank-you page (post/redirect/get), so reloading it never sends the report again.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core import signing
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_http_methods

from reportal import ratelimit
from reportal.access import public_page
from reportal.portals import altcha
from reportal.portals.forms import INITIAL_URL_INPUTS, MAX_URLS, ReportForm, StatusForm
from reportal.portals.languages import is_rtl, native_name, negotiate, portal_language
from reportal.portals.models import Portal
from reportal.reports import services as intake

# The page names a language switch and the redirects know about.
PAGES = ("landing", "report", "status", "privacy")
COARSE_STATUSES = ("received", "assessing", "action_taken", "removed", "closed")
# The reference code travels from the POST to the thank-you page in a short-lived, signed cookie scoped to that
# page and deleted by it: nothing is kept on the server, no session is created, and the code is never in a URL
# (where history, bookmarks or a shared link would keep it).
RECEIPT_COOKIE = "reportal_receipt"
RECEIPT_SALT = "reportal.portals.receipt"
RECEIPT_SECONDS = 600
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _allowed(bucket: str, request: HttpRequest, limit: str) -> bool:
    """The shared rate limiter (salted, daily-rotated hash of the client address; the address is never stored)."""
    return bool(ratelimit.hit(bucket, request, limit))


def _active_portal(slug: str) -> Portal:
    portal = Portal.objects.filter(slug=slug, active=True).prefetch_related("partners", "helplines").first()
    if portal is None:
        raise Http404("No such portal.")
    return portal


def _portal_and_language(slug: str, lang: str) -> Portal:
    portal = _active_portal(slug)
    if lang not in portal.languages:
        raise Http404("This portal is not offered in that language.")
    return portal


def _render(
    request: HttpRequest,
    portal: Portal | None,
    lang: str,
    page: str,
    template: str,
    context: dict[str, Any] | None = None,
    status: int = 200,
    private: bool = False,
) -> HttpResponse:
    language = portal_language(lang, portal.default_language) if portal else translation.override(lang)
    with language:
        switch = []
        if portal is not None and page != "thanks":  # switching away would lose the reference code shown once
            for code in portal.languages:
                if code != lang:
                    url = reverse(f"portals:{page}", kwargs={"slug": portal.slug, "lang": code})
                    switch.append({"code": code, "name": native_name(code), "url": url})
        base = {
            "portal": portal,
            "lang": lang,
            "rtl": is_rtl(lang),
            "page": page,
            "language_switch": switch,
            "brand_name": portal.display_name_in(lang) if portal else "",
            "brand_logo": portal.logo_text_in(lang) if portal else "",
        }
        response = render(request, template, base | (context or {}), status=status)
    response["Content-Language"] = lang
    if private:
        # Reference codes and typed reports must not stay in any cache, shared or not.
        response["Cache-Control"] = "no-store"
    return response


@public_page
@require_GET
def redirect_to_language(request: HttpRequest, slug: str, page: str = "landing") -> HttpResponse:
    portal = _active_portal(slug)
    lang = negotiate(request, portal.languages)
    response = HttpResponseRedirect(reverse(f"portals:{page}", kwargs={"slug": slug, "lang": lang}))
    response["Vary"] = "Accept-Language"
    return response


@public_page
@require_GET
@gzip_page
def index(request: HttpRequest) -> HttpResponse:
    lang = negotiate(request, [code for code, _name in settings.LANGUAGES])
    portals = list(Portal.objects.filter(active=True).order_by("name"))
    response = _render(request, None, lang, "index", "portals/index.html", {"portals": portals})
    response["Vary"] = "Accept-Language"
    return response


@public_page
@require_GET
@gzip_page
def landing(request: HttpRequest, slug: str, lang: str) -> HttpResponse:
    portal = _portal_and_language(slug, lang)
    return _render(request, portal, lang, "landing", "portals/landing.html")


@public_page
@require_GET
@gzip_page
def privacy(request: HttpRequest, slug: str, lang: str) -> HttpResponse:
    portal = _portal_and_language(slug, lang)
    context = {"privacy_text": portal.text_in("privacy_text", lang), "legal_text": portal.text_in("legal_text", lang)}
    return _render(request, portal, lang, "privacy", "portals/privacy.html", context)


def _url_rows(values: list[str], errors: dict[int, str], extra: int = 0) -> list[dict[str, Any]]:
    count = min(MAX_URLS, max(len(values), INITIAL_URL_INPUTS) + extra)
    padded = (values + [""] * count)[:count] if len(values) <= count else values
    return [{"index": i, "value": v, "error": errors.get(i, "")} for i, v in enumerate(padded)]


def _report_form_page(
    request: HttpRequest,
    portal: Portal,
    lang: str,
    form: ReportForm,
    url_errors: dict[int, str] | None = None,
    extra_inputs: int = 0,
    status: int = 200,
) -> HttpResponse:
    values = form.url_values() if form.is_bound else []
    rows = _url_rows(values, url_errors or {}, extra_inputs)
    with portal_language(lang, portal.default_language):
        summary = _error_summary(form, rows)
    context = {
        "form": form,
        "url_rows": rows,
        "can_add_url": len(rows) < MAX_URLS,
        "max_urls": MAX_URLS,
        "error_summary": summary,
        "has_errors": bool(summary or form.non_field_errors()),
    }
    return _render(request, portal, lang, "report", "portals/report.html", context, status=status, private=True)


def _error_summary(form: ReportForm | StatusForm, url_rows: list[dict[str, Any]] | None = None) -> list[dict[str, str]]:
    """Each failing field, in page order, with the id of the input to jump to, its label and the message."""
    items: list[dict[str, str]] = []
    for name, field in form.fields.items():
        if name == "url" and url_rows is not None:
            for error in form.errors.get("url", []):
                items.append({"anchor": "url-0", "label": str(_("Web addresses (URLs)")), "message": str(error)})
            for row in url_rows:
                if row["error"]:
                    label = _("Address %(number)s") % {"number": row["index"] + 1}
                    items.append({"anchor": f"url-{row['index']}", "label": str(label), "message": row["error"]})
            continue
        choices = getattr(field, "choices", None)
        anchor = f"{name}-{next(iter(choices))[0]}" if choices else name  # radios: the first option
        for error in form.errors.get(name, []):
            items.append({"anchor": anchor, "label": str(field.label), "message": str(error)})
    return items


@public_page
@require_http_methods(["GET", "POST"])
@gzip_page
def report(request: HttpRequest, slug: str, lang: str) -> HttpResponse:
    portal = _portal_and_language(slug, lang)
    if request.method == "GET":
        return _report_form_page(request, portal, lang, ReportForm())

    with portal_language(lang, portal.default_language):
        form = ReportForm(request.POST)
        if "add_url" in request.POST:
            # "Add another address" without JavaScript: the same form, one more input, nothing lost, no errors yet.
            return _report_form_page(request, portal, lang, _unvalidated(form), extra_inputs=1)
        if not form.is_valid():
            # Show the address problems now too, so the reporter fixes everything in one go.
            return _report_form_page(request, portal, lang, form, url_errors=_address_problems(form), status=400)

        solved = altcha.solution_is_valid(request.POST.get("altcha", ""))
        # Without proof of work the reporter shares the strict bucket of anonymous API callers ("reports").
        bucket, limit = (
            ("reports-pow", settings.REPORTAL_RATE_LIMIT) if solved else ("reports", settings.REPORTAL_RATE_LIMIT_NO_JS)
        )
        if not _allowed(bucket, request, limit):
            form.add_error(
                None,
                _("Many reports came from your connection in a short time. Please wait an hour and send this again."),
            )
            return _report_form_page(request, portal, lang, form, status=429)

        typed = form.url_values()
        try:
            result = intake.submit_report(
                portal,
                urls=typed,  # blanks included: the service skips them and numbers errors by input position
                seen_on=form.cleaned_data["seen_on"],
                description=form.cleaned_data["description"],
                email=form.cleaned_data["email"],
                language=lang,
                source="portal",
            )
        except intake.IntakeError as exc:
            url_errors = {pos: str(msg) for pos, msg in exc.url_errors.items() if 0 <= pos < len(typed)}
            for field, messages in exc.field_errors.items():
                target = field if field in form.fields else None
                for message in messages:
                    form.add_error(target, str(message))
            return _report_form_page(request, portal, lang, form, url_errors=url_errors, status=400)

    thanks_path = reverse("portals:thanks", kwargs={"slug": portal.slug, "lang": lang})
    response = HttpResponseRedirect(thanks_path, status=303)
    response.set_cookie(
        RECEIPT_COOKIE,
        signing.dumps({"portal": portal.slug, "reference": result.reference}, salt=RECEIPT_SALT),
        max_age=RECEIPT_SECONDS,
        path=thanks_path,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    response["Cache-Control"] = "no-store"
    return response


@public_page
@require_GET
@gzip_page
def thanks(request: HttpRequest, slug: str, lang: str) -> HttpResponse:
    """Shows the reference code once: the cookie that carried it is deleted by this very response."""
    portal = _portal_and_language(slug, lang)
    reference = None
    try:
        receipt = signing.loads(request.COOKIES.get(RECEIPT_COOKIE, ""), salt=RECEIPT_SALT, max_age=RECEIPT_SECONDS)
        if isinstance(receipt, dict) and receipt.get("portal") == portal.slug:
            reference = str(receipt["reference"])
    except (signing.BadSignature, KeyError):
        reference = None
    groups = reference.split("-") if reference else []
    context = {"reference": reference, "reference_groups": groups}
    response = _render(request, portal, lang, "thanks", "portals/thanks.html", context, private=True)
    response.delete_cookie(RECEIPT_COOKIE, path=request.path, samesite="Strict")
    return response


def _address_problems(form: ReportForm) -> dict[int, str]:
    """Per input, why an address cannot be reported, in the intake's own words."""
    return intake.address_problems(form.filled_urls())


def _unvalidated(form: ReportForm) -> ReportForm:
    """A bound form that shows what was typed without running validation (so no error messages yet)."""
    form._errors = ErrorDict()  # type: ignore[attr-defined]  # display reads errors only; cleaned_data is not needed to re-show typed values
    return form


@public_page
@require_http_methods(["GET", "POST"])
@gzip_page
def status(request: HttpRequest, slug: str, lang: str) -> HttpResponse:
    portal = _portal_and_language(slug, lang)
    result: str | None = None
    http_status = 200
    with portal_language(lang, portal.default_language):
        if request.method == "POST":
            form = StatusForm(request.POST)
            if form.is_valid():
                if not _allowed("reports-status", request, settings.REPORTAL_STATUS_RATE_LIMIT):
                    form.add_error(
                        None,
                        _("Many checks came from your connection in a short time. Please wait an hour and try again."),
                    )
                    http_status = 429
                else:
                    result = intake.report_status(form.cleaned_data["reference"])
                    if result is None:
                        form.add_error(
                            "reference",
                            _(
                                "We found no report with this code. Check the code and try again; "
                                "capital letters and dashes do not matter."
                            ),
                        )
                        http_status = 404
                    elif result not in COARSE_STATUSES:
                        result = "received"
            else:
                http_status = 400
        else:
            form = StatusForm()
        summary = _error_summary(form)
    return _render(
        request,
        portal,
        lang,
        "status",
        "portals/status.html",
        {"form": form, "result": result, "error_summary": summary, "has_errors": bool(form.errors)},
        status=http_status,
        private=True,
    )


@public_page
@require_GET
def challenge(request: HttpRequest, slug: str) -> JsonResponse:
    _active_portal(slug)
    response = JsonResponse(altcha.new_challenge())
    response["Cache-Control"] = "no-store"
    return response


@public_page
@require_GET
def theme(request: HttpRequest, slug: str) -> HttpResponse:
    """The portal's colours as a tiny stylesheet (CSP forbids inline styles); text colour chosen for contrast."""
    portal = _active_portal(slug)
    colour = portal.brand_colour if _COLOUR.fullmatch(portal.brand_colour or "") else "#1d4ed8"
    text = _readable_text_colour(colour)
    css = f":root{{--brand:{colour};--on-brand:{text}}}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _readable_text_colour(hex_colour: str) -> str:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    # White on the colour when that reaches the higher contrast, else near-black.
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#111111"
