"""Celery tasks of the CyberTipline reporting: thin, idempotent wrappers around the services."""

from __future__ import annotations

from reportal.pipeline.services import Work, receiver


@receiver("ncmec.report_item")
def report_item(work: Work) -> None:
    """Hand-off item.route_ncmec -> ncmec: one CyberTipline report per item, going on from the step reached."""
    from reportal.ncmec import services

    services.report_item(work.subject_id, work.payload)
