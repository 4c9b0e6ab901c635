"""The API's side of access: POST /api/v1/auth/token (password + TOTP, lockout), staff tokens by role, the signed-in
session, member keys by scope (403 and audited without it), "or staff", PUBLIC, and undeclared operations refused."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from reportal.accounts import services
from reportal.accounts.models import StaffToken
from reportal.accounts.testing import make_staff, member_key, sign_in, staff_token
from reportal.audit.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.accounts.probe_urls")]

TOKEN_URL = "/api/v1/auth/token"


def _ask_token(client, username, password, code):
    return client.post(
        TOKEN_URL, {"username": username, "password": password, "totp": code}, content_type="application/json"
    )


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_token_needs_password_and_current_totp(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _user, password, secret = make_staff("tia", "analyst")
    assert _ask_token(client, "tia", password, "").status_code == 401
    wrong = "000000" if services.current_totp(secret) != "000000" else "111111"
    assert _ask_token(client, "tia", password, wrong).status_code == 401
    assert _ask_token(client, "tia", "wrong password!", services.current_totp(secret)).status_code == 401
    response = _ask_token(client, "tia", password, services.current_totp(secret))
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("rps_") and body["role"] == "analyst" and body["token_type"] == "Bearer"
    stored = StaffToken.objects.get()
    assert body["token"] not in (stored.token_hash, stored.prefix)  # only the hash is kept

    assert client.get("/probe/assessors", **_bearer(body["token"])).json() == {"who": "tia"}
    assert AuditEntry.objects.filter(action="staff.login", details__via="api").exists()
    assert [e.details["step"] for e in AuditEntry.objects.filter(action="staff.login_failed")] == [
        "api-totp",
        "api-totp",
        "password",
    ]


def test_token_requests_count_towards_the_lockout(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    _user, password, secret = make_staff("uma", "analyst")
    for _ in range(2):
        _ask_token(client, "uma", "not the password", "123456")
    assert _ask_token(client, "uma", password, services.current_totp(secret)).status_code == 429


def test_one_time_password_must_be_changed_before_a_token(client):
    _user, password, _uri, secret = services.create_staff("vic", "analyst")
    response = _ask_token(client, "vic", password, services.current_totp(secret))
    assert response.status_code == 403 and "choose your own password" in response.json()["detail"]


def test_staff_token_roles_expiry_and_revocation(client):
    analyst, *_ = make_staff("wes", "analyst")
    partner, *_ = make_staff("xan", "admin")
    analyst_token, partner_token = staff_token(analyst), staff_token(partner)
    assert client.get("/probe/assessors", **_bearer(analyst_token)).status_code == 200
    response = client.get("/probe/assessors", **_bearer(partner_token))
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="access.denied", actor_name="xan").exists()
    assert client.get("/probe/assessors").status_code == 401
    assert client.get("/probe/assessors", **_bearer(analyst_token[:-3] + "abc")).status_code == 401

    # Revoking through the API, expiry, and disabling the account each end the token.
    assert client.delete(TOKEN_URL, **_bearer(analyst_token)).json() == {"revoked": True}
    assert client.get("/probe/assessors", **_bearer(analyst_token)).status_code == 401
    second = staff_token(analyst)
    StaffToken.objects.filter(revoked_at__isnull=True).update(expires_at=timezone.now())
    assert client.get("/probe/assessors", **_bearer(second)).status_code == 401
    third = staff_token(analyst)
    services.disable_staff("wes")
    assert client.get("/probe/assessors", **_bearer(third)).status_code == 401


def test_signed_in_session_works_with_csrf_and_without_it_is_refused():
    user, *_ = make_staff("yan", "senior")
    client = sign_in(Client(enforce_csrf_checks=True), user)
    assert client.get("/probe/assessors").json() == {"who": "yan"}
    assert client.post("/probe/assessors").status_code == 403  # no CSRF token
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/probe/assessors").status_code == 401


def test_member_key_scope_and_or_staff(client):
    _member, match_key = member_key("Platform A", ["match"], kind="platform")
    _other, list_key = member_key("ISP B", ["url-list"])
    assert client.get("/probe/match", HTTP_X_API_KEY=match_key).json() == {"who": "Platform A"}
    assert client.get("/probe/feed", **_bearer(list_key)).json() == {"who": "ISP B"}

    response = client.get("/probe/match", HTTP_X_API_KEY=list_key)
    assert response.status_code == 403 and "match" in response.json()["detail"]
    denied = AuditEntry.objects.get(action="access.denied")
    assert denied.actor_name == "member:ISP B" and denied.actor_role == "member"
    assert client.get("/probe/match").status_code == 401

    # "or staff": the hotline's analysts may match with their token; the feed takes member keys only.
    analyst, *_ = make_staff("zed", "analyst")
    token = staff_token(analyst)
    assert client.get("/probe/match", **_bearer(token)).json() == {"who": "zed"}
    assert client.get("/probe/feed", **_bearer(token)).status_code == 401
    partner_user, *_ = make_staff("pat", "partner", portals=[_portal()])
    assert client.get("/probe/match", **_bearer(staff_token(partner_user))).status_code == 403


def test_public_and_forgotten_operations(client):
    assert client.get("/probe/public").json() == {"who": "anyone"}
    response = client.get("/probe/forgotten")
    assert response.status_code == 403 and "declares no access rule" in response.json()["detail"]


def _portal():
    from reportal.portals.models import Portal

    return Portal.objects.create(slug="bz", name="Belize", display_name="Belize", languages=["en"])


def test_a_member_reads_and_rotates_its_own_key(client):
    _member, old_key = member_key("Rotating ISP", ["url-list", "hashed-url-list"], licence_accepted=False)
    info = client.get("/api/v1/auth/key", HTTP_X_API_KEY=old_key).json()
    assert info["member"] == "Rotating ISP" and info["scopes"] == ["hashed-url-list", "url-list"]
    assert info["licence_accepted"] is False and old_key.startswith("rpm_" + info["key_prefix"])
    assert client.get("/api/v1/auth/key").status_code == 401

    response = client.post(
        "/api/v1/auth/key/rotate", {"grace_hours": 0}, content_type="application/json", **_bearer(old_key)
    )
    assert response.status_code == 200
    new_key = response.json()["key"]
    assert response.json()["scopes"] == ["hashed-url-list", "url-list"]
    assert client.get("/probe/feed", **_bearer(old_key)).status_code == 401  # no grace asked: gone at once
    assert client.get("/probe/feed", **_bearer(new_key)).json() == {"who": "Rotating ISP"}

    response = client.post("/api/v1/auth/key/rotate", {}, content_type="application/json", **_bearer(new_key))
    newest = response.json()["key"]
    assert client.get("/probe/feed", **_bearer(new_key)).status_code == 200  # 24 hours of grace by default
    assert client.get("/probe/feed", **_bearer(newest)).status_code == 200
    too_long = client.post(
        "/api/v1/auth/key/rotate", {"grace_hours": 1000}, content_type="application/json", **_bearer(newest)
    )
    assert too_long.status_code == 400 and "between 0 and 168 hours" in too_long.json()["detail"]
    assert AuditEntry.objects.filter(action="member.key_rotated", details__via="api").count() == 2
    analyst, *_ = make_staff("sam", "analyst")
    assert client.get("/api/v1/auth/key", **_bearer(staff_token(analyst))).status_code == 401
