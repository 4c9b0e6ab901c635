"""A hostile web server on 127.0.0.1: answers every request on a path with bytes the test chose, byte for byte.

`http.server` encodes headers itself and refuses much of what a broken or malicious site sends (bytes outside
latin-1, lone CR, NUL, headers without a colon, broken chunking); this one writes whatever it is given.
`server.answer("/x", b"HTTP/1.1 302 Found\\r\\nLocation: http:\\\\host\\\\x\\r\\nContent-Length: 0\\r\\n\\r\\n")`.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def response(status: bytes = b"200 OK", headers: list[bytes] | None = None, body: bytes = b"") -> bytes:
    """A response whose header lines are sent as given (no encoding, no checks), with Connection: close."""
    lines = [b"HTTP/1.1 " + status, *(headers or []), b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class RawHttpServer:
    def __init__(self) -> None:
        self.answers: dict[str, bytes] = {}
        self.requests: list[str] = []
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, path: str, raw: bytes) -> None:
        self.answers[path] = raw

    def start(self) -> RawHttpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _addr = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            request_line = data.split(b"\r\n", 1)[0].decode("latin-1")
            parts = request_line.split(" ")
            path = parts[1].split("?")[0] if len(parts) > 1 else "/"
            self.requests.append(path)
            conn.sendall(self.answers.get(path, NOT_FOUND))
        except OSError:
            pass
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


def running_raw_server() -> Iterator[RawHttpServer]:
    """Generator for a pytest fixture: `yield from running_raw_server()`."""
    server = RawHttpServer().start()
    try:
        yield server
    finally:
        server.stop()
