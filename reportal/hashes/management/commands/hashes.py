"""`reportal hashes ...`: hash files, import and export hash lists, match files, build the persisted index."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reportal.hashes import banks as bank_services
from reportal.hashes import exchanges, matcher, services, transfer
from reportal.hashes.hashing import HashWorkerPool, ImageHashError
from reportal.progress import Progress


class Command(BaseCommand):
    help = "Hash images, import/export hash lists, match images against the banks, build the matching index."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        hash_ = sub.add_parser("hash", help="Print PDQ (with quality), MD5, SHA-1 and SHA-256 of image files.")
        hash_.add_argument("files", nargs="+", metavar="FILE")
        hash_.add_argument("--mode", choices=["exact", "fast"], default="exact")
        hash_.add_argument("--dihedral", action="store_true", help="Also print the eight dihedral PDQ variants.")

        imp = sub.add_parser("import", help="Import a hash list (CSV, JSON lines or threatexchange local_file).")
        imp.add_argument("file")
        imp.add_argument("--bank", required=True, help="Bank name in CAPS_AND_UNDERSCORES (created if missing).")
        imp.add_argument(
            "--format",
            choices=transfer.FORMATS,
            default=None,
            dest="fmt",
            help="Default: from the file name (.csv, .jsonl, anything else: local_file).",
        )
        imp.add_argument("--signal-type", default=None, help="local_file: the type of lines that name none.")
        imp.add_argument("--source", default=None, help="Provenance recorded on each entry (default: file name).")
        imp.add_argument("--restart", action="store_true", help="Start over instead of resuming.")

        exp = sub.add_parser("export", help="Write a bank's entries to standard output or --output.")
        exp.add_argument("--bank", required=True)
        exp.add_argument("--format", choices=transfer.FORMATS, default="jsonl", dest="fmt")
        exp.add_argument("--output", default="-")
        exp.add_argument("--include-disabled", action="store_true")

        match = sub.add_parser("match", help="Match image files against the banks.")
        match.add_argument("files", nargs="+", metavar="FILE")

        hash_video = sub.add_parser("hash-video", help="Print the vPDQ signal, MD5 and SHA-256 of video files.")
        hash_video.add_argument("files", nargs="+", metavar="FILE")

        match_video = sub.add_parser("match-video", help="Match video files against the banks (vPDQ, MD5, SHA-256).")
        match_video.add_argument("files", nargs="+", metavar="FILE")

        build = sub.add_parser("build-index", help="Write the persisted matching index (loaded at start-up).")
        build.add_argument(
            "--settle-seconds",
            type=float,
            default=matcher.BUILD_SETTLE_SECONDS,
            help="Leave rows younger than this to the side buffers (default 60).",
        )

        fetch = sub.add_parser("fetch", help="Fetch from NCMEC, StopNCII or ThreatExchange (credentials needed).")
        fetch.add_argument("exchange", choices=sorted(exchanges.EXCHANGES))
        fetch.add_argument("--bank", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"].replace("-", "_"))(options)

    def _read(self, name: str) -> bytes:
        try:
            return Path(name).read_bytes()
        except OSError as exc:
            raise CommandError(f"{name}: {exc.strerror}. Check the path.") from None

    def _hash(self, options: dict[str, Any]) -> None:
        failed = 0
        names: list[str] = options["files"]
        bar = Progress("Hashing", total=len(names), unit="files") if len(names) > 64 else None
        with HashWorkerPool(1 if len(names) == 1 else None) as pool:  # every core for a batch of files
            for start in range(0, len(names), 64):
                if bar:
                    bar.update(start, detail=f"{failed} failed" if failed else "")
                chunk = names[start : start + 64]
                outcomes = pool.map([self._read(n) for n in chunk], mode=options["mode"], dihedral=options["dihedral"])
                for name, outcome in zip(chunk, outcomes, strict=True):
                    h = outcome.hashes
                    if h is None:
                        self.stderr.write(f"{name}: {outcome.error}")
                        failed += 1
                        continue
                    row: dict[str, Any] = {
                        "file": name,
                        "pdq": h.pdq,
                        "pdq_quality": h.pdq_quality,
                        "md5": h.md5,
                        "sha1": h.sha1,
                        "sha256": h.sha256,
                        "width": h.width,
                        "height": h.height,
                        "format": h.format,
                    }
                    if h.dihedral:
                        row["dihedral"] = h.dihedral
                    self.stdout.write(json.dumps(row))
        if bar:
            bar.finish()
        if failed:
            raise CommandError(f"{failed} file(s) could not be hashed.")

    def _import(self, options: dict[str, Any]) -> None:
        try:
            bank = bank_services.get_or_create_bank(options["bank"])
        except bank_services.BankError as exc:
            raise CommandError(str(exc)) from None
        with Progress(f"Importing {options['file']}", unit="bytes") as bar:

            def progress(p: transfer.ImportProgress) -> None:
                resumed = f"  (resumed at byte {p.resumed_from:,})" if p.resumed_from else ""
                bar.update(
                    p.bytes_done,
                    total=p.bytes_total,
                    detail=f"{p.rows_added:,} added  {p.rows_skipped:,} skipped{resumed}",
                )

            try:
                job = transfer.import_file(
                    options["file"],
                    bank,
                    file_format=options["fmt"],
                    signal_type=options["signal_type"],
                    source=options["source"],
                    progress=progress,
                    restart=options["restart"],
                )
            except transfer.ImportFileError as exc:
                raise CommandError(str(exc)) from None
            except KeyboardInterrupt:
                bar.finish(interrupted=True)
                sys.stderr.write("Interrupted. Run the same command again to resume where it stopped.\n")
                raise SystemExit(130) from None
        self.stdout.write(f"Imported {job.rows_added:,} entries into {bank.name} ({job.rows_skipped:,} lines skipped).")

    def _export(self, options: dict[str, Any]) -> None:
        try:
            bank = bank_services.get_bank(options["bank"])
        except bank_services.BankError as exc:
            raise CommandError(str(exc)) from None
        if options["output"] == "-":
            count = transfer.export_bank(
                bank, self.stdout, file_format=options["fmt"], include_disabled=options["include_disabled"]
            )
        else:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                count = transfer.export_bank(
                    bank, out, file_format=options["fmt"], include_disabled=options["include_disabled"]
                )
            self.stderr.write(f"Wrote {count:,} lines to {options['output']}.")

    def _video(self, name: str) -> services.VideoHashes | None:
        try:
            return services.hash_video(self._read(name))
        except ImageHashError as exc:
            self.stderr.write(f"{name}: {exc.message}")
            return None

    def _hash_video(self, options: dict[str, Any]) -> None:
        failed = 0
        for name in options["files"]:
            video = self._video(name)
            if video is None:
                failed += 1
                continue
            row = {
                "file": name,
                "vpdq": video.vpdq,
                "md5": video.md5,
                "sha256": video.sha256,
                "frames": len(video.frames),
                "matchable_frames": len(video.matchable_frames),
                "duration_s": video.duration_s,
                "width": video.width,
                "height": video.height,
                "truncated": video.truncated,
            }
            self.stdout.write(json.dumps(row))
        if failed:
            raise CommandError(f"{failed} of {len(options['files'])} files could not be hashed.")

    def _match_video(self, options: dict[str, Any]) -> None:
        for name in options["files"]:
            video = self._video(name)
            if video is None:
                continue
            found = services.lookup_video(video)
            matches = [
                {
                    "bank": m.bank,
                    "content_id": m.content_id,
                    "signal_type": m.signal_type,
                    "distance": m.distance_text,
                    "classification": m.classification,
                }
                for m in found
            ]
            self.stdout.write(json.dumps({"file": name, "matches": matches}))

    def _match(self, options: dict[str, Any]) -> None:
        for name in options["files"]:
            data = self._read(name)
            try:
                hashes = services.hash_bytes(data)
            except ImageHashError as exc:
                self.stderr.write(f"{name}: {exc.message} (looked up by its bytes' hashes only)")
                found = services.lookup_bytes(data)
            else:
                found = services.lookup_hashes(hashes)
            self.stdout.write(
                json.dumps(
                    {
                        "file": name,
                        "matches": [
                            {
                                "bank": m.bank,
                                "content_id": m.content_id,
                                "signal_type": m.signal_type,
                                "distance": m.distance,
                                "classification": m.classification,
                            }
                            for m in found
                        ],
                    }
                )
            )

    def _build_index(self, options: dict[str, Any]) -> None:
        with Progress("Building the matching index", unit="rows (by id)") as bar:
            summary = matcher.build_index(
                settle_seconds=options["settle_seconds"], progress=lambda last, hwm: bar.update(last, total=hwm)
            )
        self.stdout.write(json.dumps(summary))

    def _fetch(self, options: dict[str, Any]) -> None:
        try:
            with Progress(f"Fetching from {options['exchange']}", unit="signals") as bar:
                state = exchanges.fetch_exchange(
                    options["exchange"],
                    bank_name=options["bank"],
                    progress=lambda n: bar.update(n),
                )
        except exchanges.ExchangeNotConfigured as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{state.signals_seen:,} signals seen from {options['exchange']} into {state.bank.name}.")
