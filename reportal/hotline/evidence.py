"""Evidence storage, off unless the operator turns it on: confirmed items' images, encrypted, deleted on expiry."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from reportal import crypto
from reportal.actions.signals import KeptEvidence
from reportal.hotline.models import Evidence
from reportal.reports.services import ReportedUrl


def store_images(item: ReportedUrl, images: list[bytes], source_url: str = "") -> int:
    """Keep the images of a confirmed item if evidence storage is on; returns how many were stored."""
    if not settings.REPORTAL_EVIDENCE_STORAGE or not images:
        return 0
    expires_at = timezone.now() + timedelta(days=settings.REPORTAL_EVIDENCE_DAYS)
    stored = 0
    for data in images:
        digest = hashlib.sha256(data).hexdigest()
        if Evidence.objects.filter(item=item, sha256=digest).exists():
            continue
        Evidence.objects.create(
            item=item,
            source_url=source_url or item.canonical_url,
            sha256=digest,
            encrypted=crypto.cipher().encrypt(data),
            expires_at=expires_at,
        )
        stored += 1
    return stored


def read(evidence: Evidence) -> bytes:
    return crypto.cipher().decrypt(bytes(evidence.encrypted))


def kept(item: ReportedUrl) -> list[KeptEvidence]:
    """The item's evidence that has not expired, decrypted in memory (for a police referral package)."""
    rows = Evidence.objects.filter(item=item, expires_at__gt=timezone.now()).order_by("stored_at", "pk")
    return [
        KeptEvidence(
            sha256=row.sha256,
            data=read(row),
            content_type=row.content_type,
            source_url=row.source_url,
            stored_at=row.stored_at,
            expires_at=row.expires_at,
        )
        for row in rows
    ]


def purge_expired() -> int:
    deleted, _per_model = Evidence.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
