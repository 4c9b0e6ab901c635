"""What other apps may ask of the tracing stage: where an address is hosted, and who to tell."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from reportal.net import dns as net_dns
from reportal.net import rdap
from reportal.net.errors import FetchRefused
from reportal.net.guard import is_allowed_address, split_url
from reportal.tracing import cdn, geoip, rdap_cache
from reportal.tracing.models import Trace, TracePurpose

MAX_ADDRESSES = 8  # round-robin names can list dozens; the first few say where it is hosted
MAX_RDAP_ADDRESSES = 4


@dataclass
class TraceResult:
    url: str
    hostname: str
    cname_chain: list[str] = field(default_factory=list)
    ips: list[dict[str, Any]] = field(default_factory=list)
    hosting_country: str = ""
    hosting_asn: int | None = None
    hosting_network: str = ""
    cdn: str = ""
    cdn_name: str = ""
    ip_abuse_emails: list[str] = field(default_factory=list)
    domain: str = ""
    domain_abuse_emails: list[str] = field(default_factory=list)
    registrar: str = ""
    error_code: str = ""
    errors: list[str] = field(default_factory=list)
    rdap_pending: bool = False

    @property
    def ok(self) -> bool:
        return not self.error_code

    @property
    def abuse_emails(self) -> list[str]:
        return list(self.ip_abuse_emails or self.domain_abuse_emails)

    def fail(self, code: str, message: str) -> None:
        self.error_code = self.error_code or code
        self.errors.append(message)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def trace_url(url: str, *, timeout: float | None = None) -> TraceResult:
    """Trace one address: DNS, networks, countries, CDN, abuse contacts, registrar. Errors are recorded, not raised."""
    try:
        _scheme, host, _port = split_url(url)
    except FetchRefused as exc:
        result = TraceResult(url=url, hostname="")
        result.fail("bad_url", str(exc))
        return result
    result = TraceResult(url=url, hostname=host)
    if _is_ip(host):
        addresses = [str(ipaddress.ip_address(host))]
    else:
        try:
            answer = net_dns.resolve(host, timeout=timeout)
        except net_dns.DnsError as exc:
            result.fail(f"dns_{exc.reason}", str(exc))
            return result
        result.cname_chain = answer.cname_chain
        addresses = answer.addresses[:MAX_ADDRESSES]

    infos = [geoip.lookup(ip) for ip in addresses]
    rdap_networks: dict[str, rdap.RdapRecord] = {}
    private = [ip for ip in addresses if not is_allowed_address(ip)]
    if private:
        # No registry holds these, and the hotline's own network must not be probed; unless the operator allowed them.
        result.fail(
            "private_address",
            _(
                "%(host)s points to %(address)s, a private or reserved address that is not on the public internet; "
                "check the address and its DNS."
            )
            % {"host": host, "address": private[0]},
        )
    for info in [i for i in infos if i.ip not in private][:MAX_RDAP_ADDRESSES]:
        try:
            record = rdap_cache.ip_record(info.ip, timeout=timeout)
        except rdap.RdapError as exc:
            _rdap_failed(result, exc)
            continue
        rdap_networks[info.ip] = record
        result.ip_abuse_emails.extend(e for e in record.abuse_emails if e not in result.ip_abuse_emails)
    for info in infos:
        network = rdap_networks.get(info.ip)
        result.ips.append(
            {
                "ip": info.ip,
                "country": info.country or (network.country if network else ""),
                "asn": info.asn,
                "as_name": info.as_name,
                "network": info.network,
                "rdap_name": network.name if network else "",
                "abuse_emails": network.abuse_emails if network else [],
            }
        )
    if result.ips:
        first = result.ips[0]
        result.hosting_country = first["country"]
        result.hosting_asn = first["asn"]
        result.hosting_network = first["as_name"] or first["rdap_name"]

    provider = cdn.detect(asns=[i["asn"] for i in result.ips], names=[host, *result.cname_chain])
    if provider is not None:
        result.cdn, result.cdn_name = provider.key, provider.name
        if not result.ip_abuse_emails and provider.abuse_email and not result.rdap_pending:
            result.ip_abuse_emails = [provider.abuse_email]

    if not _is_ip(host):
        try:
            domain = rdap_cache.domain_record(host, timeout=timeout)
        except rdap.RdapError as exc:
            result.domain = rdap.registrable_domain(host)
            _rdap_failed(result, exc)
        else:
            result.domain = domain.name or domain.query
            result.registrar = domain.registrar
            emails = [*domain.abuse_emails, *domain.registrar_abuse_emails]
            result.domain_abuse_emails = list(dict.fromkeys(emails))
    return result


def _rdap_failed(result: TraceResult, exc: rdap.RdapError) -> None:
    if exc.reason == "not_found":
        return  # a registry without a record is an answer, not a failure
    if exc.retryable:
        result.rdap_pending = True
    result.fail(f"rdap_{exc.reason}", str(exc))


def trace_item(item: Any, *, purpose: str = TracePurpose.ACTION, timeout: float | None = None) -> Trace:
    """Trace a queue item's address now and keep the trace with its time (hosting changes; every check traces)."""
    result = trace_url(item.canonical_url, timeout=timeout)
    return Trace.objects.create(
        item=item,
        purpose=purpose,
        url=result.url,
        hostname=result.hostname or item.host,
        cname_chain=result.cname_chain,
        ips=result.ips,
        hosting_country=result.hosting_country,
        hosting_asn=result.hosting_asn,
        hosting_network=result.hosting_network[:200],
        cdn=result.cdn,
        cdn_name=result.cdn_name,
        ip_abuse_emails=result.ip_abuse_emails,
        domain=result.domain,
        domain_abuse_emails=result.domain_abuse_emails,
        registrar=result.registrar[:200],
        error_code=result.error_code,
        error="\n".join(result.errors),
        rdap_pending=result.rdap_pending,
    )


def latest_trace(item: Any) -> Trace | None:
    return Trace.objects.filter(item=item).order_by("-at", "-pk").first()


def describe(result: TraceResult | Trace) -> str:
    """A plain-text account of a trace for operators (the `reportal trace` command)."""
    lines = [
        _("Address: %(url)s") % {"url": result.url},
        _("Host name: %(host)s") % {"host": result.hostname or "-"},
    ]
    if result.cname_chain:
        lines.append(_("CNAME chain: %(chain)s") % {"chain": " -> ".join([result.hostname, *result.cname_chain])})
    for ip in result.ips:
        lines.append(
            _("Address %(ip)s: country %(country)s, AS%(asn)s %(as_name)s, network %(network)s, abuse %(abuse)s")
            % {
                "ip": ip["ip"],
                "country": ip.get("country") or "?",
                "asn": ip.get("asn") or "?",
                "as_name": ip.get("as_name") or ip.get("rdap_name") or "",
                "network": ip.get("network") or "?",
                "abuse": ", ".join(ip.get("abuse_emails") or []) or "-",
            }
        )
    lines.append(_("Hosting country: %(country)s") % {"country": result.hosting_country or "?"})
    lines.append(_("Host network: %(network)s") % {"network": result.hosting_network or "?"})
    if result.cdn:
        lines.append(_("Behind a CDN: %(cdn)s (the notice goes to the CDN)") % {"cdn": result.cdn_name})
    lines.append(_("Network abuse contact: %(emails)s") % {"emails": ", ".join(result.ip_abuse_emails) or "-"})
    if result.domain:
        lines.append(
            _("Domain: %(domain)s, registrar %(registrar)s")
            % {"domain": result.domain, "registrar": result.registrar or "?"}
        )
        lines.append(_("Domain abuse contact: %(emails)s") % {"emails": ", ".join(result.domain_abuse_emails) or "-"})
    errors = result.errors if isinstance(result, TraceResult) else [e for e in result.error.splitlines() if e]
    for error in errors:
        lines.append(_("Problem: %(error)s") % {"error": error})
    return "\n".join(lines)


def hosting_countries(item_ids: Iterable[int]) -> dict[int, str]:
    """The hosting country of each item's latest trace that found one; items never located are absent."""
    rows = (
        Trace.objects.filter(**_item_filter(item_ids))
        .exclude(hosting_country="")
        .order_by("item_id", "-at", "-pk")
        .values_list("item_id", "hosting_country")
    )
    found: dict[int, str] = {}
    for item_id, country in rows:
        found.setdefault(item_id, country)
    return found


def last_known_hosting(item: Any, field: str) -> Any:
    """The latest non-empty value of a trace field (hosting_country, hosting_asn, hosting_network) for an item:
    where it was hosted while online, since a removed site's own trace often no longer resolves."""
    traces = Trace.objects.filter(item=item, **{f"{field}__isnull": False})
    if field != "hosting_asn":
        traces = traces.exclude(**{field: ""})
    value = traces.order_by("-at", "-pk").values_list(field, flat=True).first()
    return value if value is not None else ("" if field != "hosting_asn" else None)


def purge_expired_rdap() -> int:
    """Drop cached RDAP answers past their time (the monitoring sweep calls this); returns how many."""
    return rdap_cache.purge_expired()


def _item_filter(item_ids: Iterable[int], field: str = "item_id") -> dict[str, object]:
    """A `range` of ids filters by bounds (one index range scan); anything else by an IN list."""
    if isinstance(item_ids, range) and item_ids.step == 1:
        return {f"{field}__gte": item_ids.start, f"{field}__lt": item_ids.stop}
    return {f"{field}__in": list(item_ids)}
