"""`reportal trace URL`: print where an address is hosted and who to tell, without storing anything.

Exits 0 when the trace finished, 1 when any step failed (the problem is said in words on stderr), so scripts
can tell a complete trace from a partial one.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.tracing.services import describe, trace_url

# What to do next, by the kind of step that failed (error codes start with the step's name).
NEXT_STEP = {
    "bad_url": "Give a whole address, such as https://example.com/page.",
    "dns": "Check the host name; if it is right, check the DNS servers (REPORTAL_DNS_SERVERS) or try again later.",
    "rdap": "The host was found, but its abuse contact could not be looked up: check REPORTAL_RDAP_IP_URL and "
    "REPORTAL_RDAP_DOMAIN_URL, or try again later.",
}


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
            step = next((key for key in NEXT_STEP if result.error_code.startswith(key)), "")
            problems = "; ".join(result.errors) or result.error_code
            advice = NEXT_STEP.get(step, "Check the address and the network settings, then try again.")
            raise CommandError(
                f"The trace of {options['url']} did not finish ({result.error_code}): {problems}. {advice}"
            )
