"""The Django admin: behind the same second factor; hotline admins read the audit log and cannot change it."""

from __future__ import annotations

import pytest
from django.test import Client

from reportal.accounts.testing import make_staff, sign_in
from reportal.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_admin_needs_the_second_factor():
    user, *_ = make_staff("adm", "admin")
    client = Client()
    client.force_login(user)  # password only
    response = client.get("/admin/audit/auditentry/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/2fa/")
    response = Client().get("/admin/login/?next=/admin/")  # the admin's own login page hands over to the staff sign-in
    assert response.status_code == 302 and response["Location"] == "/staff/login/?next=%2Fadmin%2F"


def test_hotline_admin_reads_the_audit_log_but_cannot_change_it():
    user, *_ = make_staff("adm", "admin")
    client = sign_in(Client(), user)
    entry = AuditEntry.objects.first()
    assert client.get("/admin/audit/auditentry/").status_code == 200
    page = client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="action"' not in page.content.decode()
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_analysts_have_no_admin():
    user, *_ = make_staff("ana", "analyst")
    client = sign_in(Client(), user)
    assert client.get("/admin/audit/auditentry/").status_code == 403


def test_profile_changes_in_the_admin_are_audited():
    admin_user, *_ = make_staff("adm", "admin")
    analyst, *_ = make_staff("ana", "analyst")
    client = sign_in(Client(), admin_user)
    profile = analyst.staff_profile
    response = client.post(
        f"/admin/accounts/staffprofile/{profile.pk}/change/",
        {"role": "analyst", "blur_default": "on", "greyscale_default": "on", "disabled": "on", "portals": []},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action="staff.profile_changed")
    assert entry.actor_name == "adm" and entry.details["disabled"] is True and "disabled" in entry.details["fields"]


def test_role_changes_in_the_admin_are_audited_and_partners_need_portals():
    from reportal.portals.models import Portal

    portal = Portal.objects.create(slug="gt", name="Guatemala", display_name="Guatemala", languages=["es"])
    admin_user, *_ = make_staff("adm", "admin")
    analyst, *_ = make_staff("ana", "analyst")
    client = sign_in(Client(), admin_user)
    url = f"/admin/accounts/staffprofile/{analyst.staff_profile.pk}/change/"
    form = {"role": "partner", "blur_default": "on", "greyscale_default": "on", "portals": []}
    response = client.post(url, form)
    assert response.status_code == 200 and "needs at least one portal" in response.content.decode()
    response = client.post(url, {**form, "portals": [portal.pk]})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="staff.role_changed")
    assert entry.details == {
        "username": "ana",
        "old_role": "analyst",
        "new_role": "partner",
        "portals": ["gt"],
        "via": "admin",
    }
    response = client.post(url, {**form, "role": "admin", "portals": []})
    analyst.refresh_from_db()
    assert response.status_code == 302 and analyst.is_staff and analyst.groups.filter(name="hotline admins").exists()
