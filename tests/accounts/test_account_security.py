"""Issue 11, items 1, 2, 9: one access rule on every staff surface, the admin included.

- Disabling an account ends every session (staff pages, workbench, admin, the API's session auth) and every token
  at once, whichever way it is disabled (command, admin, service).
- Nobody changes their own role, portals or disabled flag: not in the admin (form, crafted POST), not through the
  services; Django's user and group pages, where one could grant oneself anything, are not in the admin at all.
- The sign-in steps (second factor, forced password change) apply to the admin as to every staff page.
- A password change asks for the current password, ends the other sessions and every API token.
- Rotating a member key keeps its expiry (hotline command and the member's own API call).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from reportal.accounts import services
from reportal.accounts.models import ApiKey, StaffProfile, StaffToken
from reportal.accounts.testing import TEST_PASSWORD, make_staff, member_key, sign_in, staff_token

pytestmark = pytest.mark.django_db

# Each staff surface a signed-in session reaches, and what an admin's session gets there.
SURFACES = ("/admin/", "/admin/accounts/staffprofile/", "/admin/portals/portal/", "/workbench/", "/staff/")


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _profile_form(profile: StaffProfile, **changes: object) -> dict[str, object]:
    form: dict[str, object] = {
        "role": profile.role,
        "portals": [p.pk for p in profile.portals.all()],
        "blur_default": "on",
        "greyscale_default": "on",
    }
    if profile.disabled:
        form["disabled"] = "on"
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


@pytest.mark.parametrize("how", ["command", "service", "admin"])
def test_disabling_ends_every_session_and_token_on_every_surface(how):
    adm1, *_ = make_staff("adm1", "admin")
    adm2, *_ = make_staff("adm2", "admin")
    session = sign_in(Client(), adm1)
    second_session = sign_in(Client(), adm1)
    token = staff_token(adm1)
    for url in SURFACES:
        assert session.get(url).status_code == 200, url
    assert session.get("/api/v1/queue").status_code == 200
    assert Client().get("/api/v1/queue", **_bearer(token)).status_code == 200

    if how == "command":
        call_command("staff", "disable", "adm1")
    elif how == "service":
        services.disable_staff("adm1", actor=adm2)
    else:
        other = sign_in(Client(), adm2)
        profile = adm1.staff_profile
        response = other.post(
            f"/admin/accounts/staffprofile/{profile.pk}/change/", _profile_form(profile, disabled="on")
        )
        assert response.status_code == 302, response.content.decode()[:500]

    for client in (session, second_session):
        for url in SURFACES:
            response = client.get(url)
            assert response.status_code in (302, 403), url
            if response.status_code == 302:
                assert response["Location"].startswith("/staff/login/"), url
        assert client.get("/api/v1/queue").status_code == 401
        # Re-enabling oneself through the admin: refused before the admin sees the request.
        response = client.post(
            f"/admin/accounts/staffprofile/{adm1.staff_profile.pk}/change/",
            _profile_form(adm1.staff_profile, disabled=None),
        )
        assert response.status_code in (302, 403)
    assert Client().get("/api/v1/queue", **_bearer(token)).status_code == 401
    assert StaffProfile.objects.get(user=adm1).disabled
    assert not StaffToken.objects.filter(user=adm1, revoked_at__isnull=True).exists()
    # A fresh sign-in is refused too.
    fresh = Client()
    response = fresh.post("/staff/login/", {"username": "adm1", "password": TEST_PASSWORD})
    assert "may not sign in" in response.content.decode()


@pytest.mark.parametrize(
    "change",
    [{"disabled": "on"}, {"role": "analyst"}, {"role": "partner"}, {"role": "senior"}],
    ids=["disable-self", "demote-self-analyst", "self-partner", "self-senior"],
)
def test_nobody_changes_their_own_role_or_disabled_flag_in_the_admin(change):
    from reportal.portals.models import Portal

    portal = Portal.objects.create(slug="gt", name="Guatemala", display_name="Guatemala", languages=["es"])
    adm, *_ = make_staff("adm", "admin")
    client = sign_in(Client(), adm)
    profile = adm.staff_profile
    url = f"/admin/accounts/staffprofile/{profile.pk}/change/"
    page = client.get(url).content.decode()
    # One's own role, portals and disabled flag are shown, not offered as inputs.
    assert 'name="role"' not in page and 'name="disabled"' not in page and 'name="portals"' not in page
    client.post(url, _profile_form(profile, portals=[portal.pk], **change))
    profile.refresh_from_db()
    assert profile.role == "admin" and not profile.disabled and not profile.portals.exists()
    adm.refresh_from_db()
    assert adm.is_staff and adm.groups.filter(name=services.ADMIN_GROUP).exists()


@pytest.mark.parametrize("call", ["disable", "role", "enable"])
def test_nobody_changes_their_own_role_or_flag_through_the_services(call):
    adm, *_ = make_staff("adm", "admin")
    with pytest.raises(services.AccountError, match="your own"):
        if call == "disable":
            services.disable_staff("adm", actor=adm)
        elif call == "role":
            services.set_role("adm", "analyst", actor=adm)
        else:
            services.enable_staff("adm", actor=adm)
    profile = StaffProfile.objects.get(user=adm)
    assert profile.role == "admin" and not profile.disabled


def test_another_admin_may_change_a_role_and_the_audit_says_who():
    adm1, *_ = make_staff("adm1", "admin")
    adm2, *_ = make_staff("adm2", "admin")
    client = sign_in(Client(), adm2)
    profile = adm1.staff_profile
    response = client.post(f"/admin/accounts/staffprofile/{profile.pk}/change/", _profile_form(profile, role="senior"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.role == "senior"
    adm1.refresh_from_db()
    assert not adm1.is_staff and not adm1.groups.exists()


@pytest.mark.parametrize(
    "url",
    ["/admin/auth/user/", "/admin/auth/group/", "/admin/otp_totp/totpdevice/", "/admin/otp_static/staticdevice/"],
)
def test_pages_that_could_grant_anything_are_not_in_the_admin(url):
    adm, *_ = make_staff("adm", "admin")
    client = sign_in(Client(), adm)
    assert client.get(url).status_code == 404
    adm.refresh_from_db()
    assert not adm.is_superuser


@pytest.mark.parametrize(
    "url",
    ["/admin/", "/admin/accounts/staffprofile/", "/admin/portals/portal/add/", "/admin/jsi18n/", "/admin/logout/"],
)
def test_the_admin_waits_for_the_forced_password_change(url):
    user, one_time, _uri, secret = services.create_staff("newadm", "admin")  # a one-time password
    services.new_recovery_codes(user)
    client = Client()
    client.post("/staff/login/", {"username": "newadm", "password": one_time})
    client.post("/staff/2fa/", {"code": services.current_totp(secret)})
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/staff/password/"), url
    # A crafted change is refused the same way, and changes nothing.
    profile = user.staff_profile
    response = client.post(
        f"/admin/accounts/staffprofile/{profile.pk}/change/", _profile_form(profile, blur_default=None)
    )
    assert response.status_code == 302 and response["Location"].startswith("/staff/password/")
    profile.refresh_from_db()
    assert profile.blur_default


def test_the_admin_needs_the_second_factor_and_the_admin_role():
    adm, *_ = make_staff("adm", "admin")
    password_only = Client()
    password_only.force_login(adm)
    response = password_only.get("/admin/portals/portal/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/2fa/")
    for role in ("analyst", "senior"):
        user, *_ = make_staff(f"x-{role}", role)
        assert sign_in(Client(), user).get("/admin/").status_code == 403


def test_password_change_asks_for_the_current_password_and_ends_other_sessions_and_tokens():
    user, *_ = make_staff("pat", "analyst")
    here = sign_in(Client(), user)
    elsewhere = sign_in(Client(), user)
    tokens = [staff_token(user), staff_token(user)]
    new = "another long pass phrase 11"
    response = here.post(
        "/staff/password/", {"old_password": "not my password at all", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200 and "not your current password" in response.content.decode()
    response = here.post("/staff/password/", {"new_password1": new, "new_password2": new})
    assert response.status_code == 200  # no current password: refused
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)

    response = here.post(
        "/staff/password/", {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert here.get("/staff/").status_code == 200  # this session goes on
    assert elsewhere.get("/staff/")["Location"].startswith("/staff/login/")
    for token in tokens:
        assert Client().get("/api/v1/queue", **_bearer(token)).status_code == 401


def test_the_admins_own_password_change_leads_to_the_staff_one():
    adm, *_ = make_staff("adm", "admin")
    client = sign_in(Client(), adm)
    for method in ("get", "post"):
        response = getattr(client, method)("/admin/password_change/")
        assert response.status_code == 302 and response["Location"] == "/staff/password/"
    adm.refresh_from_db()
    assert adm.check_password(TEST_PASSWORD)


def test_a_session_begun_before_its_sessions_were_ended_stops_even_without_a_password_change():
    user, *_ = make_staff("ron", "admin")
    old = sign_in(Client(), user)
    assert old.get("/admin/").status_code == 200
    services.end_access(user)
    assert old.get("/admin/")["Location"].startswith("/staff/login/")
    assert sign_in(Client(), user).get("/admin/").status_code == 200  # a new sign-in works


def test_rotation_keeps_the_expiry_of_the_key():
    member, key = services.create_member("ISP Z", "isp", ["url-list"], expires_days=30)
    ends = ApiKey.objects.get(member=member).expires_at
    # The hotline's command: the new key ends when the old one would have.
    call_command("members", "rotate", "ISP Z", "--grace-hours", "1")
    assert ApiKey.objects.filter(member=member).order_by("-created_at").first().expires_at == ends
    # The member's own rotation, again and again, never moves the end (nor does the old key outlive it).
    current = ApiKey.objects.filter(member=member).order_by("-created_at").first()
    _member, current_key = member, key
    current_key, _row, _ends = services.rotate_own_key(member, current.pk, grace_hours=0)
    client = Client()
    for _round in range(3):
        response = client.post(
            "/api/v1/auth/key/rotate", {"grace_hours": 0}, content_type="application/json", **_bearer(current_key)
        )
        assert response.status_code == 200, response.content
        body = response.json()
        current_key = body["key"]
        assert body["expires_at"] is not None
        assert ApiKey.objects.get(prefix=body["key_prefix"]).expires_at == ends
    assert set(ApiKey.objects.filter(member=member).values_list("expires_at", flat=True)) == {ends}


def test_rotation_without_expiry_stays_without_and_an_explicit_new_expiry_is_the_hotlines_choice():
    member, _key = member_key("Platform Q", ["match"])
    call_command("members", "rotate", "Platform Q")
    assert ApiKey.objects.filter(member=member).order_by("-created_at").first().expires_at is None
    call_command("members", "rotate", "Platform Q", "--expires-days", "10")
    newest = ApiKey.objects.filter(member=member).order_by("-created_at").first()
    assert newest.expires_at is not None
    assert abs(newest.expires_at - (timezone.now() + timedelta(days=10))) < timedelta(minutes=1)
