"""Reports as citizens made them, and the queue items they feed (one per canonical address)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SeenOn(models.TextChoices):
    WEB = "web", _("A website")
    SOCIAL = "social", _("A social network")
    MESSAGING = "messaging", _("A messaging app")
    FILESHARING = "filesharing", _("A file-sharing service")
    SEARCH = "search", _("Search results")
    OTHER = "other", _("Somewhere else")


class Source(models.TextChoices):
    PORTAL = "portal", _("Public portal")
    API = "api", _("API")
    MEMBER = "member", _("Member API")
    STAFF = "staff", _("Entered by staff")
    CRAWLER = "crawler", _("Proactive search")
    ICCAM = "iccam", _("ICCAM (another INHOPE hotline)")


class ItemStatus(models.TextChoices):
    NEW = "new", _("Awaiting assessment")
    ASSESSING = "assessing", _("Being assessed")
    SECOND_OPINION = "second_opinion", _("Awaiting a second opinion")
    ACTIONABLE = "actionable", _("Confirmed, awaiting action")
    ACTION_TAKEN = "action_taken", _("Action taken, monitoring")
    REMOVED = "removed", _("Removed")
    NOT_ACTIONABLE = "not_actionable", _("Not actionable")


OPEN_STATUSES = frozenset(
    {ItemStatus.NEW, ItemStatus.ASSESSING, ItemStatus.SECOND_OPINION, ItemStatus.ACTIONABLE, ItemStatus.ACTION_TAKEN}
)
CLOSED_STATUSES = frozenset({ItemStatus.REMOVED, ItemStatus.NOT_ACTIONABLE})


class Report(models.Model):
    """One submission: the reporter's words and the addresses they gave. Holds no network address of theirs."""

    portal = models.ForeignKey("portals.Portal", on_delete=models.PROTECT, related_name="reports")
    language = models.CharField(max_length=10)
    seen_on = models.CharField(max_length=16, choices=SeenOn.choices)
    description = models.TextField(blank=True, max_length=2000)
    email_encrypted = models.TextField(blank=True, help_text="Fernet token of the reporter's e-mail address.")
    receipt_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the normalised reference code.")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.PORTAL)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Outbox: follow-up work is enqueued after commit; a sweep retries what the broker did not take.
    followup_enqueued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set by the follow-up task itself: enqueued long ago but never done means the message was lost; send it again.
    followup_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.portal.slug})"


class ReportedUrl(models.Model):
    """A queue item: one canonical address, however many times and through however many portals it was reported."""

    canonical_url = models.TextField()
    url_sha256 = models.CharField(max_length=64, db_index=True)
    host = models.CharField(max_length=253, db_index=True)
    portal = models.ForeignKey(
        "portals.Portal", on_delete=models.PROTECT, related_name="items", help_text="Where it was first reported."
    )
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.NEW, db_index=True)
    is_open = models.BooleanField(default=True)
    priority = models.SmallIntegerField(default=0, help_text="Higher is assessed first.")
    report_count = models.PositiveIntegerField(default=0)
    first_reported_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_reported_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=64, blank=True)
    reports = models.ManyToManyField(Report, through="ReportUrl", related_name="items")

    class Meta:
        ordering = ["-priority", "first_reported_at"]
        constraints = [
            # Duplicates join the open item instead of queueing twice.
            models.UniqueConstraint(fields=["url_sha256"], condition=Q(is_open=True), name="one_open_item_per_url"),
        ]
        indexes = [models.Index(fields=["is_open", "status", "-priority", "first_reported_at"], name="queue_order")]

    def __str__(self) -> str:
        return self.canonical_url


class ReportUrl(models.Model):
    """One address as a reporter gave it, linking their report to the queue item of its canonical form."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="urls")
    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="report_links")
    submitted_url = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["report", "position"]
        constraints = [models.UniqueConstraint(fields=["report", "item"], name="one_link_per_report_item")]

    def __str__(self) -> str:
        return self.submitted_url


class ItemEvent(models.Model):
    """Every state change of an item: who, when, why. Statistics are computed from these."""

    item = models.ForeignKey(ReportedUrl, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    from_status = models.CharField(max_length=16, choices=ItemStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ItemStatus.choices)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class RateLimitCounter(models.Model):
    """One fixed window of a rate limit (reportal.ratelimit) when no Redis is configured.

    The key holds a salted, daily-rotated HMAC of the client, never its address.
    """

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.key
