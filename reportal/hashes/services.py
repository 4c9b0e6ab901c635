"""What other apps may ask of the hashes stage."""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings

from reportal.hashes import banks as bank_services
from reportal.hashes import matcher
from reportal.hashes.hashing import HashMode, ImageHashError, ImageHashes, hash_image_bytes
from reportal.hashes.matcher import Match
from reportal.hashes.signals import PDQ, VPDQ
from reportal.hashes.video import (
    VideoHashError,
    VideoHashes,
    VpdqFrame,
    contact_sheet,
    frame_sheet,
    hash_video,
    max_video_bytes,
    parse_vpdq_signal,
    vpdq_to_signal,
)

__all__ = [
    "ImageHashError",
    "Match",
    "VideoHashError",
    "VideoHashes",
    "VpdqFrame",
    "add_confirmed_images",
    "add_confirmed_video",
    "contact_sheet",
    "frame_sheet",
    "max_video_bytes",
    "hash_bytes",
    "hash_video",
    "lookup_bytes",
    "lookup_hashes",
    "lookup_video",
    "parse_vpdq_signal",
    "vpdq_to_signal",
]


def _item_reference(item: Any) -> str:
    pk = getattr(item, "pk", None)
    return f"item:{pk}" if pk is not None else ""


def add_confirmed_images(
    item: Any, images: list[bytes], *, analyst: Any | None = None, classification: str = ""
) -> int:
    """Hash the images of a confirmed item (in memory) into the hotline's own bank; returns how many were added.

    Images that cannot be decoded are skipped (their bytes are not kept); an image already in the bank with the
    same SHA-256 is not added twice.
    """
    bank = bank_services.get_or_create_bank(settings.REPORTAL_OWN_BANK)
    reference = _item_reference(item)
    added = 0
    for data in images:
        try:
            hashes = hash_image_bytes(data, mode="exact")
        except ImageHashError:
            continue
        if bank.contents.filter(sha256=hashes.sha256).exists():
            continue
        bank_services.add_content(
            bank,
            bank_services.ContentSignals(
                pdq=hashes.pdq,
                pdq_quality=hashes.pdq_quality,
                md5=hashes.md5,
                sha1=hashes.sha1,
                sha256=hashes.sha256,
                source="analyst",
                classification=classification,
                # Only the item's id: bank entries are shown to members, the address of the content never is.
                external_id=reference,
                metadata={"width": hashes.width, "height": hashes.height, "format": hashes.format},
            ),
            analyst=analyst,
        )
        added += 1
    return added


def hash_bytes(data: bytes, *, mode: HashMode | None = None, dihedral: bool = False) -> ImageHashes:
    """The signals of one image (raises reportal.hashes.hashing.ImageHashError for bad input)."""
    return hash_image_bytes(data, mode=mode or cast(HashMode, settings.REPORTAL_HASH_LOOKUP_MODE), dihedral=dihedral)


def lookup_hashes(hashes: ImageHashes, *, banks: list[str] | None = None) -> list[Match]:
    """Bank matches for already computed signals (PDQ only when its quality is high enough), nearest first."""
    queries = list(hashes.signals().items())
    found = matcher.lookup(queries, banks=banks, bypass_coinflip=True)
    best: dict[int, Match] = {}
    for matches in found:
        for m in matches:
            # One entry per bank content: a byte-identical hit wins over a PDQ hit of the same entry.
            if m.content_id not in best or (m.distance, m.signal_type == PDQ) < (
                best[m.content_id].distance,
                best[m.content_id].signal_type == PDQ,
            ):
                best[m.content_id] = m
    return sorted(best.values(), key=lambda m: (m.distance, m.content_id))


def lookup_bytes(data: bytes) -> list[Any]:
    """Bank matches for one image's bytes (for the workbench's 'already known' hint and the crawler).

    Returns reportal.hashes.matcher.Match values (content_id, bank, signal_type, distance, classification);
    an image that cannot be decoded is still looked up by its cryptographic hashes.
    """
    try:
        hashes = hash_bytes(data)
    except ImageHashError:
        from reportal.hashes.hashing import crypto_hashes

        md5, sha1, sha256 = crypto_hashes(data)
        found = matcher.lookup([("md5", md5), ("sha1", sha1), ("sha256", sha256)], bypass_coinflip=True)
        unique = {m.content_id: m for matches in found for m in matches}
        return sorted(unique.values(), key=lambda m: m.content_id)
    return lookup_hashes(hashes)


def lookup_video(hashes: VideoHashes, *, banks: list[str] | None = None) -> list[Match]:
    """Bank matches of one video: vPDQ under each bank's video settings, and its MD5 and SHA-256, best first.

    One Match per bank entry; a byte-identical hit (distance 0) comes before a vPDQ one of the same entry.
    """
    queries = [("md5", hashes.md5), ("sha256", hashes.sha256)]
    found = matcher.lookup(queries, banks=banks, bypass_coinflip=True)
    if hashes.vpdq_matchable:
        found.append(matcher.lookup_vpdq(hashes.frames, banks=banks, bypass_coinflip=True))
    best: dict[int, Match] = {}
    for matches in found:
        for m in matches:
            if m.content_id not in best or (m.distance, m.signal_type == VPDQ) < (
                best[m.content_id].distance,
                best[m.content_id].signal_type == VPDQ,
            ):
                best[m.content_id] = m
    return sorted(best.values(), key=lambda m: (m.distance, m.content_id))


def add_confirmed_video(
    item: Any,
    hashes: VideoHashes,
    *,
    analyst: Any | None = None,
    classification: str = "",
    bank_name: str | None = None,
) -> int | None:
    """Add a graded video's signals (vPDQ, MD5, SHA-256) to the hotline's own bank; returns the new entry's id, or
    None when the bank already holds a video with the same SHA-256. Frames under quality 50 are kept in the
    signal (HMA keeps them) and never match."""
    bank = bank_services.get_or_create_bank(bank_name or settings.REPORTAL_OWN_BANK)
    if bank.contents.filter(sha256=hashes.sha256).exists():
        return None
    content = bank_services.add_content(
        bank,
        bank_services.ContentSignals(
            md5=hashes.md5,
            sha256=hashes.sha256,
            vpdq=hashes.vpdq if hashes.frames else "",
            source="analyst",
            classification=classification,
            external_id=_item_reference(item),
            metadata={
                "content_type": "video",
                "duration_s": hashes.duration_s,
                "width": hashes.width,
                "height": hashes.height,
            },
        ),
        analyst=analyst,
    )
    return int(content.pk)
