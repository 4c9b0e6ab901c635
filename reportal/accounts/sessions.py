"""Ending staff sessions at once. Each signed-in session records when it began; a staff profile records when its
sessions were ended (disabled, password changed, reset). EndedSessionMiddleware signs out, on its next request
and before any view runs, every session that began before that moment or belongs to a disabled account, on every
surface (staff pages, workbench, admin, the API's session auth)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

SIGNED_IN_AT = "reportal_signed_in_at"


def stamp_session(request: HttpRequest) -> None:
    """This session (just signed in, or just changed its password) counts as begun now."""
    request.session[SIGNED_IN_AT] = time.time()


def end_sessions(profile: Any, *, keep: HttpRequest | None = None) -> None:
    """Every session of this staff member ends now; `keep`'s own session (a password change) goes on."""
    profile.sessions_ended_at = timezone.now()
    profile.save(update_fields=["sessions_ended_at"])
    if keep is not None:
        stamp_session(keep)


def session_is_over(request: HttpRequest, profile: Any) -> str | None:
    """Why this signed-in session may no longer be used ("disabled", "ended"), or None."""
    if profile.disabled or not request.user.is_active:
        return "disabled"
    if profile.sessions_ended_at is not None:
        began = request.session.get(SIGNED_IN_AT)
        if not isinstance(began, int | float) or began < profile.sessions_ended_at.timestamp():
            return "ended"
    return None


class EndedSessionMiddleware:
    """After authentication: a session of a disabled account, or one begun before its sessions were ended, is
    signed out before any view (or the admin) sees it. Requests without a session cookie cost nothing here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            profile = getattr(request.user, "staff_profile", None)
            reason = session_is_over(request, profile) if profile is not None else None
            if reason is not None:
                from reportal.audit.services import record

                record(request.user, "staff.session_ended", reason=reason, path=request.path[:300])
                logout(request)
        return self.get_response(request)
