"""Media items of a reported page: recording what the worker (or the crawler) found, the analyst's grade of each,
and which of them may enter the hash bank (graded, and with a PDQ good enough to match on)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reportal.hotline.models import MediaItem, MediaKind, PreviewHashMatch
from reportal.hotline.schemes import LEGAL_SCHEME, ClassificationInvalid, active_schemes, clean_classification

# The schemes a medium is graded in: those the bank's category is made of (schemes.category_of).
GRADE_SCHEMES = (LEGAL_SCHEME, "uk_category")


@dataclass(frozen=True)
class FoundMedia:
    """One image or video found on a page and hashed in memory (its bytes are not kept)."""

    url: str
    kind: Literal["image", "video"]
    content_type: str
    size_bytes: int
    width: int | None
    height: int | None
    md5: str
    sha256: str
    pdq: str | None = None
    pdq_quality: int | None = None
    vpdq: list[Any] | None = None  # ThreatExchange vPDQ frames; None: not hashed (yet)
    duration_s: float | None = None
    known_grade: str | None = None  # the bank's classification of a match; None: the bank does not know it


def record_page_media(item_id: int, media: Sequence[FoundMedia]) -> list[int]:
    """Record each medium as a media item of the item; returns their ids in the order given. Idempotent on
    (item, SHA-256): a medium already recorded keeps its grade; facts learnt since (vPDQ, a bank match) are added."""
    ids: list[int] = []
    newly_known = 0
    for found in media:
        defaults = {
            "url": found.url[:4000],
            "kind": found.kind if found.kind in MediaKind.values else MediaKind.IMAGE,
            "content_type": found.content_type[:100],
            "size_bytes": max(0, found.size_bytes),
            "width": found.width,
            "height": found.height,
            "md5": found.md5,
            "pdq": found.pdq or "",
            "pdq_quality": found.pdq_quality,
            "vpdq": found.vpdq,
            "duration_s": found.duration_s,
            "known": found.known_grade is not None,
            "known_grade": (found.known_grade or "")[:200],
        }
        try:
            with transaction.atomic():
                row, created = MediaItem.objects.get_or_create(item_id=item_id, sha256=found.sha256, defaults=defaults)
        except IntegrityError:  # recorded by a concurrent run meanwhile
            row, created = MediaItem.objects.get(item_id=item_id, sha256=found.sha256), False
        if created:
            newly_known += row.known
        else:
            newly_known += _learn(row, found)
        ids.append(row.pk)
    if newly_known:  # the queue marks the item as holding known material before anyone opens it
        PreviewHashMatch.objects.create(item_id=item_id, matches=newly_known)
    return ids


def _learn(row: MediaItem, found: FoundMedia) -> bool:
    """Add what was learnt since the row was recorded; True when it has just become known."""
    changed: list[str] = []
    if row.vpdq is None and found.vpdq is not None:
        row.vpdq, row.duration_s = found.vpdq, found.duration_s
        changed += ["vpdq", "duration_s"]
    if not row.pdq and found.pdq:
        row.pdq, row.pdq_quality = found.pdq, found.pdq_quality
        changed += ["pdq", "pdq_quality"]
    if not row.known and found.known_grade is not None:
        row.known, row.known_grade = True, found.known_grade[:200]
        changed += ["known", "known_grade"]
    if changed:
        row.save(update_fields=changed)
    return "known" in changed


def media_of(item_id: int) -> list[MediaItem]:
    return list(MediaItem.objects.filter(item_id=item_id).order_by("pk"))


def grade_schemes() -> list[Any]:
    """The active schemes a medium is graded in, with their translated options."""
    return [scheme for scheme in active_schemes() if scheme.key in GRADE_SCHEMES]


def grade_media(item_id: int, media_ids: Iterable[int], raw: dict[str, Any], analyst: Any) -> list[int]:
    """Give these media items of the item the classification `raw` (validated like the page's); returns the ids
    graded. Raises ClassificationInvalid for an unknown option, or when no grade was chosen."""
    raw = {key: value for key, value in raw.items() if key in GRADE_SCHEMES}
    grade = clean_classification(raw, actionable=False)
    if LEGAL_SCHEME not in grade:
        raise ClassificationInvalid({LEGAL_SCHEME: _("Choose a legal assessment for the selected media.")})
    rows = MediaItem.objects.filter(item_id=item_id, pk__in=list(media_ids))
    ids = list(rows.values_list("pk", flat=True))
    if not ids:
        raise ClassificationInvalid({"media": _("Select at least one image or video to grade.")})
    rows.update(grade=grade, graded_by=analyst, graded_at=timezone.now())
    return ids


def min_bank_quality() -> int:
    return int(getattr(settings, "REPORTAL_MEDIA_BANK_MIN_QUALITY", 50))


def bankable(item_id: int) -> list[MediaItem]:
    """Media of the item that may enter the bank: graded, assessed illegal, not already known, and (images) with a
    PDQ quality of at least the setting. Ungraded and low-quality media never do."""
    from reportal.hotline.schemes import NOT_ILLEGAL

    out = []
    for row in MediaItem.objects.filter(item_id=item_id, known=False).exclude(grade={}).order_by("pk"):
        if not row.grade.get(LEGAL_SCHEME) or row.grade.get(LEGAL_SCHEME) == NOT_ILLEGAL:
            continue
        if row.kind == MediaKind.IMAGE and (row.pdq_quality or 0) < min_bank_quality():
            continue
        out.append(row)
    return out


def grade_label(grade: dict[str, Any]) -> str:
    """A graded medium's classification in words, such as 'Baseline: illegal under INTERPOL criteria, Category A'."""
    labels = {scheme.key: {o.key: o.label for o in scheme.options} for scheme in active_schemes()}
    parts = [labels.get(key, {}).get(str(grade[key]), str(grade[key])) for key in GRADE_SCHEMES if grade.get(key)]
    return ", ".join(parts)


def known_grade_label(category: str) -> str:
    """The bank's category string (schemes.category_of: 'baseline/uk-A') in words."""
    grade: dict[str, Any] = {}
    for part in category.split("/"):
        if part.startswith("uk-"):
            grade["uk_category"] = part[3:]
        elif part:
            grade.setdefault(LEGAL_SCHEME, part)
    return grade_label(grade) if grade else ""
