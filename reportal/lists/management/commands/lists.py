"""`reportal lists ...`: operate the URL and keyword lists from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.lists import feeds, formats, matcher, publishing, services, signing
from reportal.lists.addresses import AddressError
from reportal.lists.importer import ImportProgress, import_list
from reportal.lists.models import ListEntry, ListKind, Scope
from reportal.progress import Progress


class Command(BaseCommand):
    help = "Add, import, remove, publish, check and verify entries of the URL list and the keyword list."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        add = sub.add_parser("add", help="Put an address on the URL list (from the next publication).")
        add.add_argument("url")
        add.add_argument("--scope", choices=Scope.values, default=Scope.URL)
        add.add_argument("--category", default="")
        add.add_argument("--source", default="", help="The hotline or list it came from (default: this hotline).")

        imp = sub.add_parser("import", help="Import a list: CSV with an address/url column, or one address a line.")
        imp.add_argument("file", help="Path to the file, or - for standard input.")
        imp.add_argument("--scope", choices=Scope.values, default=Scope.URL, help="Scope of lines that name none.")
        imp.add_argument("--category", default="")
        imp.add_argument("--source", default="", help="The hotline the list comes from (default: the file name).")

        remove = sub.add_parser("remove", help="Take an address off the URL list (from the next publication).")
        remove.add_argument("url")
        remove.add_argument("--scope", choices=Scope.values, default=None)
        remove.add_argument("--reason", default="removed by operator")

        pub = sub.add_parser("publish", help="Publish a new numbered version now.")
        pub.add_argument("--list", choices=[*ListKind.values, "all"], default="all", dest="kind")

        check = sub.add_parser("check", help="Is this address blocked by the latest published URL list?")
        check.add_argument("url")

        verify = sub.add_parser("verify", help="Check the Ed25519 signature of a downloaded export.")
        verify.add_argument("file")
        verify.add_argument("signature")
        verify.add_argument("--public-key", default=None, help="PEM public key file (default: this install's key).")

        export = sub.add_parser("export", help="Write a signed export to a file (FILE and FILE.sig).")
        export.add_argument("--list", choices=ListKind.values, default=ListKind.URLS, dest="kind")
        export.add_argument("--format", default="json", dest="fmt")
        export.add_argument("--since", type=int, default=None)
        export.add_argument("--output", required=True)

        kw_add = sub.add_parser("keyword-add", help="Put a term on the keyword list.")
        kw_add.add_argument("term")
        kw_add.add_argument("--language", required=True)
        kw_add.add_argument("--category", default="")

        kw_remove = sub.add_parser("keyword-remove", help="Take a term off the keyword list.")
        kw_remove.add_argument("term")
        kw_remove.add_argument("--language", required=True)

        sub.add_parser("status", help="Latest versions, entry counts and changes waiting for publication.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(options)
        except AddressError as exc:
            raise CommandError(str(exc)) from exc

    def do_add(self, options: dict[str, Any]) -> None:
        change = services.add_entry(
            options["url"], options["scope"], category=options["category"], source=options["source"]
        )
        entry = change.entry
        assert entry is not None
        if change.created:
            self.stdout.write(f"Listed {entry.address} ({entry.scope}); it is published with the next version.")
        else:
            self.stdout.write(f"{entry.address} is already on the list ({entry.scope}); nothing changed.")

    def do_import(self, options: dict[str, Any]) -> None:
        name = options["file"]
        if name != "-" and not Path(name).is_file():
            raise CommandError(f"{name} is not a file; give the path of a CSV or plain list.")
        with Progress(f"Importing {name}", unit="lines") as bar:

            def report(state: ImportProgress) -> None:
                bar.update(
                    state.lines,
                    detail=f"{state.added} added, {state.already_listed} already listed, {state.rejected} rejected",
                )

            if name == "-":
                state = import_list(
                    sys.stdin,
                    scope=options["scope"],
                    category=options["category"],
                    source=options["source"],
                    name="stdin",
                    progress=report,
                )
            else:
                path = Path(name)
                with path.open("rb") as stream:
                    state = import_list(
                        stream,
                        scope=options["scope"],
                        category=options["category"],
                        source=options["source"] or path.name,
                        name=path.name,
                        progress=report,
                    )
        for error in state.errors:
            self.stderr.write(f"  {error}")
        self.stdout.write(
            f"Imported {name}: {state.added} added, {state.already_listed} already listed, {state.rejected} "
            "rejected. Run `reportal lists publish` to publish them now."
        )

    def do_remove(self, options: dict[str, Any]) -> None:
        ended = services.remove_entry(options["url"], scope=options["scope"], reason=options["reason"])
        if not ended:
            raise CommandError(f"{options['url']} is not on the list; `reportal lists check` shows what blocks it.")
        for entry in ended:
            self.stdout.write(f"Removed {entry.address} ({entry.scope}); it leaves with the next version.")

    def do_publish(self, options: dict[str, Any]) -> None:
        kinds = ListKind.values if options["kind"] == "all" else [options["kind"]]
        for kind in kinds:
            published = services.publish(kind, trigger="command")
            assert published is not None
            self.stdout.write(
                f"Published {kind} version {published.version}: {published.entry_count} entries "
                f"(+{published.added_count} -{published.removed_count})."
            )
            rendered = feeds.warm(kind)
            self.stdout.write(f"Rendered and signed {', '.join(f.fmt for f in rendered)} for members.")

    def do_check(self, options: dict[str, Any]) -> None:
        result = matcher.check(options["url"])
        if result.blocked:
            self.stdout.write(f"BLOCKED {result.canonical_url} by a {result.scope} entry (version {result.version}).")
            return
        self.stdout.write(f"not blocked {result.canonical_url} (version {result.version}).")
        pending = ListEntry.objects.filter(active=True, added_version__isnull=True).count()
        if pending:
            self.stdout.write(f"{pending} entries wait for the next publication; `reportal lists publish` adds them.")

    def do_verify(self, options: dict[str, Any]) -> None:
        data = _read(options["file"])
        signature = _read(options["signature"])
        public = _read(options["public_key"]) if options["public_key"] else None
        try:
            valid = signing.verify(data, signature, public)
        except ValueError as exc:
            raise CommandError(f"{options['public_key']}: {exc}") from exc
        if not valid:
            raise CommandError(f"BAD signature: {options['file']} is not what the key holder signed. Do not use it.")
        self.stdout.write(f"OK: {options['file']} carries a valid Ed25519 signature.")

    def do_export(self, options: dict[str, Any]) -> None:
        try:
            feed = feeds.feed(options["kind"], options["fmt"], since=options["since"])
        except feeds.FeedError as exc:
            raise CommandError(str(exc)) from exc
        output = Path(options["output"])
        output.write_bytes(feed.body())
        Path(f"{output}.sig").write_bytes(feed.signature())
        self.stdout.write(f"Wrote {output} and {output}.sig ({options['kind']} version {feed.version}, {feed.fmt}).")

    def do_keyword_add(self, options: dict[str, Any]) -> None:
        change = services.add_keyword(options["term"], options["language"], category=options["category"])
        self.stdout.write("Keyword listed." if change.created else "That keyword is already on the list.")

    def do_keyword_remove(self, options: dict[str, Any]) -> None:
        if not services.remove_keyword(options["term"], options["language"]):
            raise CommandError("That keyword is not on the list.")
        self.stdout.write("Keyword removed; it leaves with the next version.")

    def do_status(self, options: dict[str, Any]) -> None:
        for kind in ListKind.values:
            latest = publishing.latest(kind)
            pending = "changes waiting" if publishing.has_changes(kind) else "no changes waiting"
            if latest:
                self.stdout.write(
                    f"{kind}: version {latest.version} of {latest.published_at:%Y-%m-%d %H:%M} UTC, "
                    f"{latest.entry_count} entries; {pending}."
                )
            else:
                self.stdout.write(f"{kind}: never published; {pending}.")
        url_formats, keyword_formats = ", ".join(formats.URL_FORMATS), ", ".join(formats.KEYWORD_FORMATS)
        self.stdout.write(f"Formats: urls {url_formats}; keywords {keyword_formats}.")


def _read(name: str) -> bytes:
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"{name} is not a file.")
    return path.read_bytes()
