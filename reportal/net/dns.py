"""DNS lookups with dnspython: A/AAAA and the CNAME chain, against REPORTAL_DNS_SERVERS or the system resolver."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field

import dns.exception
import dns.message
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver
from django.conf import settings
from django.utils.translation import gettext as _

# A chain longer than this is treated like a loop: real hosting rarely needs more than a few hops.
MAX_CNAME_HOPS = 12


class DnsError(Exception):
    """A name that could not be resolved. `reason` is one of nxdomain, no_address, loop, timeout, servfail, bad_name."""

    def __init__(self, message: str, *, reason: str, hostname: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.hostname = hostname


@dataclass
class DnsAnswer:
    hostname: str
    cname_chain: list[str] = field(default_factory=list)  # each hop after `hostname`, in order
    ipv4: list[str] = field(default_factory=list)
    ipv6: list[str] = field(default_factory=list)

    @property
    def addresses(self) -> list[str]:
        return [*self.ipv4, *self.ipv6]

    @property
    def canonical_name(self) -> str:
        return self.cname_chain[-1] if self.cname_chain else self.hostname


def _parse_server(entry: str) -> dns.nameserver.Do53Nameserver:
    """'ip' or 'ip:port' or '[v6]:port'."""
    entry = entry.strip()
    host, port = entry, 53
    if entry.startswith("["):
        host, _sep, rest = entry[1:].partition("]")
        if rest.startswith(":"):
            port = int(rest[1:])
    elif entry.count(":") == 1:
        host, port_text = entry.split(":")
        port = int(port_text)
    ipaddress.ip_address(host)  # a DNS server must be given by address, or resolving it would need DNS
    return dns.nameserver.Do53Nameserver(host, port)


def make_resolver(timeout: float | None = None) -> dns.resolver.Resolver:
    servers = list(getattr(settings, "REPORTAL_DNS_SERVERS", []) or [])
    if servers:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [_parse_server(s) for s in servers]
    else:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            raise DnsError(
                _("This machine has no DNS server configured; set REPORTAL_DNS_SERVERS."),
                reason="servfail",
                hostname="",
            ) from None
    lifetime = float(timeout if timeout is not None else settings.REPORTAL_FETCH_TIMEOUT)
    resolver.lifetime = lifetime
    resolver.timeout = min(lifetime, 2.0)
    resolver.retry_servfail = False
    return resolver


def uses_configured_servers() -> bool:
    return bool(getattr(settings, "REPORTAL_DNS_SERVERS", []))


def _query(
    resolver: dns.resolver.Resolver, name: str, rdtype: str, hostname: str
) -> tuple[list[str], str | None, list[str]]:
    """One lookup: (cname hops seen in this response, canonical name if the answer stopped at a CNAME, addresses)."""
    try:
        answer = resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False)
    except dns.message.ChainTooLong:
        raise DnsError(
            _("The CNAME chain of %(host)s loops or is too long; the name cannot be resolved.") % {"host": hostname},
            reason="loop",
            hostname=hostname,
        ) from None
    except dns.resolver.NXDOMAIN:
        raise DnsError(
            _("The name %(name)s does not exist in DNS (NXDOMAIN).") % {"name": name},
            reason="nxdomain",
            hostname=hostname,
        ) from None
    except dns.exception.Timeout:
        raise DnsError(
            _("The DNS server did not answer for %(name)s in time; try again later or check REPORTAL_DNS_SERVERS.")
            % {"name": name},
            reason="timeout",
            hostname=hostname,
        ) from None
    except dns.resolver.NoNameservers as exc:
        if "ChainTooLong" in repr(exc.kwargs.get("errors", "")):
            raise DnsError(
                _("The CNAME chain of %(host)s loops or is too long; the name cannot be resolved.")
                % {"host": hostname},
                reason="loop",
                hostname=hostname,
            ) from None
        raise DnsError(
            _("No DNS server could answer for %(name)s (server failure).") % {"name": name},
            reason="servfail",
            hostname=hostname,
        ) from None
    except (dns.name.NameTooLong, dns.name.LabelTooLong, dns.name.EmptyLabel):
        raise DnsError(
            _("%(name)s is not a valid host name.") % {"name": name}, reason="bad_name", hostname=hostname
        ) from None
    chaining = answer.response.resolve_chaining()
    hops = [str(rrset[0].target).rstrip(".") for rrset in chaining.cnames if len(rrset)]
    addresses = [rdata.address for rdata in answer.rrset] if answer.rrset is not None else []
    unresolved = hops[-1] if (hops and not addresses) else None
    return hops, unresolved, addresses


def _follow(resolver: dns.resolver.Resolver, hostname: str, rdtype: str) -> tuple[list[str], list[str]]:
    """Resolve `rdtype` for `hostname`, chasing CNAMEs across queries when the server does not, with loop detection."""
    chain: list[str] = []
    seen = {hostname.lower()}
    name = hostname
    while True:
        hops, unresolved, addresses = _query(resolver, name, rdtype, hostname)
        for hop in hops:
            if hop.lower() in seen:
                raise DnsError(
                    _("The CNAME chain of %(host)s loops back to %(name)s; the name cannot be resolved.")
                    % {"host": hostname, "name": hop},
                    reason="loop",
                    hostname=hostname,
                )
            seen.add(hop.lower())
            chain.append(hop)
        if len(chain) > MAX_CNAME_HOPS:
            raise DnsError(
                _("The CNAME chain of %(host)s is longer than %(max)d hops; the name cannot be resolved.")
                % {"host": hostname, "max": MAX_CNAME_HOPS},
                reason="loop",
                hostname=hostname,
            )
        if unresolved is None:
            return chain, addresses
        name = unresolved


def resolve(hostname: str, *, timeout: float | None = None) -> DnsAnswer:
    """A, AAAA and the CNAME chain of `hostname`. Raises DnsError when no address can be found."""
    hostname = hostname.rstrip(".").lower()
    resolver = make_resolver(timeout)
    chain4, ipv4 = _follow(resolver, hostname, "A")
    try:
        chain6, ipv6 = _follow(resolver, hostname, "AAAA")
    except DnsError as exc:
        if exc.reason in ("loop", "nxdomain"):
            raise
        chain6, ipv6 = [], []  # an IPv4 answer is enough; some servers mishandle AAAA
    answer = DnsAnswer(hostname=hostname, cname_chain=chain4 or chain6, ipv4=ipv4, ipv6=ipv6)
    if not answer.addresses:
        raise DnsError(
            _("%(host)s has no IPv4 or IPv6 address in DNS.") % {"host": hostname},
            reason="no_address",
            hostname=hostname,
        )
    return answer


def resolve_addresses(hostname: str, *, timeout: float | None = None) -> list[str]:
    """Addresses for a connection: configured DNS servers when set, otherwise the system resolver (with /etc/hosts)."""
    if uses_configured_servers():
        return resolve(hostname, timeout=timeout).addresses
    try:
        infos = socket.getaddrinfo(hostname, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise DnsError(
            _("The name %(name)s could not be resolved: %(error)s") % {"name": hostname, "error": exc.strerror},
            reason="nxdomain",
            hostname=hostname,
        ) from None
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0]).split("%")[0]
        if address not in addresses:
            addresses.append(address)
    return addresses
