"""Small MaxMind-format databases for tests, written with the `mmdb-writer` package (dev dependency).

`write_country_db(path, {"127.0.0.0/25": "SV", "127.0.0.128/25": "DE"})`,
`write_asn_db(path, {"127.0.0.0/25": (64500, "Loopback Hosting")})`. Later entries win where networks overlap.
"""

from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet


def write_country_db(path: Path | str, networks: dict[str, str]) -> str:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-Country", languages=["en"])
    for cidr, code in networks.items():
        writer.insert_network(
            IPSet([cidr]),
            {"country": {"iso_code": code, "names": {"en": code}}, "registered_country": {"iso_code": code}},
        )
    writer.to_db_file(str(path))
    return str(path)


def write_asn_db(path: Path | str, networks: dict[str, tuple[int, str]]) -> str:
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-ASN")
    for cidr, (asn, org) in networks.items():
        writer.insert_network(IPSet([cidr]), {"autonomous_system_number": asn, "autonomous_system_organization": org})
    writer.to_db_file(str(path))
    return str(path)
