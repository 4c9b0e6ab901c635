"""A fake authoritative DNS server on 127.0.0.1 (UDP, random port) built on dnspython, for tracing tests.

`dns.add("site.test", "A", "127.0.0.1")`, `dns.add("www.shop.test", "CNAME", "edge.cdn.test")`; names in
`dns.silent` get no answer (timeouts); unknown names get NXDOMAIN. It answers CNAMEs without chasing them,
so the resolver's own chain-following and loop detection are exercised.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


class FakeDnsServer:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.silent: set[str] = set()
        self.chase = False  # True: answer with the whole CNAME chain in one response, as recursive resolvers do
        self.queries: list[tuple[str, str]] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def address(self) -> str:
        """The value for settings.REPORTAL_DNS_SERVERS."""
        return f"127.0.0.1:{self.port}"

    def add(self, name: str, rdtype: str, value: str) -> None:
        self.records.setdefault((name.rstrip(".").lower(), rdtype.upper()), []).append(value)

    def clear(self, name: str) -> None:
        for key in [k for k in self.records if k[0] == name.rstrip(".").lower()]:
            del self.records[key]

    def start(self) -> FakeDnsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = self.sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            try:
                query = dns.message.from_wire(wire)
            except Exception:  # noqa: BLE001 - a fake ignores garbage
                continue
            response = self._answer(query)
            if response is not None:
                self.sock.sendto(response.to_wire(), peer)

    def _answer(self, query: dns.message.Message) -> dns.message.Message | None:
        question = query.question[0]
        name = str(question.name).rstrip(".").lower()
        rdtype = dns.rdatatype.to_text(question.rdtype)
        self.queries.append((name, rdtype))
        if name in self.silent:
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        cname = self.records.get((name, "CNAME"))
        values = self.records.get((name, rdtype))
        if cname and rdtype != "CNAME" and self.chase:
            owner = name
            for _hop in range(40):  # a looping chain is sent as far as a real server would before giving up
                target = self.records.get((owner, "CNAME"))
                if not target:
                    break
                response.answer.append(dns.rrset.from_text(owner + ".", 60, "IN", "CNAME", target[0].rstrip(".") + "."))
                owner = target[0].rstrip(".").lower()
            final = self.records.get((owner, rdtype))
            if final and not self.records.get((owner, "CNAME")):
                response.answer.append(dns.rrset.from_text_list(owner + ".", 60, "IN", rdtype, final))
        elif cname and rdtype != "CNAME":
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "CNAME", cname[0].rstrip(".") + "."))
        elif values:
            rrset = dns.rrset.from_text_list(
                question.name,
                60,
                "IN",
                rdtype,
                [v if rdtype not in ("CNAME", "NS") else v.rstrip(".") + "." for v in values],
            )
            response.answer.append(rrset)
        elif not any(key[0] == name for key in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response


def running_dns() -> Iterator[FakeDnsServer]:
    server = FakeDnsServer().start()
    try:
        yield server
    finally:
        server.stop()
