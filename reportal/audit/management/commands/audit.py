"""`reportal audit verify` checks the hash chain and names the first entry that was changed or removed;
`reportal audit show` prints entries as JSON lines (with their hashes) for an inquiry."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.audit.chain import timestamp
from reportal.audit.models import AuditEntry
from reportal.audit.services import record, verify_chain


class Command(BaseCommand):
    help = "Audit log tools: `verify` checks the hash chain (exit status 1 when broken); `show` prints entries."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{verify,show}")
        sub.add_parser("verify", help="Check every entry's hash and link; name the first changed or removed entry.")
        show = sub.add_parser("show", help="Print entries as JSON lines, oldest first.")
        show.add_argument(
            "--action", dest="action_prefix", default="", help="Only actions starting with this, e.g. staff.login"
        )
        show.add_argument("--actor", default="", help="Only this actor (username, or member:NAME).")
        show.add_argument(
            "--object", default="", metavar="TYPE:ID", help="Only this object, e.g. reports.reportedurl:12"
        )
        show.add_argument("--since-seq", type=int, default=0, help="Only entries after this number.")
        show.add_argument("--limit", type=int, default=1000)

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
        elif action == "show":
            entries = AuditEntry.objects.filter(seq__gt=options["since_seq"]).order_by("seq")
            if options["action_prefix"]:
                entries = entries.filter(action__startswith=options["action_prefix"])
            if options["actor"]:
                entries = entries.filter(actor_name=options["actor"])
            if options["object"]:
                object_type, _sep, object_id = options["object"].partition(":")
                if not object_id:
                    raise CommandError("Give --object as TYPE:ID, for example reports.reportedurl:12.")
                entries = entries.filter(object_type=object_type, object_id=object_id)
            record(
                None,
                "audit.exported",
                via="reportal audit show",
                action_prefix=options["action_prefix"],
                actor_filter=options["actor"],
                object=options["object"],
                since_seq=options["since_seq"],
            )
            for entry in entries[: options["limit"]]:
                self.stdout.write(
                    json.dumps(
                        {
                            "seq": entry.seq,
                            "at": timestamp(entry.at),
                            "actor": entry.actor_name,
                            "actor_role": entry.actor_role,
                            "action": entry.action,
                            "object": f"{entry.object_type}:{entry.object_id}" if entry.object_type else "",
                            "portal_id": entry.portal_id,
                            "details": entry.details,
                            "prev_hash": entry.prev_hash,
                            "entry_hash": entry.entry_hash,
                        },
                        ensure_ascii=False,
                        sort_keys=True,
                    )
                )
