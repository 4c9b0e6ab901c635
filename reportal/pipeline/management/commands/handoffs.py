"""`reportal handoffs`: the map of hand-offs between stages and what is still owed on each route;
`reportal handoffs --retry-failed [TASK]`: send the given-up ones again once their cause is fixed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from reportal.pipeline import registry, services


class Command(BaseCommand):
    help = "Hand-offs between stages: the map, what is still owed on each route, and sending given-up ones again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--retry-failed",
            nargs="?",
            const="*",
            default=None,
            metavar="TASK",
            help="Send the hand-offs given up after too many failures again (all, or those of one task).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retry_failed"] is not None:
            task = None if options["retry_failed"] == "*" else options["retry_failed"]
            count = services.retry_failed(task)
            services.sweep()
            self.stdout.write(_("%(count)s given-up hand-offs were sent again.") % {"count": count})
            return
        backlog = services.backlog()
        heading = (_("from"), _("event"), _("to"), _("task"), _("undone"))
        self.stdout.write(f"{heading[0]:<11} {heading[1]:<19} {heading[2]:<9} {heading[3]:<34} {heading[4]:>6}")
        for route in registry.ROUTES:
            undone = backlog.by_task.get(route.task, 0)
            self.stdout.write(
                f"{route.from_stage:<11} {route.event:<19} {route.to_stage:<9} {route.task:<34} {undone:>6}"
            )
        if backlog.oldest_at is None:
            self.stdout.write(_("Nothing is owed between stages."))
        else:
            minutes = (timezone.now() - backlog.oldest_at).total_seconds() / 60
            self.stdout.write(
                _("%(count)s hand-offs undone; the oldest (%(oldest)s) waits for %(minutes).0f minutes.")
                % {"count": backlog.count, "oldest": backlog.oldest, "minutes": minutes}
            )
        if backlog.failed:
            self.stdout.write(
                _(
                    "%(count)s hand-offs were given up after too many failures; the last error: %(error)s. "
                    "Fix the cause, then run `reportal handoffs --retry-failed`."
                )
                % {"count": backlog.failed, "error": backlog.last_error}
            )
