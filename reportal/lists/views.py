"""The blocking page: where an ISP sends a request for a blocked address. It never names the address."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from reportal.access import public_page
from reportal.portals.models import Portal


def _language(request: HttpRequest, portal: Portal) -> str:
    """?lang= if the portal offers it, else the browser's first language the portal offers, else its default."""
    offered = list(portal.languages or [settings.LANGUAGE_CODE])
    asked = request.GET.get("lang", "")
    if asked in offered:
        return asked
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower()
        for candidate in (code, code.split("-")[0]):
            if candidate in offered:
                return candidate
    return portal.default_language


@public_page
@require_safe
def blocked_page(request: HttpRequest, slug: str) -> HttpResponse:
    portal = Portal.objects.filter(slug=slug, active=True).first()
    if portal is None:
        raise Http404("No such portal.")
    language = _language(request, portal)
    with translation.override(language):
        response = render(
            request,
            "lists/blocked.html",
            {
                "portal": portal,
                "language": language,
                "bidi": language in settings.LANGUAGES_BIDI,
                "helplines": list(portal.helplines.all()),
                "languages": [(code, dict(settings.LANGUAGES).get(code, code)) for code in portal.languages],
                "hotline": settings.REPORTAL_HOTLINE_NAME,
            },
        )
    response["Content-Language"] = language
    response["Cache-Control"] = "public, max-age=300"
    patch_vary_headers(response, ["Accept-Language"])
    return response
