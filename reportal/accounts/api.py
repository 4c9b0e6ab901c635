"""POST /api/v1/auth/token: username, password and the current TOTP code give a bearer token for the staff API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja import Router, Schema
from ninja.errors import HttpError

from reportal import access
from reportal.accounts import services
from reportal.accounts.models import ApiKey, StaffToken
from reportal.audit.services import record

router = Router()


class TokenIn(Schema):
    username: str
    password: str
    totp: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105  (the scheme name)
    expires_at: datetime
    role: str


class RevokedOut(Schema):
    revoked: bool


class MemberKeyOut(Schema):
    member: str
    kind: str
    key_prefix: str
    scopes: list[str]
    expires_at: datetime | None
    licence_accepted: bool


class RotateIn(Schema):
    grace_hours: float = 24


class RotatedOut(Schema):
    key: str
    key_prefix: str
    scopes: list[str]
    expires_at: datetime | None
    old_key_works_until: datetime


LOCKED = gettext_lazy("Too many failed attempts: this account is locked. Try later or ask a hotline admin.")


def _locked(request: HttpRequest, username: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": username})


@router.post(
    "/token",
    response={200: TokenOut},
    auth=access.PUBLIC,
    summary="A bearer token for the staff API (password and current TOTP code)",
)
def issue_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Username, password and the current TOTP code of a staff account give a bearer token for the staff API
    (send it as Authorization: Bearer <token>). Wrong answers count towards the account's lockout; 429 when locked."""
    username = payload.username[:150]
    refused = _("The username, password or code is wrong. Check all three; repeated failures lock the account.")
    if _locked(request, username):
        record(None, "staff.login_refused_locked", username=username, via="api")
        raise HttpError(429, str(LOCKED))
    user = authenticate(request, username=username, password=payload.password)
    if user is None:
        if _locked(request, username):
            raise HttpError(
                429, _("Too many failed attempts: this account is locked. Try later or ask a hotline admin.")
            )
        raise HttpError(401, refused)
    profile = getattr(user, "staff_profile", None)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    code = payload.totp.strip().replace(" ", "")
    if device is None or not code.isdigit() or not device.verify_token(code):
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request, step="api-totp")
        if _locked(request, username):
            raise HttpError(
                429, _("Too many failed attempts: this account is locked. Try later or ask a hotline admin.")
            )
        raise HttpError(401, refused)
    if profile is None or profile.disabled or profile.role not in access.STAFF_ROLES:
        record(user, "staff.login_refused", reason="not-staff", via="api")
        raise HttpError(403, _("This account may not use the staff API. Ask a hotline admin."))
    if profile.must_change_password:
        raise HttpError(
            403, _("Sign in to the staff pages once and choose your own password; then ask for a token again.")
        )
    AxesProxyHandler.user_logged_in(sender=__name__, request=request, user=user)  # a success resets the failures
    token, row = services.issue_staff_token(user)
    record(user, "staff.login", method="totp", via="api")
    return {"token": token, "expires_at": row.expires_at, "role": profile.role}


@router.delete(
    "/token",
    response={200: RevokedOut},
    auth=access.StaffTokenAuth(),
    summary="Revoke the bearer token this request carries",
)
def revoke_token(request: HttpRequest) -> Any:
    """Revoke the staff token this request carries; it stops working at once."""
    token = getattr(request.user, "reportal_api_token", None)
    if token is None:
        raise HttpError(400, _("Send the token to revoke in the Authorization header."))
    StaffToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    record(request.user, "staff.token_revoked", request.user, token=token.prefix)
    return {"revoked": True}


def _key_out(member: Any, key: Any) -> dict[str, Any]:
    return {
        "member": member.name,
        "kind": member.kind,
        "key_prefix": key.prefix,
        "scopes": sorted(key.scopes),
        "expires_at": key.expires_at,
        "licence_accepted": member.licence_accepted_at is not None,
    }


@router.get(
    "/key",
    response={200: MemberKeyOut},
    auth=access.AnyMemberKeyAuth(),
    summary="The member key this request carries: organisation, scopes, expiry",
)
def member_key(request: HttpRequest) -> Any:
    """The member key this request carries: organisation, kind, key prefix, scopes, expiry and licence state."""
    key = ApiKey.objects.get(pk=request.member_key.pk)  # type: ignore[attr-defined]
    return _key_out(request.member, key)  # type: ignore[attr-defined]


@router.post(
    "/key/rotate",
    response={200: RotatedOut},
    auth=access.AnyMemberKeyAuth(),
    summary="Replace the member key this request carries; the old one keeps working for grace_hours (default 24)",
)
def rotate_member_key(request: HttpRequest, payload: RotateIn) -> Any:
    """A new key for the member (shown once); the key this request carries keeps working for grace_hours (0-168)."""
    try:
        key, row, ends = services.rotate_own_key(
            request.member,  # type: ignore[attr-defined]
            request.member_key.pk,  # type: ignore[attr-defined]
            grace_hours=payload.grace_hours,
        )
    except services.AccountError as exc:
        raise HttpError(400, str(exc)) from exc
    return {
        "key": key,
        "key_prefix": row.prefix,
        "scopes": sorted(row.scopes),
        "expires_at": row.expires_at,
        "old_key_works_until": ends,
    }
