"""Celery tasks of the stats stage: thin, idempotent wrappers around services (a repeat changes nothing)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from reportal.reports import services as reports
from reportal.stats import services

# The sweep looks back further than its own interval, so a run that was late or failed loses nothing.
SWEEP_LOOKBACK = timedelta(minutes=30)


@shared_task(
    name="stats.update_items",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def update_items(item_ids: list[int]) -> int:
    return services.update_items(item_ids)


@shared_task(
    name="stats.update_for_reports",
    ignore_result=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def update_for_reports(report_ids: list[int], item_ids: list[int]) -> None:
    services.update_for_reports(report_ids, item_ids)


@shared_task(name="stats.sweep_recent", ignore_result=True)
def sweep_recent() -> int:
    """Beat: bring up to date whatever changed lately, whether or not its own task ran (a lost message, a broker
    outage), and the items whose notices went out (sending a notice changes no status)."""
    since = timezone.now() - SWEEP_LOOKBACK
    services.update_report_days((p, d) for p, d, _source, _n in reports.report_counts(since=since))
    changed = services.update_items(reports.items_changed_since(since))
    return changed + services.refresh_notices_since(since)
