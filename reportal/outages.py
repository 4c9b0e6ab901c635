"""Outages answer clearly: with the database down or the disk full, every page and API call answers 503 with a
short message in the page's language (JSON on the API and the HMA paths, HTML elsewhere), never a traceback
and never a hang.

Django turns an exception raised anywhere inside the middleware chain (a view, or the session middleware saving
a session) into a 500 response before an outer middleware could catch it, so the exception is noted on the
request when Django reports it (`got_request_exception`) and the outermost middleware below swaps that 500 for
the 503. Nothing else changes: any other error still answers 500.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DATABASE = "database"
DISK_FULL = "disk-full"
RETRY_AFTER_SECONDS = 30
JSON_PREFIXES = ("/api/", "/h/", "/m/", "/c/")
_OUTAGE_ATTRIBUTE = "_reportal_outage"


def classify(exc: BaseException | None) -> str | None:
    """DATABASE, DISK_FULL, or None for an exception that is not an outage."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return DISK_FULL
        text = str(exc).lower()
        if isinstance(exc, DatabaseError | sqlite3.DatabaseError) and ("disk is full" in text or "no space" in text):
            return DISK_FULL
        if isinstance(exc, OperationalError | InterfaceError | sqlite3.OperationalError):
            return DATABASE
        if type(exc).__module__.startswith("psycopg") and type(exc).__name__ in ("OperationalError", "InterfaceError"):
            return DATABASE
        exc = exc.__cause__ or exc.__context__
    return None


@receiver(got_request_exception)
def _note_outage(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    kind = classify(sys.exc_info()[1])
    if kind and request is not None:
        setattr(request, _OUTAGE_ATTRIBUTE, kind)


class OutageMiddleware:
    """Outermost middleware: a 500 caused by a database outage or a full disk becomes a clear 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._last_warning = 0.0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except Exception as exc:  # raised past Django's own handling (e.g. by a middleware outside the chain)
            kind = classify(exc)
            if kind is None:
                raise
            return self._answer(request, kind)
        kind = getattr(request, _OUTAGE_ATTRIBUTE, None)
        if kind and response.status_code >= 500:
            return self._answer(request, kind)
        return response

    def _answer(self, request: HttpRequest, kind: str) -> HttpResponse:
        now = time.monotonic()
        if now - self._last_warning > 10:
            self._last_warning = now
            logger.warning("Answering 503: %s. Run `reportal doctor` for what to do.", kind)
        with translation.override(page_language(request)):
            if kind == DISK_FULL:
                title = _("We cannot save anything right now")
                message = _(
                    "The server has run out of storage space, so nothing you sent was saved. "
                    "Please try again in an hour; the hotline has been told."
                )
            else:
                title = _("This service is briefly unavailable")
                message = _(
                    "We cannot reach our database, so nothing you sent was saved. Please try again in a few minutes."
                )
            language = translation.get_language() or settings.LANGUAGE_CODE
            bidi = translation.get_language_bidi()
        if request.path.startswith(JSON_PREFIXES):
            response: HttpResponse = JsonResponse({"detail": message, "message": message, "outage": kind}, status=503)
        else:
            direction = "rtl" if bidi else "ltr"
            body = (
                f'<!doctype html><html lang="{escape(language)}" dir="{direction}"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{escape(title)}</title></head>"
                '<body style="font-family:sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5">'
                f"<h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>"
            )
            response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


def page_language(request: HttpRequest) -> str:
    """The language of the page asked for: a portal page names it in its path (/gt/es/report/), otherwise the
    browser's choice among the project's languages. Nothing here touches the database."""
    codes = {code for code, _name in settings.LANGUAGES}
    parts = [part for part in request.path.split("/") if part]
    if len(parts) >= 2 and parts[1] in codes:
        return parts[1]
    try:
        return translation.get_language_from_request(request)
    except Exception:  # noqa: BLE001 - a malformed header must not turn a 503 into a 500
        return settings.LANGUAGE_CODE
