"""Helpers for tests across the project: staff with a verified second factor, member keys, current TOTP codes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from reportal.accounts import services

TEST_PASSWORD = "correct horse battery 9"  # noqa: S105  (tests only)


def make_staff(
    username: str, role: str, portals: Iterable[Any] = (), password: str = TEST_PASSWORD
) -> tuple[Any, str, str]:
    """A staff user who already chose their password -> (user, password, TOTP secret in base32)."""
    user, password, _uri, secret = services.create_staff(
        username, role, list(portals), password, must_change_password=False
    )
    services.new_recovery_codes(user)  # so sign-in does not stop at the recovery-code page
    return user, password, secret


def sign_in(client: Client, user: Any) -> Client:
    """Sign `client` in as `user` with the second factor passed, as the login and 2FA pages would."""
    client.force_login(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def staff_client(username: str, role: str, portals: Iterable[Any] = ()) -> tuple[Client, Any]:
    user, _password, _secret = make_staff(username, role, portals)
    return sign_in(Client(), user), user


def staff_token(user: Any) -> str:
    """A bearer token for the API, as POST /api/v1/auth/token would give."""
    token, _row = services.issue_staff_token(user)
    return token


def member_key(
    name: str, scopes: Iterable[str], kind: str = "isp", *, licence_accepted: bool = True
) -> tuple[Any, str]:
    """A member organisation and a live API key with `scopes` -> (member, key)."""
    return services.create_member(name, kind, list(scopes), licence_accepted=licence_accepted)
