"""Signals of the actions stage that other apps answer.

`police_evidence_wanted`: a police referral package asks for the evidence kept of an item. The evidence store
belongs to the workbench (reportal/hotline/evidence.py), which already depends on this stage; answering a signal
keeps that the only direction. A receiver returns a list of KeptEvidence, decrypted in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.dispatch import Signal

police_evidence_wanted = Signal()  # send(sender, item=ReportedUrl) -> list[KeptEvidence] per receiver


@dataclass(frozen=True)
class KeptEvidence:
    """One piece of evidence as stored: the bytes (decrypted, in memory only) and what the store knows of them."""

    sha256: str  # recorded when it was stored; the package checks the bytes against it
    data: bytes
    content_type: str
    source_url: str
    stored_at: datetime
    expires_at: datetime


def kept_evidence(item: Any) -> list[KeptEvidence]:
    """Every piece of evidence kept for `item` and not yet expired, from whichever app keeps it (none: empty)."""
    found: list[KeptEvidence] = []
    for _receiver, answer in police_evidence_wanted.send(sender=KeptEvidence, item=item):
        found.extend(e for e in answer or [] if isinstance(e, KeptEvidence))
    return sorted(found, key=lambda e: (e.stored_at, e.sha256))
