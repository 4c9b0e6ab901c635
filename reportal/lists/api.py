"""Member feeds of the URL and keyword lists, their signatures, the public key, and the look-up API."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.security.base import AuthBase

from reportal.access import PUBLIC, AccessRule, Scope, check_member_key, key_from_request
from reportal.lists import auditing, feeds, matcher, signing
from reportal.lists.addresses import AddressError
from reportal.lists.models import Download, ListKind

router = Router()


class ListFeedAuth(AuthBase):
    """A live member key carrying any of `scopes`; what each scope may fetch is decided per request below.

    No key or a dead key (expired, revoked, rotated away): 401. A live key with none of the scopes: 403, audited.
    """

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = "X-API-Key"

    def __init__(self, *scopes: str) -> None:
        self.scopes = tuple(str(Scope(s)) for s in scopes)
        self.reportal_access = AccessRule("member", (), self.scopes)
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any | None:
        key = key_from_request(request)
        if key is None:
            return None
        check = check_member_key(key, self.scopes[0])
        if check.member is None or check.key is None:
            return None
        key_scopes = set(check.key.scopes or [])
        request.member = check.member  # type: ignore[attr-defined]
        request.member_scopes = key_scopes  # type: ignore[attr-defined]
        if not key_scopes & set(self.scopes):
            _deny(request, check.member, "scope", scope=" or ".join(self.scopes), key=check.key.prefix)
            raise HttpError(
                403,
                _("This API key may not fetch this list; ask the hotline for the %(scope)s scope.")
                % {"scope": " or ".join(self.scopes)},
            )
        return check.member


URL_FEED = ListFeedAuth(Scope.URL_LIST, Scope.HASHED_URL_LIST)
KEYWORD_FEED = ListFeedAuth(Scope.KEYWORDS)
LOOKUP = ListFeedAuth(Scope.URL_LIST)


def _deny(request: HttpRequest, member: Any, reason: str, **details: Any) -> None:
    auditing.record(
        "access.denied", actor=member, path=request.path[:300], method=request.method, reason=reason, **details
    )


def _require_licence(request: HttpRequest, member: Any) -> None:
    if getattr(member, "licence_accepted_at", None) is None:
        _deny(request, member, "licence")
        raise HttpError(
            403,
            _(
                "Your organisation has not accepted the list licence yet. Ask the hotline to record your "
                "acceptance; the feeds open as soon as it has."
            ),
        )


class FeedQuery(Schema):
    format: str = "json"
    since: int | None = None
    version: int | None = None


def _feed(request: HttpRequest, kind: str, query: FeedQuery, what: str) -> HttpResponse | FileResponse:
    member = request.auth  # type: ignore[attr-defined]
    fmt = query.format.lower()
    if kind == ListKind.URLS and fmt != "sha256" and Scope.URL_LIST not in getattr(request, "member_scopes", set()):
        _deny(request, member, "scope", scope=Scope.URL_LIST, format=fmt)
        raise HttpError(
            403,
            _(
                "This API key may fetch the hashed list only (format=sha256); ask the hotline for the url-list "
                "scope to see addresses."
            ),
        )
    _require_licence(request, member)
    try:
        feed = feeds.feed(kind, fmt, since=query.since, version=query.version)
    except feeds.FeedError as exc:
        raise HttpError(400, str(exc)) from exc
    etag = f'"{feed.path.name}{"-sig" if what == "signature" else ""}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        not_modified = HttpResponse(status=304)  # a member polling an unchanged version downloads nothing
        not_modified["ETag"] = etag
        return not_modified
    Download.objects.create(
        member_id=member.pk,
        member_name=str(member)[:200],
        kind=kind,
        version=feed.version,
        since=feed.since,
        format=fmt,
        what=what,
    )
    if what == "signature":
        response: HttpResponse | FileResponse = HttpResponse(feed.signature(), content_type="text/plain")
    else:
        response = FileResponse(feed.path.open("rb"), content_type=feed.content_type)
        response["Content-Disposition"] = f'attachment; filename="{feed.filename}"'
    response["X-List-Version"] = str(feed.version)
    if feed.since is not None:
        response["X-List-Since"] = str(feed.since)
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = etag
    return response


@router.get("/urls", auth=URL_FEED, summary="The URL list at the latest version, or the changes since one")
def url_list(request: HttpRequest, query: Query[FeedQuery]) -> HttpResponse | FileResponse:
    """format: json, csv, sha256 (a key with only the hashed-url-list scope gets this one) or rpz (whole-domain
    entries as a DNS response policy zone). since=N: only what was removed and added after version N."""
    return _feed(request, ListKind.URLS, query, "body")


@router.get("/urls/signature", auth=URL_FEED, summary="Detached Ed25519 signature (base64) of that exact body")
def url_list_signature(request: HttpRequest, query: Query[FeedQuery]) -> HttpResponse | FileResponse:
    return _feed(request, ListKind.URLS, query, "signature")


@router.get("/keywords", auth=KEYWORD_FEED, summary="The keyword list at the latest version, or the changes since one")
def keyword_list(request: HttpRequest, query: Query[FeedQuery]) -> HttpResponse | FileResponse:
    return _feed(request, ListKind.KEYWORDS, query, "body")


@router.get("/keywords/signature", auth=KEYWORD_FEED, summary="Detached Ed25519 signature of the keyword body")
def keyword_list_signature(request: HttpRequest, query: Query[FeedQuery]) -> HttpResponse | FileResponse:
    return _feed(request, ListKind.KEYWORDS, query, "signature")


@router.get("/public-key", auth=PUBLIC, summary="The Ed25519 public key that verifies every list export (PEM)")
def public_key(request: HttpRequest) -> HttpResponse:
    return HttpResponse(signing.public_key_pem(), content_type="application/x-pem-file")


class CheckOut(Schema):
    url: str
    blocked: bool
    scope: str | None
    version: int


@router.get("/check", auth=LOOKUP, response=CheckOut, summary="Is this address blocked by the published URL list?")
def check(request: HttpRequest, url: str) -> JsonResponse | dict[str, Any]:
    _require_licence(request, request.auth)  # type: ignore[attr-defined]
    try:
        result = matcher.check(url)
    except AddressError as exc:
        raise HttpError(400, str(exc)) from exc
    return {"url": result.canonical_url, "blocked": result.blocked, "scope": result.scope, "version": result.version}
