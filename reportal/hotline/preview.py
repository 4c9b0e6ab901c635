"""The safe preview: the server fetches the reported page and its images through the guarded fetcher, makes
thumbnails in memory and serves them itself, veiled (blurred, greyscale) until the analyst reveals one.

Nothing fetched touches the disk here: originals and thumbnails live in a bounded in-process store keyed by
random tokens. Only a token's address (never content) goes to the shared cache, so that another web process
can fetch the image again if the token is not in its own memory.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from reportal.hotline.models import PreviewHashMatch
from reportal.hotline.pagemedia import find_media
from reportal.hotline.thumbnails import ThumbnailError, make_thumbnail
from reportal.net.fetch import FetchError, FetchRefused, FetchResult, fetch
from reportal.reports.services import ReportedUrl

PAGE_MAX_BYTES = 2 * 1024 * 1024
IMAGE_MAX_BYTES = 8 * 1024 * 1024
VIDEOS_SHOWN = 2  # frame sheets per preview: each costs a download and a decode
STORE_MAX_BYTES = 256 * 1024 * 1024
STORE_TTL_SECONDS = 2 * 60 * 60
FETCH_WORKERS = 4
_CACHE_PREFIX = "hotline:preview:"


@dataclass(frozen=True)
class StoredImage:
    item_id: int
    user_id: int
    source_url: str
    thumbnail: bytes
    original: bytes  # empty for a video: only its frame sheet is kept
    stored_at: float
    is_video: bool = False

    @property
    def size(self) -> int:
        return len(self.thumbnail) + len(self.original)


class PreviewStore:
    """Bounded, expiring, in-process store of fetched images; the oldest go first when it is full."""

    def __init__(self, max_bytes: int = STORE_MAX_BYTES, ttl_seconds: int = STORE_TTL_SECONDS) -> None:
        self.max_bytes = max_bytes
        self.ttl_seconds = ttl_seconds
        self._images: OrderedDict[str, StoredImage] = OrderedDict()
        self._tokens: dict[tuple[int, int, str], str] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def put(self, image: StoredImage, token: str | None = None) -> str:
        """Keep `image`; the same image for the same analyst keeps its token, so a reveal survives a reload."""
        with self._lock:
            key = (image.item_id, image.user_id, image.source_url)
            token = token or self._tokens.get(key) or secrets.token_urlsafe(24)
            self._drop(token)
            self._images[token] = image
            self._tokens[key] = token
            self._bytes += image.size
            self._evict()
        return token

    def get(self, token: str) -> StoredImage | None:
        with self._lock:
            self._evict()
            return self._images.get(token)

    def for_item(self, item_id: int, user_id: int | None = None) -> list[StoredImage]:
        with self._lock:
            self._evict()
            return [
                image
                for image in self._images.values()
                if image.item_id == item_id and (user_id is None or image.user_id == user_id)
            ]

    def tokens_for(self, item_id: int, user_id: int) -> list[tuple[str, StoredImage]]:
        """(token, image) of what `user_id` previewed of the item, for the media grid to show beside each medium."""
        with self._lock:
            self._evict()
            return [
                (token, image)
                for token, image in self._images.items()
                if image.item_id == item_id and image.user_id == user_id
            ]

    def forget_item(self, item_id: int) -> None:
        with self._lock:
            for token in [t for t, image in self._images.items() if image.item_id == item_id]:
                self._drop(token)

    def clear(self) -> None:
        with self._lock:
            self._images.clear()
            self._tokens.clear()
            self._bytes = 0

    def _drop(self, token: str) -> None:
        old = self._images.pop(token, None)
        if old is not None:
            self._bytes -= old.size
            self._tokens.pop((old.item_id, old.user_id, old.source_url), None)

    def _evict(self) -> None:
        cutoff = time.monotonic() - self.ttl_seconds
        while self._images:
            token, oldest = next(iter(self._images.items()))
            if oldest.stored_at >= cutoff and self._bytes <= self.max_bytes:
                break
            self._drop(token)


STORE = PreviewStore()


@dataclass(frozen=True)
class PreviewImage:
    token: str
    source_url: str
    is_poster: bool
    width: int
    height: int
    hash_matches: int
    is_video: bool = False  # a sheet of the video's frames, veiled like an image


@dataclass(frozen=True)
class PreviewFailure:
    source_url: str
    message: str


@dataclass
class Preview:
    item_id: int
    final_url: str = ""
    status: int | None = None
    content_type: str = ""
    title: str = ""
    error: str = ""
    images: list[PreviewImage] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)
    failures: list[PreviewFailure] = field(default_factory=list)


def _image_budget() -> int:
    return min(IMAGE_MAX_BYTES, settings.REPORTAL_FETCH_MAX_BYTES)


def _fetch_image(url: str) -> tuple[bytes, Any] | PreviewFailure:
    """Fetch one image and make its thumbnail; runs in a worker thread (no database here)."""
    try:
        result = fetch(url, max_bytes=_image_budget())
    except FetchRefused:
        return PreviewFailure(url, _("Not fetched: this address is on a network the server may not reach."))
    except FetchError as exc:
        return PreviewFailure(url, _("Could not be fetched (%(error)s).") % {"error": exc})
    except ValueError:  # an address the fetcher cannot even parse (the page's markup is untrusted)
        return PreviewFailure(url, _("Not fetched: this is not a valid web address."))
    if result.status >= 400:
        return PreviewFailure(url, _("The site answered with status %(status)s.") % {"status": result.status})
    try:
        return result.body, make_thumbnail(result.body)
    except ThumbnailError as exc:
        return PreviewFailure(url, _("Not shown: %(error)s.") % {"error": exc})


def _fetch_video_sheet(url: str, direct: bytes | None = None) -> tuple[bytes, Any] | PreviewFailure:
    """Fetch one video and make a sheet of its frames, in memory; runs in a worker thread (no database here)."""
    from reportal.hashes import services as hash_services

    data = direct
    if data is None:
        try:
            result = fetch(url, max_bytes=hash_services.max_video_bytes())
        except FetchRefused:
            return PreviewFailure(url, _("Not fetched: this address is on a network the server may not reach."))
        except FetchError as exc:
            return PreviewFailure(url, _("Could not be fetched (%(error)s).") % {"error": exc})
        except ValueError:
            return PreviewFailure(url, _("Not fetched: this is not a valid web address."))
        if result.status >= 400:
            return PreviewFailure(url, _("The site answered with status %(status)s.") % {"status": result.status})
        data = result.body
    try:
        sheet = hash_services.frame_sheet(data)
        return b"", make_thumbnail(sheet)
    except (hash_services.ImageHashError, ThumbnailError) as exc:  # the video errors are among them
        return PreviewFailure(url, _("Video frames not shown: %(error)s") % {"error": exc})


def build_preview(item: ReportedUrl, user: Any) -> Preview:
    """Fetch the item's page (or image) server-side and keep its images, veiled, for `user` to look at."""
    preview = Preview(item_id=item.pk)
    try:
        page: FetchResult = _fetch_page(item.canonical_url)
    except FetchRefused:
        preview.error = _(
            "The preview was not fetched: the address points to a network this server may not reach. "
            "Assess from the address and the reports alone."
        )
        return preview
    except FetchError as exc:
        preview.error = _(
            "The preview could not be fetched (%(error)s). The site may be down; try again later, "
            "or choose 'No longer available' if it stays unreachable."
        ) % {"error": exc}
        return preview
    except ValueError:
        preview.error = _("Not fetched: this is not a valid web address.")
        return preview
    preview.final_url = page.final_url
    preview.status = page.status
    preview.content_type = (page.content_type or "").split(";")[0].strip().lower()
    if page.status >= 400:
        preview.error = _("The site answered with status %(status)s: the content may have been removed.") % {
            "status": page.status
        }
        return preview

    image_urls: list[tuple[str, bool]] = []
    direct: dict[str, bytes] = {}
    if preview.content_type.startswith("image/") and page.truncated:
        preview.error = _("The image at this address is larger than the preview limit; it is not shown.")
        return preview
    if preview.content_type.startswith("image/"):
        image_urls.append((page.final_url, False))
        direct[page.final_url] = page.body
    elif preview.content_type.startswith("video/"):
        preview.videos.append(page.final_url)
        if not page.truncated:
            direct[page.final_url] = page.body
    elif preview.content_type in ("text/html", "application/xhtml+xml", ""):
        media = find_media(page.text(), page.final_url)
        preview.title = media.title
        preview.videos = media.videos
        image_urls += [(url, False) for url in media.images]
        image_urls += [(url, True) for url in media.video_posters if url not in media.images]
    else:
        preview.error = _("The address returned %(type)s, which the preview does not show.") % {
            "type": preview.content_type
        }
        return preview

    results = _fetch_all([url for url, _poster in image_urls], direct)
    total_matches = 0
    for (url, is_poster), outcome in zip(image_urls, results, strict=True):
        if isinstance(outcome, PreviewFailure):
            preview.failures.append(outcome)
            continue
        original, thumbnail = outcome
        matches = _bank_matches(original)
        total_matches += matches
        token = _remember(StoredImage(item.pk, user.pk, url, thumbnail.jpeg, original, time.monotonic()))
        preview.images.append(PreviewImage(token, url, is_poster, thumbnail.width, thumbnail.height, matches))
    if total_matches:
        PreviewHashMatch.objects.create(item=item, matches=total_matches)
    _add_video_sheets(preview, item, user, direct)
    return preview


def _add_video_sheets(preview: Preview, item: ReportedUrl, user: Any, direct: dict[str, bytes]) -> None:
    """The first videos as sheets of their frames (veiled like images); the rest stay addresses only."""
    urls = preview.videos[:VIDEOS_SHOWN]
    if not urls:
        return
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        outcomes = list(pool.map(lambda url: _fetch_video_sheet(url, direct.get(url)), urls))
    for url, outcome in zip(urls, outcomes, strict=True):
        if isinstance(outcome, PreviewFailure):
            preview.failures.append(outcome)
            continue
        _nothing, sheet = outcome
        token = _remember(StoredImage(item.pk, user.pk, url, sheet.jpeg, b"", time.monotonic(), is_video=True))
        preview.images.append(PreviewImage(token, url, False, sheet.width, sheet.height, 0, is_video=True))
        preview.videos.remove(url)


def _fetch_all(urls: list[str], direct: dict[str, bytes]) -> list[tuple[bytes, Any] | PreviewFailure]:
    def one(url: str) -> tuple[bytes, Any] | PreviewFailure:
        if url in direct:
            try:
                return direct[url], make_thumbnail(direct[url])
            except ThumbnailError as exc:
                return PreviewFailure(url, _("Not shown: %(error)s.") % {"error": exc})
        return _fetch_image(url)

    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=min(FETCH_WORKERS, len(urls))) as pool:
        return list(pool.map(one, urls))


def _fetch_page(url: str) -> FetchResult:
    # The start of a long page is enough to find its images; an image address gets the image budget.
    return fetch(url, max_bytes=max(PAGE_MAX_BYTES, _image_budget()), allow_truncate=True)


def _bank_matches(data: bytes) -> int:
    from reportal.hashes import services as hash_services

    try:
        return len(hash_services.lookup_bytes(data))
    except NotImplementedError:
        return 0


def _remember(image: StoredImage) -> str:
    token = STORE.put(image)
    cache.set(
        _CACHE_PREFIX + token,
        {
            "item_id": image.item_id,
            "user_id": image.user_id,
            "source_url": image.source_url,
            "is_video": image.is_video,
        },
        STORE_TTL_SECONDS,
    )
    return token


def stored_image(token: str) -> StoredImage | None:
    """The image behind a token, fetched again if this process no longer (or never) held it."""
    image = STORE.get(token)
    if image is not None:
        return image
    known = cache.get(_CACHE_PREFIX + token)
    if not known:
        return None
    is_video = bool(known.get("is_video"))
    outcome = _fetch_video_sheet(known["source_url"]) if is_video else _fetch_image(known["source_url"])
    if isinstance(outcome, PreviewFailure):
        return None
    original, thumbnail = outcome
    image = StoredImage(
        known["item_id"],
        known["user_id"],
        known["source_url"],
        thumbnail.jpeg,
        original,
        time.monotonic(),
        is_video=is_video,
    )
    STORE.put(image, token)
    return image


def images_seen(item: ReportedUrl, user: Any | None = None) -> list[bytes]:
    """Original bytes of the images previewed for `item` (by `user`), for hashing when it is confirmed."""
    seen: dict[str, bytes] = {}
    for image in STORE.for_item(item.pk, getattr(user, "pk", None)):
        if not image.is_video:  # a video's frame sheet is not the video
            seen.setdefault(image.source_url, image.original)
    return list(seen.values())


def refetch_images(item: ReportedUrl, *, strict: bool = False) -> list[bytes]:
    """Fetch the item's images again (for a worker that never held them), in memory. With `strict`, a page that
    could not be reached (timeout, refused connection) raises FetchError, so that a hand-off tries again later."""
    try:
        page = _fetch_page(item.canonical_url)
    except FetchRefused:
        return []
    except (FetchError, ValueError):
        if strict:
            raise
        return []
    content_type = (page.content_type or "").split(";")[0].strip().lower()
    if page.status >= 400:
        return []
    if content_type.startswith("image/"):
        return [] if page.truncated else [page.body]
    if content_type not in ("text/html", "application/xhtml+xml", ""):
        return []
    media = find_media(page.text(), page.final_url)
    return [outcome[0] for outcome in _fetch_all(media.images, {}) if not isinstance(outcome, PreviewFailure)]
