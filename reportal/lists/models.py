"""Tables of the lists stage: URL list entries, keywords, numbered publications, member downloads.

Publication membership lives on the rows themselves: an entry is in version v when
added_version <= v and (removed_version is null or removed_version > v). The full list at a version and the
changes between two versions are then single range queries on indexed columns, and publishing is two UPDATEs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    URL = "url", _("This exact address")
    PREFIX = "prefix", _("Every address under this path")
    DOMAIN = "domain", _("The whole domain and its subdomains")


class ListKind(models.TextChoices):
    URLS = "urls", _("URL list")
    KEYWORDS = "keywords", _("Keyword list")


class VersionedRow(models.Model):
    """A period during which a row is on its list; a later period of the same value is a new row (history kept)."""

    active = models.BooleanField(default=True, help_text=_("On the list now (published at the next version)."))
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=64, blank=True)
    added_version = models.PositiveIntegerField(null=True, blank=True, help_text=_("First version that lists it."))
    removed_version = models.PositiveIntegerField(null=True, blank=True, help_text=_("First version without it."))

    class Meta:
        abstract = True


class ListEntry(VersionedRow):
    """One period of one address on the URL list."""

    address = models.TextField(help_text=_("Canonical address; for a whole-domain entry, the host name alone."))
    address_sha256 = models.CharField(max_length=64, db_index=True)
    host = models.CharField(max_length=253)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.URL)
    category = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text=_("The hotline or import that listed it."))
    portal = models.ForeignKey("portals.Portal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    item = models.ForeignKey(
        "reports.ReportedUrl", null=True, blank=True, on_delete=models.SET_NULL, related_name="list_entries"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        verbose_name_plural = "list entries"
        constraints = [
            models.UniqueConstraint(fields=["address_sha256"], condition=Q(active=True), name="lists_one_active_entry"),
        ]
        indexes = [
            models.Index(fields=["added_version"], name="lists_entry_added_v"),
            models.Index(fields=["removed_version"], name="lists_entry_removed_v"),
            # Publishing finds new rows through added_version's index (NULLs are indexed), ended ones through this.
            models.Index(
                fields=["added_version"],
                condition=Q(active=False, removed_version__isnull=True),
                name="lists_entry_pending_remove",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.scope})"


class Keyword(VersionedRow):
    """One period of one analyst-curated term on the keyword list."""

    term = models.CharField(max_length=200)
    language = models.CharField(max_length=10)
    term_sha256 = models.CharField(max_length=64, db_index=True, help_text=_("SHA-256 of language and term."))
    category = models.CharField(max_length=64, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["term_sha256"], condition=Q(active=True), name="lists_one_active_keyword"),
        ]
        indexes = [
            models.Index(fields=["added_version"], name="lists_kw_added_v"),
            models.Index(fields=["removed_version"], name="lists_kw_removed_v"),
            models.Index(
                fields=["added_version"],
                condition=Q(active=False, removed_version__isnull=True),
                name="lists_kw_pending_remove",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} ({self.language})"


class Publication(models.Model):
    """A numbered version of a list. Version 0 is the empty list before the first publication."""

    kind = models.CharField(max_length=8, choices=ListKind.choices)
    version = models.PositiveIntegerField()
    # Rendered bodies are cached under this token, so a restored database never serves another install's files.
    token = models.CharField(max_length=32)
    published_at = models.DateTimeField(default=timezone.now)
    trigger = models.CharField(max_length=16, default="manual")
    entry_count = models.PositiveIntegerField(default=0)
    added_count = models.PositiveIntegerField(default=0)
    removed_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["kind", "version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="lists_one_publication_per_version")]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class Download(models.Model):
    """One feed download by a member: which list, version, format and changes-since.

    The member is kept by id and name, so the log outlives a member that is later deleted.
    """

    member_id = models.BigIntegerField(db_index=True)
    member_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=8, choices=ListKind.choices)
    version = models.PositiveIntegerField()
    since = models.PositiveIntegerField(null=True, blank=True)
    format = models.CharField(max_length=8)
    what = models.CharField(max_length=10, default="body", help_text=_("body or signature"))
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.member_name or self.member_id}: {self.kind} v{self.version} {self.format}"
