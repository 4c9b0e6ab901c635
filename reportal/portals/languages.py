"""Which languages a portal may use, how each names itself, and which language a public page is shown in.

A portal may use any language whose catalogue the project has: the shipped ones (settings.LANGUAGES) and any
`<code>/LC_MESSAGES/django.mo` under LOCALE_PATHS (README: "Adding a language"). Its pages fall back per string
to the portal's first language, then to English, so a half-translated catalogue still reads in the portal's
main language.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.http import HttpRequest
from django.utils.translation import to_language, trans_real
from django.utils.translation.trans_real import parse_accept_lang_header

# How each language names itself, so the switch reads right to someone who does not read the current one.
# Languages Django does not know (most of the world's) are named here; anything else shows its code.
NATIVE_NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "pt": "Português",
    "ar": "العربية",
    "kek": "Q'eqchi'",
    "bzj": "Kriol",
    "quc": "K'iche'",
    "mam": "Mam",
    "cak": "Kaqchikel",
    "gcf": "Kréyòl",
    "ht": "Kreyòl ayisyen",
    "lg": "Luganda",
    "sw": "Kiswahili",
}


def available_languages() -> list[str]:
    """Language codes a portal may offer: the shipped ones, then every catalogue found under LOCALE_PATHS."""
    codes = [code for code, _name in settings.LANGUAGES]
    for root in settings.LOCALE_PATHS:
        path = Path(root)
        if not path.is_dir():
            continue
        for entry in sorted(path.iterdir()):
            code = to_language(entry.name)
            if (entry / "LC_MESSAGES" / "django.mo").is_file() and code not in codes:
                codes.append(code)
    return codes


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
    if code in NATIVE_NAMES:
        return NATIVE_NAMES[code]
    info = LANG_INFO.get(code) or LANG_INFO.get(code.split("-")[0]) or {}
    return str(info.get("name_local") or code)


def is_rtl(code: str) -> bool:
    info = LANG_INFO.get(code) or LANG_INFO.get(code.split("-")[0]) or {}
    return code in settings.LANGUAGES_BIDI or bool(info.get("bidi"))


_chains: dict[tuple[str, str], tuple[Any, Any]] = {}


def _translation_with_fallback(language: str, fallback: str) -> Any:
    """Django's translation of `language` whose missing strings come from `fallback` (then English)."""
    primary = trans_real.translation(language)
    if fallback == language:
        return primary
    cached = _chains.get((language, fallback))
    # Django builds new translation objects when LOCALE_PATHS or LANGUAGES change; a chain follows its primary.
    if cached is not None and cached[0] is primary:
        return cached[1]
    chain = copy.copy(primary)  # shares the read-only catalogue; only the fallback differs
    chain._fallback = None  # type: ignore[attr-defined]
    chain.add_fallback(trans_real.translation(fallback))
    _chains[(language, fallback)] = (primary, chain)
    return chain


@contextmanager
def portal_language(language: str, fallback: str) -> Iterator[None]:
    """Like translation.override(language), with each missing string taken from the portal's first language."""
    # Django's active translation lives in trans_real._active (what translation.override sets); it is looked up
    # each time because Django replaces it when language settings change.
    state: Any = trans_real._active  # type: ignore[attr-defined]
    previous = getattr(state, "value", None)
    state.value = _translation_with_fallback(language, fallback)
    try:
        yield
    finally:
        if previous is None:
            if hasattr(state, "value"):
                del state.value
        else:
            state.value = previous
