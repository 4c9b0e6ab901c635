"""What a crawl reads from a fetched HTML page: the links to follow and the media to hash. Nothing in it runs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from reportal.net.rdap import registrable_domain

MAX_LINKS = 2000  # per page: a page of a million links must not flood the frontier
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp")
VIDEO_EXTENSIONS = (".mp4", ".webm", ".mov", ".m4v", ".avi", ".mkv")


@dataclass
class PageContent:
    links: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    videos: list[str] = field(default_factory=list)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()


def normalise(base: str, value: str | None) -> str | None:
    """The absolute http(s) address of a link, without its fragment; None for anything else (javascript:, data:)."""
    if not value:
        return None
    try:
        url, _fragment = urldefrag(urljoin(base, value.strip()))
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket and the like
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2048:
        return None
    if not parts.path:
        url = url.replace(parts.netloc, parts.netloc + "/", 1) if not parts.query else url
    return url


class _Parser(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base_url
        self.content = PageContent()
        self._seen: set[str] = set()
        self._in_video = False

    def _add(self, bucket: list[str], value: str | None) -> None:
        url = normalise(self.base, value)
        if url and url not in self._seen and len(bucket) < MAX_LINKS:
            self._seen.add(url)
            bucket.append(url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "a" or tag == "area":
            href = attr.get("href")
            target = normalise(self.base, href)
            if target and target.lower().split("?")[0].endswith(IMAGE_EXTENSIONS):
                self._add(self.content.images, href)  # a gallery's link to the full-size picture
            elif target and target.lower().split("?")[0].endswith(VIDEO_EXTENSIONS):
                self._add(self.content.videos, href)
            else:
                self._add(self.content.links, href)
        elif tag == "img":
            source = attr.get("src") or attr.get("data-src")
            if not source and attr.get("srcset"):
                source = (attr.get("srcset") or "").split(",")[0].strip().split(" ")[0]
            self._add(self.content.images, source)
        elif tag == "video":
            self._in_video = True
            self._add(self.content.videos, attr.get("src"))
            self._add(self.content.images, attr.get("poster"))
        elif tag == "source" and self._in_video:
            self._add(self.content.videos, attr.get("src"))
        elif tag in ("iframe", "frame"):
            self._add(self.content.links, attr.get("src"))
        elif tag == "base" and attr.get("href"):
            self.base = normalise(self.base, attr.get("href")) or self.base

    def handle_endtag(self, tag: str) -> None:
        if tag == "video":
            self._in_video = False


def read_page(html: str, base_url: str) -> PageContent:
    parser = _Parser(base_url)
    parser.feed(html)
    parser.close()
    return parser.content


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""


def site_of(url: str, scope: str) -> str:
    """The site a crawl of `url` stays on: its host name, or its registrable domain (Public Suffix List bundled
    with publicsuffixlist, never fetched)."""
    host = host_of(url)
    return host if scope == "host" else registrable_domain(host)


def on_site(url: str, site: str, scope: str) -> bool:
    host = host_of(url)
    if scope == "host":
        return host == site
    return host == site or host.endswith("." + site)
