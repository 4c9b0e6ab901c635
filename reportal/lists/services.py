"""What other apps may ask of the lists stage (issue 6 fills these in)."""

from __future__ import annotations

from typing import Any


def on_confirmed(item: Any, *, scope: str = "url", category: str = "", actor: Any | None = None) -> None:
    """An analyst confirmed `item` (reports.ReportedUrl); scope is 'url', 'prefix' or 'domain'. Adds a list entry."""
    raise NotImplementedError


def on_removed(item: Any) -> None:
    """Monitoring found the content of `item` gone: its list entry ends."""
    raise NotImplementedError


def on_reappeared(item: Any) -> None:
    """Content came back after removal: the entry becomes active again."""
    raise NotImplementedError
