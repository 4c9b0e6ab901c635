"""Audit records of list changes and member access, through the audit stage's append-only log."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("reportal.lists")


def record(action: str, *, actor: Any | None = None, obj: Any | None = None, **details: Any) -> None:
    """Append one audit record; the audit stage owns the log and its hash chain."""
    from reportal.audit import services as audit_services

    audit_services.record(actor, action, obj, **details)
