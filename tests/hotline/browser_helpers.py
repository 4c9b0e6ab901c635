"""The staff sign-in steps in a browser: password, TOTP code, recovery codes, the forced new password."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from django.core.management import call_command


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    totp_secret: str


def create_staff_by_command(username: str, role: str) -> Credentials:
    """`reportal staff create`, as an operator would run it; the printed one-time password and TOTP secret."""
    out = io.StringIO()
    call_command("staff", "create", "--username", username, "--role", role, stdout=out)
    text = out.getvalue()
    password = re.search(r"^password:\s+(\S+)", text, re.M).group(1)
    secret = re.search(r"^TOTP secret:\s+(\S+)", text, re.M).group(1)
    return Credentials(username, password, secret)


def sign_in(page, base_url: str, credentials: Credentials, new_password: str) -> None:
    """Sign in from the workbench address: password, TOTP code, recovery codes, the forced password change."""
    from reportal.accounts.services import current_totp

    page.goto(f"{base_url}/workbench/")
    page.fill("input[name=username]", credentials.username)
    page.fill("input[name=password]", credentials.password)
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/staff/2fa/"))
    page.fill("input[name=code]", current_totp(credentials.totp_secret))
    page.click("form[action='/staff/2fa/'] button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/2fa/recovery-codes/"))
    page.click("a.button.primary")
    page.wait_for_url(re.compile(r"/staff/password/"))
    if page.locator("input[name=old_password]").count():
        page.fill("input[name=old_password]", credentials.password)  # the one-time password just used
    page.fill("input[name=new_password1]", new_password)
    page.fill("input[name=new_password2]", new_password)
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/workbench/$"))
