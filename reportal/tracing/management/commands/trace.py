"""`reportal trace URL`: print where an address is hosted and who to tell, without storing anything."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reportal.tracing.services import describe, trace_url


class Command(BaseCommand):
    help = "Trace one address (DNS, networks, country, CDN, abuse contacts, registrar) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url")
        parser.add_argument("--json", action="store_true", help="Print the trace as JSON.")
        parser.add_argument("--timeout", type=float, default=None, help="Seconds per network step.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = trace_url(options["url"], timeout=options["timeout"])
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), indent=2))
        else:
            self.stdout.write(describe(result))
        if not result.ok:
            self.stderr.write(self.style.WARNING(result.error_code))
