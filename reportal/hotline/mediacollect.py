"""The worker's side of media items: fetch a reported page's images and videos through the guarded fetcher (capped
in count and bytes), hash each in memory and record it as a media item. Runs in a hand-off, never in a request."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings

from reportal.hotline.media import FoundMedia, bankable, record_page_media
from reportal.hotline.models import MediaItem, MediaKind
from reportal.hotline.pagemedia import find_media
from reportal.hotline.preview import images_seen
from reportal.hotline.schemes import category_of
from reportal.net.fetch import FetchError, FetchRefused, FetchResult, fetch

logger = logging.getLogger(__name__)

PAGE_MAX_BYTES = 2 * 1024 * 1024
# Fetch failures that may pass (a site down for a while, a resolver in trouble): the page is tried again later.
PASSING_FAILURES = frozenset({"timeout", "connect", "unreachable", "dns_unavailable", "servfail", "error"})


@dataclass(frozen=True)
class MediaCaps:
    """How much of a page's media the worker fetches (settings REPORTAL_MEDIA_*)."""

    max_items: int
    max_image_bytes: int
    max_video_bytes: int
    max_page_bytes: int

    @classmethod
    def from_settings(cls) -> MediaCaps:
        return cls(
            max_items=settings.REPORTAL_MEDIA_MAX_ITEMS,
            max_image_bytes=min(settings.REPORTAL_MEDIA_MAX_IMAGE_BYTES, settings.REPORTAL_FETCH_MAX_BYTES),
            max_video_bytes=settings.REPORTAL_MEDIA_MAX_VIDEO_BYTES,
            max_page_bytes=settings.REPORTAL_MEDIA_MAX_PAGE_BYTES,
        )


def collect_item_media(item: Any, *, caps: MediaCaps | None = None) -> list[int]:
    """Fetch, hash and record the media of a reported item's page; returns the media item ids. A page that cannot
    be reached for now raises FetchError (the hand-off tries again later); a refused, unknown or broken address
    records nothing."""
    found = find_page_media(item.canonical_url, caps or MediaCaps.from_settings())
    return record_page_media(item.pk, found)


def find_page_media(url: str, caps: MediaCaps) -> list[FoundMedia]:
    try:
        page = fetch(url, max_bytes=max(PAGE_MAX_BYTES, caps.max_image_bytes), allow_truncate=True)
    except FetchError as exc:
        if exc.reason in PASSING_FAILURES:
            raise  # the hand-off tries again later, with back-off
        return []  # refused, no such name, a redirect loop...: trying again would not help
    except ValueError:  # not a web address the fetcher can parse
        return []
    if page.status >= 400:
        return []
    content_type = _media_type(page)
    if content_type.startswith(("image/", "video/")):  # the address is the medium itself
        if page.truncated:
            return []
        medium = _hashed(page.final_url, content_type, page.body)
        return [medium] if medium else []
    if content_type not in ("text/html", "application/xhtml+xml", ""):
        return []
    listed = find_media(page.text(), page.final_url, max_images=caps.max_items, max_videos=caps.max_items)
    candidates: list[tuple[str, Literal["image", "video"]]] = []
    for url_found in listed.images + [p for p in listed.video_posters if p not in listed.images]:
        candidates.append((url_found, "image"))
    candidates += [(video, "video") for video in listed.videos]
    found: list[FoundMedia] = []
    budget = caps.max_page_bytes
    seen: set[str] = set()
    for candidate, kind in candidates[: caps.max_items]:
        limit = min(budget, caps.max_image_bytes if kind == "image" else caps.max_video_bytes)
        if limit <= 0:
            break
        body = _fetch_medium(candidate, limit)
        if body is None:
            continue
        data, content_type = body
        budget -= len(data)
        medium = _hashed(candidate, content_type, data)
        if medium is not None and medium.sha256 not in seen:
            seen.add(medium.sha256)
            found.append(medium)
    return found


def _media_type(result: FetchResult) -> str:
    return (result.content_type or "").split(";")[0].strip().lower()


def _fetch_medium(url: str, limit: int) -> tuple[bytes, str] | None:
    """The bytes of one medium, or None (refused, failed, an error status, or larger than the cap)."""
    try:
        result = fetch(url, max_bytes=limit)
    except (FetchError, ValueError) as exc:  # FetchRefused is a FetchError; the page's markup is untrusted
        logger.info("Medium not fetched (%s): %s", type(exc).__name__, url[:200])
        return None
    if result.status >= 400 or result.truncated:
        return None
    return result.body, _media_type(result)


def _hashed(url: str, content_type: str, data: bytes) -> FoundMedia | None:
    if content_type.startswith("video/"):
        return _hashed_video(url, content_type, data)
    return _hashed_image(url, content_type, data)


def _hashed_image(url: str, content_type: str, data: bytes) -> FoundMedia | None:
    from reportal.hashes import services as hashes

    try:
        signals = hashes.hash_bytes(data)
    except hashes.ImageHashError:
        return None  # not an image this server decodes: nothing to grade or bank
    matches = hashes.lookup_hashes(signals)
    return FoundMedia(
        url=url,
        kind="image",
        content_type=content_type,
        size_bytes=len(data),
        width=signals.width,
        height=signals.height,
        md5=signals.md5,
        sha256=signals.sha256,
        pdq=signals.pdq,
        pdq_quality=signals.pdq_quality,
        known_grade=str(matches[0].classification or "") if matches else None,
    )


def _hashed_video(url: str, content_type: str, data: bytes) -> FoundMedia:
    from reportal.hashes import services as hashes

    try:
        hashed = hashes.hash_video(data)
    except hashes.ImageHashError as exc:  # damaged or unsupported: recorded by its bytes' hashes, vPDQ pending
        logger.info("Video not hashed with vPDQ (%s): %s", type(exc).__name__, url[:200])
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()  # shared lists name videos by MD5
        matches = hashes.lookup_bytes(data)  # by MD5 and SHA-256
        return FoundMedia(
            url=url,
            kind="video",
            content_type=content_type,
            size_bytes=len(data),
            width=None,
            height=None,
            md5=md5,
            sha256=hashlib.sha256(data).hexdigest(),
            known_grade=str(matches[0].classification or "") if matches else None,
        )
    matches = hashes.lookup_video(hashed)
    return FoundMedia(
        url=url,
        kind="video",
        content_type=content_type,
        size_bytes=len(data),
        width=hashed.width,
        height=hashed.height,
        md5=hashed.md5,
        sha256=hashed.sha256,
        vpdq=[str(frame) for frame in hashed.frames],  # threatexchange's "<pdq hex>,<quality>,<timestamp>"
        duration_s=hashed.duration_s,
        known_grade=str(matches[0].classification or "") if matches else None,
    )


def bank_graded_media(item: Any, *, analyst: Any | None = None) -> int:
    """Bank the item's bankable media (media.bankable: graded illegal, PDQ quality high enough, not known yet), each
    under its own grade. Videos go in with the vPDQ, MD5 and SHA-256 recorded when they were found; images are
    hashed again from the analyst's preview held by this process, else fetched again (they must still have the
    graded SHA-256). Returns how many entered the bank."""
    from reportal.hashes import services as hashes

    rows = bankable(item.pk)
    if not rows:
        return 0
    held = {hashlib.sha256(data).hexdigest(): data for data in images_seen(item)}
    caps = MediaCaps.from_settings()
    added = 0
    for row in rows:
        category = category_of(row.grade)
        if row.kind == MediaKind.VIDEO:  # its signals were kept when it was found: nothing to fetch again
            added += (
                hashes.add_confirmed_video(item, _video_hashes(row), analyst=analyst, classification=category)
                is not None
            )
            continue
        data = held.get(row.sha256) or _refetch_same(row.url, row.sha256, caps.max_image_bytes)
        if data is not None:
            added += hashes.add_confirmed_images(item, [data], analyst=analyst, classification=category)
    return added


def _video_hashes(row: MediaItem) -> Any:
    """The hashes stage's VideoHashes of a recorded video (vPDQ frames as recorded; none while pending)."""
    from reportal.hashes import services as hashes

    frames = hashes.parse_vpdq_signal(json.dumps(row.vpdq)) if row.vpdq else []
    return hashes.VideoHashes(
        md5=row.md5,
        sha256=row.sha256,
        duration_s=row.duration_s or 0.0,
        width=row.width or 0,
        height=row.height or 0,
        frames=frames,
    )


def _refetch_same(url: str, sha256: str, limit: int) -> bytes | None:
    """The medium's bytes again if they are unchanged; a site that does not answer raises FetchError (retried)."""
    try:
        result = fetch(url, max_bytes=limit)
    except FetchRefused:
        return None
    except ValueError:
        return None
    if result.status >= 400 or result.truncated:
        return None  # gone or changed since it was graded: nothing graded to bank
    return result.body if hashlib.sha256(result.body).hexdigest() == sha256 else None
