"""`reportal members`: member organisations and their API keys (each key printed once, stored hashed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.accounts import services
from reportal.accounts.models import Member


class Command(BaseCommand):
    help = "Members: list (no arguments), create, rotate, revoke, licence, deactivate, activate."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="action", required=False, metavar="{create,rotate,revoke,licence,deactivate,activate}"
        )
        create = sub.add_parser("create", help="Create a member and print its first API key (shown once).")
        create.add_argument("--name", required=True)
        create.add_argument("--kind", required=True, choices=Member.Kind.values)
        create.add_argument("--scopes", required=True, help="Comma-separated: " + ", ".join(_scope_names()))
        create.add_argument("--expires-days", type=int, default=None, help="The key stops working after N days.")
        create.add_argument("--licence-accepted", action="store_true", help="Record that the licence is accepted.")
        rotate = sub.add_parser("rotate", help="A new key; the old ones stop now or after --grace-hours.")
        rotate.add_argument("name")
        rotate.add_argument("--grace-hours", type=float, default=0.0)
        rotate.add_argument("--expires-days", type=int, default=None)
        rotate.add_argument("--scopes", default=None, help="New scopes (default: those of the old key).")
        for name, text in (
            ("revoke", "Every key of the member stops working now."),
            ("licence", "Record that the member accepted the licence now."),
            ("deactivate", "The member's keys are refused until it is activated again (licence ended)."),
            ("activate", "Accept the member's live keys again."),
        ):
            sub.add_parser(name, help=text).add_argument("name")

    def handle(self, *args: Any, action: str | None = None, **options: Any) -> None:
        try:
            if action == "create":
                member, key = services.create_member(
                    options["name"],
                    options["kind"],
                    options["scopes"],
                    expires_days=options["expires_days"],
                    licence_accepted=options["licence_accepted"],
                )
                self._print_key("Created", member.name, key)
            elif action == "rotate":
                member, key = services.rotate_member_key(
                    options["name"],
                    grace_hours=options["grace_hours"],
                    expires_days=options["expires_days"],
                    scopes=options["scopes"],
                )
                self._print_key("Rotated the key of", member.name, key)
                if options["grace_hours"]:
                    self.stdout.write(f"The old key keeps working for {options['grace_hours']:g} more hours.")
                else:
                    self.stdout.write("The old key no longer works.")
            elif action == "revoke":
                services.revoke_member(options["name"])
                self.stdout.write(f"Revoked every key of {options['name']}.")
            elif action == "licence":
                services.accept_licence(options["name"])
                self.stdout.write(f"Recorded {options['name']}'s acceptance of the licence.")
            elif action in ("deactivate", "activate"):
                services.set_member_active(options["name"], action == "activate")
                self.stdout.write(f"{options['name']} is now {'active' if action == 'activate' else 'inactive'}.")
            else:
                self._list()
        except services.AccountError as exc:
            raise CommandError(str(exc)) from exc

    def _print_key(self, verb: str, name: str, key: str) -> None:
        self.stdout.write(f"{verb} {name}. The API key is shown only now; store it safely:")
        self.stdout.write(key)
        self.stdout.write("Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`.")

    def _list(self) -> None:
        rows = services.list_members()
        if not rows:
            self.stdout.write(
                "No members yet. Create one: reportal members create --name ORG --kind isp --scopes url-list"
            )
            return
        self.stdout.write(
            f"{'name':<28} {'kind':<9} {'state':<8} {'licence':<10} {'keys':<14} {'expires':<10} "
            f"{'last used':<16} scopes"
        )
        for row in rows:
            licence = row.licence_accepted_at.strftime("%Y-%m-%d") if row.licence_accepted_at else "-"
            expires = row.expires_at.strftime("%Y-%m-%d") if row.expires_at else "never"
            used = row.last_used_at.strftime("%Y-%m-%d %H:%M") if row.last_used_at else "-"
            self.stdout.write(
                f"{row.name:<28} {row.kind:<9} {'active' if row.active else 'inactive':<8} {licence:<10} "
                f"{','.join(row.live_keys) or 'none':<14} {expires:<10} {used:<16} {','.join(row.scopes) or '-'}"
            )


def _scope_names() -> list[str]:
    from reportal.access import Scope

    return [str(s) for s in Scope.values]
