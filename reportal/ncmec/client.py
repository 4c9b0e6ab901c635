"""The CyberTipline reporting web service (ISPWS): submit -> upload -> fileinfo -> finish, with HTTP basic auth.

Every answer is XML carrying a responseCode (0: success). Codes are mapped to CyberTiplineError with `retryable`:
NCMEC's server-side failures and transport problems are tried again later; refusals (authentication, permissions,
validation, a report that no longer exists) need a person and are not retried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree

from reportal.net.partner import PartnerClient, PartnerError, PartnerResponse

# NCMEC's documented response codes; anything else non-zero is treated as permanent until someone looks at it.
RETRYABLE_CODES = {1000, 1100, 1110, 1111, 1300}
ALREADY_FINISHED = 5102


def describe(code: int) -> str:
    """What a response code means, in the reader's language."""
    messages = {
        1000: _("NCMEC's server had an error; the report is sent again later."),
        1100: _("NCMEC could not save the report; it is sent again later."),
        1110: _("NCMEC could not store the upload; it is sent again later."),
        1111: _("The file upload failed at NCMEC; it is sent again later."),
        1210: _("NCMEC did not find what was asked for."),
        1300: _("NCMEC could not update the report; it is sent again later."),
        2000: _("NCMEC asks for authentication: check REPORTAL_CYBERTIPLINE_USERNAME and _PASSWORD."),
        3000: _("This CyberTipline account may not do this: ask NCMEC to check its permissions."),
        3100: _("This CyberTipline account may not submit reports: ask NCMEC to enable submissions."),
        3300: _("This CyberTipline account may not update reports: ask NCMEC to enable updates."),
        4000: _("NCMEC found the request invalid."),
        4100: _("NCMEC refused the report: it did not pass their validation."),
        4110: _("NCMEC refused the report as malformed XML."),
        4200: _("NCMEC refused the uploaded file as malformed."),
        5001: _("NCMEC has no such report (it may have been retracted or expired)."),
        5002: _("NCMEC has no such file in the report."),
        5101: _("The report was retracted at NCMEC."),
        5102: _("The report was already finished at NCMEC."),
    }
    return str(messages.get(code, _("NCMEC answered with code %(code)s.") % {"code": code}))


class CyberTiplineError(Exception):
    def __init__(self, message: str, *, code: int | None, retryable: bool, step: str) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.step = step


@dataclass(frozen=True)
class Answer:
    code: int
    description: str
    report_id: str = ""
    file_id: str = ""
    hash: str = ""
    file_ids: list[str] = field(default_factory=list)


def _text(root: etree._Element, tag: str) -> str:
    found = root.find(tag)
    return (found.text or "").strip() if found is not None else ""


def parse_answer(answer: PartnerResponse, step: str) -> Answer:
    if answer.status == 401:
        raise CyberTiplineError(describe(2000), code=2000, retryable=False, step=step)
    if answer.status >= 500 or answer.status in (408, 429):
        raise CyberTiplineError(
            _("NCMEC answered HTTP %(status)s (%(step)s); it is tried again later.")
            % {"status": answer.status, "step": step},
            code=None,
            retryable=True,
            step=step,
        )
    try:
        root = etree.fromstring(answer.content, parser=etree.XMLParser(resolve_entities=False, no_network=True))
        code = int(_text(root, "responseCode"))
    except (etree.XMLSyntaxError, ValueError):
        raise CyberTiplineError(
            _("NCMEC's answer to %(step)s was not the XML expected (HTTP %(status)s); it is tried again later.")
            % {"step": step, "status": answer.status},
            code=None,
            retryable=True,
            step=step,
        ) from None
    files = root.find("files")
    parsed = Answer(
        code=code,
        description=_text(root, "responseDescription"),
        report_id=_text(root, "reportId"),
        file_id=_text(root, "fileId"),
        hash=_text(root, "hash"),
        file_ids=[(f.text or "").strip() for f in files.findall("fileId")] if files is not None else [],
    )
    if code != 0:
        message = describe(code)
        if parsed.description:
            message = f"{message} ({parsed.description})"
        raise CyberTiplineError(message, code=code, retryable=code in RETRYABLE_CODES, step=step)
    return parsed


class CyberTiplineClient:
    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 60.0) -> None:
        self.base_url = base_url
        self.auth = (username, password)
        self.timeout = timeout

    def _call(self, step: str, **kwargs: Any) -> Answer:
        try:
            with PartnerClient(self.base_url, auth=self.auth, timeout=self.timeout) as api:
                answer = api.request("POST", step, **kwargs)
        except PartnerError as exc:
            if not exc.retryable:  # a refused destination: the setting needs the operator
                raise CyberTiplineError(str(exc), code=None, retryable=False, step=step) from None
            raise CyberTiplineError(
                _("NCMEC could not be reached (%(error)s); it is tried again later.") % {"error": exc},
                code=None,
                retryable=True,
                step=step,
            ) from None
        return parse_answer(answer, step)

    def submit(self, report_xml: bytes) -> Answer:
        return self._call("submit", content=report_xml, headers={"Content-Type": "text/xml; charset=utf-8"})

    def upload(self, report_id: str, filename: str, data: bytes) -> Answer:
        return self._call("upload", data={"id": report_id}, files={"file": (filename, data)})

    def fileinfo(self, details_xml: bytes) -> Answer:
        return self._call("fileinfo", content=details_xml, headers={"Content-Type": "text/xml; charset=utf-8"})

    def finish(self, report_id: str) -> Answer:
        return self._call("finish", data={"id": report_id})
