"""JSON request bodies the API can take: valid JSON, at most MAX_JSON_DEPTH levels deep, and only text that is valid
Unicode without NUL (json.loads accepts "\\ud800" and "\\u0000", which databases refuse). Shared by the ninja API
and the HMA views."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

MAX_JSON_DEPTH = 64


class BodyError(ValueError):
    """A request body the API cannot take; its message says why, for the 400 answer."""


def _too_deep() -> BodyError:
    return BodyError(_("The JSON body nests deeper than %(max)d levels.") % {"max": MAX_JSON_DEPTH})


def valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_json(value: Any, depth: int = 0) -> None:
    """BodyError when `value` (parsed JSON or query values) nests too deep or carries invalid Unicode."""
    if depth > MAX_JSON_DEPTH:
        raise _too_deep()
    if isinstance(value, str):
        if not valid_unicode(value):
            raise BodyError(
                _("The request contains text that is not valid Unicode (a lone surrogate such as \\ud800).")
            )
        if "\x00" in value:  # PostgreSQL stores no NUL in text; no field of ours needs one
            raise BodyError(_("The request contains a NUL character (\\u0000), which no field accepts."))
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json(key, depth + 1)
            check_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json(item, depth + 1)


def load_json_body(raw: bytes) -> Any:
    """JSON from a request body, refusing what the database or a later step could not take (BodyError)."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise _too_deep() from None
    except (ValueError, UnicodeDecodeError):
        raise BodyError(_("The request body is not valid JSON.")) from None
    check_json(value)
    return value
