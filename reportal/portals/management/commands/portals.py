"""`reportal portals export SLUG`, `reportal portals import FILE`, `reportal portals demo`, `reportal portals list`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.portals.models import Portal
from reportal.portals.transfer import PortalFileError, dumps, import_portal, loads


class Command(BaseCommand):
    help = "Export a portal to a readable JSON file, import one (create or update), or load the demo portals."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write one portal as JSON to standard output.")
        export.add_argument("slug")
        imp = sub.add_parser("import", help="Create or update a portal from a file written by export ('-': stdin).")
        imp.add_argument("file")
        sub.add_parser("demo", help="Create or update the demo portals gt, sv, bz and global.")
        sub.add_parser("list", help="List the portals.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "export":
            self._export(options["slug"])
        elif action == "import":
            self._import(options["file"])
        elif action == "demo":
            from reportal.portals.demo import load_demo_portals

            portals = load_demo_portals()
            self.stdout.write("Demo portals ready: " + ", ".join(p.slug for p in portals))
        else:
            for portal in Portal.objects.all():
                state = "active" if portal.active else "inactive"
                self.stdout.write(f"{portal.slug}\t{portal.name}\t{','.join(portal.languages)}\t{state}")

    def _export(self, slug: str) -> None:
        portal = Portal.objects.filter(slug=slug).first()
        if portal is None:
            known = ", ".join(Portal.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(f"There is no portal {slug!r}. Known portals: {known}.")
        self.stdout.write(dumps(portal), ending="")

    def _import(self, file: str) -> None:
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text; save it as UTF-8 and try again.") from None
        try:
            portal, created = import_portal(loads(text))
        except PortalFileError as exc:
            raise CommandError(
                f"{file} was not imported; nothing changed. Fix these and try again:\n  " + "\n  ".join(exc.problems)
            ) from None
        verb = "Created" if created else "Updated"
        self.stdout.write(
            f"{verb} portal {portal.slug} ({portal.name}): {portal.partners.count()} partners, "
            f"{portal.helplines.count()} helplines."
        )
