"""Fixtures for the hand-off tests: the fake world (DNS, RDAP, web site, SMTP), a site that hangs, a signed-in
analyst, and a broker stand-in that takes the messages while no worker runs them."""

from __future__ import annotations

import io
import itertools
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image, ImageDraw

from reportal.hotline import preview
from tests.fakes.fixtures import *  # noqa: F403

_numbers = itertools.count(1)
PASSWORD = "a long test password 42"


def drawn_png(seed: int = 1) -> bytes:
    """A drawn test picture (shapes on a gradient): never real imagery."""
    image = Image.new("RGB", (96, 96), (30 * seed % 255, 90, 150))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 50 + seed % 30, 60), fill=(240, 200, 40))
    draw.rectangle((40, 40, 90, 90), outline=(10, 10, 10), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def gallery_html(path: str) -> bytes:
    return f'<!doctype html><html><body><h1>Gallery</h1><img src="{path}/pic.png"></body></html>'.encode()


@pytest.fixture(autouse=True)
def _empty_preview_store():
    preview.STORE.clear()
    yield
    preview.STORE.clear()


@pytest.fixture(autouse=True)
def _no_sampling(settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0


@pytest.fixture
def analyst(db):
    from reportal.accounts.services import create_staff

    user, *_rest = create_staff(f"analyst{next(_numbers)}", "analyst", [], password=PASSWORD)
    return user


def signed_in(user) -> Client:
    """A browser session of `user` that has passed password and TOTP."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user, confirmed=True).persistent_id
    session.save()
    return client


@dataclass
class TakenMessages:
    """Stands in for a broker that takes every message while no worker runs: (task name, hand-off id)."""

    sent: list[tuple[str, int]] = field(default_factory=list)
    refuse: bool = False

    def task(self, name: str) -> object:
        """What `pipeline.services.celery_task` returns: a task whose messages are kept here."""
        taken = self

        class Task:
            def apply_async(self, args: list[int], **options: object) -> None:
                if taken.refuse:
                    raise ConnectionRefusedError("broker down")
                if name == "pipeline.deliver":  # several hand-offs recorded together, in one message
                    from reportal.pipeline.models import Handoff

                    tasks = dict(Handoff.objects.filter(pk__in=args[0]).values_list("pk", "task"))
                    taken.sent.extend((tasks[handoff_id], handoff_id) for handoff_id in args[0])
                else:
                    taken.sent.append((name, args[0]))

        return Task()


@pytest.fixture
def no_worker(monkeypatch) -> TakenMessages:
    """Hand-off tasks are queued but not run until the test runs them (with the real tasks)."""
    taken = TakenMessages()
    monkeypatch.setattr("reportal.pipeline.services.celery_task", taken.task)
    return taken


class HangingSite:
    """A web server on 127.0.0.1 that accepts connections and never answers, until `serve` gives it pages."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.pages: dict[str, tuple[str, bytes]] | None = None
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def serve(self, pages: dict[str, tuple[str, bytes]]) -> None:
        self.pages = pages

    def _loop(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            if self.pages is None:
                self._held.append(conn)  # accepted, never read, never answered
            else:
                threading.Thread(target=self._answer, args=(conn, self.pages), daemon=True).start()

    @staticmethod
    def _answer(conn: socket.socket, pages: dict[str, tuple[str, bytes]]) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            path = request.split(b" ", 2)[1].decode().split("?")[0]
            content_type, body = pages.get(path, ("text/html", b"not found"))
            status = "200 OK" if path in pages else "404 Not Found"
            head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
            conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    def stop(self) -> None:
        self._stopped.set()
        self.sock.close()
        for conn in self._held:
            conn.close()


@pytest.fixture
def hanging_site() -> Iterator[HangingSite]:
    site = HangingSite()
    yield site
    site.stop()
