"""Renderers of list exports: JSON, CSV, a plain list of SHA-256, and a DNS Response Policy Zone.

Each writes bytes to a binary stream row by row, so a million-entry list never sits in memory as objects.
A delta lists removals before additions: a member applies it as (old - removed) + added.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import BinaryIO

from reportal import csvsafe
from reportal.lists import publishing
from reportal.lists.models import ListKind, Publication, Scope

URL_FORMATS = ("json", "csv", "sha256", "rpz")
KEYWORD_FORMATS = ("json", "csv")
CONTENT_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "sha256": "text/plain; charset=utf-8",
    "rpz": "text/dns; charset=utf-8",
}
EXTENSIONS = {"json": "json", "csv": "csv", "sha256": "txt", "rpz": "rpz"}

_URL_FIELDS = ("address", "address_sha256", "scope", "category", "source", "added_at")
_URL_HEADER = ["address", "sha256", "scope", "category", "source", "added_at"]
_KEYWORD_FIELDS = ("term", "language", "term_sha256", "category", "added_at")
_KEYWORD_HEADER = ["term", "language", "sha256", "category", "added_at"]
_CHUNK = 5000
_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_DNS_NAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*$")


def formats_for(kind: str) -> tuple[str, ...]:
    return URL_FORMATS if kind == ListKind.URLS else KEYWORD_FORMATS


def _fields(kind: str) -> tuple[tuple[str, ...], list[str]]:
    return (_URL_FIELDS, _URL_HEADER) if kind == ListKind.URLS else (_KEYWORD_FIELDS, _KEYWORD_HEADER)


def _stamp(value: datetime | None) -> str:
    return value.isoformat().replace("+00:00", "Z") if value else ""


def _tuples(queryset, fields: tuple[str, ...]) -> Iterator[tuple]:  # noqa: ANN001
    return queryset.values_list(*fields).iterator(chunk_size=_CHUNK)


def render(
    out: BinaryIO, kind: str, fmt: str, published: Publication | None, since: Publication | None | int = None
) -> None:
    """Write the export of `published` (None: version 0) in `fmt`, or its changes since `since` when given."""
    version = published.version if published else 0
    since_version = since.version if isinstance(since, Publication) else since
    fields, header = _fields(kind)
    if fmt == "rpz":
        _rpz(out, version)
        return
    if since_version is None:
        rows: dict[str, Iterable[tuple]] = {"entries": _tuples(publishing.rows_at(kind, version), fields)}
    else:
        rows = {
            "removed": _tuples(publishing.rows_removed(kind, since_version, version), fields),
            "added": _tuples(publishing.rows_added(kind, since_version, version), fields),
        }
    if fmt == "json":
        _json(out, kind, published, since_version, rows, header)
    elif fmt == "csv":
        _csv(out, rows, header, delta=since_version is not None)
    elif fmt == "sha256":
        _sha256(out, rows, delta=since_version is not None)
    else:
        raise ValueError(f"Unknown format {fmt!r}.")


def _json(out: BinaryIO, kind: str, published: Publication | None, since: int | None, rows, header) -> None:  # noqa: ANN001
    head = {
        "list": kind,
        "version": published.version if published else 0,
        "published_at": _stamp(published.published_at) if published else None,
        "since": since,
    }
    out.write(json.dumps(head, ensure_ascii=False)[:-1].encode())
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    stamp_at = len(header) - 1
    for section, tuples in rows.items():
        out.write(f', "{section}": ['.encode())
        first = True
        buffer: list[str] = []
        for row in tuples:
            record = dict(zip(header, row, strict=True))
            record[header[stamp_at]] = _stamp(row[stamp_at])
            buffer.append(("\n" if first else ",\n") + dumps(record))
            first = False
            if len(buffer) >= _CHUNK:
                out.write("".join(buffer).encode())
                buffer.clear()
        out.write("".join(buffer).encode())
        out.write(b"\n]")
    out.write(b"}\n")


def _csv(out: BinaryIO, rows, header: list[str], *, delta: bool) -> None:  # noqa: ANN001
    text = io.StringIO()
    writer = csvsafe.writer(text, lineterminator="\n")
    writer.writerow((["change"] if delta else []) + header)
    stamp_at = len(header) - 1
    for section, tuples in rows.items():
        change = [section] if delta else []  # "removed" or "added"
        for row in tuples:
            values = list(row)
            values[stamp_at] = _stamp(values[stamp_at])
            writer.writerow(change + values)
            if text.tell() > 1 << 20:
                out.write(text.getvalue().encode())
                text.seek(0)
                text.truncate()
    out.write(text.getvalue().encode())


def _sha256(out: BinaryIO, rows, *, delta: bool) -> None:  # noqa: ANN001
    # Plain: one hash a line; a delta marks each line "-" (removed) or "+" (added).
    buffer: list[str] = []
    for section, tuples in rows.items():
        mark = ("-" if section == "removed" else "+") if delta else ""
        for row in tuples:
            buffer.append(f"{mark}{row[1]}\n")
            if len(buffer) >= _CHUNK:
                out.write("".join(buffer).encode())
                buffer.clear()
    out.write("".join(buffer).encode())


def rpz_names(version: int) -> Iterator[str]:
    """Whole-domain entries at `version` that are valid DNS names (an IP or odd host cannot be a zone owner)."""
    queryset = publishing.rows_at(ListKind.URLS, version).filter(scope=Scope.DOMAIN)
    for (host,) in queryset.values_list("address").iterator(chunk_size=_CHUNK):
        name = host.rstrip(".").lower()
        if _DNS_NAME.match(name) and not name.replace(".", "").isdigit():
            yield name


def _rpz(out: BinaryIO, version: int) -> None:
    # Owner names are relative, so the zone loads under whatever name the resolver gives it (e.g. rpz.reportal).
    out.write(
        (
            "; reportal URL list: whole-domain entries as a DNS Response Policy Zone.\n"
            f"; version {version}; CNAME . answers NXDOMAIN for the domain and every name under it.\n"
            "$TTL 300\n"
            f"@ IN SOA localhost. hostmaster.localhost. ({version} 3600 600 604800 300)\n"
            "@ IN NS localhost.\n"
        ).encode()
    )
    buffer: list[str] = []
    for name in rpz_names(version):
        buffer.append(f"{name} CNAME .\n*.{name} CNAME .\n")
        if len(buffer) >= _CHUNK:
            out.write("".join(buffer).encode())
            buffer.clear()
    out.write("".join(buffer).encode())
