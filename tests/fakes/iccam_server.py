"""A fake ICCAM v3 on 127.0.0.1: real HTTPS with a throwaway CA that REQUIRES a client certificate, the
`Authentication` token flow (tokens it can expire at will), the lookups, reports, content, hotline references,
assessments and actions, each request checked the way ICCAM checks it (fields, value codes, batch limit of 20,
INHOPE's rules), and outages on demand.

    with running_iccam(tmp_path, country="SV") as iccam:
        iccam.client_cert, iccam.client_key, iccam.ca_file   # what reportal is configured with
        iccam.offline = 503          # every request answers 503 until set back to None
        iccam.stop_listening()       # connection refused until iccam.listen_again()
        iccam.drop_next_response = "/rest/reports"   # the next report is stored but its answer is lost
        iccam.unavailable_paths = ("hotline-reference",)   # only these calls answer 503
        iccam.add_foreign_content("http://x.test/p", assigned="SV")   # another hotline's report for us
"""

from __future__ import annotations

import datetime
import ipaddress
import itertools
import json
import secrets
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

USERNAME, PASSWORD = "reportal-test", "a test password for ICCAM"
MAX_RESULTS = 20
LOOKUPS: dict[str, list[dict[str, Any]]] = {
    "countries": [{"code": c, "name": c} for c in ("SV", "GT", "DE", "NL", "NZ", "US", "GB")],
    "hotlines": [
        {"id": 10, "name": "Hotline SV", "countryCode": "SV"},
        {"id": 11, "name": "Hotline DE", "countryCode": "DE"},
        {"id": 12, "name": "Hotline NL", "countryCode": "NL"},
        {"id": 13, "name": "Hotline US", "countryCode": "US"},
    ],
    "classifications": [
        {"id": 1, "name": "Baseline"},
        {"id": 2, "name": "National"},
        {"id": 3, "name": "Doubtful"},
        {"id": 4, "name": "Ignore"},
    ],
    "age-categories": [{"id": i, "name": n} for i, n in enumerate(["Not determined", "Infant", "Pre", "Pub"], 1)],
    "gender-categories": [{"id": i, "name": n} for i, n in enumerate(["Undetermined", "Female", "Male", "Both"], 1)],
    "site-types": [
        {"id": i, "name": f"site type {i}"} for i in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 18, 20, 22, 23, 24)
    ],
    "commercialities": [{"id": 1, "name": "Not determined"}, {"id": 2, "name": "Commercial"}, {"id": 3, "name": "No"}],
    "payment-methods": [{"id": i, "name": f"payment {i}"} for i in range(1, 14)],
    "action-types": [
        {"type": t, "name": n} for t, n in [(1, "LEA"), (2, "ISP"), (3, "CR"), (4, "CU"), (5, "MO"), (7, "NI")]
    ],
}


def _codes(kind: str) -> set[int]:
    return {int(row.get("id", row.get("type", 0))) for row in LOOKUPS[kind]}


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, issuer_key: ec.EllipticCurvePrivateKey, **kw: Any
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    if kw.get("ca"):
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    if kw.get("server"):
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if kw.get("client"):
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _authority(directory: Path, name: str) -> tuple[x509.Name, ec.EllipticCurvePrivateKey, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = _certificate(name, key, subject, key, ca=True)
    path = directory / f"{name.replace(' ', '-')}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return subject, key, path


def _issue(
    directory: Path, stem: str, ca: tuple[x509.Name, ec.EllipticCurvePrivateKey, Path], **kw: Any
) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _certificate(stem, key, ca[0], ca[1], **kw)
    cert_file, key_file = directory / f"{stem}.pem", directory / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(_key_pem(key))
    return cert_file, key_file


@dataclass
class FakeIccam:
    country: str  # the country of the hotline whose account signs in (ours)
    directory: Path
    token_lifetime: int = 1800
    offline: int | None = None
    drop_next_response: str = ""  # a path fragment: the next such request is carried out but its answer is lost
    unavailable_paths: tuple[str, ...] = ()  # requests whose path contains one of these answer 503
    reports: dict[int, dict[str, Any]] = field(default_factory=dict)
    contents: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, why) answered 4xx
    logins: int = 0
    refreshes: int = 0
    idempotent_replays: int = 0

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        server_ca = _authority(self.directory, "iccam server CA")
        client_ca = _authority(self.directory, "iccam member CA")
        stranger_ca = _authority(self.directory, "stranger CA")
        self.ca_file = server_ca[2]  # what reportal trusts for ICCAM's server certificate
        self.server_cert, self.server_key = _issue(self.directory, "iccam-server", server_ca, server=True)
        self.client_cert, self.client_key = _issue(self.directory, "member-hotline", client_ca, client=True)
        self.stranger_cert, self.stranger_key = _issue(self.directory, "stranger", stranger_ca, client=True)
        self._client_ca_file = client_ca[2]
        self._tokens: dict[str, float] = {}  # bearer -> expires at (monotonic)
        self._refresh: dict[str, str] = {}  # refresh token -> its bearer
        self._ids = itertools.count(1000)
        self._idempotency: dict[str, int] = {}
        self._lock = threading.RLock()
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None
        self.port = 0
        self.listen_again()

    # --- test controls ------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    def expire_tokens(self) -> None:
        """Every bearer token stops working now (refresh tokens still do)."""
        with self._lock:
            self._tokens = {token: 0.0 for token in self._tokens}

    def stop_listening(self) -> None:
        """ICCAM goes away: open connections are cut and new ones refused, until listen_again()."""
        with self._lock:
            for connection in list(self._connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._connections.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def listen_again(self) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(self.server_cert), str(self.server_key))
        context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: no member certificate, no connection
        context.load_verify_locations(str(self._client_ca_file))
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self.port = server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def add_foreign_content(
        self, url: str, *, assigned: str, classification: int | None = 2, hotline: int = 11, site_type: int = 2
    ) -> int:
        """Another hotline reports `url`, assigned to `assigned`'s hotline; returns the content id."""
        with self._lock:
            report_id = next(self._ids)
            content_id = next(self._ids)
            assessments = [{"classification": classification, "ageCategorization": 3, "genderCategorization": 2}]
            self.contents[content_id] = {
                "contentId": content_id,
                "reportId": report_id,
                "url": {
                    "urlString": url,
                    "hostingCountryCode": assigned,
                    "hostingIpAddress": "127.0.0.1",
                    "isSourceUrl": True,
                },
                "assignedCountryCode": assigned,
                "countryAssignmentDate": "2026-01-01T00:00:00Z",
                "hotlineReference": None,
                "assessments": assessments if classification else [],
                "actions": [],
                "memo": None,
            }
            self.reports[report_id] = {
                "reportId": report_id,
                "reportingHotlineId": hotline,
                "reportingAnalystName": "partner analyst",
                "sourceUrlSiteType": site_type,
                "memo": None,
                "referrerUrl": None,
                "contentIds": [content_id],
                "payload": None,
            }
            return content_id

    def add_action(self, content_id: int, action_type: int, analyst: str = "partner analyst") -> None:
        with self._lock:
            self.contents[content_id]["actions"].append(
                {"actionType": action_type, "analystName": analyst, "actionDate": "2026-01-02T00:00:00Z"}
            )

    def our_reports(self) -> list[dict[str, Any]]:
        """The reports our account posted, as sent."""
        return [r["payload"] for r in self.reports.values() if r["payload"] is not None]

    # --- the API ------------------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], headers: Any, body: Any) -> tuple[int, Any]:
        self.requests.append((method, path))
        if self.offline:
            return self.offline, {"title": "Service Unavailable"}
        if any(part in path for part in self.unavailable_paths):
            return 503, {"title": "Service Unavailable"}
        if path == "/Authentication" and method == "POST":
            if not isinstance(body, dict) or (body.get("username"), body.get("password")) != (USERNAME, PASSWORD):
                return 401, {"errors": {"Authentication": ["Wrong user name or password."]}}
            self.logins += 1
            return 200, self._new_tokens()
        if path == "/Authentication/refresh" and method == "POST":
            bearer = self._refresh.pop(str((body or {}).get("refreshToken")), None)
            if bearer is None or bearer != (body or {}).get("bearerToken"):
                return 401, {"errors": {"Authentication": ["Invalid refresh token."]}}
            self.refreshes += 1
            self._tokens.pop(bearer, None)
            return 200, self._new_tokens()
        token = str(headers.get("Authorization", "")).removeprefix("Bearer ")
        if self._tokens.get(token, 0.0) <= time.monotonic():
            return 401, {"title": "Unauthorized"}
        parts = [p for p in path.split("/") if p]
        if parts[:1] != ["rest"]:
            return 404, {"title": "Not Found"}
        return self._rest(method, parts[1:], query, headers, body)

    def _new_tokens(self) -> dict[str, Any]:
        bearer, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self._tokens[bearer] = time.monotonic() + self.token_lifetime
        self._refresh[refresh] = bearer
        return {"bearerToken": bearer, "refreshToken": refresh, "bearerTokenExpiresIn": self.token_lifetime}

    def _rest(self, method: str, parts: list[str], query: dict[str, str], headers: Any, body: Any) -> tuple[int, Any]:
        resource = parts[0].lower() if parts else ""
        if method == "GET" and len(parts) == 1 and parts[0] in LOOKUPS:
            return 200, LOOKUPS[parts[0]]
        if resource == "reports" and method == "POST" and len(parts) == 1:
            return self._post_report(headers, body)
        if resource == "reports" and method == "GET" and len(parts) == 2:
            report = self.reports.get(int(parts[1]))
            if report is None:
                return 404, {"title": "Not Found"}
            contents = [
                {"contentId": c, "urlString": self.contents[c]["url"]["urlString"]} for c in report["contentIds"]
            ]
            return 200, {k: v for k, v in report.items() if k not in ("payload", "contentIds")} | {
                "reportContents": contents
            }
        if resource == "content" and len(parts) >= 2:
            if parts[1] == "no-reference" and method == "GET":
                return self._no_reference(query)
            content = self.contents.get(int(parts[1])) if parts[1].isdigit() else None
            if content is None:
                return 404, {"title": "Not Found"}
            return self._content(method, parts[2:], content, query, body)
        return 404, {"title": "Not Found"}

    def _post_report(self, headers: Any, body: Any) -> tuple[int, Any]:
        key = str(headers.get("Idempotency-Key", ""))
        if key and key in self._idempotency:
            self.idempotent_replays += 1
            return 200, self._idempotency[key]
        errors = report_errors(body)
        if not errors and any(
            r["payload"] and r["payload"]["hotlineReference"] == body["hotlineReference"] for r in self.reports.values()
        ):
            errors["HotlineReference"] = ["A report with this hotline reference exists."]
        if errors:
            return 400, {"errors": errors}
        report_id = next(self._ids)
        content_ids = []
        for url in body["urls"]:
            content_id = next(self._ids)
            content_ids.append(content_id)
            self.contents[content_id] = {
                "contentId": content_id,
                "reportId": report_id,
                "url": {k: url[k] for k in ("urlString", "hostingCountryCode", "hostingIpAddress", "isSourceUrl")},
                "assignedCountryCode": url["hostingCountryCode"],
                "countryAssignmentDate": body["hotlineReceivedDate"],
                "hotlineReference": url.get("hotlineReference"),
                "assessments": [url["assessment"]],
                "actions": [],
                "memo": url.get("memo"),
            }
        self.reports[report_id] = {
            "reportId": report_id,
            "reportingHotlineId": 10,
            "contentIds": content_ids,
            "payload": body,
        }
        if key:
            self._idempotency[key] = report_id
        return 200, report_id

    def _no_reference(self, query: dict[str, str]) -> tuple[int, Any]:
        limit = int(query.get("maxResults", "30"))
        if limit > MAX_RESULTS or limit < 1:
            return 400, {"errors": {"maxResults": [f"maxResults must be between 1 and {MAX_RESULTS}."]}}
        rows = [
            {
                "contentId": c["contentId"],
                "reportId": c["reportId"],
                "countryAssignmentDate": c["countryAssignmentDate"],
            }
            for c in self.contents.values()
            if c["assignedCountryCode"] == self.country and not c["hotlineReference"]
        ]
        return 200, rows[:limit]

    def _content(
        self, method: str, rest: list[str], content: dict[str, Any], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        ours = content["assignedCountryCode"] == self.country
        if method == "GET" and not rest:
            return 200, content
        if method == "PUT" and rest == ["hotline-reference"]:
            if not query.get("reference"):
                return 400, {"errors": {"reference": ["A reference is required."]}}
            content["hotlineReference"] = query["reference"]
            return 200, None
        if not ours:
            return 403, {"errors": {"Content": ["Content assigned to another hotline cannot be changed by yours."]}}
        if method == "POST" and rest == ["actions"]:
            errors = action_errors(body)
            if not errors and any(a["actionType"] == body["actionType"] for a in content["actions"]):
                errors["actionType"] = ["This action is recorded already."]
            if errors:
                return 400, {"errors": errors}
            content["actions"].append({**body, "analystName": body["actioningAnalystName"]})
            return 200, None
        if method == "PUT" and rest == ["assessment"]:
            latest = content["assessments"][-1]["classification"] if content["assessments"] else None
            if latest == 1:
                return 400, {"errors": {"classification": ["Baseline content is not re-assessed."]}}
            if content["actions"]:
                return 400, {"errors": {"assessment": ["Content with actions is not re-assessed."]}}
            errors = assessment_errors(body, "assessment")
            if errors:
                return 400, {"errors": errors}
            content["assessments"].append(body)
            return 200, None
        if method == "PUT" and rest == ["url", "hosting"]:
            if query.get("newCountryCode") not in {c["code"] for c in LOOKUPS["countries"]}:
                return 400, {"errors": {"newCountryCode": ["Unknown country."]}}
            content["url"]["hostingCountryCode"] = query["newCountryCode"]
            content["url"]["hostingIpAddress"] = query.get("newIpAddress", "")
            return 200, None
        if method == "PUT" and rest == ["assigned-country"]:
            if query.get("newCountryCode") not in {c["code"] for c in LOOKUPS["countries"]}:
                return 400, {"errors": {"newCountryCode": ["Unknown country."]}}
            content["assignedCountryCode"] = query["newCountryCode"]
            return 200, None
        return 404, {"title": "Not Found"}


# --- payload checks (what ICCAM refuses) -------------------------------------------------------------------------


def _date_ok(value: Any) -> bool:
    try:
        return (
            isinstance(value, str) and datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None
        )
    except ValueError:
        return False


def assessment_errors(assessment: Any, where: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(assessment, dict):
        return {where: ["An assessment is required."]}
    for name, kind in (
        ("classification", "classifications"),
        ("ageCategorization", "age-categories"),
        ("genderCategorization", "gender-categories"),
    ):
        if assessment.get(name) not in _codes(kind):
            errors[f"{where}.{name}"] = [f"{assessment.get(name)!r} is not a valid {kind} code."]
    if not assessment.get("assessingAnalystName"):
        errors[f"{where}.assessingAnalystName"] = ["Required."]
    return errors


def report_errors(report: Any) -> dict[str, list[str]]:
    if not isinstance(report, dict):
        return {"report": ["A JSON object is required."]}
    errors: dict[str, list[str]] = {}
    for name in ("reportingAnalystName", "hotlineReference"):
        if not isinstance(report.get(name), str) or not report[name]:
            errors[name] = ["Required."]
    if not _date_ok(report.get("hotlineReceivedDate")):
        errors["hotlineReceivedDate"] = ["An ISO 8601 date with a time zone is required."]
    if report.get("sourceUrlSiteType") not in _codes("site-types"):
        errors["sourceUrlSiteType"] = [f"{report.get('sourceUrlSiteType')!r} is not a site type code."]
    if report.get("sourceUrlCommerciality") not in _codes("commercialities"):
        errors["sourceUrlCommerciality"] = [f"{report.get('sourceUrlCommerciality')!r} is not a commerciality code."]
    methods = report.get("sourceUrlPaymentMethods")
    if not isinstance(methods, list) or not methods or any(m not in _codes("payment-methods") for m in methods):
        errors["sourceUrlPaymentMethods"] = ["A list of payment method codes is required."]
    urls = report.get("urls")
    if not isinstance(urls, list) or not urls:
        return errors | {"urls": ["At least one URL is required."]}
    if sum(1 for u in urls if isinstance(u, dict) and u.get("isSourceUrl") is True) != 1:
        errors["urls"] = ["Exactly one URL must be the source URL."]
    countries = {c["code"] for c in LOOKUPS["countries"]}
    for n, url in enumerate(urls):
        where = f"urls[{n}]"
        if not isinstance(url, dict):
            errors[where] = ["An object is required."]
            continue
        if urlsplit(str(url.get("urlString", ""))).scheme not in ("http", "https"):
            errors[f"{where}.urlString"] = ["An http(s) URL is required."]
        if url.get("hostingCountryCode") not in countries:
            errors[f"{where}.hostingCountryCode"] = [f"{url.get('hostingCountryCode')!r} is not a country code."]
        try:
            ipaddress.ip_address(str(url.get("hostingIpAddress", "")))
        except ValueError:
            errors[f"{where}.hostingIpAddress"] = ["An IP address is required."]
        if not isinstance(url.get("hostingIsp"), str):
            errors[f"{where}.hostingIsp"] = ["Required."]
        if url.get("contentType") not in (1, 2):
            errors[f"{where}.contentType"] = ["1 (media) or 2 (website)."]
        errors |= assessment_errors(url.get("assessment"), f"{where}.assessment")
    return errors


def action_errors(action: Any) -> dict[str, list[str]]:
    if not isinstance(action, dict):
        return {"action": ["A JSON object is required."]}
    errors: dict[str, list[str]] = {}
    if action.get("actionType") not in _codes("action-types"):
        errors["actionType"] = [f"{action.get('actionType')!r} is not an action type."]
    if not action.get("actioningAnalystName"):
        errors["actioningAnalystName"] = ["Required."]
    if not _date_ok(action.get("actionDate")):
        errors["actionDate"] = ["An ISO 8601 date with a time zone is required."]
    if (
        isinstance(action.get("actionType"), int)
        and action["actionType"] > 3
        and not (action.get("reasonId") and action.get("reasonText"))
    ):
        errors["reasonId"] = ["Actions after content removed need a reason id and text."]
    return errors


def _handler(fake: FakeIccam) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            with fake._lock:
                fake._connections.add(self.connection)

        def finish(self) -> None:
            with fake._lock:
                fake._connections.discard(self.connection)
            super().finish()

        def _serve(self, method: str) -> None:
            split = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(split.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = "not json"
            with fake._lock:
                status, answer = fake.handle(method, split.path, query, self.headers, body)
                if 400 <= status < 500 and status != 401:
                    fake.refused.append((method, split.path, json.dumps(answer)))
                drop = bool(fake.drop_next_response) and fake.drop_next_response in split.path and status == 200
                if drop:
                    fake.drop_next_response = ""
            if drop:  # stored, but the answer never reaches the caller
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            data = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


@contextmanager
def running_iccam(directory: Path, *, country: str) -> Iterator[FakeIccam]:
    fake = FakeIccam(country=country, directory=directory)
    try:
        yield fake
    finally:
        fake.stop_listening()
