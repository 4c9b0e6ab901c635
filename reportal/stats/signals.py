"""Where the figures hear about changes: each records a hand-off (reportal/pipeline) in the transaction of the
change itself, so a lost message or a killed worker delays the figures but never skips them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from reportal.pipeline import services as pipeline
from reportal.reports.signals import report_followup


def item_status_changed(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        pipeline.record("item.changed", instance.item_id, key=f"event:{instance.pk}")


def report_followed_up(sender: Any, report_id: int, item_ids: list[int], **kwargs: Any) -> None:
    pipeline.record("report.followed_up", report_id, key=f"report:{report_id}", payload={"item_ids": list(item_ids)})


def connect() -> None:
    # The sender by its label: stats imports no other app's models.
    post_save.connect(item_status_changed, sender="reports.ItemEvent", dispatch_uid="stats-item-changed")
    report_followup.connect(report_followed_up, dispatch_uid="stats-report-followed-up")
