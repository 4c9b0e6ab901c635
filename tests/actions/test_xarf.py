"""Every XARF report the code can attach validates against the XARF v4 schemas shipped in the package."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from reportal.actions import notices, xarf_reports
from reportal.actions.models import Monitor, Notice, NoticeKind
from reportal.actions.routing import hotline_contact
from reportal.tracing.models import Trace
from tests.fakes.items import make_item, make_portal

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

HOSTS = [
    ("dark.test", ["127.0.0.1"]),
    ("203.0.113.7", ["203.0.113.7"]),
    ("2001:db8::7", ["2001:db8::7"]),
    ("xn--bcher-kva.test", ["127.0.0.1", "2001:db8::1"]),  # punycode: XARF's domain pattern refuses it
    ("shop.example", []),  # DNS failed at trace time
]
CLASSIFICATIONS = [
    {},
    {"legal_assessment": "baseline"},
    {"legal_assessment": "national"},
    {"legal_assessment": "national", "age_group": "prepubescent", "uk_category": "A"},
    {"legal_assessment": "national", "age_group": "infant_toddler", "uk_category": "C"},
    {"legal_assessment": "national", "age_group": "pubescent", "uk_category": "B"},
    {"legal_assessment": "national", "age_group": "pubescent"},
    {"industry": "a2"},
]
MEDIA = [[], ["image/png"], ["video/mp4"], ["image/png", "video/mp4"], ["text/html"]]
KINDS = [k for k in NoticeKind.values if k != NoticeKind.POLICE_REFERRAL]


def test_the_packaged_schemas_are_the_shared_ones():
    shared = Path(__file__).resolve().parents[3] / "shared" / "data" / "xarf-v4" / "schemas"
    if not shared.exists():
        pytest.skip("../shared is not beside this checkout")
    for path in shared.rglob("*.json"):
        packaged = xarf_reports.SCHEMA_DIR.parent / path.relative_to(shared)
        assert json.loads(packaged.read_text()) == json.loads(path.read_text())
    assert (xarf_reports.SCHEMA_DIR.parents[1] / "LICENSE").read_text().startswith("MIT License")


def test_the_validator_rejects_a_broken_report():
    assert xarf_reports.validation_errors({"category": "content"})  # so the tests below can fail
    schema = json.loads((xarf_reports.SCHEMA_DIR / "types" / "content-csam.json").read_text())
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(("host", "addresses"), HOSTS)
def test_every_combination_of_builder_inputs_validates(host, addresses):
    for kind, classification, media, source, sha, hosting in itertools.product(
        KINDS,
        CLASSIFICATIONS,
        MEDIA,
        ["user_report", "crawler"],
        ["", "ab" * 32],
        [
            dict(),
            dict(
                hosting_provider="Loopback Hosting",
                asn=64500,
                country="SV",
                registrar="R",
                registrar_abuse="a@r.example",
            ),
        ],
    ):
        report = xarf_reports.build(
            url=f"http://{host if ':' not in host else '[' + host + ']'}/gallery?x=1",
            host=host,
            addresses=addresses,
            reported_at=WHEN,
            verified_at=WHEN + timedelta(hours=1),
            hotline=hotline_contact(),
            reference="SV-0000001",
            kind=kind,
            classification=xarf_reports.xarf_classification(classification),
            media_type=xarf_reports.media_type_of(media),
            sha256=sha,
            evidence_source=source,
            description=f"{kind} SV-0000001",
            **hosting,
        )
        assert xarf_reports.validation_errors(report) == [], (kind, classification, media, report)
        assert "evidence" not in report  # never any content, only facts and hashes


@pytest.mark.django_db
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("with_trace", [True, False])
@pytest.mark.parametrize("media", [[], [{"sha256": "cd" * 32, "content_type": "image/jpeg"}]])
def test_every_notice_the_code_writes_validates(kind, with_trace, media):
    item = make_item("http://dark.test/gallery", make_portal())
    trace = None
    if with_trace:
        trace = Trace.objects.create(
            item=item,
            url=item.canonical_url,
            hostname="dark.test",
            ips=[{"ip": "127.0.0.1", "country": "SV", "asn": 64500, "as_name": "H", "network": "127.0.0.0/8"}],
            hosting_country="SV",
            hosting_asn=64500,
            hosting_network="Loopback Hosting SV",
            cdn="cloudflare" if kind == NoticeKind.CDN_NOTICE else "",
            cdn_name="Cloudflare" if kind == NoticeKind.CDN_NOTICE else "",
            ip_abuse_emails=["abuse@host-sv.example"],
            domain="dark.test",
            domain_abuse_emails=["abuse@registrar.example"],
            registrar="Test Registrar",
        )
    Monitor.objects.create(
        item=item, started_at=WHEN, next_check_at=WHEN, last_action_at=WHEN, baseline={"media": media}
    )
    notice = Notice.objects.create(item=item, trace=trace, kind=kind, reference="SV-0000001", language="es")
    notices.render(notice)
    assert notice.xarf is not None
    assert xarf_reports.validation_errors(notice.xarf) == []
