"""Streaming import of an existing URL list (a hotline moving its list in): CSV with a header, or one address a line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

from django.db import transaction

from reportal.lists import auditing
from reportal.lists.addresses import AddressError, list_address
from reportal.lists.models import ListEntry, Scope

BATCH = 2000
_ADDRESS_COLUMNS = ("address", "url", "canonical_url")


@dataclass
class ImportProgress:
    lines: int = 0
    added: int = 0
    already_listed: int = 0
    rejected: int = 0
    errors: list[str] = field(default_factory=list)  # the first few, with line numbers


def _rows(stream: IO[str], default_scope: str, default_category: str) -> Iterator[tuple[int, str, str, str]]:
    """(line number, address, scope, category) for each non-empty, non-comment line."""
    first = stream.readline()
    while first and (not first.strip() or first.lstrip().startswith("#")):
        first = stream.readline()
    if not first:
        return
    header = [name.strip().lower() for name in next(csv.reader([first]))]
    column = next((name for name in _ADDRESS_COLUMNS if name in header), None)
    if column is None:
        # A plain list: every line is an address (the first line too).
        for number, line in enumerate(_chain_first(first, stream), start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield number, text, default_scope, default_category
        return
    reader = csv.DictReader(stream, fieldnames=header)
    for number, row in enumerate(reader, start=2):
        address = (row.get(column) or "").strip()
        if address:
            scope = (row.get("scope") or "").strip().lower() or default_scope
            category = (row.get("category") or "").strip() or default_category
            yield number, address, scope, category


def _chain_first(first: str, stream: IO[str]) -> Iterator[str]:
    yield first
    yield from stream


def import_list(
    stream: IO[str] | IO[bytes],
    *,
    scope: str = Scope.URL,
    category: str = "",
    source: str = "",
    actor: Any | None = None,
    name: str = "",
    progress: Callable[[ImportProgress], None] | None = None,
) -> ImportProgress:
    """Add every address of the stream to the URL list, in batches; bad lines are counted, not fatal."""
    text = io.TextIOWrapper(cast(IO[bytes], stream), encoding="utf-8-sig", newline="") if _is_binary(stream) else stream
    state = ImportProgress()
    batch: list[ListEntry] = []
    first_line = 0
    number = 0
    for number, raw, row_scope, row_category in _rows(text, scope, category):  # type: ignore[arg-type]
        state.lines += 1
        try:
            target = list_address(raw, row_scope)
        except AddressError as exc:
            state.rejected += 1
            if len(state.errors) < 20:
                state.errors.append(f"line {number}: {exc}")
            continue
        first_line = first_line or number
        batch.append(
            ListEntry(
                address=target.address,
                address_sha256=target.sha256,
                host=target.host[:253],
                scope=target.scope,
                category=row_category[:64],
                source=(source or name)[:200],
                added_by=actor if getattr(actor, "pk", None) else None,
            )
        )
        if len(batch) >= BATCH:
            _flush(batch, state, actor=actor, name=name, lines=(first_line, number))
            first_line = 0
            if progress:
                progress(state)
    _flush(batch, state, actor=actor, name=name, lines=(first_line, number))
    if progress:
        progress(state)
    auditing.record(
        "lists.imported",
        actor=actor,
        file=name[:200],
        lines=state.lines,
        added=state.added,
        already_listed=state.already_listed,
        rejected=state.rejected,
    )
    return state


def _is_binary(stream: Any) -> bool:
    return isinstance(stream, io.BufferedIOBase | io.RawIOBase) or "b" in getattr(stream, "mode", "")


def _flush(batch: list[ListEntry], state: ImportProgress, *, actor: Any, name: str, lines: tuple[int, int]) -> None:
    """Insert one batch of new addresses with its audit record, in one transaction."""
    if not batch:
        return
    unique: dict[str, ListEntry] = {}
    for entry in batch:
        unique.setdefault(entry.address_sha256, entry)
    with transaction.atomic():
        listed = set(
            ListEntry.objects.filter(address_sha256__in=list(unique), active=True).values_list(
                "address_sha256", flat=True
            )
        )
        fresh = [entry for digest, entry in unique.items() if digest not in listed]
        # A concurrent add of the same address loses quietly to the one-active-entry constraint.
        ListEntry.objects.bulk_create(fresh, ignore_conflicts=True)
        if fresh:
            auditing.record(
                "lists.import_batch", actor=actor, file=name[:200], added=len(fresh), lines=f"{lines[0]}-{lines[1]}"
            )
    state.added += len(fresh)
    state.already_listed += len(batch) - len(fresh)
    batch.clear()
