"""Signing in to the staff pages: password, then TOTP; enrolment; recovery codes; forced password change;
lockout after repeated failures; idle timeout; logout. All through real HTTP requests to the real views."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from reportal.accounts import services
from reportal.accounts.models import StaffProfile
from reportal.accounts.testing import make_staff
from reportal.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/staff/login/"
VERIFY = "/staff/2fa/"
ACCOUNT = "/staff/"


def _password_step(client, username, password, next_url=""):
    data = {"username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN, data)


def test_new_staff_signs_in_with_password_and_totp_then_sees_codes_and_must_choose_a_password(client):
    _user, password, _uri, secret = services.create_staff("ana", "analyst")

    response = _password_step(client, "ana", password, next_url=ACCOUNT)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    # The password alone signs nobody in: staff pages still send to the login page.
    assert client.get(ACCOUNT)["Location"].startswith(LOGIN)

    response = client.post(response["Location"], {"code": services.current_totp(secret)})
    assert response.status_code == 302 and "/staff/2fa/recovery-codes/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</code>", page)
    assert len(codes) == 10
    # Shown once: a reload does not show them again.
    assert not re.findall(r"<code>[0-9a-f]{4}-", client.get("/staff/2fa/recovery-codes/").content.decode())

    # The one-time password must be changed before any staff page opens.
    response = client.get(ACCOUNT)
    assert response.status_code == 302 and response["Location"].startswith("/staff/password/")
    response = client.post(
        "/staff/password/", {"old_password": password, "new_password1": password, "new_password2": password}
    )
    assert "different from the one you were given" in response.content.decode()
    new = "a much longer pass phrase 42"
    response = client.post(
        "/staff/password/?next=/staff/",
        {"old_password": password, "new_password1": new, "new_password2": new, "next": ACCOUNT},
    )
    assert response.status_code == 302 and response["Location"] == ACCOUNT
    page = client.get(ACCOUNT)
    assert page.status_code == 200 and "Analyst" in page.content.decode()
    assert not StaffProfile.objects.get(user__username="ana").must_change_password
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert {"staff.created", "staff.password_accepted", "staff.login", "staff.password_changed"} <= set(actions)


def test_wrong_password_and_wrong_code_are_refused_and_audited(client):
    _user, password, secret = make_staff("bea", "senior")
    response = _password_step(client, "bea", "not the password")
    assert response.status_code == 200 and "username or password is wrong" in response.content.decode()
    assert client.get(ACCOUNT)["Location"].startswith(LOGIN)

    _password_step(client, "bea", password)
    wrong = "000000" if services.current_totp(secret) != "000000" else "111111"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200 and "not valid" in response.content.decode()
    assert client.get(ACCOUNT)["Location"].startswith(LOGIN)
    failures = AuditEntry.objects.filter(action="staff.login_failed")
    assert [e.details["step"] for e in failures] == ["password", "totp"]
    assert all(e.details["username"] == "bea" for e in failures)


def test_first_sign_in_without_an_authenticator_enrols_with_a_qr_code(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp's back-off after a wrong code is tested elsewhere
    user, password, _secret = make_staff("cai", "analyst")
    TOTPDevice.objects.filter(user=user).delete()  # as for an account made in the admin

    response = _password_step(client, "cai", password)
    assert response["Location"].startswith("/staff/2fa/setup/")
    page = client.get(response["Location"]).content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    uri = re.search(r"(otpauth://totp/[^<\s\"]+)", page).group(1)
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    assert secret in page
    # The device is unconfirmed until a code proves the app has it; a wrong code keeps it so.
    assert client.post("/staff/2fa/setup/", {"code": "12345x"}).status_code == 200
    assert not TOTPDevice.objects.get(user=user).confirmed

    response = client.post("/staff/2fa/setup/", {"code": services.current_totp(secret)})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get(ACCOUNT).status_code == 200
    assert AuditEntry.objects.filter(action="staff.totp_enrolled", actor_id=user.pk).exists()


def test_a_recovery_code_signs_in_once(client):
    user, password, _secret = make_staff("dan", "analyst")
    codes = services.new_recovery_codes(user)

    _password_step(client, "dan", password)
    response = client.post(VERIFY, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(ACCOUNT).status_code == 200
    assert AuditEntry.objects.filter(action="staff.login", details__method="recovery-code").exists()

    client.post("/staff/logout/")
    _password_step(client, "dan", password)
    response = client.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200 and "not valid" in response.content.decode()


def test_lockout_after_the_configured_number_of_failures_even_with_the_right_password(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    _user, password, _secret = make_staff("eve", "analyst")
    for _attempt in range(3):
        _password_step(client, "eve", "wrong password here")
    response = _password_step(client, "eve", password)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert client.get(ACCOUNT)["Location"].startswith(LOGIN)
    assert AuditEntry.objects.filter(action="staff.locked_out", details__username="eve").exists()

    # An admin unlocks: the right password works again.
    services.unlock_staff("eve")
    assert _password_step(client, "eve", password)["Location"].startswith(VERIFY)


def test_wrong_codes_count_towards_the_lockout_and_end_the_session(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    _user, password, secret = make_staff("fay", "analyst")
    _password_step(client, "fay", password)
    wrong = "000000" if services.current_totp(secret) != "000000" else "111111"
    client.post(VERIFY, {"code": wrong})
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 429
    # Signed out: even the right code no longer helps without the password, which is locked.
    assert client.get(VERIFY)["Location"].startswith(LOGIN)
    assert _password_step(client, "fay", password).status_code == 429


def test_idle_session_expires(client, settings):
    _user, password, secret = make_staff("gus", "analyst")
    _password_step(client, "gus", password)
    client.post(VERIFY, {"code": services.current_totp(secret)})
    assert client.get(ACCOUNT).status_code == 200
    # Each request pushes the expiry forward by SESSION_COOKIE_AGE; one idle period later the session is gone.
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(ACCOUNT)["Location"].startswith(LOGIN)


def test_logout_ends_the_session(client):
    _user, password, secret = make_staff("hal", "admin")
    _password_step(client, "hal", password)
    client.post(VERIFY, {"code": services.current_totp(secret)})
    assert client.get(ACCOUNT).status_code == 200
    assert client.post("/staff/logout/").status_code == 200
    assert client.get(ACCOUNT)["Location"].startswith(LOGIN)
    assert AuditEntry.objects.filter(action="staff.logout").count() == 1


def test_disabled_staff_cannot_sign_in(client):
    _user, password, _secret = make_staff("ivy", "analyst")
    services.disable_staff("ivy")
    response = _password_step(client, "ivy", password)
    assert response.status_code == 200 and "may not sign in" in response.content.decode()


def test_open_redirects_are_refused(client):
    _user, password, secret = make_staff("jon", "analyst")
    _password_step(client, "jon", password, next_url="https://evil.example/")
    response = client.post(VERIFY, {"code": services.current_totp(secret), "next": "https://evil.example/"})
    assert response["Location"] == "/workbench/"


def test_staff_pages_carry_no_inline_script_and_load_nothing_from_elsewhere(client):
    for url in (LOGIN,):
        page = client.get(url).content.decode()
        assert "<script>" not in page and "<script " not in page.replace('<script src="/static/', "")
        assert "http://" not in page and "https://" not in page


@pytest.mark.urls("tests.accounts.probe_urls")
def test_background_calls_do_not_keep_an_unattended_session_alive(client, settings):
    """A heartbeat every 30 s renews the cookie, but the idle sign-out counts only what the person did."""
    import time as clock

    from reportal.access import ACTIVITY_SESSION_KEY

    _user, password, secret = make_staff("kim", "analyst")
    _password_step(client, "kim", password)
    client.post(VERIFY, {"code": services.current_totp(secret)})
    assert client.get(ACCOUNT).status_code == 200
    assert client.get("/probe-heartbeat/").content == b"beat"
    active_at = client.session[ACTIVITY_SESSION_KEY]
    assert client.get("/probe-heartbeat/").status_code == 200
    assert client.session[ACTIVITY_SESSION_KEY] == active_at  # a background call is not activity

    session = client.session
    session[ACTIVITY_SESSION_KEY] = clock.time() - settings.SESSION_COOKIE_AGE - 60
    session.save()
    response = client.get("/probe-heartbeat/")
    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    assert client.get(ACCOUNT)["Location"].startswith(LOGIN)
    assert AuditEntry.objects.filter(action="staff.idle_timeout", actor_name="kim").exists()


def test_staff_pages_speak_the_browsers_language(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Iniciar sesión en la línea de denuncia" in page
    _user, _password, _secret = make_staff("lia", "analyst")
    client.post(LOGIN, {"username": "lia", "password": "not it at all"}, HTTP_ACCEPT_LANGUAGE="es")
    response = client.post(LOGIN, {"username": "lia", "password": "not it at all"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 429
    assert "bloqueada durante 1 hora" in response.content.decode()
    assert "Sign in to the hotline" in client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en").content.decode()
