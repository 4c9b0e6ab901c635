"""RDAP lookups with a table cache: IP answers are reused for every address of their network until they expire."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from reportal.net import rdap
from reportal.tracing.models import RdapCacheEntry


def _hex(ip: str) -> str:
    address = ipaddress.ip_address(ip)
    # The version prefix keeps IPv4 and IPv6 ranges apart in one ordered column.
    return f"{address.version}{int(address):032x}"


def _ttl() -> timedelta:
    return timedelta(hours=float(getattr(settings, "REPORTAL_RDAP_CACHE_HOURS", 24)))


def ip_record(ip: str, *, timeout: float | None = None) -> rdap.RdapRecord:
    now = timezone.now()
    key = _hex(ip)
    entry = (
        RdapCacheEntry.objects.filter(kind="ip", range_start__lte=key, range_end__gte=key, expires_at__gt=now)
        .order_by("-range_start")
        .first()
    )
    if entry is not None:
        return rdap.RdapRecord.from_dict(entry.record)
    record = rdap.lookup_ip(ip, timeout=timeout)
    try:
        start, end = _hex(record.start_address), _hex(record.end_address)
        if not (start <= key <= end):
            raise ValueError("range does not hold the address")
    except ValueError:
        start = end = key  # a registry that gives no usable range: cache this one address
    RdapCacheEntry.objects.create(
        kind="ip",
        key=record.start_address or ip,
        range_start=start,
        range_end=end,
        record=record.to_dict(),
        expires_at=now + _ttl(),
    )
    return record


def domain_record(hostname: str, *, timeout: float | None = None) -> rdap.RdapRecord:
    now = timezone.now()
    domain = rdap.registrable_domain(hostname)
    entry = RdapCacheEntry.objects.filter(kind="domain", key=domain, expires_at__gt=now).order_by("-fetched_at").first()
    if entry is not None:
        return rdap.RdapRecord.from_dict(entry.record)
    record = rdap.lookup_domain(domain, timeout=timeout)
    RdapCacheEntry.objects.create(kind="domain", key=domain, record=record.to_dict(), expires_at=now + _ttl())
    return record


def purge_expired() -> int:
    deleted, _ = RdapCacheEntry.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
