"""Debian's Chromium as an operator: a hotline admin made by `reportal createsuperuser` signs in and adds a new country
portal (Honduras, Spanish) through the admin, start to finish, and its landing page serves; a save in the admin, a
staff form and a public form all pass CSRF in Chromium (issue 10, items 1 and 2)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from reportal.accounts import services
from reportal.portals.models import Portal
from reportal.reports.models import Report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "an operator's long pass phrase 3"  # noqa: S105  (tests only)
SHOTS = "/tmp/opsacc-shot-{}.png"


def _sign_in(page, base: str, username: str, password: str, secret: str, next_url: str) -> None:
    page.goto(f"{base}{next_url}")
    page.wait_for_url(re.compile(r"/staff/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/staff/2fa/"))
    page.get_by_label(re.compile("Code from your authenticator app")).fill(services.current_totp(secret))
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_an_operator_adds_a_country_portal_in_the_admin(live_server, page, monkeypatch, capsys):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", "--username", "operator")
    secret = re.search(r"TOTP secret:\s+(\S+)", capsys.readouterr().out).group(1)
    services.new_recovery_codes(get_user_model().objects.get(username="operator"))
    responses: list[int] = []
    page.on("response", lambda r: responses.append(r.status) if r.request.method == "POST" else None)

    _sign_in(page, live_server.url, "operator", PASSWORD, secret, "/admin/")
    page.wait_for_url(re.compile(r"/admin/$"))
    for section in ("Portals", "Routing rules", "Classification schemes", "Keywords"):
        assert page.get_by_role("link", name=section).first.is_visible(), section
    page.screenshot(path=SHOTS.format("admin-index"), full_page=True)

    page.goto(f"{live_server.url}/admin/portals/portal/add/")
    page.locator("#id_slug").fill("hn")
    page.locator("#id_name").fill("Honduras")
    page.locator("#id_country_code").fill("HN")
    page.locator("#id_default_language").select_option("es")
    page.locator("#id_display_name").fill("Denuncia Honduras")
    page.locator("summary", has_text="Texts in Español (es)").click()
    page.locator("#id_privacy_text__es").fill("Aviso de privacidad de Honduras.")
    page.locator("#id_display_name_by_language__es").fill("Denuncia Honduras")
    page.locator("#id_helplines-0-name").fill("Línea 111")
    page.locator("#id_helplines-0-phone").fill("111")
    page.screenshot(path=SHOTS.format("admin-portal-add"), full_page=True)
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/portals/portal/$"))
    assert "was added successfully" in page.content()
    assert all(status < 400 for status in responses), responses  # the admin's save passed CSRF in Chromium

    portal = Portal.objects.get(slug="hn")
    assert portal.languages == ["es"] and portal.privacy_text == {"es": "Aviso de privacidad de Honduras."}
    assert portal.helplines.get().name == "Línea 111"

    page.goto(f"{live_server.url}/hn/")
    page.wait_for_url(re.compile(r"/hn/es/$"))
    assert "Denuncia Honduras" in page.content()
    page.goto(f"{live_server.url}/hn/es/privacy/")
    assert "Aviso de privacidad de Honduras." in page.content()

    # Edit it again: the language and texts come back as fields, and a second language can be added.
    page.goto(f"{live_server.url}/admin/portals/portal/{portal.pk}/change/")
    assert page.locator("#id_privacy_text__es").input_value() == "Aviso de privacidad de Honduras."
    page.locator("#id_other_languages input[value=en]").check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/portals/portal/$"))
    portal.refresh_from_db()
    assert portal.languages == ["es", "en"]
    page.goto(f"{live_server.url}/admin/portals/portal/{portal.pk}/change/")
    page.screenshot(path=SHOTS.format("admin-portal-change"), full_page=True)


def test_staff_and_public_forms_pass_csrf_in_chromium(live_server, page):
    Portal.objects.create(slug="gt", name="Guatemala", display_name="Guatemala", languages=["es"])
    user, password, _uri, secret = services.create_staff(
        "ana", "analyst", password=PASSWORD, must_change_password=False
    )
    services.new_recovery_codes(user)
    # A staff form: the sign-in itself, then the viewing defaults on the account page.
    _sign_in(page, live_server.url, "ana", PASSWORD, secret, "/staff/")
    page.wait_for_url(re.compile(r"/staff/$"))
    page.get_by_label("Show images in greyscale until I reveal them").uncheck()
    page.get_by_role("button", name=re.compile("Save")).first.click()
    page.wait_for_load_state()
    user.staff_profile.refresh_from_db()
    assert not user.staff_profile.greyscale_default
    # A public form, from a fresh browser context of the same page: a report goes through.
    page.goto(f"{live_server.url}/gt/es/report/")
    page.locator("input[name=url]").first.fill("https://reported.example/page")
    page.locator("input[name=seen_on]").first.check()
    box = page.locator("input[name=no_images]")
    if box.count():
        box.check()
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("#reference", timeout=30_000)
    assert Report.objects.count() == 1
