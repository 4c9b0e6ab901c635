"""In-process look-up of the published URL list, fast enough for a proxy to ask inline.

Exact addresses sit in one set, path prefixes in lists keyed by host, whole domains in a set walked label by
label (a subdomain of a blocked domain is blocked). The scheme is ignored: http and https of an address match.
The matcher follows the latest publication, applying each new version's changes rather than rebuilding.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from reportal.lists import publishing
from reportal.lists.addresses import canonical_url, split_canonical
from reportal.lists.models import ListKind, Scope

REFRESH_SECONDS = 1.0  # how stale a long-running process may be before it asks the database for a new version


@dataclass(frozen=True)
class CheckResult:
    canonical_url: str
    blocked: bool
    scope: str | None  # which kind of entry matched
    version: int


class Matcher:
    def __init__(self, version: int = 0, token: str = "") -> None:
        self.version = version
        self.token = token
        self.exact: set[str] = set()
        self.prefixes: dict[str, list[str]] = {}
        self.domains: set[str] = set()

    def __len__(self) -> int:
        return len(self.exact) + sum(len(p) for p in self.prefixes.values()) + len(self.domains)

    def add(self, scope: str, address: str) -> None:
        if scope == Scope.DOMAIN:
            self.domains.add(address)
            return
        _host, hostport, rest = split_canonical(address)
        if scope == Scope.PREFIX:
            self.prefixes.setdefault(hostport, []).append(rest)
        else:
            self.exact.add(hostport + rest)

    def discard(self, scope: str, address: str) -> None:
        if scope == Scope.DOMAIN:
            self.domains.discard(address)
            return
        _host, hostport, rest = split_canonical(address)
        if scope == Scope.PREFIX:
            rests = self.prefixes.get(hostport, [])
            if rest in rests:
                rests.remove(rest)
            if not rests:
                self.prefixes.pop(hostport, None)
        else:
            self.exact.discard(hostport + rest)

    def match(self, canonical: str) -> str | None:
        """The scope of the entry that blocks this canonical URL, or None."""
        tail = canonical.partition("://")[2]
        if tail in self.exact:  # the common case first, without splitting the address
            return Scope.URL
        host, hostport, rest = split_canonical(canonical)
        rests = self.prefixes.get(hostport)
        if rests:
            for prefix in rests:
                if _covers(prefix, rest):
                    return Scope.PREFIX
        domains = self.domains
        if domains:
            name = host
            while True:
                if name in domains:
                    return Scope.DOMAIN
                dot = name.find(".")
                if dot < 0:
                    break
                name = name[dot + 1 :]
        return None

    def load(self, rows: Iterable[tuple[str, str]]) -> None:
        for scope, address in rows:
            self.add(scope, address)


def _covers(prefix: str, rest: str) -> bool:
    # A path prefix matches on a segment boundary: /a/ covers /a/b, /a covers /a?x but not /ab.
    return rest.startswith(prefix) and (len(rest) == len(prefix) or prefix[-1] in "/?=&" or rest[len(prefix)] in "/?#")


def prefix_covers(prefix_url: str, canonical: str) -> bool:
    """Whether a prefix entry (a canonical URL) covers a canonical address, ignoring the scheme."""
    _h, prefix_hostport, prefix_rest = split_canonical(prefix_url)
    _h, hostport, rest = split_canonical(canonical)
    return prefix_hostport == hostport and _covers(prefix_rest, rest)


def build(version: int | None = None) -> Matcher:
    """A matcher of the list at `version` (the latest when None)."""
    pub = publishing.latest(ListKind.URLS) if version is None else publishing.publication(ListKind.URLS, version)
    matcher = Matcher(pub.version if pub else 0, pub.token if pub else "")
    if pub:
        rows = publishing.rows_at(ListKind.URLS, pub.version).values_list("scope", "address")
        matcher.load(rows.iterator(chunk_size=20000))
    return matcher


_lock = threading.Lock()
_state: dict[str, object] = {"matcher": None, "checked": 0.0}


def invalidate() -> None:
    """A publication happened in this process: the next look-up asks for the new version at once."""
    _state["checked"] = 0.0


def current() -> Matcher:
    """The matcher of the latest publication, refreshed at most every REFRESH_SECONDS."""
    matcher = _state["matcher"]
    now = time.monotonic()
    if isinstance(matcher, Matcher) and now - float(_state["checked"]) < REFRESH_SECONDS:  # type: ignore[arg-type]
        return matcher
    with _lock:
        matcher = _state["matcher"]
        latest = publishing.latest(ListKind.URLS)
        latest_key = (latest.version, latest.token) if latest else (0, "")
        if not isinstance(matcher, Matcher) or (matcher.version, matcher.token) != latest_key:
            matcher = _advance(matcher, latest_key)
            _state["matcher"] = matcher
        _state["checked"] = time.monotonic()
        return matcher


def _advance(matcher: object, latest_key: tuple[int, str]) -> Matcher:
    version, token = latest_key
    # Apply the changes since the version held when it is still a published version of this database.
    if isinstance(matcher, Matcher) and 0 < matcher.version < version:
        held = publishing.publication(ListKind.URLS, matcher.version)
        if held and held.token == matcher.token:
            for scope, address in publishing.rows_removed(ListKind.URLS, matcher.version, version).values_list(
                "scope", "address"
            ):
                matcher.discard(scope, address)
            for scope, address in publishing.rows_added(ListKind.URLS, matcher.version, version).values_list(
                "scope", "address"
            ):
                matcher.add(scope, address)
            matcher.version, matcher.token = version, token
            return matcher
    return build(version)


def check_canonical(canonical: str) -> CheckResult:
    matcher = current()
    scope = matcher.match(canonical)
    return CheckResult(canonical_url=canonical, blocked=scope is not None, scope=scope, version=matcher.version)


@functools.lru_cache(maxsize=65536)
def _canonical_cached(raw_url: str, accept_private: bool) -> str:
    return canonical_url(raw_url)[0]


def check(raw_url: str) -> CheckResult:
    """Whether an address is on the published list, after canonicalisation (raises AddressError for non-addresses).

    Canonical forms of recent addresses are remembered: a proxy sees the same popular addresses again and again.
    """
    canonical = _canonical_cached(raw_url, bool(getattr(settings, "REPORTAL_ACCEPT_PRIVATE_URLS", False)))
    return check_canonical(canonical)
