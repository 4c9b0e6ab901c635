"""What `reportal doctor` reads: how much is owed between stages and since when, intake's own outbox included."""

from __future__ import annotations

import pytest

from reportal.pipeline import services as pipeline
from reportal.reports.models import Report
from tests.hotline.factories import report_item

pytestmark = pytest.mark.django_db


def test_backlog_counts_undone_hand_offs_and_reports_waiting_for_their_follow_up(no_worker):
    assert pipeline.backlog().count == 0 and pipeline.backlog().oldest_at is None

    item = report_item("https://backlog.example/page")  # a report row whose follow-up has not run
    report = Report.objects.get(items=item)
    pipeline.record("item.removed", item.pk, key="backlog-test")

    backlog = pipeline.backlog()
    assert backlog.by_task["reports.process_pending"] == 1
    assert backlog.by_task["lists.end_removed"] == 1
    assert backlog.count == sum(backlog.by_task.values())
    assert backlog.oldest_at == report.created_at  # the report came first
    assert backlog.oldest == "report.accepted -> reports.process_pending"
    assert backlog.failed == 0

    Report.objects.filter(pk=report.pk).update(followup_done_at=report.created_at)
    backlog = pipeline.backlog()
    assert "reports.process_pending" not in backlog.by_task
    assert backlog.oldest.startswith("item.removed -> lists.end_removed")
