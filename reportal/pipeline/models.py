"""The outbox of the stage hand-offs (see reportal/pipeline/__init__.py for the pattern and registry.py for the map)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Handoff(models.Model):
    """One piece of work a stage owes another: written in the same commit as the change that caused it."""

    event = models.CharField(max_length=64, help_text="What happened, e.g. item.confirmed (registry.ROUTES).")
    task = models.CharField(max_length=100, help_text="The Celery task of the receiving stage.")
    subject_id = models.BigIntegerField(help_text="The queue item (or other row) the event is about.")
    key = models.CharField(max_length=100, help_text="Tells one occurrence of the event from another.")
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When the sweep sends the task again if it is still not done (the first message may have been lost).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A run holds the hand-off until then; a second delivery meanwhile leaves it alone.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Runs that failed.")
    done_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="Given up after too many failed runs.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            # The same hand-off is never recorded twice, however often its cause is replayed.
            models.UniqueConstraint(fields=["event", "task", "key"], name="pipeline_one_handoff_per_occurrence"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(done_at__isnull=True), name="pipeline_undone"),
            models.Index(fields=["task", "subject_id"], name="pipeline_task_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.task} ({self.key})"
