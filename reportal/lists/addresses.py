"""How a listed address is written: canonical form (through intake's canonicaliser), per-scope list address, hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

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
    from reportal.reports.services import InvalidUrl, canonicalize

    try:
        result = canonicalize(raw or "")
    except InvalidUrl as exc:
        raise AddressError(exc.message) from exc
    return result.url, result.host


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
