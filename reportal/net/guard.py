"""The SSRF rule, in one place: which destinations reportal may connect to, and the check of a URL against it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from reportal.net.errors import FetchError, FetchRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges Python's flags do not all cover on every version: CGNAT, benchmarking, documentation, 6to4 relay, NAT64.
_ALWAYS_BLOCKED = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "100.64.0.0/10",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "64:ff9b:1::/48",
        "100::/64",
        "2001:db8::/32",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
    )
]

ALLOWED_SCHEMES = ("http", "https")


def _allow_list() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return list(getattr(settings, "REPORTAL_FETCH_ALLOW", []) or [])


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64 well-known prefix), which is what gets reached."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_allowed_address(ip: str | IPAddress) -> bool:
    """True when reportal may connect to `ip`: a public unicast address, or one inside REPORTAL_FETCH_ALLOW."""
    try:
        address = ipaddress.ip_address(str(ip).split("%")[0]) if not isinstance(ip, IPAddress) else ip
    except ValueError:
        return False
    if any(address in net for net in _allow_list() if net.version == address.version):
        return True
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_allowed_address(embedded)
    if (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
    ):
        return False
    if any(address in net for net in _ALWAYS_BLOCKED if net.version == address.version):
        return False
    return address.is_global


@dataclass(frozen=True)
class CheckedUrl:
    """A URL that passed the guard, with the addresses it may be reached at (connect to these, not a new lookup)."""

    url: str
    scheme: str
    host: str  # lower-case host name or IP literal, without brackets
    port: int
    addresses: tuple[str, ...]

    @property
    def host_is_ip(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or FetchRefused saying what is wrong with it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchRefused(_("%(url)s is not a valid web address.") % {"url": url}, url=url) from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise FetchRefused(
            _("Only http and https addresses can be fetched, not %(scheme)s.") % {"scheme": scheme or "?"}, url=url
        )
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise FetchRefused(_("%(url)s has no host name.") % {"url": url}, url=url)
    if parts.username or parts.password:
        raise FetchRefused(_("Addresses with a user name or password are not fetched."), url=url)
    if not host.isascii():
        # International names travel as IDNA (punycode) in DNS, the Host header and TLS.
        try:
            import idna

            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            raise FetchRefused(_("%(host)s is not a valid host name.") % {"host": host}, url=url) from None
    return scheme, host, port or (443 if scheme == "https" else 80)


def check_url(url: str, *, timeout: float | None = None) -> CheckedUrl:
    """Resolve the host of `url` and refuse it unless every address it resolves to is allowed.

    Raises FetchRefused for a forbidden destination, FetchError(reason="dns") when the name does not resolve and
    FetchError(reason="dns_unavailable") when DNS did not answer.
    """
    from reportal.net import dns as net_dns  # late: dns imports settings-dependent resolver set-up

    scheme, host, port = split_url(url)
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = net_dns.resolve_addresses(host, timeout=timeout)
        except net_dns.DnsError as exc:
            # "dns": the name does not lead anywhere (gone); "dns_unavailable": DNS did not answer (try later).
            reason = "dns_unavailable" if exc.reason in ("timeout", "servfail") else "dns"
            raise FetchError(str(exc), reason=reason, url=url) from None
    if not addresses:
        raise FetchError(_("%(host)s has no address.") % {"host": host}, reason="dns", url=url)
    # One forbidden address is enough to refuse: a name that mixes public and private answers is a rebinding trick.
    forbidden = [a for a in addresses if not is_allowed_address(a)]
    if forbidden:
        raise FetchRefused(
            _(
                "%(host)s points to %(address)s, a private or reserved address that reportal does not connect to. "
                "An operator can allow it with REPORTAL_FETCH_ALLOW."
            )
            % {"host": host, "address": forbidden[0]},
            url=url,
        )
    return CheckedUrl(url=url, scheme=scheme, host=host, port=port, addresses=tuple(addresses))
