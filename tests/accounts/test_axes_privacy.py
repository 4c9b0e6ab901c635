"""Issue 11 item 5: django-axes keeps no client address and nothing a person typed (codes, passwords), on every
step that counts a failure (password, second factor, enrolment, API token); lockout still works per username,
from any number of addresses; the migration forgets what older versions kept."""

from __future__ import annotations

import importlib

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps as global_apps
from django.test import Client

from reportal.accounts import services
from reportal.accounts.testing import make_staff

pytestmark = pytest.mark.django_db

ADDRESSES = ("203.0.113.7", "198.51.100.23", "2001:db8::5")


def _assert_nothing_kept(*typed: str) -> None:
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert not model.objects.exclude(ip_address=None).exists(), model.__name__
    for attempt in AccessAttempt.objects.all():
        for text in typed:
            assert text not in attempt.get_data and text not in attempt.post_data
        assert attempt.post_data == "" and attempt.get_data == ""


def test_failed_codes_and_passwords_leave_no_address_and_no_typed_text(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _user, password, secret = make_staff("vic", "analyst")
    wrong_code = "000000" if services.current_totp(secret) != "000000" else "111111"
    for address in ADDRESSES:
        client = Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=address)
        client.post("/staff/login/?code=123999", {"username": "vic", "password": "typed-wrong-password"})
        client.post("/staff/login/", {"username": "vic", "password": password})
        client.post("/staff/2fa/", {"code": wrong_code})
        Client(REMOTE_ADDR=address).post(
            "/api/v1/auth/token",
            {"username": "vic", "password": password, "totp": wrong_code},
            content_type="application/json",
        )
    assert AccessAttempt.objects.filter(username="vic").exists()
    _assert_nothing_kept(wrong_code, "typed-wrong-password", "123999", *ADDRESSES)
    # A successful sign-in leaves no access-log row with an address either.
    client = Client(REMOTE_ADDR=ADDRESSES[0])
    client.post("/staff/login/", {"username": "vic", "password": password})
    client.post("/staff/2fa/", {"code": services.current_totp(secret)})
    _assert_nothing_kept(*ADDRESSES)


def test_lockout_counts_per_username_across_addresses(settings):
    settings.AXES_FAILURE_LIMIT = 3
    _user, password, _secret = make_staff("wyn", "analyst")
    for address in ADDRESSES:
        Client(REMOTE_ADDR=address).post("/staff/login/", {"username": "wyn", "password": "wrong wrong wrong"})
    response = Client(REMOTE_ADDR="192.0.2.99").post("/staff/login/", {"username": "wyn", "password": password})
    assert response.status_code == 429
    _assert_nothing_kept(*ADDRESSES)


def test_the_migration_forgets_addresses_and_typed_data_and_keeps_the_count():
    from django.db.models.signals import pre_save

    from reportal.accounts.axes_privacy import forget_typed_data

    # Rows as older versions wrote them (the privacy receiver is off while they are written).
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        pre_save.disconnect(
            forget_typed_data, sender=model, dispatch_uid=f"reportal.accounts.axes_privacy.{model.__name__}"
        )
    try:
        for n, address in enumerate(ADDRESSES, start=1):
            AccessAttempt.objects.create(
                username="old",
                ip_address=address,
                user_agent="ua",
                get_data="",
                post_data="code=654321",
                http_accept="*/*",
                path_info="/staff/2fa/",
                failures_since_start=n,
            )
        AccessLog.objects.create(
            username="old", ip_address=ADDRESSES[0], user_agent="ua", http_accept="*/*", path_info="/"
        )
    finally:
        for model in (AccessAttempt, AccessLog, AccessFailureLog):
            pre_save.connect(
                forget_typed_data, sender=model, dispatch_uid=f"reportal.accounts.axes_privacy.{model.__name__}"
            )
    migration = importlib.import_module("reportal.accounts.migrations.0003_axes_forget_addresses_and_typed_data")
    migration.forget(global_apps, None)
    attempts = list(AccessAttempt.objects.filter(username="old"))
    assert len(attempts) == 1 and attempts[0].failures_since_start == len(ADDRESSES)
    _assert_nothing_kept("654321", *ADDRESSES)
