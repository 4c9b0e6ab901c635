"""`reportal cybertipline`: an operator lists the reports and, after fixing the cause of a refusal, sends it again
from the step it reached (a report NCMEC opened is carried on, never opened a second time)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from reportal.ncmec.models import CyberTiplineReport, Step
from tests.ncmec.conftest import US_HOST

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("cybertipline", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_a_report_refused_at_upload_is_carried_on_after_the_cause_is_fixed(cybertipline, actionable):
    cybertipline.fail["upload"] = 3000  # the account may not do this (yet)
    item = actionable("us.test", US_HOST)
    kept = CyberTiplineReport.objects.get(item=item)
    assert kept.step == Step.FAILED and kept.report_id
    assert f"{item.pk}\t{kept.report_id}\tfailed\tThis CyberTipline account may not do this" in _run("status")

    out = _run("retry", str(item.pk))

    assert out.startswith(f"{item.pk}\t{kept.report_id}\tfinished")
    assert cybertipline.calls == ["submit", "upload", "upload", "fileinfo", "finish"]  # the same report, carried on
    assert len(cybertipline.reports) == 1 and len(cybertipline.finished) == 1
    assert cybertipline.violations == []
    assert _run("retry", str(item.pk)).startswith(f"{item.pk}\t{kept.report_id}\tfinished")  # nothing more sent
    assert len(cybertipline.calls) == 5


def test_a_refused_submit_starts_from_the_submit(cybertipline, actionable):
    cybertipline.fail["submit"] = 3100
    item = actionable("us.test", US_HOST)
    assert CyberTiplineReport.objects.get(item=item).step == Step.FAILED

    _run("retry", str(item.pk))

    assert cybertipline.calls == ["submit", "submit", "upload", "fileinfo", "finish"]
    assert len(cybertipline.finished) == 1
