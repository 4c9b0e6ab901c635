"""A real browser signs in the first time: password, authenticator enrolment from the QR page, recovery codes,
new password; the pages break no Content-Security-Policy rule and load nothing from elsewhere."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from reportal.accounts import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_sign_in_with_enrolment_in_a_browser(live_server, page):
    user, password, _uri, _secret = services.create_staff("browser-ana", "analyst")
    TOTPDevice.objects.filter(user=user).delete()  # as for an account set up in the admin: enrol on first sign-in
    problems: list[str] = []
    requested: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda request: requested.append(request.url))

    page.goto(f"{live_server.url}/staff/login/")
    page.get_by_label("Username").fill("browser-ana")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(re.compile(r"/staff/2fa/setup/"))
    qr = page.get_by_role("img", name="QR code holding your authenticator secret")
    assert qr.is_visible()
    assert page.evaluate("document.querySelector('.qr img').naturalWidth") > 0  # the data: image really rendered
    secret = page.locator("code.secret").first.inner_text().strip()
    page.get_by_label("The six-digit code your app shows now").fill(services.current_totp(secret))
    page.get_by_role("button", name="Confirm and continue").click()

    page.wait_for_url(re.compile(r"/staff/2fa/recovery-codes/"))
    assert page.locator("ol.recovery-codes li").count() == 10
    page.get_by_role("link", name="I have saved them: choose my password").click()

    page.wait_for_url(re.compile(r"/staff/password/"))
    page.get_by_label("Current password").fill(password)
    page.get_by_label("New password", exact=True).fill("my own long pass phrase 7")
    page.get_by_label("New password again").fill("my own long pass phrase 7")
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_url(re.compile(r"/workbench/"))  # the password is saved; on to the work
    page.goto(f"{live_server.url}/staff/")
    page.get_by_role("heading", name="My account").wait_for()
    assert "Analyst" in page.content()

    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.get_by_role("heading", name="You are signed out").wait_for()
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested), requested
