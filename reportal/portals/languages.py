"""Which language a public page is shown in: from the URL, else Accept-Language among the portal's languages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language_info
from django.utils.translation.trans_real import parse_accept_lang_header

# How each language names itself, so the switch reads right to someone who does not read the current one.
NATIVE_NAMES = {"en": "English", "es": "Español", "fr": "Français", "pt": "Português", "ar": "العربية"}


def negotiate(request: HttpRequest, offered: list[str]) -> str:
    """The first language in the request's Accept-Language that is offered (es-GT matches es), else offered[0]."""
    header = request.headers.get("Accept-Language", "")
    try:
        preferences = parse_accept_lang_header(header)
    except ValueError:  # an absurdly long header
        preferences = ()
    for code, _quality in preferences:
        code = code.lower()
        if code == "*":
            break
        if code in offered:
            return code
        base = code.split("-")[0]
        if base in offered:
            return base
    return offered[0] if offered else settings.LANGUAGE_CODE


def native_name(code: str) -> str:
    return NATIVE_NAMES.get(code) or str(get_language_info(code)["name_local"])


def is_rtl(code: str) -> bool:
    return code in settings.LANGUAGES_BIDI
