"""IP to ASN, network name and country from MaxMind-format databases (GeoLite2, DB-IP, ...) read with maxminddb."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import maxminddb
from django.conf import settings

_lock = threading.Lock()
_readers: dict[tuple[str, float], Any] = {}


@dataclass(frozen=True)
class IpInfo:
    ip: str
    country: str = ""
    asn: int | None = None
    as_name: str = ""
    network: str = ""  # the database's prefix that holds the address


def _reader(path: str) -> Any | None:
    """A reader per file, reopened when the operator replaces the file (monthly database updates)."""
    if not path:
        return None
    file = Path(path)
    try:
        mtime = file.stat().st_mtime
    except OSError:
        return None
    key = (str(file), mtime)
    with _lock:
        reader = _readers.get(key)
        if reader is None:
            for old in [k for k in _readers if k[0] == key[0]]:
                _readers.pop(old).close()
            reader = maxminddb.open_database(str(file))
            _readers[key] = reader
        return reader


def _country(record: dict[str, Any] | None) -> str:
    if not isinstance(record, dict):
        return ""
    for key in ("country", "registered_country"):
        value = record.get(key)
        if isinstance(value, dict) and value.get("iso_code"):
            return str(value["iso_code"]).upper()
    code = record.get("country_code")  # some DB-IP lite exports flatten it
    return str(code).upper() if isinstance(code, str) else ""


def lookup(ip: str) -> IpInfo:
    """What the configured databases know about `ip`; empty fields where a database is missing or silent."""
    country = ""
    asn: int | None = None
    as_name = ""
    network = ""
    country_db = _reader(settings.REPORTAL_GEOIP_COUNTRY_DB)
    if country_db is not None:
        record, prefix = country_db.get_with_prefix_len(ip)
        country = _country(record)
        if record:
            network = f"{_network_address(ip, prefix)}/{prefix}"
    asn_db = _reader(settings.REPORTAL_GEOIP_ASN_DB)
    if asn_db is not None:
        record, prefix = asn_db.get_with_prefix_len(ip)
        if isinstance(record, dict):
            number = record.get("autonomous_system_number")
            asn = int(number) if isinstance(number, int) else None
            as_name = str(record.get("autonomous_system_organization", ""))
            network = f"{_network_address(ip, prefix)}/{prefix}"
    return IpInfo(ip=ip, country=country, asn=asn, as_name=as_name, network=network)


def _network_address(ip: str, prefix: int) -> str:
    import ipaddress

    address = ipaddress.ip_address(ip)
    # maxminddb reports IPv4 prefixes in an IPv6 tree as IPv4 lengths already; guard against out-of-range values.
    prefix = min(prefix, address.max_prefixlen)
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def configured() -> bool:
    return bool(settings.REPORTAL_GEOIP_COUNTRY_DB or settings.REPORTAL_GEOIP_ASN_DB)
