"""`reportal cybertipline status` lists the CyberTipline reports; `reportal cybertipline retry ITEM...` sends refused
or unfinished ones again after the cause is fixed (from the step they reached)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.ncmec import services
from reportal.ncmec.client import CyberTiplineError
from reportal.ncmec.models import CyberTiplineReport


class Command(BaseCommand):
    help = "NCMEC CyberTipline reports: list them, or retry refused ones after fixing the cause."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="One line per report: item, NCMEC report id, step, last error.")
        retry = sub.add_parser("retry", help="Send unfinished or refused reports of these items again.")
        retry.add_argument("items", nargs="+", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "status":
            for report in CyberTiplineReport.objects.order_by("pk"):
                line = f"{report.item_id}\t{report.report_id or '-'}\t{report.step}\t{report.last_error}"
                self.stdout.write(line.rstrip())
            return
        if not services.is_configured():
            raise CommandError("The CyberTipline client is not configured (REPORTAL_CYBERTIPLINE_*).")
        for item_id in options["items"]:
            try:
                state = services.retry(item_id)
            except CyberTiplineError as exc:
                self.stderr.write(f"{item_id}\t{exc} Run the retry again later.")
                continue
            if state is None:
                self.stderr.write(f"{item_id}\tno CyberTipline report for this item")
            else:
                self.stdout.write(f"{item_id}\t{state.report_id or '-'}\t{state.step}\t{state.last_error}".rstrip())
