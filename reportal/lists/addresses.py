"""How a listed address is written: canonical form (through intake's canonicaliser), per-scope list address, hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from reportal.lists.models import Scope


class AddressError(ValueError):
    """The text is not an address that can go on the list; the message says what to give instead."""


@dataclass(frozen=True)
class ListAddress:
    address: str  # what the list publishes: the canonical URL, or the bare host for a whole-domain entry
    host: str
    scope: str

    @property
    def sha256(self) -> str:
        return sha256_hex(self.address)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_url(raw: str) -> tuple[str, str]:
    """(canonical URL, host) through intake's canonicaliser, so the list and the queue agree on every address."""
    raw = (raw or "").strip()
    if not raw:
        raise AddressError(_("Give a web address, for example http://example.test/page."))
    try:
        from reportal.reports.canonical import canonicalize
    except ImportError:  # intake's module not installed yet: a strict minimal form keeps the list usable
        return _fallback_canonical(raw)
    try:
        result = canonicalize(raw)
    except ValueError as exc:
        raise AddressError(str(exc) or _("This is not a web address that can be listed.")) from exc
    url = getattr(result, "url", None) or getattr(result, "canonical", None)
    host = getattr(result, "host", None)
    if not url or not host:
        raise AddressError(_("This is not a web address that can be listed."))
    return str(url), str(host)


def _fallback_canonical(raw: str) -> tuple[str, str]:
    if "://" not in raw:
        raw = "http://" + raw
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise AddressError(_("Give an http or https address, for example http://example.test/page."))
    host = parts.hostname.rstrip(".").lower().encode("idna").decode("ascii")
    port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{host}{port}{path}{query}", host


def list_address(raw: str, scope: str) -> ListAddress:
    """The address as the list holds it for `scope`: a whole-domain entry is its host name (a bare name is fine)."""
    scope = str(scope)
    if scope not in Scope.values:
        raise AddressError(_("The scope must be url, prefix or domain."))
    url, host = canonical_url(raw)
    if scope == Scope.DOMAIN:
        if _is_ip(host):
            raise AddressError(
                _("A whole-domain entry needs a host name, not an IP address; list the address instead.")
            )
        return ListAddress(address=host, host=host, scope=scope)
    return ListAddress(address=url, host=host, scope=scope)


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def split_canonical(url: str) -> tuple[str, str, str]:
    """(host, host[:port], rest) of a canonical URL, cheaply: the matcher needs no full parse."""
    _scheme, _sep, tail = url.partition("://")
    slash = tail.find("/")
    if slash < 0:
        hostport, rest = tail, "/"
    else:
        hostport, rest = tail[:slash], tail[slash:]
    if hostport.startswith("["):
        host = hostport[: hostport.find("]") + 1]
    else:
        host = hostport.partition(":")[0]
    return host, hostport, rest
