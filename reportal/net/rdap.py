"""RDAP (RFC 9083) lookups for IP networks and domains: abuse contacts, network name, registrar.

Requests go through the guarded fetcher; the base addresses come from REPORTAL_RDAP_IP_URL and
REPORTAL_RDAP_DOMAIN_URL (rdap.org by default, which redirects to the right registry). Caching lives in tracing.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.utils.translation import gettext as _

from reportal.net.errors import FetchError
from reportal.net.fetch import fetch

RDAP_MAX_BYTES = 2 * 1024 * 1024
ACCEPT = "application/rdap+json, application/json;q=0.9"


class RdapError(Exception):
    """An RDAP lookup that gave no answer. `reason`: unreachable (try later), not_found, malformed, refused."""

    def __init__(self, message: str, *, reason: str, query: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.query = query

    @property
    def retryable(self) -> bool:
        return self.reason == "unreachable"


@dataclass
class RdapRecord:
    kind: str  # "ip" or "domain"
    query: str
    handle: str = ""
    name: str = ""
    country: str = ""
    start_address: str = ""
    end_address: str = ""
    abuse_emails: list[str] = field(default_factory=list)
    registrar: str = ""
    registrar_abuse_emails: list[str] = field(default_factory=list)
    source_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RdapRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def _vcard_properties(entity: dict[str, Any]) -> list[list[Any]]:
    card = entity.get("vcardArray")
    if not isinstance(card, list) or len(card) < 2 or not isinstance(card[1], list):
        return []
    return [prop for prop in card[1] if isinstance(prop, list) and len(prop) >= 4]


def vcard_emails(entity: dict[str, Any]) -> list[str]:
    emails = []
    for prop in _vcard_properties(entity):
        if str(prop[0]).lower() == "email":
            values = prop[3:] if not isinstance(prop[3], list) else prop[3]
            for value in values:
                text = str(value).strip()
                if text.lower().startswith("mailto:"):
                    text = text[7:]
                if "@" in text and text not in emails:
                    emails.append(text)
    return emails


def vcard_name(entity: dict[str, Any]) -> str:
    for prop in _vcard_properties(entity):
        if str(prop[0]).lower() == "fn" and isinstance(prop[3], str):
            return prop[3].strip()
    return ""


def _entities(node: dict[str, Any]) -> list[dict[str, Any]]:
    entities = node.get("entities", [])
    return [e for e in entities if isinstance(e, dict)] if isinstance(entities, list) else []


def _roles(entity: dict[str, Any]) -> set[str]:
    roles = entity.get("roles", [])
    return {str(r).lower() for r in roles} if isinstance(roles, list) else set()


def abuse_emails(node: dict[str, Any], _depth: int = 0) -> list[str]:
    """E-mail addresses of every entity with the `abuse` role, at any depth (registries nest them differently)."""
    found: list[str] = []
    if _depth > 8:  # malformed or hostile nesting
        return found
    for entity in _entities(node):
        if "abuse" in _roles(entity):
            found.extend(e for e in vcard_emails(entity) if e not in found)
        found.extend(e for e in abuse_emails(entity, _depth + 1) if e not in found)
    return found


def _require_object(data: Any, expected: str, query: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RdapError(
            _("The RDAP answer for %(query)s is not a JSON object; the registry sent something else.")
            % {"query": query},
            reason="malformed",
            query=query,
        )
    if "errorCode" in data and data.get("objectClassName") is None:
        raise RdapError(
            _("The RDAP server answered %(query)s with error %(code)s.")
            % {"query": query, "code": data.get("errorCode")},
            reason="not_found" if data.get("errorCode") == 404 else "malformed",
            query=query,
        )
    if data.get("objectClassName") != expected:
        raise RdapError(
            _("The RDAP answer for %(query)s is not an %(expected)s object (objectClassName is %(got)s).")
            % {"query": query, "expected": expected, "got": data.get("objectClassName", "missing")},
            reason="malformed",
            query=query,
        )
    return data


def parse_ip_network(data: Any, query: str) -> RdapRecord:
    network = _require_object(data, "ip network", query)
    return RdapRecord(
        kind="ip",
        query=query,
        handle=str(network.get("handle", "")),
        name=str(network.get("name", "")),
        country=str(network.get("country", "")).upper()[:2],
        start_address=str(network.get("startAddress", "")),
        end_address=str(network.get("endAddress", "")),
        abuse_emails=abuse_emails(network),
    )


def parse_domain(data: Any, query: str) -> RdapRecord:
    domain = _require_object(data, "domain", query)
    registrar = ""
    registrar_abuse: list[str] = []
    for entity in _entities(domain):
        if "registrar" in _roles(entity):
            registrar = registrar or vcard_name(entity) or str(entity.get("handle", ""))
            registrar_abuse.extend(e for e in abuse_emails(entity) if e not in registrar_abuse)
    return RdapRecord(
        kind="domain",
        query=query,
        handle=str(domain.get("handle", "")),
        name=str(domain.get("ldhName", domain.get("unicodeName", ""))).lower(),
        abuse_emails=abuse_emails(domain),
        registrar=registrar,
        registrar_abuse_emails=registrar_abuse,
    )


def _get_json(url: str, query: str, timeout: float | None) -> Any:
    try:
        result = fetch(url, max_bytes=RDAP_MAX_BYTES, timeout=timeout, headers={"Accept": ACCEPT})
    except FetchError as exc:
        reason = "refused" if exc.reason == "refused" else "unreachable"
        raise RdapError(
            _("The RDAP server for %(query)s could not be reached (%(error)s); the lookup will be tried again.")
            % {"query": query, "error": exc},
            reason=reason,
            query=query,
        ) from None
    if result.status == 404:
        raise RdapError(
            _("The RDAP server has no record of %(query)s.") % {"query": query}, reason="not_found", query=query
        )
    if result.status != 200:
        raise RdapError(
            _("The RDAP server answered %(query)s with HTTP %(status)s; the lookup will be tried again.")
            % {"query": query, "status": result.status},
            reason="unreachable",
            query=query,
        )
    try:
        return json.loads(result.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RdapError(
            _("The RDAP answer for %(query)s is not valid JSON (%(error)s).") % {"query": query, "error": exc},
            reason="malformed",
            query=query,
        ) from None


def lookup_ip(ip: str, *, timeout: float | None = None) -> RdapRecord:
    address = str(ipaddress.ip_address(ip))
    url = settings.REPORTAL_RDAP_IP_URL.rstrip("/") + "/" + quote(address)
    record = parse_ip_network(_get_json(url, address, timeout), address)
    record.source_url = url
    return record


def registrable_domain(hostname: str) -> str:
    """The name a registrar sold (example.co.uk for www.example.co.uk), from the bundled Public Suffix List."""
    from publicsuffixlist import PublicSuffixList

    host = hostname.rstrip(".").lower()
    return _psl(PublicSuffixList).privatesuffix(host) or host


_PSL_INSTANCE: Any = None


def _psl(factory: Any) -> Any:
    global _PSL_INSTANCE
    if _PSL_INSTANCE is None:
        _PSL_INSTANCE = factory()
    return _PSL_INSTANCE


def lookup_domain(hostname: str, *, timeout: float | None = None) -> RdapRecord:
    domain = registrable_domain(hostname)
    url = settings.REPORTAL_RDAP_DOMAIN_URL.rstrip("/") + "/" + quote(domain)
    record = parse_domain(_get_json(url, domain, timeout), domain)
    record.source_url = url
    return record
