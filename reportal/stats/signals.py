"""Until the pipeline's hand-off registry carries it: status changes and accepted reports reach the figures.

Each receiver only enqueues an idempotent task after the commit; the beat sweep (tasks.sweep_recent) covers a
message the broker lost.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from reportal.reports.signals import report_followup

logger = logging.getLogger(__name__)


def _enqueue(send: Any, *args: Any) -> None:
    def run() -> None:
        try:
            send.delay(*args)
        except Exception:  # the change is committed; the sweep brings the figures up to date later
            logger.warning("Could not queue a statistics update; the sweep will make it", exc_info=True)

    transaction.on_commit(run)


def item_status_changed(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        from reportal.stats.tasks import update_items

        _enqueue(update_items, [instance.item_id])


def report_accepted(sender: Any, report_id: int, item_ids: list[int], **kwargs: Any) -> None:
    from reportal.stats.tasks import update_for_reports

    _enqueue(update_for_reports, [report_id], list(item_ids))


def connect() -> None:
    # The sender by label: stats imports no other app's models.
    post_save.connect(item_status_changed, sender="reports.ItemEvent", dispatch_uid="stats-item-status")
    report_followup.connect(report_accepted, dispatch_uid="stats-report-accepted")
