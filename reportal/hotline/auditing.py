"""Every view or change of an item by staff goes to the audit log through here, with the workbench's action names."""

from __future__ import annotations

from typing import Any

from reportal.audit.services import record


def audit(actor: Any, action: str, obj: Any = None, **details: Any) -> None:
    record(actor, f"hotline.{action}", obj, **details)
