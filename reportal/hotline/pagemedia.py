"""Find the images and videos a fetched HTML page shows or links to, without running anything in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

MAX_IMAGES = 12
MAX_VIDEOS = 6
# A link whose path ends like this leads to the medium itself ("linked media": galleries link full sizes).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")
VIDEO_SUFFIXES = (".mp4", ".m4v", ".webm", ".mov", ".mkv", ".avi", ".ogv")
IMAGE_META = frozenset({"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"})


@dataclass
class PageMedia:
    title: str = ""
    images: list[str] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)
    video_posters: list[str] = field(default_factory=list)


def first_srcset_candidate(srcset: str) -> str | None:
    """The first address of a srcset (the one the preview has always shown, so grid and preview agree)."""
    fields = srcset.split(",")[0].split()
    return fields[0] if fields else None


class _MediaParser(HTMLParser):
    def __init__(self, base_url: str, max_images: int, max_videos: int) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.media = PageMedia()
        self.max_images = max_images
        self.max_videos = max_videos
        self._in_title = False
        self._in_video = False
        self._in_picture = False

    def _absolute(self, value: str | None) -> str | None:
        if not value:
            return None
        try:
            url = urljoin(self.base_url, value.strip())
            scheme = urlsplit(url).scheme
        except ValueError:  # a malformed address (such as an unclosed IPv6 bracket) is skipped, not fatal
            return None
        return url if scheme in ("http", "https") else None  # no data:, javascript:, file:

    @staticmethod
    def _add(bucket: list[str], url: str | None, limit: int) -> None:
        if url and url not in bucket and len(bucket) < limit:
            bucket.append(url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name.lower(): value for name, value in attrs}
        if tag == "base" and attr.get("href"):
            self.base_url = self._absolute(attr["href"]) or self.base_url
        elif tag == "title":
            self._in_title = True
        elif tag == "img":
            source = attr.get("src") or attr.get("data-src")
            if not source and attr.get("srcset"):
                source = first_srcset_candidate(attr["srcset"] or "")
            self._add(self.media.images, self._absolute(source), self.max_images)
        elif tag == "meta":
            key = (attr.get("property") or attr.get("name") or "").lower()
            if key in IMAGE_META:
                self._add(self.media.images, self._absolute(attr.get("content")), self.max_images)
        elif tag == "link" and (attr.get("rel") or "").lower() == "image_src":
            self._add(self.media.images, self._absolute(attr.get("href")), self.max_images)
        elif tag == "a":
            self._linked(self._absolute(attr.get("href")))
        elif tag == "picture":
            self._in_picture = True
        elif tag == "video":
            self._in_video = True
            self._add(self.media.videos, self._absolute(attr.get("src")), self.max_videos)
            self._add(self.media.video_posters, self._absolute(attr.get("poster")), self.max_videos)
        elif tag == "source" and self._in_video:
            self._add(self.media.videos, self._absolute(attr.get("src")), self.max_videos)
        elif tag == "source" and self._in_picture and attr.get("srcset"):
            self._add(self.media.images, self._absolute(first_srcset_candidate(attr["srcset"] or "")), self.max_images)

    def _linked(self, url: str | None) -> None:
        if not url:
            return
        path = urlsplit(url).path.lower()
        if path.endswith(IMAGE_SUFFIXES):
            self._add(self.media.images, url, self.max_images)
        elif path.endswith(VIDEO_SUFFIXES):
            self._add(self.media.videos, url, self.max_videos)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "video":
            self._in_video = False
        elif tag == "picture":
            self._in_picture = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.media.title) < 300:
            self.media.title = (self.media.title + data).strip()[:300]


def find_media(html: str, base_url: str, *, max_images: int = MAX_IMAGES, max_videos: int = MAX_VIDEOS) -> PageMedia:
    parser = _MediaParser(base_url, max_images, max_videos)
    parser.feed(html)
    parser.close()
    return parser.media
