"""The CyberTipline documents reportal sends: <report> for /submit and <fileDetails> for /fileinfo.

Elements are written in the order of NCMEC's schema and every document is checked against our XSD
(schema/cybertipline.xsd) before it leaves, so an ordering mistake fails here with a clear message, not at NCMEC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from lxml import etree

SCHEMA = Path(__file__).resolve().parent / "schema" / "cybertipline.xsd"
INCIDENT_TYPE = "Child Pornography (possession, manufacture, and distribution)"


class InvalidDocument(ValueError):
    """A document we built does not follow the schema: a bug in reportal, not something NCMEC said."""


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def validate(document: bytes) -> None:
    """Raise InvalidDocument naming the first violation when `document` does not follow the XSD."""
    xsd = schema()
    if not xsd.validate(etree.fromstring(document)):
        error = xsd.error_log.last_error
        raise InvalidDocument(f"line {error.line}: {error.message}" if error else "invalid")


@dataclass(frozen=True)
class Reporter:
    organisation: str
    email: str
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True)
class ReportFacts:
    """What a report says: the web page, when the hotline confirmed it, where it is hosted, who reports it."""

    url: str
    confirmed_at: datetime
    reporter: Reporter
    media_urls: list[str] = field(default_factory=list)
    hosting: str = ""  # "hosted in US, AS 64500 Example, 192.0.2.1" for additionalInfo
    reference: str = ""  # our reference for the case


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _serialise(root: etree._Element) -> bytes:
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    validate(document)
    return document


def report_document(facts: ReportFacts) -> bytes:
    """<report>: incidentSummary, internetDetails (the page and its files), reporter, additionalInfo, in that order."""
    root = etree.Element("report")
    summary = _sub(root, "incidentSummary")
    _sub(summary, "incidentType", INCIDENT_TYPE)
    _sub(summary, "incidentDateTime", _iso(facts.confirmed_at))
    _sub(summary, "incidentDateTimeDescription", "Date and time the hotline confirmed the content.")
    details = _sub(root, "internetDetails")
    page = _sub(details, "webPageIncident")
    for url in [facts.url, *[u for u in facts.media_urls if u != facts.url]]:
        _sub(page, "url", url[:2083])
    _sub(page, "additionalInfo", "Reported by the public to a hotline and confirmed by a trained analyst.")
    reporter = _sub(root, "reporter")
    person = _sub(reporter, "reportingPerson")
    if facts.reporter.first_name:
        _sub(person, "firstName", facts.reporter.first_name)
    if facts.reporter.last_name:
        _sub(person, "lastName", facts.reporter.last_name)
    _sub(person, "email", facts.reporter.email)
    info = [f"Reporting organisation: {facts.reporter.organisation}."]
    if facts.reference:
        info.append(f"Our reference: {facts.reference}.")
    if facts.hosting:
        info.append(f"Hosting: {facts.hosting}.")
    _sub(root, "additionalInfo", " ".join(info))
    return _serialise(root)


def file_details_document(
    report_id: str, file_id: str, *, location: str, sha256: str, md5: str, viewed: bool = True
) -> bytes:
    """<fileDetails> of one uploaded file: where it was found, that an analyst viewed it, its hashes."""
    root = etree.Element("fileDetails")
    _sub(root, "reportId", report_id)
    _sub(root, "fileId", file_id)
    _sub(root, "locationOfFile", location[:2083])
    _sub(root, "fileViewedByEsp", "true" if viewed else "false")
    _sub(root, "publiclyAvailable", "true")
    _sub(root, "fileRelevance", "Reported")
    if md5:
        _sub(root, "originalFileHash", md5).set("hashType", "MD5")
    _sub(root, "originalFileHash", sha256).set("hashType", "SHA256")
    return _serialise(root)
