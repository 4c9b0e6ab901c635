"""XARF v4 reports (category content, type csam) for notices, validated against the schemas shipped in xarf/."""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

SCHEMA_DIR = Path(__file__).resolve().parent / "xarf" / "schemas" / "v4"
XARF_VERSION = "4.2.0"
CSAM_SCHEMA_ID = "https://xarf.org/schemas/v4/types/content-csam.json"
CLASSIFICATIONS = ("baseline", "A1", "A2", "B1", "B2")
MEDIA_TYPES = ("image", "video", "audio", "text", "mixed")
_DOMAIN = re.compile(r"^([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}$")
_TAG_PART = re.compile(r"[^a-z0-9_+-]+")


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    resources = []
    for path in sorted(SCHEMA_DIR.rglob("*.json")):
        schema = json.loads(path.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry: Registry = Registry().with_resources(resources)
    schema = registry.contents(CSAM_SCHEMA_ID)
    return Draft202012Validator(schema, registry=registry, format_checker=FormatChecker())


def validation_errors(report: dict[str, Any]) -> list[str]:
    """Every way `report` breaks the XARF v4 content/csam schema (empty when it validates)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in _validator().iter_errors(report)
    ]


def _iso(moment: datetime) -> str:
    return moment.astimezone().isoformat().replace("+00:00", "Z")


def _tag(namespace: str, value: str) -> str | None:
    value = _TAG_PART.sub("-", value.lower()).strip("-_+")
    return f"{namespace}:{value}" if value else None


def xarf_classification(classification: dict[str, Any]) -> str:
    """XARF's classification (the industry scale: baseline, A1/A2 pre-pubescent, B1/B2 pubescent; 1 = sexual act,
    2 = lascivious exhibition) from the hotline's: an explicit value, the legal assessment, age and category."""
    for value in classification.values():
        for candidate in value if isinstance(value, list) else [value]:
            if isinstance(candidate, str) and candidate.upper() in ("A1", "A2", "B1", "B2"):
                return candidate.upper()
    if classification.get("legal_assessment") == "baseline":
        return "baseline"
    age = classification.get("age_group", "")
    act = classification.get("uk_category") in ("A", "B")  # UK A/B show sexual activity; C does not
    if age in ("infant_toddler", "prepubescent"):
        return "A1" if act else "A2"
    if age == "pubescent":
        return "B1" if act else "B2"
    # Illegal under national law with no further detail: the scale's least severe value, never an overstatement.
    return "B2"


def media_type_of(content_types: list[str]) -> str | None:
    kinds = {t.split("/")[0] for t in content_types if t}
    kinds &= {"image", "video", "audio"}
    if not kinds:
        return None
    return kinds.pop() if len(kinds) == 1 else "mixed"


def build(
    *,
    url: str,
    host: str,
    addresses: list[str],
    reported_at: datetime,
    verified_at: datetime,
    hotline: tuple[str, str, str],
    reference: str,
    kind: str,
    classification: str = "baseline",
    media_type: str | None = None,
    sha256: str = "",
    evidence_source: str = "user_report",
    hosting_provider: str = "",
    asn: int | None = None,
    country: str = "",
    registrar: str = "",
    registrar_abuse: str = "",
    description: str = "",
) -> dict[str, Any]:
    """One XARF report. Carries the address, hosting facts and hashes only: never any imagery or evidence payload."""
    org, contact, domain_of_hotline = hotline
    party = {"org": org[:200], "contact": contact, "domain": domain_of_hotline}
    report: dict[str, Any] = {
        "xarf_version": XARF_VERSION,
        "report_id": str(uuid.uuid4()),
        "timestamp": _iso(reported_at),
        "reporter": party,
        "sender": dict(party),
        "source_identifier": addresses[0] if addresses else host,
        "category": "content",
        "type": "csam",
        "url": url,
        "classification": classification if classification in CLASSIFICATIONS else "baseline",
        "detection_method": "manual_review",
        "evidence_source": evidence_source,
        "verified_at": _iso(verified_at),
        "verification_method": "manual",
        "content_removed": False,
        "confidence": 1.0,
    }
    if _DOMAIN.match(host):
        report["domain"] = host
    if media_type in MEDIA_TYPES:
        report["media_type"] = media_type
    if re.fullmatch(r"[0-9a-fA-F]{64}", sha256 or ""):
        report["hash_values"] = {"sha256": sha256.lower()}
    if hosting_provider:
        report["hosting_provider"] = hosting_provider[:200]
    if asn and 1 <= asn <= 4294967295:
        report["asn"] = int(asn)
    if re.fullmatch(r"[A-Z]{2}", country or ""):
        report["country_code"] = country
    if registrar:
        report["registrar"] = registrar[:200]
    if registrar_abuse and "@" in registrar_abuse:
        report["whois"] = {"registrar_abuse_contact": registrar_abuse}
    ipv4 = [a for a in addresses if ipaddress.ip_address(a).version == 4]
    ipv6 = [a for a in addresses if ipaddress.ip_address(a).version == 6]
    if ipv4 or ipv6:
        report["dns_records"] = {**({"a": ipv4} if ipv4 else {}), **({"aaaa": ipv6} if ipv6 else {})}
    if description:
        report["description"] = description[:1000]
    tags = [_tag("reference", reference), _tag("notice", kind), _tag("classification", report["classification"])]
    report["tags"] = [t for t in tags if t]
    return report
