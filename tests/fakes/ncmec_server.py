"""A fake NCMEC CyberTipline reporting service (ISPWS) on 127.0.0.1 that checks the protocol it is spoken to with.

It answers POST /ispws/submit, /upload, /fileinfo and /finish as NCMEC documents them (XML reportResponse and
reportDoneResponse with a responseCode), and checks on every request:
- HTTP basic auth with the credentials it was made with (else 401 with an empty body, as NCMEC does);
- /submit and /fileinfo bodies against our XSD (reportal/ncmec/schema/cybertipline.xsd), element order included
  (an invalid one is answered 4100 and kept in `violations`);
- the sequence: upload, fileinfo and finish only for an open report of this account; fileinfo only for a file
  uploaded to that report; nothing after finish (5102). Breaches go to `violations` too.
Switches: `fail[step] = code` answers that response code once; `outage = True` answers HTTP 503 to everything;
`outage_after = "upload"` turns the outage on after the next successful request of that step.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from lxml import etree

from reportal.ncmec.report_xml import SCHEMA


@dataclass
class FakeReport:
    report_id: str
    document: bytes
    files: dict[str, bytes] = field(default_factory=dict)  # file id -> content
    described: dict[str, bytes] = field(default_factory=dict)  # file id -> fileDetails document
    finished: bool = False

    @property
    def urls(self) -> list[str]:
        return [u.text or "" for u in etree.fromstring(self.document).iter("url")]


class FakeCyberTipline:
    def __init__(self, username: str = "hotline", password: str = "s3cret test password") -> None:
        self.username, self.password = username, password
        self.reports: dict[str, FakeReport] = {}
        self.calls: list[str] = []  # steps in the order they were asked for (authenticated ones)
        self.violations: list[str] = []
        self.fail: dict[str, int] = {}
        self.outage = False
        self.outage_after = ""
        self._ids = itertools.count(90001)
        self._file_ids = itertools.count(1)
        self._schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/ispws"

    @property
    def finished(self) -> list[FakeReport]:
        return [r for r in self.reports.values() if r.finished]

    def start(self) -> FakeCyberTipline:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- protocol -------------------------------------------------------------------------------------------

    def _valid(self, body: bytes, step: str) -> str:
        try:
            document = etree.fromstring(body)
        except etree.XMLSyntaxError as exc:
            return f"{step}: malformed XML ({exc})"
        if not self._schema.validate(document):
            return f"{step}: {self._schema.error_log.last_error}"
        return ""

    def answer(self, step: str, form: dict[str, str], body: bytes, upload: bytes | None) -> tuple[int, str]:
        """(responseCode, extra XML) for one authenticated request."""
        if step in self.fail:
            return self.fail.pop(step), ""
        if step == "submit":
            problem = self._valid(body, step)
            if problem:
                self.violations.append(problem)
                return 4100, ""
            report = FakeReport(str(next(self._ids)), body)
            self.reports[report.report_id] = report
            return 0, f"<reportId>{report.report_id}</reportId>"
        if step == "fileinfo":
            problem = self._valid(body, step)
            if problem:
                self.violations.append(problem)
                return 4100, ""
            document = etree.fromstring(body)
            report_id, file_id = document.findtext("reportId", ""), document.findtext("fileId", "")
        else:
            report_id, file_id = form.get("id", ""), ""
        report = self.reports.get(report_id)
        if report is None:
            self.violations.append(f"{step}: unknown report {report_id!r}")
            return 5001, ""
        if report.finished:
            self.violations.append(f"{step}: report {report_id} is already finished")
            return 5102, f"<reportId>{report_id}</reportId>"
        if step == "upload":
            if upload is None:
                self.violations.append("upload: no file part")
                return 4200, ""
            new_id = f"f{next(self._file_ids)}"
            report.files[new_id] = upload
            md5 = hashlib.md5(upload, usedforsecurity=False).hexdigest()
            return 0, f"<reportId>{report_id}</reportId><fileId>{new_id}</fileId><hash>{md5}</hash>"
        if step == "fileinfo":
            if file_id not in report.files:
                self.violations.append(f"fileinfo: file {file_id!r} was not uploaded to report {report_id}")
                return 5002, ""
            report.described[file_id] = body
            return 0, f"<reportId>{report_id}</reportId>"
        if step == "finish":
            missing = [f for f in report.files if f not in report.described]
            if missing:
                self.violations.append(f"finish: files without fileinfo {missing}")
            report.finished = True
            files = "".join(f"<fileId>{f}</fileId>" for f in report.files)
            return 0, f"<reportId>{report_id}</reportId><files>{files}</files>"
        return 4000, ""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes = b"") -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                step = self.path.rstrip("/").rsplit("/", 1)[-1]
                if not self.path.startswith("/ispws/") or step not in ("submit", "upload", "fileinfo", "finish"):
                    return self._send(404)
                expected = base64.b64encode(f"{fake.username}:{fake.password}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    return self._send(401)
                with fake._lock:
                    if fake.outage:
                        return self._send(503)
                    form, upload = self._form(raw)
                    fake.calls.append(step)
                    code, extra = fake.answer(step, form, raw, upload)
                    if code == 0 and fake.outage_after == step:
                        fake.outage, fake.outage_after = True, ""
                root = "reportDoneResponse" if step == "finish" and code == 0 else "reportResponse"
                description = "Success" if code == 0 else f"Error {code}"
                body = (
                    f'<?xml version="1.0" encoding="UTF-8"?><{root}><responseCode>{code}</responseCode>'
                    f"<responseDescription>{description}</responseDescription>{extra}</{root}>"
                )
                return self._send(200, body.encode())

            def _form(self, raw: bytes) -> tuple[dict[str, str], bytes | None]:
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/x-www-form-urlencoded"):
                    return {k: v[0] for k, v in parse_qs(raw.decode()).items()}, None
                if content_type.startswith("multipart/form-data"):
                    message = BytesParser(policy=HTTP).parsebytes(
                        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
                    )
                    fields: dict[str, str] = {}
                    upload = None
                    for part in message.iter_parts():
                        name = part.get_param("name", header="content-disposition")
                        content = part.get_payload(decode=True)
                        if name == "file":
                            upload = content
                        elif isinstance(name, str):
                            fields[name] = content.decode() if isinstance(content, bytes) else ""
                    return fields, upload
                return {}, None

        return Handler
