"""`reportal stats rebuild`: compute the figures again from the raw rows, with progress;
`reportal stats check`: say whether the stored figures equal a rebuild (exit 1 when they do not)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from reportal.progress import Progress
from reportal.stats import services


class Command(BaseCommand):
    help = "Statistics: rebuild the figures from the raw rows, or check the stored figures against a rebuild."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Throw the stored figures away and compute them from the raw rows.")
        rebuild.add_argument("--batch", type=int, default=5000, help="Items read per query (default 5000).")
        sub.add_parser("check", help="Compare the stored figures with a fresh computation; nothing is changed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            if options["batch"] < 1:
                raise CommandError(_("--batch must be 1 or more."))
            with Progress(_("Rebuilding the figures"), unit=_("items")) as bar:
                result = services.rebuild(
                    progress=lambda done, total: bar.update(done, total=total), batch=options["batch"]
                )
            self.stdout.write(
                _("Rebuilt the figures of %(items)s items into %(counts)s daily counts in %(seconds).1f s.")
                % {"items": result.items, "counts": result.counts, "seconds": result.seconds}
            )
        else:
            differences = services.check()
            if differences:
                for line in differences[:20]:
                    self.stdout.write(line)
                raise CommandError(
                    _("%(count)s stored figures differ from the raw rows. Run `reportal stats rebuild` to fix them.")
                    % {"count": len(differences)}
                )
            self.stdout.write(_("The stored figures equal a computation from the raw rows."))
