"""Find the images and videos a fetched HTML page shows, without running anything in it."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

MAX_IMAGES = 12
MAX_VIDEOS = 6
IMAGE_META = frozenset({"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"})


@dataclass
class PageMedia:
    title: str = ""
    images: list[str] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)
    video_posters: list[str] = field(default_factory=list)


class _MediaParser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.media = PageMedia()
        self._in_title = False
        self._in_video = False

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
                source = (attr["srcset"] or "").split(",")[0].strip().split(" ")[0]
            self._add(self.media.images, self._absolute(source), MAX_IMAGES)
        elif tag == "meta":
            key = (attr.get("property") or attr.get("name") or "").lower()
            if key in IMAGE_META:
                self._add(self.media.images, self._absolute(attr.get("content")), MAX_IMAGES)
        elif tag == "link" and (attr.get("rel") or "").lower() == "image_src":
            self._add(self.media.images, self._absolute(attr.get("href")), MAX_IMAGES)
        elif tag == "video":
            self._in_video = True
            self._add(self.media.videos, self._absolute(attr.get("src")), MAX_VIDEOS)
            self._add(self.media.video_posters, self._absolute(attr.get("poster")), MAX_VIDEOS)
        elif tag == "source" and self._in_video:
            self._add(self.media.videos, self._absolute(attr.get("src")), MAX_VIDEOS)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "video":
            self._in_video = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.media.title) < 300:
            self.media.title = (self.media.title + data).strip()[:300]


def find_media(html: str, base_url: str) -> PageMedia:
    parser = _MediaParser(base_url)
    parser.feed(html)
    parser.close()
    return parser.media
