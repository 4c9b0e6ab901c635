"""`reportal staff`: create prints a one-time password and an otpauth URI that really sign in; list, disable,
reset (new password and TOTP; the old ones stop working), unlock, role changes (audited)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reportal.accounts import services
from reportal.audit.models import AuditEntry
from reportal.portals.models import Portal

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("staff", *args, stdout=out)
    return out.getvalue()


def _credentials(output: str) -> tuple[str, str, str]:
    password = re.search(r"password:\s+(\S+)", output).group(1)
    uri = re.search(r"otpauth URI:\s+(\S+)", output).group(1)
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    return password, uri, secret


def _sign_in(client, username: str, password: str, secret: str, step_offset: int = 0):
    client.post("/staff/login/", {"username": username, "password": password})
    return client.post("/staff/2fa/", {"code": services.current_totp(secret, step_offset=step_offset)})


def test_create_prints_credentials_that_sign_in(client):
    output = _run("create", "--username", "amy", "--role", "analyst")
    password, uri, secret = _credentials(output)
    assert uri.startswith("otpauth://totp/") and "issuer=reportal" in uri
    response = _sign_in(client, "amy", password, secret)
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="staff.login", actor_name="amy").exists()


def test_partner_needs_a_portal_and_unknown_portals_are_named():
    Portal.objects.create(slug="gt", name="Guatemala", display_name="Guatemala", languages=["es"])
    with pytest.raises(CommandError, match="at least one portal"):
        _run("create", "--username", "pia", "--role", "partner")
    with pytest.raises(CommandError, match="No portal with the slug zz"):
        _run("create", "--username", "pia", "--role", "partner", "--portal", "zz")
    _run("create", "--username", "pia", "--role", "partner", "--portal", "gt")
    listing = _run()
    assert re.search(r"pia\s+partner\s+new\s+yes\s+-\s+gt", listing)


def test_members_cannot_be_staff_and_usernames_are_unique():
    with pytest.raises(CommandError):
        _run("create", "--username", "isp", "--role", "member")
    _run("create", "--username", "bob", "--role", "senior")
    with pytest.raises(CommandError, match="taken"):
        _run("create", "--username", "bob", "--role", "senior")


def test_disable_ends_access(client):
    password, _uri, secret = _credentials(_run("create", "--username", "cy", "--role", "analyst"))
    _run("disable", "cy")
    client.post("/staff/login/", {"username": "cy", "password": password})
    assert client.get("/staff/2fa/")["Location"].startswith("/staff/login/")
    assert re.search(r"cy\s+analyst\s+disabled", _run())


def test_reset_gives_new_password_and_totp_and_the_old_ones_stop_working(client, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong (old) code must not delay the right one
    old_password, _uri, old_secret = _credentials(_run("create", "--username", "dee", "--role", "analyst"))
    new_password, _uri, new_secret = _credentials(_run("reset", "dee"))
    assert new_password != old_password and new_secret != old_secret
    response = client.post("/staff/login/", {"username": "dee", "password": old_password})
    assert response.status_code == 200  # refused
    client.post("/staff/login/", {"username": "dee", "password": new_password})
    assert client.post("/staff/2fa/", {"code": services.current_totp(old_secret)}).status_code == 200
    assert client.post("/staff/2fa/", {"code": services.current_totp(new_secret)}).status_code == 302
    assert AuditEntry.objects.filter(action="staff.reset").count() == 1


def test_role_change_is_audited():
    Portal.objects.create(slug="sv", name="El Salvador", display_name="El Salvador", languages=["es"])
    _run("create", "--username", "eli", "--role", "analyst")
    _run("role", "eli", "partner", "--portal", "sv")
    entry = AuditEntry.objects.get(action="staff.role_changed")
    assert entry.details["old_role"] == "analyst" and entry.details["new_role"] == "partner"
    assert entry.details["portals"] == ["sv"]


def test_unlock_clears_a_lockout(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    password, _uri, _secret = _credentials(_run("create", "--username", "fin", "--role", "analyst"))
    for _ in range(2):
        client.post("/staff/login/", {"username": "fin", "password": "wrong wrong wrong"})
    assert client.post("/staff/login/", {"username": "fin", "password": password}).status_code == 429
    assert "Unlocked fin" in _run("unlock", "fin")
    assert client.post("/staff/login/", {"username": "fin", "password": password}).status_code == 302


def test_demo_can_call_create_staff_and_reset_staff():
    user, password, uri, secret = services.create_staff("demo-analyst", "senior")
    assert user.staff_profile.role == "senior" and password and uri.endswith("issuer=reportal") and secret
    user2, password2, _uri2, secret2 = services.reset_staff("demo-analyst")
    assert user2.pk == user.pk and password2 != password and secret2 != secret
