"""What other apps may ask of the actions stage (issue 4 fills these in)."""

from __future__ import annotations

from typing import Any


def on_actionable(item: Any, actor: Any | None = None) -> None:
    """An analyst confirmed `item` (a reports.ReportedUrl): trace it and route the notice/referral (after commit)."""
    raise NotImplementedError
