"""`reportal crawl start URL|--item ID`, `reportal crawl status [ID]`, `reportal crawl stop ID`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from reportal.crawler import services
from reportal.crawler.services import Progress


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_lines(p: Progress) -> list[str]:
    return [
        _("Crawl %(id)s of %(site)s: %(state)s") % {"id": p.crawl_id, "site": p.site, "state": p.state_label},
        _("  seed: %(url)s") % {"url": p.seed_url},
        _("  pages fetched: %(fetched)s (failed %(failed)s, waiting %(left)s)")
        % {"fetched": p.pages_fetched, "failed": p.pages_failed, "left": p.pages_left},
        _("  media hashed: %(hashed)s, matched a bank: %(matched)s, pages with known material: %(pages)s")
        % {"hashed": p.media_hashed, "matched": p.media_matched, "pages": p.pages_with_matches},
        _("  errors: %(errors)s, leads to other sites: %(leads)s") % {"errors": p.errors, "leads": p.leads},
        _("  rate: %(pages).1f pages/s, %(media).1f media/s; elapsed %(elapsed)s, time left about %(left)s")
        % {
            "pages": p.pages_per_second,
            "media": p.media_per_second,
            "elapsed": duration(p.elapsed_seconds),
            "left": duration(p.seconds_left),
        },
    ]


class Command(BaseCommand):
    help = "Start, follow and stop proactive-search crawls."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        start = sub.add_parser("start", help="Start a crawl from an address or a queue item.")
        start.add_argument("url", nargs="?", help="The seed address.")
        start.add_argument("--item", type=int, help="Seed from this queue item (its address and portal).")
        start.add_argument("--portal", help="Portal slug the found items belong to (with a bare address).")
        start.add_argument("--depth", type=int, help="Link depth limit (REPORTAL_CRAWL_MAX_DEPTH by default).")
        start.add_argument("--pages", type=int, help="Page limit (REPORTAL_CRAWL_MAX_PAGES by default).")
        start.add_argument("--scope", choices=("host", "domain"), help="Stay on the host or registrable domain.")
        status = sub.add_parser("status", help="Show one crawl's progress, or the recent crawls.")
        status.add_argument("crawl_id", nargs="?", type=int)
        stop = sub.add_parser("stop", help="Stop a running crawl.")
        stop.add_argument("crawl_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "start":
            self._start(options)
        elif action == "status":
            self._status(options.get("crawl_id"))
        elif action == "stop":
            if not services.stop_crawl(options["crawl_id"]):
                raise CommandError(_("Crawl %(id)s is not running.") % {"id": options["crawl_id"]})
            from reportal.audit.services import record as audit

            audit(None, "crawler.stop", crawl_id=options["crawl_id"], via="command")
            self.stdout.write(_("Crawl %(id)s stopped.") % {"id": options["crawl_id"]})

    def _start(self, options: dict[str, Any]) -> None:
        from reportal.audit.services import record as audit
        from reportal.portals import services as portals
        from reportal.reports import services as reports

        item = None
        portal: Any
        if options.get("item"):
            item = reports.get_item(options["item"])
            if item is None:
                raise CommandError(_("There is no queue item %(id)s.") % {"id": options["item"]})
            url, portal = item.canonical_url, item.portal
        else:
            url = options.get("url") or ""
            if not url:
                raise CommandError(_("Give a seed address or --item ID."))
            if options.get("portal"):
                portal = portals.active_portal(options["portal"])
            else:
                portal = next((p for p in portals.portal_summaries() if p.active), None)
            if portal is None:
                raise CommandError(_("No such portal; give --portal with the slug of an existing portal."))
        try:
            crawl = services.start_crawl(
                url,
                portal=portal,
                seed_item=item,
                scope=options.get("scope"),
                max_depth=options.get("depth"),
                max_pages=options.get("pages"),
            )
        except services.CrawlRefused as exc:
            raise CommandError(str(exc)) from None
        audit(None, "crawler.start", item, crawl_id=crawl.pk, seed=crawl.seed_url, via="command")
        self.stdout.write(_("Crawl %(id)s started on %(site)s.") % {"id": crawl.pk, "site": crawl.site})

    def _status(self, crawl_id: int | None) -> None:
        if crawl_id is not None:
            crawl = services.get_crawl(crawl_id)
            if crawl is None:
                raise CommandError(_("There is no crawl %(id)s.") % {"id": crawl_id})
            self.stdout.write("\n".join(progress_lines(services.progress(crawl))))
            return
        crawls = services.recent_crawls(20)
        if not crawls:
            self.stdout.write(_("No crawls yet."))
        for crawl in crawls:
            self.stdout.write("\n".join(progress_lines(services.progress(crawl))))
