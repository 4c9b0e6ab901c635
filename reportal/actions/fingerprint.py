"""What a reported page carries, as hashes only: the page, its media, its words. Used to tell whether it is gone.

Everything is fetched through the guarded fetcher and hashed in memory; no content is kept.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

from reportal.net.errors import FetchError
from reportal.net.fetch import FetchResult, fetch

logger = logging.getLogger(__name__)

MAX_MEDIA = 12
MAX_MEDIA_BYTES = 10 * 1024 * 1024
MAX_PAGE_BYTES = 2 * 1024 * 1024
MAX_SHINGLES = 256
TEXT_SIMILAR = 0.5  # share of the baseline's word shingles still present for a media-free page to count as the same


@dataclass
class Fingerprint:
    status: int
    content_type: str
    body_sha256: str
    media: list[dict[str, Any]] = field(default_factory=list)  # {"url", "sha256", "content_type", "known"}
    shingles: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def media_hashes(self) -> set[str]:
        return {m["sha256"] for m in self.media}

    @property
    def is_media(self) -> bool:
        return self.content_type.split("/")[0] in ("image", "video")


class _MediaLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag in ("img", "video", "source", "embed") and values.get("src"):
            self.links.append(str(values["src"]))
        if tag == "video" and values.get("poster"):
            self.links.append(str(values["poster"]))
        if tag == "img" and values.get("srcset"):
            first = str(values["srcset"]).split(",")[0].strip().split(" ")[0]
            if first:
                self.links.append(first)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def _shingles(text: str) -> list[int]:
    words = re.findall(r"\w+", text.lower())
    grams = {" ".join(words[i : i + 4]) for i in range(max(1, len(words) - 3))} if words else set()
    hashes = sorted(int.from_bytes(hashlib.sha256(g.encode()).digest()[:8], "big") for g in grams)
    return hashes[:MAX_SHINGLES]  # the smallest hashes: a bottom-k sketch that compares across page versions


def _known_to_hash_bank(data: bytes) -> bool:
    """Whether the hotline's hash bank matches these bytes (confirmed images, re-encoded or resized)."""
    try:
        from reportal.hashes import services as hashes

        return bool(hashes.lookup_bytes(data))
    except NotImplementedError:
        return False
    except Exception:  # noqa: BLE001 - an image the hasher cannot read is simply not a match
        logger.debug("hash bank look-up failed", exc_info=True)
        return False


def capture(url: str, *, page: FetchResult | None = None) -> Fingerprint:
    """Fetch `url` (unless `page` is given) and hash it and its media. Raises FetchError/FetchRefused."""
    page = page or fetch(url, max_bytes=MAX_PAGE_BYTES, allow_truncate=True)
    print_ = Fingerprint(
        status=page.status,
        content_type=page.content_type,
        body_sha256=hashlib.sha256(page.body).hexdigest(),
    )
    if print_.is_media:
        print_.media.append(
            {
                "url": page.final_url,
                "sha256": print_.body_sha256,
                "content_type": page.content_type,
                "known": _known_to_hash_bank(page.body),
            }
        )
        return print_
    if page.content_type != "text/html":
        return print_
    parser = _MediaLinks()
    parser.feed(page.text())
    print_.shingles = _shingles(" ".join(parser.text))
    seen: set[str] = set()
    for link in parser.links:
        try:
            media_url = urljoin(page.final_url, link)
        except ValueError:  # the page's markup is untrusted: a broken link is skipped, not fatal to the check
            continue
        if media_url in seen or not media_url.startswith(("http://", "https://")):
            continue
        seen.add(media_url)
        if len(seen) > MAX_MEDIA:
            break
        try:
            media = fetch(media_url, max_bytes=MAX_MEDIA_BYTES)
        except FetchError:
            continue
        if media.status != 200 or media.content_type.split("/")[0] not in ("image", "video"):
            continue
        print_.media.append(
            {
                "url": media_url,
                "sha256": hashlib.sha256(media.body).hexdigest(),
                "content_type": media.content_type,
                "known": _known_to_hash_bank(media.body),
            }
        )
    return print_


def still_carries(baseline: dict[str, Any], current: Fingerprint) -> tuple[bool, str]:
    """Whether `current` still carries the confirmed content, and why we think so (for the check history)."""
    if any(m.get("known") for m in current.media):
        return True, "a confirmed image from the hash bank is on the page"
    base_media = {m["sha256"] for m in baseline.get("media", [])}
    if base_media:
        if base_media & current.media_hashes:
            return True, "a confirmed image or video is still served"
        return False, "none of the confirmed images or videos is served any more"
    if not baseline:
        return True, "no baseline to compare with; the page answers"
    if baseline.get("body_sha256") == current.body_sha256:
        return True, "the page is unchanged"
    base_shingles = set(baseline.get("shingles", []))
    if base_shingles:
        shared = len(base_shingles & set(current.shingles)) / len(base_shingles)
        if shared >= TEXT_SIMILAR:
            return True, f"the page text is still {shared:.0%} the same"
        return False, f"the page text changed ({shared:.0%} left)"
    return True, "the page answers and nothing on it can be compared"
