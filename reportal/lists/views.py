"""The blocking page: where an ISP sends a request for a blocked address. It never names the address."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from reportal.access import public_page
from reportal.portals.services import Portal, is_rtl, native_name, negotiate, page_portal


def _language(request: HttpRequest, portal: Portal) -> str:
    """?lang= if the portal offers it, else the browser's first language the portal offers, else its default."""
    offered = list(portal.languages or [settings.LANGUAGE_CODE])
    asked = request.GET.get("lang", "")
    return asked if asked in offered else negotiate(request, offered)


@public_page
@require_safe
def blocked_page(request: HttpRequest, slug: str) -> HttpResponse:
    # The query string is read for the language only: whatever else an ISP appends (the address) is never shown.
    portal = page_portal(slug)
    if portal is None:
        raise Http404("No such portal.")
    lang = _language(request, portal)
    with translation.override(lang):
        response = render(
            request,
            "lists/blocked.html",
            {
                "portal": portal,
                "lang": lang,
                "rtl": is_rtl(lang),
                "page": "blocked",
                "language_switch": [
                    {"code": code, "name": native_name(code), "url": f"?lang={code}"}
                    for code in portal.languages
                    if code != lang
                ],
                "helplines": list(portal.helplines.all()),
                "hotline": settings.REPORTAL_HOTLINE_NAME,
            },
        )
    response["Content-Language"] = lang
    response["Cache-Control"] = "public, max-age=300"
    patch_vary_headers(response, ["Accept-Language"])
    return response
