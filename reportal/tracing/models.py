"""Tables of the tracing stage: each hosting trace with its time, and the RDAP answer cache."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from reportal.reports.models import ReportedUrl


class TracePurpose(models.TextChoices):
    ACTION = "action", _("Before action")
    MONITOR = "monitor", _("Monitoring check")
    MANUAL = "manual", _("Requested by staff")


class Trace(models.Model):
    """Where an address was hosted at one moment: names, addresses, networks, CDN, abuse contacts, registrar."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="traces")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    purpose = models.CharField(max_length=8, choices=TracePurpose.choices, default=TracePurpose.ACTION)
    url = models.TextField()
    hostname = models.CharField(max_length=253)
    cname_chain = models.JSONField(default=list, blank=True)
    # One entry per address: {"ip", "country", "asn", "as_name", "network", "rdap_name", "abuse_emails"}.
    ips = models.JSONField(default=list, blank=True)
    hosting_country = models.CharField(max_length=2, blank=True, db_index=True)
    hosting_asn = models.PositiveBigIntegerField(null=True, blank=True)
    hosting_network = models.CharField(max_length=200, blank=True, help_text=_("Network (AS) name of the host."))
    cdn = models.CharField(max_length=40, blank=True, help_text=_("Key of the CDN in front of the host, if any."))
    cdn_name = models.CharField(max_length=100, blank=True)
    ip_abuse_emails = models.JSONField(default=list, blank=True)
    domain = models.CharField(max_length=253, blank=True, help_text=_("The registered domain."))
    domain_abuse_emails = models.JSONField(default=list, blank=True)
    registrar = models.CharField(max_length=200, blank=True)
    # Empty when every step worked; otherwise a stable code and a sentence saying what failed and what to do.
    error_code = models.CharField(max_length=32, blank=True)
    error = models.TextField(blank=True)
    rdap_pending = models.BooleanField(default=False, help_text=_("An RDAP server was unreachable; try again."))

    class Meta:
        ordering = ["-at", "-pk"]
        get_latest_by = "at"

    def __str__(self) -> str:
        return f"Trace of {self.hostname} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def ok(self) -> bool:
        return not self.error_code

    @property
    def abuse_emails(self) -> list[str]:
        """Where a notice goes: the network's abuse desk, else the domain's (registrar) abuse desk."""
        return list(self.ip_abuse_emails or self.domain_abuse_emails)


class RdapCacheEntry(models.Model):
    """One RDAP answer, kept until it expires. IP answers cover their whole network range."""

    kind = models.CharField(max_length=6)  # "ip" or "domain"
    key = models.CharField(max_length=253, db_index=True, help_text=_("The domain, or the network's start address."))
    # Range of an IP network as fixed-width hex, so "start <= address <= end" is a plain string comparison.
    range_start = models.CharField(max_length=33, blank=True, db_index=True)
    range_end = models.CharField(max_length=33, blank=True)
    record = models.JSONField(default=dict)
    fetched_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "key"], name="rdap_cache_kind_key")]

    def __str__(self) -> str:
        return f"RDAP {self.kind} {self.key}"
