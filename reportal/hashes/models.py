"""Tables of the hashes stage: banks, their content entries (one image's signals each), the matcher's version
counter, index builds and resumable imports."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reportal.hashes.signals import DEFAULT_PDQ_DISTANCE, MAX_PDQ_DISTANCE, VPDQ
from reportal.hashes.video import (
    VPDQ_DISTANCE_THRESHOLD,
    VPDQ_INDEX_MATCH_THRESHOLD_PERCENT,
    VPDQ_QUALITY_THRESHOLD,
    VPDQ_QUERY_MATCH_THRESHOLD_PERCENT,
)

bank_name_validator = RegexValidator(
    r"^[A-Z_][A-Z0-9_]*$", _("Use CAPITALS_AND_UNDERSCORES (letters, digits and _), for example HOTLINE_CONFIRMED.")
)


class Bank(models.Model):
    """A named list of content whose signals are matched (HMA's bank)."""

    name = models.CharField(_("name"), max_length=100, unique=True, validators=[bank_name_validator])
    description = models.TextField(_("description"), blank=True)
    # HMA's matching_enabled_ratio: 0 switches the bank off for matching, 1 matches always.
    matching_enabled_ratio = models.FloatField(
        _("matching enabled ratio"), default=1.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )
    pdq_threshold = models.PositiveSmallIntegerField(
        _("PDQ distance threshold"),
        default=DEFAULT_PDQ_DISTANCE,
        validators=[MaxValueValidator(MAX_PDQ_DISTANCE)],
        help_text=_("Largest Hamming distance (0 to 31) at which a PDQ hash in this bank counts as a match."),
    )
    # vPDQ matching, HMA's defaults: frames within this distance match, frames under this quality are left out,
    # and a video matches when these shares of its frames and of the bank video's frames found a match.
    vpdq_distance_threshold = models.PositiveSmallIntegerField(
        _("vPDQ frame distance threshold"),
        default=VPDQ_DISTANCE_THRESHOLD,
        validators=[MaxValueValidator(MAX_PDQ_DISTANCE)],
        help_text=_("Largest Hamming distance (0 to 31) at which two video frames count as the same."),
    )
    vpdq_quality_threshold = models.PositiveSmallIntegerField(
        _("vPDQ frame quality threshold"),
        default=VPDQ_QUALITY_THRESHOLD,
        validators=[MinValueValidator(VPDQ_QUALITY_THRESHOLD), MaxValueValidator(100)],
        help_text=_("Video frames of lower PDQ quality (50 to 100) are left out of matching."),
    )
    vpdq_query_match_percent = models.FloatField(
        _("vPDQ query match percent"),
        default=VPDQ_QUERY_MATCH_THRESHOLD_PERCENT,
        validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
        help_text=_("Share of the looked-up video's frames (0 to 100) that must match a video in this bank."),
    )
    vpdq_compared_match_percent = models.FloatField(
        _("vPDQ compared match percent"),
        default=VPDQ_INDEX_MATCH_THRESHOLD_PERCENT,
        validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
        help_text=_("Share of the bank video's frames (0 to 100) that must match the looked-up video."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("hash bank")
        verbose_name_plural = _("hash banks")

    def __str__(self) -> str:
        return self.name

    @property
    def matching_enabled(self) -> bool:
        return self.matching_enabled_ratio > 0.0


def enabled_content_q(now: float | None = None) -> Q:
    """Content that matches now: HMA's disable_until_ts is 1 (enabled), 0 (disabled) or a time when it re-enables."""
    now_ts = int(now if now is not None else time.time())
    return Q(disable_until_ts=BankContent.ENABLED) | Q(disable_until_ts__gt=1, disable_until_ts__lte=now_ts)


class BankContent(models.Model):
    """One piece of content (an image or a video) in a bank: its signals and where it came from."""

    ENABLED = 1
    DISABLED = 0

    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="contents")
    disable_until_ts = models.BigIntegerField(default=ENABLED)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    md5 = models.CharField(max_length=32, blank=True, db_index=True)
    sha1 = models.CharField(max_length=40, blank=True, db_index=True)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # A video's vPDQ signal in threatexchange's serialisation (its frames are indexed with the PDQ hashes' code).
    vpdq = models.TextField(blank=True)
    # Provenance.
    source = models.CharField(_("source"), max_length=200, blank=True)
    analyst = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    classification = models.CharField(_("classification"), max_length=100, blank=True)
    external_id = models.CharField(max_length=200, blank=True, db_index=True)
    original_media_uri = models.CharField(max_length=2000, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("bank content")
        verbose_name_plural = _("bank contents")

    def __str__(self) -> str:
        return f"{self.bank_id}:{self.pk}"

    @property
    def enabled(self) -> bool:
        if self.disable_until_ts == self.DISABLED:
            return False
        if self.disable_until_ts == self.ENABLED:
            return True
        return self.disable_until_ts <= time.time()

    def signals(self) -> dict[str, str]:
        return {name: value for name in ("pdq", "md5", "sha1", "sha256", VPDQ) if (value := getattr(self, name))}


class MatchVersion(models.Model):
    """One row whose counter moves on every change that matching must see (add, disable, delete, bank switch)."""

    version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"match version {self.version}"


class IndexBuild(models.Model):
    """A persisted index file written by `reportal hashes build-index` (or the periodic merge task)."""

    signal_type = models.CharField(max_length=20)
    path = models.CharField(max_length=1000)
    high_water_id = models.BigIntegerField(default=0)
    size = models.BigIntegerField(default=0)
    built_at = models.DateTimeField(auto_now_add=True)
    seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"{self.signal_type} index to {self.high_water_id}"


class HashImport(models.Model):
    """A (possibly interrupted) import of a hash list file: the byte offset makes it resumable."""

    path = models.CharField(max_length=1000)
    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="imports")
    file_format = models.CharField(max_length=20)
    file_size = models.BigIntegerField(default=0)
    # Identifies the file (size + hash of its first bytes) so a different file at the same path starts over.
    fingerprint = models.CharField(max_length=64)
    offset = models.BigIntegerField(default=0)
    line_number = models.BigIntegerField(default=0)
    rows_added = models.BigIntegerField(default=0)
    rows_skipped = models.BigIntegerField(default=0)
    finished = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"import of {self.path} at byte {self.offset}"


class ExchangeFetchState(models.Model):
    """The checkpoint of a fetch from an exchange (NCMEC, StopNCII, ThreatExchange) into a bank."""

    exchange = models.CharField(max_length=50)
    bank = models.ForeignKey(Bank, on_delete=models.CASCADE, related_name="fetch_states")
    checkpoint = models.JSONField(null=True, blank=True)
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    signals_seen = models.BigIntegerField(default=0)

    class Meta:
        unique_together = [("exchange", "bank")]

    def __str__(self) -> str:
        return f"{self.exchange} into bank {self.bank_id}"
