"""CDN and reverse-proxy detection from a shipped table (data/cdn.json): by network (ASN) and by CNAME suffix."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "cdn.json"


@dataclass(frozen=True)
class CdnProvider:
    key: str
    name: str
    asns: frozenset[int]
    cname_suffixes: tuple[str, ...]
    abuse_email: str


@lru_cache(maxsize=1)
def providers() -> tuple[CdnProvider, ...]:
    data = json.loads(DATA_FILE.read_text())
    return tuple(
        CdnProvider(
            key=p["key"],
            name=p["name"],
            asns=frozenset(int(a) for a in p.get("asns", [])),
            cname_suffixes=tuple(s.lower().strip(".") for s in p.get("cname_suffixes", [])),
            abuse_email=p.get("abuse_email", ""),
        )
        for p in data["providers"]
    )


def _matches_suffix(name: str, suffix: str) -> bool:
    name = name.lower().rstrip(".")
    return name == suffix or name.endswith("." + suffix)


def detect(*, asns: list[int | None], names: list[str]) -> CdnProvider | None:
    """The CDN that serves an address, judged by its CNAME chain first (most specific), then its networks."""
    for provider in providers():
        if any(_matches_suffix(n, s) for n in names for s in provider.cname_suffixes):
            return provider
    for provider in providers():
        if any(a in provider.asns for a in asns if a is not None):
            return provider
    return None


def by_key(key: str) -> CdnProvider | None:
    return next((p for p in providers() if p.key == key), None)
