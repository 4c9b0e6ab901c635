"""A generated web site on loopback for crawl tests and the crawl bench: thousands of pages in a tree, synthetic
pictures drawn with numpy and Pillow (smooth random colour fields, no content of any kind), links to other sites.

Page n (/p/<n>.html) links to its children n*b+1 .. n*b+b (so its depth is its level in the tree), back to the
root, to a page on another site (`other.test`, a lead) and to a sibling host (`www.<site>`, same registrable
domain); it shows the images `images_of(n)`. Any host name is served the same site, so fake DNS (or plain
127.0.0.1) decides which names reach it. The server counts every request per (host, path) and user agent.
"""

from __future__ import annotations

import collections
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
from PIL import Image, ImageDraw


def picture(seed: int, width: int = 160, height: int = 120) -> Image.Image:
    """Random colour fields at two scales and a few discs: a different picture for every seed (PDQ distance ~128
    between two), and one whose PDQ survives resizing and re-encoding, as a photograph's does."""
    rng = np.random.default_rng(seed + 1_000_003)
    coarse = Image.fromarray(rng.integers(0, 256, (4, 5, 3), dtype=np.uint8)).resize((width, height), Image.BICUBIC)
    fine = Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).resize((width, height), Image.BICUBIC)
    image = Image.blend(coarse, fine, 0.35)
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x, y, r = int(rng.integers(0, width)), int(rng.integers(0, height)), int(rng.integers(width // 10, width // 4))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    return image


def jpeg(image: Image.Image, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def picture_bytes(seed: int) -> bytes:
    return jpeg(picture(seed))


@dataclass
class SiteMap:
    pages: int = 1000
    branching: int = 5
    images_per_page: int = 1
    # image id -> bytes to serve instead of the generated picture (a banked picture, re-encoded, ...)
    overrides: dict[int, bytes] = field(default_factory=dict)
    distinct_pictures: int = 0  # >0: image k shows picture k % distinct_pictures (bench: fewer pictures to draw)
    extra_links: dict[int, list[str]] = field(default_factory=dict)  # page -> more hrefs (a test's traps)

    def children(self, n: int) -> list[int]:
        first = n * self.branching + 1
        return [c for c in range(first, first + self.branching) if c < self.pages]

    def depth(self, n: int) -> int:
        level = 0
        while n > 0:
            n = (n - 1) // self.branching
            level += 1
        return level

    def images_of(self, n: int) -> list[int]:
        return [n * self.images_per_page + i for i in range(self.images_per_page)]

    def page_of_image(self, k: int) -> int:
        return k // self.images_per_page

    def page_html(self, n: int, host: str, port: int) -> bytes:
        links = "".join(f'<li><a href="/p/{c}.html">Page {c}</a></li>' for c in self.children(n))
        images = "".join(f'<img src="/i/{k}.jpg" alt="">' for k in self.images_of(n))
        extra = "".join(f'<a href="{href}">More</a>' for href in self.extra_links.get(n, []))
        site = host.removeprefix("www.")
        return (
            f"<!doctype html><html><head><title>Page {n}</title></head><body><h1>Page {n}</h1>"
            f'<ul>{links}</ul>{images}{extra}<p><a href="/p/0.html">Home</a> <a href="#top">Top</a> '
            f'<a href="javascript:void(0)">Menu</a> <a href="mailto:someone@example.test">Mail</a> '
            f'<a href="http://other.test:{port}/from/{n}.html">Partner</a> '
            f'<a href="http://www.{site}:{port}/w/{n}.html">Mirror</a></p></body></html>'
        ).encode()

    def image(self, k: int) -> bytes:
        if k in self.overrides:
            return self.overrides[k]
        if self.distinct_pictures:
            data = _cached_picture(k % self.distinct_pictures)
            # Every address gets its own bytes (a JPEG comment), as a real site's copies would differ.
            comment = f"image {k}".encode()
            return data[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + data[2:]
        return picture_bytes(k)


_PICTURES: dict[int, bytes] = {}


def _cached_picture(seed: int) -> bytes:
    data = _PICTURES.get(seed)
    if data is None:
        data = _PICTURES[seed] = picture_bytes(seed)
    return data


class CrawlSite:
    def __init__(self, site: SiteMap, host: str = "127.0.0.1") -> None:
        self.map = site
        self.requests: collections.Counter[tuple[str, str]] = collections.Counter()
        self.redirects: dict[str, str] = {}  # path -> Location (a test's redirect somewhere else)
        self.files: dict[str, tuple[str, bytes]] = {}  # path -> (content type, body): a test's videos
        self.agents: collections.Counter[str] = collections.Counter()
        self.by_agent: collections.Counter[tuple[str, str, str]] = collections.Counter()  # (agent, host, path)
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: without this, a kept-alive client waits for delayed ACKs.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
                path = self.path.split("?")[0]
                with outer._lock:
                    outer.requests[(host, path)] += 1
                    outer.agents[self.headers.get("User-Agent") or ""] += 1
                    outer.by_agent[(self.headers.get("User-Agent") or "", host, path)] += 1
                status, ctype, body = outer.answer(host, path)
                if path in outer.redirects:
                    status, body = 302, b""
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", outer.redirects[path])
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def answer(self, host: str, path: str) -> tuple[int, str, bytes]:
        if path in self.files:
            return 200, *self.files[path]
        try:
            if path.startswith("/p/") and path.endswith(".html"):
                n = int(path[3:-5])
                if 0 <= n < self.map.pages:
                    return 200, "text/html; charset=utf-8", self.map.page_html(n, host, self.port)
            elif path.startswith("/i/") and path.endswith(".jpg"):
                k = int(path[3:-4])
                if 0 <= k < self.map.pages * self.map.images_per_page:
                    return 200, "image/jpeg", self.map.image(k)
            elif path.startswith(("/w/", "/from/")):
                return 200, "text/html; charset=utf-8", b"<!doctype html><html><body><p>Elsewhere</p></body></html>"
        except ValueError:
            pass
        return 404, "text/html; charset=utf-8", b"<!doctype html><html><body>Not found</body></html>"

    def start(self) -> CrawlSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/p/0.html", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def fetched_pages(self, host: str | None = None, agent: str | None = None) -> dict[int, int]:
        """{page number: times requested} of /p/ pages (on `host`, or on any host; by user agents that contain
        `agent`, or by anyone)."""
        out: dict[int, int] = {}
        with self._lock:
            for (ua, h, path), count in self.by_agent.items():
                if path.startswith("/p/") and (host is None or h == host) and (agent is None or agent in ua):
                    n = int(path[3:-5])
                    out[n] = out.get(n, 0) + count
        return out

    def hosts(self) -> set[str]:
        with self._lock:
            return {h for h, _path in self.requests}


def running_site(site: SiteMap, host: str = "127.0.0.1") -> Iterator[CrawlSite]:
    server = CrawlSite(site, host).start()
    try:
        yield server
    finally:
        server.stop()
