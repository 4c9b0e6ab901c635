"""The report and file documents follow our XSD, element order included, and the XSD does catch a wrong order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from reportal.ncmec import report_xml

FACTS = report_xml.ReportFacts(
    url="http://dark.test/gallery",
    confirmed_at=datetime(2026, 11, 30, 12, 0, tzinfo=UTC),
    reporter=report_xml.Reporter(organisation="Test Hotline", email="hotline@hotline.example"),
    media_urls=["http://dark.test/gallery/pic.png"],
    hosting="US, Loopback Hosting, 127.0.0.2",
    reference="SV-0000001",
)


def test_report_elements_in_schema_order():
    document = report_xml.report_document(FACTS)
    report_xml.validate(document)  # raises when invalid
    root = etree.fromstring(document)
    assert [child.tag for child in root] == ["incidentSummary", "internetDetails", "reporter", "additionalInfo"]
    assert [c.tag for c in root.find("incidentSummary")] == [
        "incidentType",
        "incidentDateTime",
        "incidentDateTimeDescription",
    ]
    assert [u.text for u in root.iter("url")] == ["http://dark.test/gallery", "http://dark.test/gallery/pic.png"]
    assert root.findtext("reporter/reportingPerson/email") == "hotline@hotline.example"
    assert "SV-0000001" in root.findtext("additionalInfo")


def test_file_details_in_schema_order():
    document = report_xml.file_details_document(
        "90001", "f1", location="http://dark.test/gallery/pic.png", sha256="ab" * 32, md5="cd" * 16
    )
    root = etree.fromstring(document)
    assert [child.tag for child in root] == [
        "reportId",
        "fileId",
        "locationOfFile",
        "fileViewedByEsp",
        "publiclyAvailable",
        "fileRelevance",
        "originalFileHash",
        "originalFileHash",
    ]
    assert [h.get("hashType") for h in root.iter("originalFileHash")] == ["MD5", "SHA256"]


def test_the_schema_refuses_elements_out_of_order():
    root = etree.fromstring(report_xml.report_document(FACTS))
    reporter = root.find("reporter")
    root.remove(reporter)
    root.insert(0, reporter)  # reporter before incidentSummary
    with pytest.raises(report_xml.InvalidDocument, match="reporter"):
        report_xml.validate(etree.tostring(root))


def test_the_schema_refuses_an_unknown_incident_type():
    root = etree.fromstring(report_xml.report_document(FACTS))
    root.find("incidentSummary/incidentType").text = "Something else"
    with pytest.raises(report_xml.InvalidDocument):
        report_xml.validate(etree.tostring(root))
