"""`reportal audit verify`: recompute the hash chain and name the first entry that was changed or removed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.audit.services import verify_chain


class Command(BaseCommand):
    help = "Audit log tools: `verify` checks the hash chain end to end (exit status 1 when it is broken)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify}")
        sub.add_parser("verify", help="Check every entry's hash and link; name the first changed or removed entry.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "verify":
            result = verify_chain()
            if not result.ok:
                raise CommandError(
                    f"The audit log is broken at entry #{result.first_bad_seq}: {result.problem}. "
                    f"{result.checked} entries before it are intact. Restore the log from a backup and "
                    "investigate who had write access to the database."
                )
            self.stdout.write(f"The audit log is intact: {result.checked} entries, every hash and link checks out.")
