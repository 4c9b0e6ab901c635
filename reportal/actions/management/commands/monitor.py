"""`reportal monitor --once`: one monitoring pass (for operators and tests); without --once, a pass every minute."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reportal.actions.monitoring import run_pass
from reportal.actions.notices import send_due
from reportal.actions.services import act_on_item, sweep_unacted

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Re-check actioned addresses that are due (removed? still online? back again?), act on confirmed addresses "
        "that were missed, and send due notices."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one pass and exit.")
        parser.add_argument("--all", action="store_true", help="Check every watched address now, due or not.")
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between passes without --once.")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            for item_id in sweep_unacted(older_than_minutes=0 if options["all"] else 5):
                try:
                    act_on_item(item_id)
                except Exception:  # one address must not stop the pass; the sweep tries it again next time
                    logger.exception("acting on item %s failed; it is tried on the next pass", item_id)
            checks = run_pass(everything=options["all"])
            sent = send_due()
            for record in checks:
                status = record.http_status or "-"
                self.stdout.write(f"{record.monitor.item.canonical_url}\t{record.outcome}\t{status}\t{record.detail}")
            self.stdout.write(self.style.SUCCESS(f"{len(checks)} checked, {sent} notices sent"))
            if options["once"]:
                return
            time.sleep(options["interval"])
