"""Celery tasks of the stats stage: thin, idempotent wrappers around services (a repeat changes nothing).

Hand-offs (reportal/pipeline/registry.py): `item.changed` -> stats.update_for_item (every status change, recorded in
the change's own transaction), `report.followed_up` -> stats.update_for_report (each report's intake follow-up).
Sending a notice changes no status, so the beat sweep below counts notices sent lately.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from reportal.pipeline.services import Work, receiver
from reportal.reports import services as reports
from reportal.stats import services

# The sweep looks back further than its own interval, so a run that was late or failed loses nothing.
SWEEP_LOOKBACK = timedelta(minutes=30)


@receiver("stats.update_for_item")
def update_for_item(work: Work) -> None:
    """Hand-off item.changed -> stats: bring the item's fact and its daily counts up to date."""
    services.update_items([work.subject_id])


@receiver("stats.update_for_report")
def update_for_report(work: Work) -> None:
    """Hand-off report.followed_up -> stats: recount the report's day, bring its items up to date."""
    services.update_for_reports([work.subject_id], [int(i) for i in work.payload.get("item_ids", [])])


@shared_task(name="stats.sweep_recent", ignore_result=True)
def sweep_recent() -> int:
    """Beat: bring up to date whatever changed lately (a safety net behind the hand-offs), and the items whose
    notices went out (sending a notice changes no status)."""
    since = timezone.now() - SWEEP_LOOKBACK
    services.update_report_days((p, d) for p, d, _source, _n in reports.report_counts(since=since))
    changed = services.update_items(reports.items_changed_since(since))
    return changed + services.refresh_notices_since(since)
