"""`reportal iccam lookups|import|sync|export ITEM...`: run a step of the ICCAM exchange now (beat runs them too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from reportal.iccam import services


class Command(BaseCommand):
    help = "Exchange with ICCAM now: refresh its lists, import new content, sync actions, or export items."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("step", choices=["lookups", "import", "sync", "export"])
        parser.add_argument("items", nargs="*", type=int, help="Queue item ids (export only).")

    def handle(self, *args: Any, **options: Any) -> None:
        if not services.enabled():
            raise CommandError(_("ICCAM is not configured: set REPORTAL_ICCAM_URL and its account first."))
        step = options["step"]
        try:
            if step == "lookups":
                self.stdout.write(_("%(count)s ICCAM list values stored.") % {"count": services.refresh_lookups()})
            elif step == "import":
                imported = services.import_new()
                self.stdout.write(
                    _("%(new)s new items in the queue, %(refs)s references set on ICCAM.")
                    % {"new": len(imported.item_ids), "refs": imported.references_set}
                )
                for reason in imported.skipped:
                    self.stderr.write(reason)
            elif step == "sync":
                synced = services.sync_actions()
                self.stdout.write(
                    _("%(sent)s actions sent, %(received)s received.")
                    % {"sent": len(synced.sent), "received": len(synced.received)}
                )
                for error in synced.errors:
                    self.stderr.write(error)
            else:
                if not options["items"]:
                    raise CommandError(_("Name the queue items to export."))
                for item_id in options["items"]:
                    result = services.export_item(item_id)
                    self.stdout.write(
                        _("Item %(item)s: ICCAM report %(report)s.") % {"item": item_id, "report": result.report_id}
                    )
        except services.IccamError as exc:
            raise CommandError(str(exc)) from None
