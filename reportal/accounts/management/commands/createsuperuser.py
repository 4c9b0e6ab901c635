"""`reportal createsuperuser`: makes a hotline admin, the same account as `reportal staff create --role admin`.

Django's own command would make a user without a staff profile or second factor, who could not sign in: every
staff surface, the admin included, needs both. reportal has no accounts above the hotline admin role.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.accounts import services
from reportal.accounts.management.commands.staff import print_credentials


class Command(BaseCommand):
    help = (
        "Create a hotline admin (the same as `reportal staff create --role admin`): a password and an authenticator "
        "app secret for the staff sign-in at /staff/login/, which leads to the admin at /admin/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", help="Default: asked for, or DJANGO_SUPERUSER_USERNAME with --noinput.")
        parser.add_argument("--email", help="Accepted for compatibility with Django's command; not stored.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Ask nothing: the username from --username or DJANGO_SUPERUSER_USERNAME, the password from "
            "DJANGO_SUPERUSER_PASSWORD (without it, a one-time password is printed).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"] or os.environ.get("DJANGO_SUPERUSER_USERNAME", "")
        password: str | None = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or None
        if options["interactive"]:
            while not username:
                username = input("Username: ").strip()
            if password is None:
                password = self._ask_password()
        elif not username:
            raise CommandError("Give the username with --username (or DJANGO_SUPERUSER_USERNAME).")
        one_time = password is None
        try:
            user, password, uri, secret = services.create_staff(
                username, "admin", password=password, must_change_password=one_time
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages) + " Choose a longer, less common password.") from exc
        except services.AccountError as exc:
            raise CommandError(str(exc)) from exc
        print_credentials(
            self.stdout, "Created hotline admin", user.get_username(), password, uri, secret, one_time=one_time
        )
        self.stdout.write(
            "Sign in at /staff/login/ with the password and a code from the authenticator app; the admin is at "
            "/admin/. (This is what `reportal staff create --role admin` makes.)"
        )

    def _ask_password(self) -> str | None:
        """A password typed twice; empty: a one-time password is generated and must be changed at first sign-in."""
        while True:
            first = getpass.getpass("Password (empty: print a one-time password): ")
            if not first:
                return None
            if getpass.getpass("Password again: ") == first:
                return first
            self.stderr.write("The two passwords differ; type the same password twice.")
