"""A test web site on 127.0.0.1 with routes a test can change while it runs (take a page down, bring it back)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drip_seconds: float = 0.0  # pause between 1 KiB chunks, for deadline tests
    delay_seconds: float = 0.0  # pause before answering, for timeout tests
    send_length: bool = True


class FakeWebsite:
    """`site.set("/page", body=b"...", headers={...})`, `site.redirect("/a", "/b")`, `site.remove("/page")`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, path, headers)
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
                return

            def _answer(self, with_body: bool) -> None:
                path = self.path.split("?")[0]
                site.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = site.routes.get(path) or Route(status=404, body=b"<html><body>Not found</body></html>")
                if route.delay_seconds:
                    time.sleep(route.delay_seconds)
                self.send_response(route.status)
                headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                if route.send_length:
                    self.send_header("Content-Length", str(len(route.body)))
                else:
                    self.send_header("Connection", "close")
                self.end_headers()
                if not with_body:
                    return
                try:
                    if route.drip_seconds:
                        for start in range(0, len(route.body), 1024):
                            self.wfile.write(route.body[start : start + 1024])
                            self.wfile.flush()
                            time.sleep(route.drip_seconds)
                    else:
                        self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading, as the byte cap and deadline intend
                if not route.send_length:
                    self.close_connection = True

            def do_GET(self) -> None:
                self._answer(True)

            def do_HEAD(self) -> None:
                self._answer(False)

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host = host
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> FakeWebsite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def url(self, path: str = "/", host: str | None = None) -> str:
        return f"http://{host or self.host}:{self.port}{path}"

    def set(
        self, path: str, body: bytes | str = b"", *, status: int = 200, headers: dict[str, str] | None = None, **kw
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(status=status, body=data, headers=dict(headers or {}), **kw)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = Route(status=status, headers={"Location": location})

    def remove(self, path: str, status: int = 404) -> None:
        self.routes[path] = Route(status=status, body=b"<html><body>Gone</body></html>")


def running_website() -> Iterator[FakeWebsite]:
    """Generator for a pytest fixture: `yield from running_website()`."""
    site = FakeWebsite().start()
    try:
        yield site
    finally:
        site.stop()
