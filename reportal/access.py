"""The only place that decides who may see or do what. Every view and API endpoint asks here; unknown means no.

Owned by the accounts work (issue 3). Other apps import these names; their signatures are the contract.

Roles are exact: `require_staff(Role.ANALYST)` admits analysts only; list every role that may pass.

Pages (Django views): `@require_staff(*roles)`; `background=True` for calls a page makes by itself (heartbeats),
which do not count as activity for the idle sign-out. `public_page` / `sign_in_step` only for the sign-in flow.
A view under /staff/ or /workbench/ that declares nothing answers 403 (DeclaredAccessMiddleware).
The Django admin passes the same `staff_gate` (hotline admins only: `ADMIN_SITE_ROLES`), in accounts/admin_site.py.

API operations (django-ninja): `auth=staff_api(*roles)` (a bearer token from POST /api/v1/auth/token, or the signed-in
session of the pages), `auth=MemberKeyAuth(scope)` (a member key; `staff=True` also admits hotline staff tokens),
`auth=AnyMemberKeyAuth()`, or `auth=PUBLIC`. An operation that declares nothing is refused by the API-wide default
(`UNDECLARED`), `reportal check` warns, and tests/test_permissions_matrix.py fails until its row is added there.

Objects: `visible_portal_ids`, `can_view_item`, `can_view_report`, `can_change_item` (partner viewers read only
their portals' reports, and change nothing), `can_view_reporter_contact`, `can_manage_staff`, `can_read_audit`;
pages: `may_open` (which staff pages a user's navigation offers).
Lists and look-ups: `visible_items`, `visible_reports`, `item_or_404`, and for other stages' rows about an item
(notices, referrals, monitors) `only_visible` and `row_or_404`; pages and API operations use these, never their own
filters, so the rule cannot drift between them.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import HttpError
from ninja.security import APIKeyCookie
from ninja.security.base import AuthBase

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

    from reportal.accounts.services import StaffProfile
    from reportal.reports.services import Report, ReportedUrl

    Viewer = AbstractBaseUser | AnonymousUser  # whoever a request carries, signed in or not

logger = logging.getLogger(__name__)
_Row = TypeVar("_Row", bound=models.Model)


class Role(models.TextChoices):
    ANALYST = "analyst", gettext_lazy("Analyst")
    SENIOR = "senior", gettext_lazy("Senior analyst")
    ADMIN = "admin", gettext_lazy("Hotline admin")
    PARTNER = "partner", gettext_lazy("Partner viewer")
    MEMBER = "member", gettext_lazy("Member")


class Scope(models.TextChoices):
    """What a member API key may be used for."""

    REPORT = "report", gettext_lazy("Submit reports")
    URL_LIST = "url-list", gettext_lazy("URL list")
    HASHED_URL_LIST = "hashed-url-list", gettext_lazy("Hashed URL list")
    KEYWORDS = "keywords", gettext_lazy("Keyword list")
    HASHES = "hashes", gettext_lazy("Hash lists")
    MATCH = "match", gettext_lazy("Hash matching")


# People who sign in to pages (members only ever use API keys).
STAFF_ROLES: tuple[Role, ...] = (Role.ANALYST, Role.SENIOR, Role.ADMIN, Role.PARTNER)
# The hotline's own people: they see every portal and may change things.
HOTLINE_ROLES: tuple[Role, ...] = (Role.ANALYST, Role.SENIOR, Role.ADMIN)

STAFF_TOKEN_PREFIX = "rps"  # noqa: S105  (a label, not a secret)
MEMBER_KEY_PREFIX = "rpm"


@dataclass(frozen=True)
class AccessRule:
    """What a view or operation declared; read by the URL walk in the system check and the permission matrix."""

    kind: str  # "staff", "public", "sign-in" (the login/2FA steps), "member"
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = field(default=())


ACCESS_ATTRIBUTE = "reportal_access"


def declared_access(view: Any) -> AccessRule | None:
    """The rule a view function declared through this module, or None when it declared nothing."""
    seen = 0
    while view is not None and seen < 20:
        rule = getattr(view, ACCESS_ATTRIBUTE, None)
        if isinstance(rule, AccessRule):
            return rule
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return None


# --- Who is this ----------------------------------------------------------------------------------


def _profile(user: Viewer | None) -> StaffProfile | None:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    try:
        return getattr(user, "staff_profile", None)  # the reverse one-to-one; AnonymousUser has none
    except Exception:  # no profile: not staff
        return None


def second_factor_verified(user: Viewer) -> bool:
    """True when this request's user passed TOTP: in the session (django-otp) or when issuing their API token."""
    if getattr(user, "reportal_api_token", None) is not None:
        return True
    is_verified = getattr(user, "is_verified", None)
    return bool(callable(is_verified) and is_verified())


def staff_role(user: Viewer) -> Role | None:
    """The role of an authenticated, active staff user with a verified second factor; None otherwise."""
    profile = _profile(user)
    if profile is None or profile.disabled or not second_factor_verified(user):
        return None
    try:
        role = Role(profile.role)
    except ValueError:
        return None
    return role if role in STAFF_ROLES else None


def visible_portal_ids(user: Viewer) -> set[int] | None:
    """Portals whose reports `user` may read: None means all (hotline staff), a set limits a partner viewer."""
    role = staff_role(user)
    if role in HOTLINE_ROLES:
        return None
    profile = _profile(user)
    if role == Role.PARTNER and profile is not None:
        return set(profile.portals.values_list("pk", flat=True))
    return set()  # not staff: nothing


def can_view_item(user: Viewer, item: ReportedUrl | None) -> bool:
    """May `user` read this queue item (a ReportedUrl)? Partners: only if it came through one of their portals."""
    portal_ids = visible_portal_ids(user)
    if portal_ids is None:
        return True
    if not portal_ids or item is None:
        return False
    if getattr(item, "portal_id", None) in portal_ids:
        return True
    reports = getattr(item, "reports", None)
    return bool(reports is not None and reports.filter(portal_id__in=portal_ids).exists())


def can_view_report(user: Viewer, report: Report) -> bool:
    """May `user` read this Report? Partners: only their portals' reports."""
    portal_ids = visible_portal_ids(user)
    if portal_ids is None:
        return True
    return getattr(report, "portal_id", None) in portal_ids


def can_change_item(user: Viewer, item: ReportedUrl | None) -> bool:
    """Partner viewers are read-only; the hotline's own staff may claim, assess and act."""
    return staff_role(user) in HOTLINE_ROLES and can_view_item(user, item)


# --- Objects as querysets: what every page and API operation lists or opens --------------------------------------
# One rule, here only: the hotline's staff read every item; a partner viewer reads an item first reported through
# one of their portals or reported through one since, and of its reports only their portals' ones; anyone else reads
# nothing. can_view_item answers the same for one item in hand (tests/accounts/test_access_properties.py).


def visible_items(user: Viewer, items: QuerySet[ReportedUrl] | None = None) -> QuerySet[ReportedUrl]:
    """The queue items `user` may read (of `items`, when given: a queryset that already loads what a page needs)."""
    from reportal.reports import services as reports

    rows = reports.items() if items is None else items
    portal_ids = visible_portal_ids(user)
    if portal_ids is None:
        return rows
    if not portal_ids:
        return rows.none()
    through_portal = reports.reports().filter(items=OuterRef("pk"), portal_id__in=portal_ids)
    return rows.filter(Q(portal_id__in=portal_ids) | Exists(through_portal))


def visible_reports(user: Viewer, item: ReportedUrl | None = None) -> QuerySet[Report]:
    """The reports `user` may read (behind one item, when given), oldest first, their portals loaded."""
    from reportal.reports import services as reports

    rows = reports.reports() if item is None else item.reports.select_related("portal").order_by("created_at")
    portal_ids = visible_portal_ids(user)
    return rows if portal_ids is None else rows.filter(portal_id__in=portal_ids)


def only_visible(user: Viewer, rows: QuerySet[_Row], *, item: str = "item") -> QuerySet[_Row]:
    """`rows` of another stage (notices, referrals, monitors, ...) narrowed to those about an item `user` may read;
    `item` names the relation from a row to its queue item."""
    if visible_portal_ids(user) is None:
        return rows
    return rows.filter(**{f"{item}__in": visible_items(user).values("pk")})


def item_or_404(user: Viewer, item_id: int, items: QuerySet[ReportedUrl] | None = None) -> ReportedUrl:
    """The item if `user` may read it; Http404 otherwise, the same answer as for an item that does not exist, so a
    partner viewer learns nothing about other portals' items. `items` may load related rows for the page."""
    return get_object_or_404(visible_items(user, items), pk=item_id)


def row_or_404(user: Viewer, rows: QuerySet[_Row], pk: int, *, item: str = "item") -> _Row:
    """One row of another stage (a notice, a referral) by id, if it is about an item `user` may read; else Http404."""
    return get_object_or_404(only_visible(user, rows, item=item), pk=pk)


def can_view_reporter_contact(user: Viewer) -> bool:
    """A reporter's e-mail address is for those who answer reporters: senior analysts and admins."""
    return staff_role(user) in (Role.SENIOR, Role.ADMIN)


def can_manage_staff(user: Viewer) -> bool:
    return staff_role(user) == Role.ADMIN


def can_read_audit(user: Viewer) -> bool:
    return staff_role(user) in (Role.SENIOR, Role.ADMIN)


# A police referral package carries the evidence itself and goes outside the hotline: hotline admins and senior
# analysts make them, not every analyst, and never a partner viewer.
POLICE_PACKAGE_ROLES: tuple[Role, ...] = (Role.SENIOR, Role.ADMIN)


def can_export_police_package(user: Viewer) -> bool:
    return staff_role(user) in POLICE_PACKAGE_ROLES


def can_run_crawls(user: Viewer) -> bool:
    """Proactive search: the hotline's own people start, follow and stop crawls; partner viewers do not."""
    return staff_role(user) in HOTLINE_ROLES


def can_view_stats(user: Viewer) -> bool:
    """The statistics pages, exports and API: every staff role; a partner viewer sees only their portals' figures."""
    return staff_role(user) in STAFF_ROLES


def stats_portals(user: Viewer) -> set[int] | None:
    """Portals whose figures `user` may see: None means all (hotline staff), a set limits a partner viewer."""
    return visible_portal_ids(user) if can_view_stats(user) else set()


def may_open(user: Viewer, path: str) -> bool:
    """May `user` open the staff page at `path` (e.g. "/workbench/team/")? Read from the roles that page's view
    declared, so navigation offers exactly the pages that would open; an unknown path or undeclared view is no."""
    from django.urls import Resolver404, resolve

    role = staff_role(user)
    if role is None:
        return False
    try:
        view = resolve(path).func
    except Resolver404:
        return False
    rule = declared_access(view)
    return rule is not None and rule.kind == "staff" and str(role) in rule.roles


def _audit_denial(request: HttpRequest, actor: Any, reason: str, **details: Any) -> None:
    from reportal.audit.services import record

    try:
        record(actor, "access.denied", None, path=request.path[:300], method=request.method, reason=reason, **details)
    except Exception:  # the denial itself must still be answered
        logger.exception("Could not audit an access denial")


# --- Pages ----------------------------------------------------------------------------------------


def _redirect_for(request: HttpRequest, url: str) -> HttpResponse:
    target = f"{url}?{urlencode({'next': request.get_full_path()})}"
    response = HttpResponseRedirect(target)
    if request.headers.get("HX-Request") == "true":
        response["HX-Redirect"] = target  # htmx would otherwise swap the login page into a fragment
    return response


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "staff/denied.html", {"message": message}, status=403)


ACTIVITY_SESSION_KEY = "reportal_last_activity"


def mark_activity(request: HttpRequest) -> None:
    request.session[ACTIVITY_SESSION_KEY] = time.time()


def idle_expired(request: HttpRequest, *, background: bool = False) -> bool:
    """True (and the session ended, audited) when the user did nothing for SESSION_COOKIE_AGE seconds.

    The session cookie already expires after that long without requests; this also ignores background calls
    (a screen-time heartbeat), so a screen left open on an unattended desk still signs out.
    """
    last = request.session.get(ACTIVITY_SESSION_KEY)
    if last is not None and time.time() - float(last) > settings.SESSION_COOKIE_AGE:
        from django.contrib.auth import logout

        from reportal.audit.services import record

        record(request.user, "staff.idle_timeout", idle_seconds=int(time.time() - float(last)))
        logout(request)
        return True
    if not background or last is None:
        mark_activity(request)
    return False


def staff_gate(request: HttpRequest, allowed: Iterable[Role], *, background: bool = False) -> HttpResponse | None:
    """The one gate of every staff surface (pages, the Django admin): None when the request may pass, else the
    answer. Anonymous -> login page; disabled or not staff -> 403; no second factor -> 2FA; idle -> login;
    one-time password not yet changed -> password change; wrong role -> 403. Denials are audited."""
    user = request.user
    if not user.is_authenticated:
        return _redirect_for(request, settings.LOGIN_URL)
    profile = _profile(user)
    if profile is None or profile.disabled:
        _audit_denial(request, user, "not-staff" if profile is None else "disabled")
        return _forbidden(request, _("This account may not use the staff pages. Ask a hotline admin."))
    if not second_factor_verified(user):
        return _redirect_for(request, reverse("accounts:verify"))
    if idle_expired(request, background=background):
        return _redirect_for(request, settings.LOGIN_URL)
    if profile.must_change_password:
        return _redirect_for(request, reverse("accounts:password_change"))
    role = staff_role(user)
    if role not in tuple(allowed):
        _audit_denial(request, user, "role", required=[str(r) for r in allowed])
        return _forbidden(request, _("Your role does not allow this page. Ask a hotline admin if you need it."))
    return None


# The Django admin (/admin/) is a staff surface like the others: hotline admins only, through staff_gate.
ADMIN_SITE_ROLES: tuple[Role, ...] = (Role.ADMIN,)


def can_use_admin_site(request: HttpRequest) -> bool:
    """May this request use the Django admin? The same rule as staff_gate, without answering or auditing."""
    user = request.user
    profile = _profile(user)
    return profile is not None and not profile.must_change_password and staff_role(user) in ADMIN_SITE_ROLES


def require_staff(*roles: Role, background: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: the view runs only when staff_gate lets the request pass.

    With no roles given, every staff role passes (analyst, senior, admin, partner viewer); members never do.
    `background=True` marks calls the page makes by itself (heartbeats, polling): they do not count as activity
    for the idle sign-out.
    """
    allowed = tuple(Role(r) for r in roles) if roles else STAFF_ROLES

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            refused = staff_gate(request, allowed, background=background)
            if refused is not None:
                return refused
            return view(request, *args, **kwargs)

        setattr(wrapped, ACCESS_ATTRIBUTE, AccessRule("staff", tuple(str(r) for r in allowed)))
        return wrapped

    return decorator


def public_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Declares a page that anyone may open (sign-in steps). Everything under /staff/ and /workbench/ else is staff."""
    setattr(view, ACCESS_ATTRIBUTE, AccessRule("public"))
    return view


def sign_in_step(view: Callable[..., Any]) -> Callable[..., Any]:
    """Declares a page of the sign-in flow: password accepted, second factor or enrolment still to come."""
    setattr(view, ACCESS_ATTRIBUTE, AccessRule("sign-in"))
    return view


# --- API keys and tokens ----------------------------------------------------------------------------


def new_secret(prefix: str) -> tuple[str, str, str]:
    """(full key, lookup id, SHA-256 of the full key): 256 random bits, shown once, stored only as the hash."""
    lookup = secrets.token_hex(6)
    key = f"{prefix}_{lookup}_{secrets.token_urlsafe(32)}"
    return key, lookup, hash_secret(key)


def hash_secret(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _split_key(key: str, prefix: str) -> str | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != prefix or len(parts[1]) != 12:
        return None
    return parts[1]


def key_from_request(request: HttpRequest) -> str | None:
    """The API key or token a request carries: `Authorization: Bearer <key>` or `X-API-Key: <key>`."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return request.headers.get("X-API-Key", "").strip() or None


@dataclass(frozen=True)
class MemberKeyCheck:
    member: Any | None  # the member whose key this is (None: no valid key)
    key: Any | None
    has_scope: bool


@dataclass(frozen=True)
class Credentials:
    """Where member keys and staff tokens are kept. reportal.accounts owns those tables and imports this module
    (roles, decorators), so it hands its look-ups over when Django starts (AccountsConfig.ready) rather than this
    module importing it. Each takes a lookup id and the SHA-256 of the whole secret, answers only for a live key or
    token, and marks it used."""

    member_key: Callable[[str, str], tuple[Any, Any] | None]  # -> (member, API key)
    staff_token: Callable[[str, str], Any | None]  # -> the token row, its user and staff profile loaded


_credentials: Credentials | None = None


def use_credentials(credentials: Credentials) -> None:
    global _credentials
    _credentials = credentials


def _credential_store() -> Credentials:
    if _credentials is None:
        raise ImproperlyConfigured("No API keys can be checked: add reportal.accounts to INSTALLED_APPS.")
    return _credentials


def check_member_key(key: str | None, scope: str) -> MemberKeyCheck:
    """Is `key` a live member key, and does it carry `scope`? Expired, revoked and rotated-away keys are not."""
    lookup = _split_key(key or "", MEMBER_KEY_PREFIX)
    if lookup is None:
        return MemberKeyCheck(None, None, False)
    found = _credential_store().member_key(lookup, hash_secret(key or ""))
    if found is None:
        return MemberKeyCheck(None, None, False)
    member, api_key = found
    return MemberKeyCheck(member, api_key, scope in (api_key.scopes or []))


def member_for_request(request: HttpRequest, scope: str) -> Any | None:
    """The member whose valid, unexpired API key with `scope` the request carries, or None.

    A live key without the scope is refused here too, and the attempt is audited.
    """
    check = check_member_key(key_from_request(request), scope)
    if check.member is None or check.key is None:
        return None
    if not check.has_scope:
        _audit_denial(request, check.member, "scope", scope=scope, key=check.key.prefix)
        return None
    return check.member


def staff_for_token(token: str | None, roles: Iterable[str] = STAFF_ROLES) -> tuple[Any | None, bool]:
    """(user, role allowed) for a live staff API token; (None, False) for an unknown, expired or revoked one."""
    lookup = _split_key(token or "", STAFF_TOKEN_PREFIX)
    if lookup is None:
        return None, False
    row = _credential_store().staff_token(lookup, hash_secret(token or ""))
    if row is None:
        return None, False
    user = row.user
    user.reportal_api_token = row  # the token was issued only after a TOTP code: the second factor holds
    user.is_verified = lambda: True  # as django-otp's middleware marks a verified session user
    role = staff_role(user)
    if role is None:
        return None, False
    return user, role in tuple(roles)


class StaffTokenAuth(AuthBase):
    """ninja auth: a staff bearer token from POST /api/v1/auth/token, for the given roles (none: every staff role).

    Without a token: 401. A valid token of a role not listed: 403, audited. Sets request.user to the staff user.
    """

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __init__(self, *roles: Role) -> None:
        self.roles: tuple[str, ...] = tuple(str(Role(r)) for r in roles) if roles else tuple(map(str, STAFF_ROLES))
        self.reportal_access = AccessRule("staff", self.roles)
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any | None:
        user, allowed = staff_for_token(key_from_request(request), self.roles)
        if user is None:
            return None
        request.user = user
        if not allowed:
            _audit_denial(request, user, "role", required=list(self.roles))
            raise HttpError(403, _("Your role may not use this endpoint."))
        return user


class StaffSessionAuth(APIKeyCookie):
    """ninja auth: the signed-in staff session of the pages (with its second factor), CSRF-checked."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, *roles: Role) -> None:
        self.roles: tuple[str, ...] = tuple(str(Role(r)) for r in roles) if roles else tuple(map(str, STAFF_ROLES))
        self.reportal_access = AccessRule("staff", self.roles)
        super().__init__(csrf=True)

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None  # no session: let the caller see 401, not a CSRF complaint
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        if key is None:
            return None
        user = request.user
        role = staff_role(user)
        profile = _profile(user)
        if role is None or profile is None or profile.must_change_password or idle_expired(request):
            return None
        if str(role) not in self.roles:
            _audit_denial(request, user, "role", required=list(self.roles))
            raise HttpError(403, _("Your role may not use this endpoint."))
        return user


def staff_api(*roles: Role) -> list[AuthBase]:
    """The auth list for a staff API operation: a bearer token, or the signed-in session of the pages."""
    return [StaffTokenAuth(*roles), StaffSessionAuth(*roles)]


class MemberKeyAuth(AuthBase):
    """ninja auth: a member API key carrying `scope` (Bearer or X-API-Key). With `staff=True` (the hash API's
    "or staff"), a hotline staff token passes as well. A live key without the scope: 403, audited.

    Returns the Member (or the staff user); request.member is set for member keys.
    """

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "X-API-Key"

    def __init__(self, scope: str, *, staff: bool = False, staff_roles: Iterable[Role] = HOTLINE_ROLES) -> None:
        self.scope = str(Scope(scope))
        self.staff_roles = tuple(str(Role(r)) for r in staff_roles) if staff else ()
        self.reportal_access = AccessRule("member", self.staff_roles, (self.scope,))
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any | None:
        key = key_from_request(request)
        if key is None:
            return None
        if key.startswith(STAFF_TOKEN_PREFIX + "_"):
            if not self.staff_roles:
                return None
            user, allowed = staff_for_token(key, self.staff_roles)
            if user is None:
                return None
            request.user = user
            if not allowed:
                _audit_denial(request, user, "role", required=list(self.staff_roles))
                raise HttpError(403, _("Your role may not use this endpoint."))
            return user
        check = check_member_key(key, self.scope)
        if check.member is None or check.key is None:
            return None
        request.member = check.member  # type: ignore[attr-defined]
        if not check.has_scope:
            _audit_denial(request, check.member, "scope", scope=self.scope, key=check.key.prefix)
            raise HttpError(
                403,
                _("This API key may not use this endpoint; ask the hotline for the %(scope)s scope.")
                % {"scope": self.scope},
            )
        return check.member


class AnyMemberKeyAuth(AuthBase):
    """ninja auth: any live member key, whatever its scopes (for a member managing its own key)."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "X-API-Key"
    reportal_access = AccessRule("member", (), ("any",))

    def __call__(self, request: HttpRequest) -> Any | None:
        check = check_member_key(key_from_request(request), "")
        if check.member is None or check.key is None:
            return None
        request.member = check.member  # type: ignore[attr-defined]
        request.member_key = check.key  # type: ignore[attr-defined]
        return check.member


class PublicAccess:
    """ninja auth for operations anyone may call (report intake, public key). Declaring it is the point."""

    reportal_access = AccessRule("public")

    def __call__(self, request: HttpRequest) -> Any:
        return True


class UndeclaredAccess:
    """The API-wide default: an operation that declared no auth is refused, so a forgotten rule fails closed."""

    reportal_access = None

    def __call__(self, request: HttpRequest) -> Any:
        raise HttpError(403, _("This endpoint declares no access rule yet, so it is closed to everyone."))


PUBLIC = PublicAccess()
UNDECLARED = UndeclaredAccess()


def operation_access(operation: Any) -> AccessRule | None:
    """The rule a ninja operation declared through this module, or None."""
    callbacks = list(getattr(operation, "auth_callbacks", []) or [])
    rules = [getattr(cb, ACCESS_ATTRIBUTE, None) for cb in callbacks]
    if not rules or any(not isinstance(rule, AccessRule) for rule in rules):
        return None
    return rules[0]


class DeclaredAccessMiddleware:
    """Fails closed: a page under /staff/ or /workbench/ whose view declared no rule here answers 403 to everyone."""

    guarded = ("/staff/", "/workbench/", "/stats/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        if request.path.startswith(self.guarded) and declared_access(view_func) is None:
            logger.error("Refused %s: its view declares no access rule in reportal.access", request.path)
            return _forbidden(request, _("This page declares no access rule yet, so it is closed to everyone."))
        return None
