"""CSV cells that a spreadsheet program opens as text, never as a formula: the one place every CSV export escapes.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, after
their own trimming, a tab, carriage return or line feed) as a formula: ``=HYPERLINK(...)``, ``+cmd|' /C calc'!A0``,
``@SUM(...)``. Every text cell we write that starts with one of these gets a leading apostrophe, which the programs
show as text (OWASP's advice for CSV injection). Numbers stay numbers: a negative number is not a formula.

Use ``writer(out)`` instead of ``csv.writer(out)``; a reader of our own exports undoes it with ``unescape_cell``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, Protocol

# What the programs treat as the start of a formula; full-width forms too, as some convert them on import.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ESCAPE = "'"
SURROGATES = re.compile("[\ud800-\udfff]")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def safe_cell(value: Any) -> str | int | float:
    """`value` as a CSV cell that no spreadsheet runs (text that could start a formula gets a leading apostrophe)
    and that UTF-8 can carry."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return value
    # A lone surrogate (hostile input that slipped in as text) cannot be written as UTF-8: it becomes U+FFFD.
    text = SURROGATES.sub("\ufffd", str(value))
    if text.startswith(FORMULA_STARTS):
        return ESCAPE + text
    return text


def safe_row(values: Iterable[Any]) -> list[str | int | float]:
    return [safe_cell(v) for v in values]


def unescape_cell(text: str) -> str:
    """The original text of a cell `safe_cell` escaped (for importers reading our own exports)."""
    if text.startswith(ESCAPE) and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


class SafeWriter:
    """csv.writer whose every row goes through safe_row.

    The csv module quotes a field only for the characters of its own line terminator: with "\n" a lone "\r" went
    out bare, and a spreadsheet starts a new row there (row injection). A row with a line break of either kind is
    written with every field quoted.
    """

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)
        self._quoting_writer = csv.writer(out, **{**options, "quoting": csv.QUOTE_ALL})

    def writerow(self, row: Iterable[Any]) -> Any:
        cells = safe_row(row)
        if any(isinstance(c, str) and ("\r" in c or "\n" in c) for c in cells):
            return self._quoting_writer.writerow(cells)
        return self._writer.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: _Writable, **options: Any) -> SafeWriter:
    return SafeWriter(out, **options)
