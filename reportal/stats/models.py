"""Tables of the stats stage: one fact row per queue item, and daily counts per portal that the pages read.

`ItemFact` holds what one item currently adds to the figures (its `contributions`); `DailyCount` holds the sums.
An update recomputes an item's contributions from the raw rows and applies the difference to the sums, so running
it twice changes nothing (see services.update_items). `reportal stats rebuild` recomputes both from scratch.
"""

from __future__ import annotations

from django.db import models


class ItemFact(models.Model):
    """What one queue item (reports.ReportedUrl) adds to the figures, as of its last update.

    `item_id` is the item's key without a foreign key: figures outlive raw rows that retention deletes.
    """

    item_id = models.BigIntegerField(primary_key=True)
    portal = models.ForeignKey("portals.Portal", on_delete=models.CASCADE, related_name="+")
    reported_on = models.DateField()
    source = models.CharField(max_length=16, blank=True)
    outcome = models.CharField(max_length=16, blank=True, help_text="actionable, not_actionable, or empty.")
    assessed_on = models.DateField(null=True, blank=True)
    actioned_on = models.DateField(null=True, blank=True)
    hosting_country = models.CharField(max_length=2, blank=True)
    removed_on = models.DateField(null=True, blank=True)
    removal_seconds = models.PositiveBigIntegerField(null=True, blank=True)
    classification = models.JSONField(default=dict, blank=True)
    notices_sent = models.PositiveIntegerField(default=0)
    # [[metric, key, ISO day], ...]: exactly what this item counts in DailyCount.
    contributions = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Covering (removal_seconds included): time-to-removal reads these two columns of every removal in a
            # period, and reading the wide fact rows instead cost most of the dashboard's time.
            models.Index(fields=["portal", "removed_on", "removal_seconds"], name="stats_fact_removed_cover"),
            models.Index(fields=["removed_on", "removal_seconds"], name="stats_fact_removed_all"),  # every portal
            models.Index(fields=["portal", "actioned_on"], name="stats_fact_actioned"),
        ]

    def __str__(self) -> str:
        return f"Facts of item {self.item_id}"


class DailyCount(models.Model):
    """How many of something (metric, key) happened on one day in one portal, e.g. ('assessed', 'actionable')."""

    portal = models.ForeignKey("portals.Portal", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    metric = models.CharField(max_length=24)
    key = models.CharField(max_length=48, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["portal", "day", "metric", "key"], name="stats_one_count_per_key"),
        ]
        indexes = [models.Index(fields=["day", "metric"], name="stats_count_day_metric")]  # every portal at once

    def __str__(self) -> str:
        return f"{self.metric}/{self.key} on {self.day}: {self.count}"


class MonthlyCount(models.Model):
    """The daily counts summed per calendar month (`month` is its first day), kept in the same transaction as them.

    The dashboard reads whole months here and only the days of a period's partial first and last months from
    DailyCount: a portal-year is about a thousand rows instead of a hundred thousand."""

    portal = models.ForeignKey("portals.Portal", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    metric = models.CharField(max_length=24)
    key = models.CharField(max_length=48, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["portal", "month", "metric", "key"], name="stats_one_month_count_per_key"),
        ]
        indexes = [models.Index(fields=["month", "metric"], name="stats_month_metric")]  # every portal at once

    def __str__(self) -> str:
        return f"{self.metric}/{self.key} in {self.month:%Y-%m}: {self.count}"
