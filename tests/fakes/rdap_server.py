"""A fake RDAP server on 127.0.0.1 (http.server) answering /ip/<address> and /domain/<name> from dicts a test fills.

`rdap.add_network("127.0.0.0", "127.0.0.255", name="LOOPBACK-HOST", country="SV", abuse="abuse@host.example")`,
`rdap.add_domain("site.test", registrar="Test Registrar", abuse="abuse@registrar.example")`,
`rdap.broken = True` answers 503 (unreachable), `rdap.raw["/domain/x.test"] = b"{not json"` sends bytes as they are.
"""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def vcard(name: str, email: str = "") -> list[Any]:
    props: list[Any] = [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]
    if email:
        props.append(["email", {"type": "work"}, "text", email])
    return ["vcard", props]


def network_object(start: str, end: str, *, name: str, country: str = "", abuse: str = "", nested: bool = True) -> dict:
    abuse_entity = {
        "objectClassName": "entity",
        "handle": f"ABUSE-{name}",
        "roles": ["abuse"],
        "vcardArray": vcard("Abuse desk", abuse),
    }
    registrant = {
        "objectClassName": "entity",
        "handle": f"ORG-{name}",
        "roles": ["registrant"],
        "vcardArray": vcard(f"{name} hosting"),
        "entities": [abuse_entity] if (abuse and nested) else [],
    }
    entities = [registrant] + ([abuse_entity] if (abuse and not nested) else [])
    return {
        "objectClassName": "ip network",
        "rdapConformance": ["rdap_level_0"],
        "handle": f"NET-{name}",
        "startAddress": start,
        "endAddress": end,
        "ipVersion": "v4" if ":" not in start else "v6",
        "name": name,
        "country": country,
        "entities": entities,
    }


def domain_object(name: str, *, registrar: str, abuse: str = "") -> dict:
    registrar_entity = {
        "objectClassName": "entity",
        "handle": "9999",
        "roles": ["registrar"],
        "vcardArray": vcard(registrar),
        "entities": [{"objectClassName": "entity", "roles": ["abuse"], "vcardArray": vcard("Registrar abuse", abuse)}]
        if abuse
        else [],
    }
    return {
        "objectClassName": "domain",
        "rdapConformance": ["rdap_level_0"],
        "handle": f"D-{name}",
        "ldhName": name,
        "entities": [registrar_entity],
    }


class FakeRdapServer:
    def __init__(self) -> None:
        self.networks: list[tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, Any, dict]] = []
        self.domains: dict[str, dict] = {}
        self.raw: dict[str, bytes] = {}
        self.broken = False
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                return

            def do_GET(self) -> None:
                server.requests.append(self.path)
                status, body = server.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", "application/rdap+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.port = self.http.server_address[1]
        self._thread = threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def ip_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ip/"

    @property
    def domain_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/domain/"

    def add_network(self, start: str, end: str, **kw: Any) -> None:
        self.networks.append((ipaddress.ip_address(start), ipaddress.ip_address(end), network_object(start, end, **kw)))

    def add_domain(self, name: str, **kw: Any) -> None:
        self.domains[name.lower()] = domain_object(name.lower(), **kw)

    def answer(self, path: str) -> tuple[int, bytes]:
        if self.broken:
            return 503, b'{"errorCode": 503, "title": "Service unavailable"}'
        if path in self.raw:
            return 200, self.raw[path]
        not_found = (404, b'{"errorCode": 404, "title": "Not found"}')
        if path.startswith("/ip/"):
            try:
                address = ipaddress.ip_address(path[4:])
            except ValueError:
                return 400, b'{"errorCode": 400}'
            for start, end, obj in self.networks:
                if start.version == address.version and start <= address <= end:
                    return 200, json.dumps(obj).encode()
            return not_found
        if path.startswith("/domain/"):
            obj = self.domains.get(path[8:].lower())
            return (200, json.dumps(obj).encode()) if obj else not_found
        return not_found

    def start(self) -> FakeRdapServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def running_rdap() -> Iterator[FakeRdapServer]:
    server = FakeRdapServer().start()
    try:
        yield server
    finally:
        server.stop()
