"""Progress of long commands (imports, list and index builds, hashing), one way for all of them.

On a terminal: one line redrawn in place, with a bar when the total is known. In a log (output not a terminal):
a plain line now and then (every `log_seconds`), never carriage returns or escape codes. Always on stderr, so a
command's real output on stdout stays clean for pipes.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

BAR_WIDTH = 30


class Progress:
    """`with Progress("Importing", total=size, unit="bytes") as bar: bar.update(done, detail="12 added")`."""

    def __init__(
        self,
        label: str,
        *,
        total: float | None = None,
        unit: str = "",
        stream: TextIO | None = None,
        redraw_seconds: float = 0.1,
        log_seconds: float = 5.0,
    ) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every = redraw_seconds if self.interactive else log_seconds
        self.started = time.monotonic()
        self._last_shown = float("-inf")
        self._width = 0
        self.done: float = 0
        self.detail = ""

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.finish(interrupted=kind is not None)

    def update(self, done: float, *, total: float | None = None, detail: str = "") -> None:
        self.done = done
        if total is not None:
            self.total = total
        self.detail = detail
        now = time.monotonic()
        if now - self._last_shown >= self.every:
            self._last_shown = now
            self._show()

    def finish(self, *, detail: str | None = None, interrupted: bool = False) -> None:
        """Show the final state once (and end the redrawn line)."""
        if detail is not None:
            self.detail = detail
        self._show(final=not interrupted)
        if self.interactive:
            self.stream.write("\n")
        self.stream.flush()

    def line(self) -> str:
        """The text shown for the current state (without bar)."""
        parts = [self.label]
        if self.total:
            fraction = min(1.0, self.done / self.total)
            parts.append(f"{fraction * 100:5.1f}%")
            parts.append(f"{_number(self.done)} of {_number(self.total)}{' ' + self.unit if self.unit else ''}")
        else:
            parts.append(f"{_number(self.done)}{' ' + self.unit if self.unit else ''}")
        elapsed = time.monotonic() - self.started
        if elapsed >= 1 and self.done:
            parts.append(f"{_number(self.done / elapsed)}/s")
        if self.detail:
            parts.append(self.detail)
        return "  ".join(parts)

    def _show(self, final: bool = False) -> None:
        text = self.line()
        if self.interactive:
            if self.total:
                filled = int(BAR_WIDTH * min(1.0, self.done / self.total))
                text = f"[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {text}"
            padding = " " * max(0, self._width - len(text))
            self._width = len(text)
            self.stream.write(f"\r{text}{padding}")
        else:
            self.stream.write(f"{text}{'  (done)' if final else ''}\n")
        self.stream.flush()


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or float(value).is_integer() else f"{value:,.1f}"
