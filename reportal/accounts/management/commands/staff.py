"""`reportal staff`: list, create, disable, reset, unlock and change the role of staff accounts without the web UI."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from reportal.accounts import services


class Command(BaseCommand):
    help = "Staff accounts: list (no arguments), create, disable, reset (new password and TOTP), unlock, role."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=False, metavar="{create,disable,reset,unlock,role}")
        create = sub.add_parser("create", help="Create a staff user; prints the one-time password and otpauth URI.")
        create.add_argument("--username", required=True)
        create.add_argument("--role", required=True, choices=["analyst", "senior", "admin", "partner"])
        create.add_argument(
            "--portal",
            action="append",
            default=[],
            metavar="SLUG",
            help="A portal a partner viewer may read (repeat for more).",
        )
        for name, text in (
            ("disable", "Disable a user (sessions and API tokens stop working)."),
            ("reset", "New one-time password and new TOTP secret for a user."),
            ("unlock", "Clear the failed-login lockout of a user."),
        ):
            action = sub.add_parser(name, help=text)
            action.add_argument("username")
        role = sub.add_parser("role", help="Change a user's role (and a partner viewer's portals).")
        role.add_argument("username")
        role.add_argument("role", choices=["analyst", "senior", "admin", "partner"])
        role.add_argument("--portal", action="append", default=[], metavar="SLUG")

    def handle(self, *args: Any, action: str | None = None, **options: Any) -> None:
        try:
            if action == "create":
                user, password, uri, secret = services.create_staff(
                    options["username"], options["role"], options["portal"]
                )
                self._print_credentials("Created", user.get_username(), password, uri, secret)
            elif action == "reset":
                user, password, uri, secret = services.reset_staff(options["username"])
                self._print_credentials("Reset", user.get_username(), password, uri, secret)
            elif action == "disable":
                services.disable_staff(options["username"])
                self.stdout.write(f"Disabled {options['username']}; their sessions and API tokens no longer work.")
            elif action == "unlock":
                cleared = services.unlock_staff(options["username"])
                self.stdout.write(f"Unlocked {options['username']} ({cleared} failed attempts cleared).")
            elif action == "role":
                services.set_role(options["username"], options["role"], options["portal"])
                self.stdout.write(f"{options['username']} is now {options['role']}.")
            else:
                self._list()
        except services.AccountError as exc:
            raise CommandError(str(exc)) from exc

    def _print_credentials(self, verb: str, username: str, password: str, uri: str, secret: str) -> None:
        print_credentials(self.stdout, verb, username, password, uri, secret)

    def _list(self) -> None:
        rows = services.list_staff()
        if not rows:
            self.stdout.write("No staff yet. Create one: reportal staff create --username U --role analyst")
            return
        self.stdout.write(f"{'username':<24} {'role':<8} {'state':<10} {'totp':<4} {'last sign-in':<20} portals")
        for row in rows:
            state = "disabled" if row.disabled else ("new" if row.must_change_password else "active")
            last = row.last_login.strftime("%Y-%m-%d %H:%M") if row.last_login else "-"
            self.stdout.write(
                f"{row.username:<24} {row.role:<8} {state:<10} {'yes' if row.has_totp else 'no':<4} {last:<20} "
                f"{','.join(row.portals) or '-'}"
            )


def print_credentials(
    out: OutputWrapper, verb: str, username: str, password: str, uri: str, secret: str, *, one_time: bool = True
) -> None:
    out.write(f"{verb} {username}. Give these to them over a safe channel; they are not shown again.\n")
    out.write(f"username:      {username}\n")
    note = "   (one-time: they choose their own at first sign-in)" if one_time else ""
    out.write(f"password:      {password}{note}\n")
    out.write(f"TOTP secret:   {secret}\n")
    out.write(f"otpauth URI:   {uri}\n")
