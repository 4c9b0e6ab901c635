"""Who may call the hash API, and how often: every HMA-shaped view and API operation goes through here.

- /h/ and /m/ (hashing and matching) and POST /api/v1/match: a member key with the `match` scope, or a hotline
  staff token;
- /c/ reads (banks, entries): a member key with the `hashes` scope, or a hotline staff token;
- /c/ writes (creating banks, adding, disabling, deleting entries): hotline staff only (analyst, senior, admin).

Without a key: 401. A live key without the scope, or a staff role that may not: 403 (audited by reportal.access).
Requests are rate limited per member key (or staff user) by REPORTAL_HASH_RATE_LIMIT.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from reportal.access import ACCESS_ATTRIBUTE, HOTLINE_ROLES, MemberKeyAuth, Scope, StaffTokenAuth
from reportal.ratelimit import is_limited

MATCH = str(Scope.MATCH)
HASHES = str(Scope.HASHES)
STAFF_WRITE = "staff"


def error(message: str, status: int) -> JsonResponse:
    """HMA's error shape: {"message": ...} with the HTTP status."""
    return JsonResponse({"message": str(message)}, status=status)


def _authenticator(scope: str) -> Any:
    if scope == STAFF_WRITE:
        return StaffTokenAuth(*HOTLINE_ROLES)
    return MemberKeyAuth(scope, staff=True)


def principal_key(principal: Any) -> str:
    """What the rate limit counts against: the member, or the staff user."""
    if principal is None:
        return "anonymous"
    kind = "member" if principal.__class__.__name__ == "Member" else "staff"
    return f"hashes:{kind}:{principal.pk}"


def rate_limited(request: HttpRequest, principal: Any) -> bool:
    """True when this principal has used up REPORTAL_HASH_RATE_LIMIT (counted per member key or staff user)."""
    return is_limited(principal_key(principal), settings.REPORTAL_HASH_RATE_LIMIT)


def api_access(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator for the plain Django views of the HMA API: authenticate, authorise, rate limit, then run."""
    auth = _authenticator(scope)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            try:
                principal = auth(request)
            except HttpError as exc:
                return error(str(exc), exc.status_code)
            if principal is None:
                return error(
                    _("Send an API key (Authorization: Bearer <key> or X-API-Key) that the hotline issued."), 401
                )
            if rate_limited(request, principal):
                response = error(_("Too many requests for this key. Wait a minute and try again."), 429)
                response["Retry-After"] = "60"
                return response
            request.hash_principal = principal  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        setattr(wrapped, ACCESS_ATTRIBUTE, auth.reportal_access)
        wrapped.csrf_exempt = True  # type: ignore[attr-defined]  # key in a header, never a cookie
        return wrapped

    return decorator
