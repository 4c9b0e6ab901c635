"""Import and export of hash lists: CSV, JSON lines, and python-threatexchange's `local_file` exchange format.

Imports stream the file line by line and commit a batch together with the byte offset it reached, so an import
that is interrupted (a crash, Ctrl-C, a deploy) resumes exactly where its last batch ended, with no row lost or
added twice. Exports stream rows from the database in id order.

Formats:
- ``csv``: a header line, then one content entry per line. Columns ``pdq, pdq_quality, md5, sha1, sha256``
  (any subset) or ``signal_type, signal``; optional ``classification, source, external_id, note, enabled,
  created_at, analyst``. Fields do not span lines.
- ``jsonl``: one JSON object per line: ``{"signals": {"pdq": ...}, "pdq_quality": 90, "classification": ...}``;
  top-level ``pdq``/``md5``/... keys or ``signal_type``/``signal`` are read as well.
- ``local_file``: python-threatexchange's LocalFileSignalExchangeAPI format: ``<signal_type> <signal>`` per line
  (threatexchange's names: ``pdq``, ``video_md5``, ``video_sha256``, ``vpdq``); with ``signal_type`` given, bare
  signals. A ``vpdq`` signal is threatexchange's JSON list of ``"hash,quality,timestamp"`` strings, on one line.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils.translation import gettext as _

from reportal import csvsafe
from reportal.csvsafe import unescape_cell
from reportal.hashes import banks as bank_services
from reportal.hashes.banks import ContentSignals
from reportal.hashes.models import Bank, BankContent, HashImport
from reportal.hashes.signals import SIGNAL_TYPES, InvalidSignal, canonical_type

FORMATS = ("csv", "jsonl", "local_file")
# threatexchange's names for the signals it knows; sha1 has none there and is left out of local_file exports.
LOCAL_FILE_NAMES = {"pdq": "pdq", "md5": "video_md5", "sha256": "video_sha256", "vpdq": "vpdq"}
CSV_COLUMNS = [
    "id",
    "pdq",
    "pdq_quality",
    "md5",
    "sha1",
    "sha256",
    "classification",
    "source",
    "external_id",
    "note",
    "enabled",
    "created_at",
    "analyst",
    "vpdq",
]
BATCH_ROWS = 5000


class ImportFileError(Exception):
    """A file that cannot be imported; str() is a translated sentence saying what to fix."""


def guess_format(path: str | Path) -> str:
    name = str(path).lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "local_file"


def file_fingerprint(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(65536)
    return hashlib.sha256(head).hexdigest()


@dataclass
class ImportProgress:
    bytes_done: int
    bytes_total: int
    rows_added: int
    rows_skipped: int
    resumed_from: int
    elapsed: float
    rows_this_run: int = 0

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 1.0


# --- parsing ------------------------------------------------------------------------------------------------

_PROVENANCE = ("classification", "source", "external_id", "note", "original_media_uri")


def _signal_text(value: Any) -> str:
    # A vpdq signal in JSON lines may be the list of frames itself rather than its JSON text.
    return json.dumps(value) if isinstance(value, list) else str(value)


def _signals_from_record(record: dict[str, Any], default_source: str) -> ContentSignals:
    signals: dict[str, str] = {}
    nested = record.get("signals")
    if isinstance(nested, dict):
        signals.update({str(k): _signal_text(v) for k, v in nested.items() if v})
    for key in SIGNAL_TYPES:
        if record.get(key):
            signals[key] = _signal_text(record[key])
    if record.get("signal_type") and record.get("signal"):
        signals[str(record["signal_type"])] = str(record["signal"])
    provenance = {k: str(record.get(k) or "") for k in _PROVENANCE}
    provenance["source"] = provenance["source"] or default_source
    quality = record.get("pdq_quality")
    metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
    content = ContentSignals.from_mapping(signals, **provenance, metadata=metadata)
    if content.pdq and quality not in (None, ""):
        try:
            content.pdq_quality = max(0, min(100, int(quality)))
        except (TypeError, ValueError):
            raise InvalidSignal(_("pdq_quality must be a whole number from 0 to 100.")) from None
    return content


def _is_disabled(record: dict[str, Any]) -> bool:
    value = record.get("enabled")
    return value is False or str(value).strip().lower() in ("false", "0", "no")


class _LineParser:
    def __init__(self, file_format: str, signal_type: str | None, source: str) -> None:
        self.format = file_format
        self.signal_type = canonical_type(signal_type) if signal_type else None
        self.source = source
        self.header: list[str] | None = None

    def set_header(self, line: str) -> None:
        self.header = [c.strip().lower() for c in next(csv.reader([line]))]
        if not ({"signal_type", "signal"} <= set(self.header) or set(self.header) & set(SIGNAL_TYPES)):
            raise ImportFileError(
                _("The CSV header names no signal column. Add a header with pdq, md5, sha1 or sha256 columns.")
            )

    def parse(self, line: str) -> tuple[ContentSignals, bool] | None:
        """(signals, disabled) of one line; None for blank lines and comments."""
        text = line.strip()
        if not text or text.startswith("#"):
            return None
        if self.format == "local_file":
            if self.signal_type:
                return ContentSignals.from_mapping({self.signal_type: text}, source=self.source), False
            type_name, _sep, signal = text.partition(" ")
            return ContentSignals.from_mapping({type_name: signal.strip()}, source=self.source), False
        if self.format == "jsonl":
            try:
                record = json.loads(text)
            except json.JSONDecodeError:
                raise InvalidSignal(_("This line is not valid JSON.")) from None
            if not isinstance(record, dict):
                raise InvalidSignal(_("Each line must be a JSON object."))
            return _signals_from_record(record, self.source), _is_disabled(record)
        assert self.header is not None
        values = [unescape_cell(v) for v in next(csv.reader([text]))]
        record = dict(zip(self.header, values, strict=False))
        return _signals_from_record(record, self.source), _is_disabled(record)


# --- import -------------------------------------------------------------------------------------------------


def import_file(
    path: str | Path,
    bank: Bank,
    *,
    file_format: str | None = None,
    signal_type: str | None = None,
    source: str | None = None,
    progress: Callable[[ImportProgress], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    restart: bool = False,
) -> HashImport:
    """Import a hash list into `bank`, resuming an earlier interrupted import of the same file."""
    path = Path(path).resolve()
    if not path.is_file():
        raise ImportFileError(_("There is no file at %(path)s. Check the path.") % {"path": path})
    fmt = file_format or guess_format(path)
    if fmt not in FORMATS:
        raise ImportFileError(_("Unknown format %(format)s. Use csv, jsonl or local_file.") % {"format": fmt})
    size = path.stat().st_size
    fingerprint = file_fingerprint(path)
    job = (
        HashImport.objects.filter(path=str(path), bank=bank, fingerprint=fingerprint, finished=False).first()
        if not restart
        else None
    )
    if job is None:
        job = HashImport.objects.create(
            path=str(path), bank=bank, file_format=fmt, file_size=size, fingerprint=fingerprint
        )
    parser = _LineParser(fmt, signal_type, source or f"import:{path.name}")
    resumed_from = job.offset
    rows_before = job.rows_added
    started = time.monotonic()

    with path.open("rb") as fh:
        if fmt == "csv":
            header = fh.readline()
            parser.set_header(header.decode("utf-8-sig"))
            if job.offset < fh.tell():
                job.offset = fh.tell()
        fh.seek(job.offset)
        batch: list[tuple[ContentSignals, bool]] = []
        skipped = 0
        line_number = job.line_number
        while True:
            raw = fh.readline()
            if raw:
                line_number += 1
                try:
                    parsed = parser.parse(raw.decode("utf-8", errors="replace"))
                except InvalidSignal:
                    skipped += 1
                    parsed = None
                if parsed is not None:
                    batch.append(parsed)
            if len(batch) >= batch_rows or (not raw and (batch or skipped)) or (skipped and skipped >= batch_rows):
                _commit_batch(job, bank, batch, skipped, fh.tell(), line_number)
                batch, skipped = [], 0
                if progress:
                    progress(
                        ImportProgress(
                            job.offset,
                            size,
                            job.rows_added,
                            job.rows_skipped,
                            resumed_from,
                            time.monotonic() - started,
                            job.rows_added - rows_before,
                        )
                    )
            if not raw:
                break
    job.finished = True
    job.offset = size
    job.save(update_fields=["finished", "offset", "updated_at"])
    return job


def _commit_batch(
    job: HashImport, bank: Bank, batch: list[tuple[ContentSignals, bool]], skipped: int, offset: int, line: int
) -> None:
    """Rows and the offset after them commit together: a resume starts exactly after the last saved row."""
    with transaction.atomic():
        added = bank_services.insert_contents(bank, batch)
        job.offset = offset
        job.line_number = line
        job.rows_added += added
        job.rows_skipped += skipped
        job.save(update_fields=["offset", "line_number", "rows_added", "rows_skipped", "updated_at"])


# --- export -------------------------------------------------------------------------------------------------


def _rows(bank: Bank, include_disabled: bool) -> Iterator[BankContent]:
    qs = BankContent.objects.filter(bank=bank).select_related("analyst").order_by("id")
    if not include_disabled:
        qs = qs.filter(bank_services_enabled_q())
    yield from qs.iterator(chunk_size=5000)


def bank_services_enabled_q() -> Any:
    from reportal.hashes.models import enabled_content_q

    return enabled_content_q()


def export_bank(
    bank: Bank, out: IO[str] | io.TextIOBase, *, file_format: str = "jsonl", include_disabled: bool = False
) -> int:
    """Write the bank's entries to `out`; returns the number of lines written (header excluded)."""
    if file_format not in FORMATS:
        raise ImportFileError(_("Unknown format %(format)s. Use csv, jsonl or local_file.") % {"format": file_format})
    written = 0
    writer = csvsafe.writer(out, lineterminator="\n") if file_format == "csv" else None
    if writer:
        writer.writerow(CSV_COLUMNS)
    for content in _rows(bank, include_disabled):
        analyst = content.analyst.get_username() if content.analyst else ""
        if file_format == "local_file":
            for name, value in content.signals().items():
                if name in LOCAL_FILE_NAMES:
                    out.write(f"{LOCAL_FILE_NAMES[name]} {value}\n")
                    written += 1
            continue
        record = {
            "id": content.pk,
            "pdq": content.pdq,
            "pdq_quality": content.pdq_quality if content.pdq_quality is not None else "",
            "md5": content.md5,
            "sha1": content.sha1,
            "sha256": content.sha256,
            "classification": content.classification,
            "source": content.source,
            "external_id": content.external_id,
            "note": content.note,
            "enabled": content.enabled,
            "created_at": content.created_at.isoformat(),
            "analyst": analyst,
            "vpdq": content.vpdq,
        }
        if writer:
            writer.writerow([record[c] for c in CSV_COLUMNS])
        else:
            json_record = {
                "id": content.pk,
                "bank": bank.name,
                "signals": content.signals(),
                "pdq_quality": content.pdq_quality,
                **{k: record[k] for k in ("classification", "source", "external_id", "note", "enabled")},
                "created_at": record["created_at"],
                "analyst": analyst,
                "metadata": content.metadata,
            }
            out.write(json.dumps(json_record, separators=(",", ":")) + "\n")
        written += 1
    return written


def export_to_string(bank: Bank, file_format: str = "jsonl", include_disabled: bool = False) -> str:
    buf = io.StringIO()
    export_bank(bank, buf, file_format=file_format, include_disabled=include_disabled)
    return buf.getvalue()
