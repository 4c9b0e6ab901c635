"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives, for tests of outgoing e-mail."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 OK"


class FakeSmtpServer:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.inbox = _Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def refuse(self) -> bool:
        return self.inbox.refuse

    @refuse.setter
    def refuse(self, value: bool) -> None:
        self.inbox.refuse = value

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.inbox.messages if address in rcpts]

    @property
    def messages(self) -> list[EmailMessage]:
        return [m for _r, m in self.inbox.messages]

    def start(self) -> FakeSmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def running_smtp() -> Iterator[FakeSmtpServer]:
    server = FakeSmtpServer().start()
    try:
        yield server
    finally:
        server.stop()
