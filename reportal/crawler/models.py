"""Tables of the crawler stage: crawls, their frontier of pages (one row per address per crawl), the media seen,
the pages found holding known material, leads to other sites, and the per-host leases that keep crawls polite."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CrawlState(models.TextChoices):
    RUNNING = "running", _("Running")
    STOPPED = "stopped", _("Stopped")
    FINISHED = "finished", _("Finished")


class CrawlScope(models.TextChoices):
    HOST = "host", _("The same host name only")
    DOMAIN = "domain", _("The same registrable domain")


class CrawlOrigin(models.TextChoices):
    CONFIRMED = "confirmed", _("A confirmed item (rule)")
    ANALYST = "analyst", _("Started by an analyst")


class Crawl(models.Model):
    """One bounded crawl around a seed address. Its figures are counters updated as pages are done."""

    seed_url = models.TextField()
    site = models.CharField(max_length=253, help_text="The host or registrable domain the crawl stays on.")
    scope = models.CharField(max_length=8, choices=CrawlScope.choices, default=CrawlScope.DOMAIN)
    origin = models.CharField(max_length=12, choices=CrawlOrigin.choices, default=CrawlOrigin.ANALYST)
    seed_item = models.ForeignKey(
        "reports.ReportedUrl", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    portal = models.ForeignKey("portals.Portal", on_delete=models.PROTECT, related_name="+")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    max_depth = models.PositiveSmallIntegerField(default=3)
    max_pages = models.PositiveIntegerField(default=10_000)
    follow_other_sites = models.BooleanField(default=False)
    state = models.CharField(max_length=10, choices=CrawlState.choices, default=CrawlState.RUNNING, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # Figures, incremented with F() as each page is done (several workers share one crawl).
    pages_queued = models.PositiveIntegerField(default=0)
    pages_fetched = models.PositiveIntegerField(default=0)
    media_hashed = models.PositiveIntegerField(default=0)
    media_matched = models.PositiveIntegerField(default=0)
    pages_with_matches = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    bytes_fetched = models.PositiveBigIntegerField(default=0)
    pages_failed = models.PositiveIntegerField(default=0)
    leads = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Crawl {self.pk} of {self.site}"


class PageState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    CLAIMED = "claimed", _("Being fetched")
    DONE = "done", _("Fetched")
    FAILED = "failed", _("Failed")


class CrawlPage(models.Model):
    """The frontier: one row per page address per crawl (unique), claimed by one worker at a time. A claim that
    expires (a killed worker) makes the page claimable again; a page done is never fetched again."""

    crawl = models.ForeignKey(Crawl, on_delete=models.CASCADE, related_name="pages")
    url = models.TextField()
    url_hash = models.CharField(max_length=64)
    depth = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=8, choices=PageState.choices, default=PageState.PENDING)
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crawl", "url_hash"], name="one_page_per_crawl_url")]
        indexes = [models.Index(fields=["crawl", "state", "depth", "id"], name="crawl_frontier")]

    def __str__(self) -> str:
        return self.url


class CrawlMedia(models.Model):
    """A medium address seen by a crawl, fetched and hashed once per crawl: its hashes and the bank's answer (so a
    second page showing it needs no second fetch), never its bytes. Nothing here enters a bank."""

    crawl = models.ForeignKey(Crawl, on_delete=models.CASCADE, related_name="media")
    url = models.TextField()
    url_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, default="image")
    content_type = models.CharField(max_length=100, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    md5 = models.CharField(max_length=32, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    vpdq = models.JSONField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    # A bank knew it: its classification there ("" when the bank gave none).
    known = models.BooleanField(default=False)
    known_grade = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crawl", "url_hash"], name="one_medium_per_crawl_url")]

    def __str__(self) -> str:
        return self.url_hash


class Finding(models.Model):
    """A page of a crawl that holds media a bank knows: it became (or joined) a queue item marked known material."""

    crawl = models.ForeignKey(Crawl, on_delete=models.CASCADE, related_name="findings")
    page_url = models.TextField()
    url_hash = models.CharField(max_length=64)
    item = models.ForeignKey("reports.ReportedUrl", on_delete=models.CASCADE, related_name="+")
    known_media = models.PositiveIntegerField(default=0)
    unknown_media = models.PositiveIntegerField(default=0)
    grade = models.CharField(max_length=200, blank=True, help_text="The bank's classification of the matches.")
    confirmed = models.BooleanField(default=False, help_text="Sent straight to notice and list by the policy.")
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-found_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["crawl", "url_hash"], name="one_finding_per_crawl_page")]

    def __str__(self) -> str:
        return self.page_url


class Lead(models.Model):
    """A link from a crawled page to another site: recorded, not crawled unless the crawl's rule says so."""

    crawl = models.ForeignKey(Crawl, on_delete=models.CASCADE, related_name="lead_rows")
    url = models.TextField()
    url_hash = models.CharField(max_length=64)
    host = models.CharField(max_length=253, db_index=True)
    from_page = models.TextField()
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["host", "pk"]
        constraints = [models.UniqueConstraint(fields=["crawl", "url_hash"], name="one_lead_per_crawl_url")]

    def __str__(self) -> str:
        return self.url


class HostLease(models.Model):
    """One of a host's politeness slots (REPORTAL_CRAWL_HOST_CONCURRENCY): a worker holds it while it fetches from
    that site, renews it as it goes, and a killed worker's lease simply expires."""

    site = models.CharField(max_length=253)
    slot = models.PositiveSmallIntegerField()
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "slot"], name="one_lease_per_site_slot")]

    def __str__(self) -> str:
        return f"{self.site} #{self.slot}"
