"""Signed-in staff for the workbench tests: real accounts (accounts.services), sessions verified with a TOTP device."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from reportal.hotline import preview

PASSWORD = "correct horse battery staple 42"
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _empty_preview_store():
    preview.STORE.clear()
    yield
    preview.STORE.clear()


@pytest.fixture
def staff_user(db) -> Callable[..., object]:
    from reportal.accounts.services import create_staff

    def make(role: str, portals: tuple[str, ...] = (), username: str = "") -> object:
        user, _password, _uri, _secret = create_staff(
            username or f"{role}{next(_numbers)}", role, list(portals), password=PASSWORD, must_change_password=False
        )
        return user

    return make


def signed_in(user) -> Client:
    """A browser session of `user` that has passed password and TOTP."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


@pytest.fixture
def staff_client(staff_user) -> Callable[..., tuple[Client, object]]:
    def make(role: str, portals: tuple[str, ...] = (), username: str = "") -> tuple[Client, object]:
        user = staff_user(role, portals, username)
        return signed_in(user), user

    return make
