"""The audit page for seniors and admins: details as readable fields, filters by who, object, action and day."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from reportal.audit.services import record

from .factories import report_item

pytestmark = pytest.mark.django_db


def _rows(page: str) -> list[str]:
    body = re.search(r'<table class="audit-entries">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_audit_page_shows_fields_and_filters_by_actor_object_action_and_day(staff_client, staff_user):
    item = report_item("https://audit.example/page")
    other = report_item("https://audit.example/other")
    ana = staff_user("analyst", username="ana")
    bea = staff_user("analyst", username="bea")
    record(ana, "hotline.item.viewed", item, status="new")
    record(bea, "hotline.item.assessed", other, outcome="actionable", classification={"content_type": ["photo"]})
    record(ana, "hotline.preview.revealed", item, source_url="https://audit.example/one.png", revealed=True)
    client, _senior = staff_client("senior")

    page = client.get("/staff/audit/").content.decode()
    # Details are fields, not a dump of a dictionary.
    assert "<dt>Source url</dt><dd>https://audit.example/one.png</dd>" in page
    assert "<dt>Revealed</dt><dd>yes</dd>" in page
    assert "<dt>Classification</dt><dd>content_type: photo</dd>" in page
    assert "{&#x27;" not in page and "{'" not in page
    assert f"Item {item.pk}</a>" in page  # the object by a readable name

    by_actor = client.get("/staff/audit/?actor=bea").content.decode()
    assert [r for r in _rows(by_actor) if "hotline." in r] and all("bea" in r for r in _rows(by_actor))

    by_object = client.get(f"/staff/audit/?object_type=reports.reportedurl&object_id={item.pk}").content.decode()
    rows = _rows(by_object)
    assert len(rows) == 2 and all(f"Item {item.pk}" in r for r in rows)

    by_action = client.get("/staff/audit/?action=hotline.preview").content.decode()
    assert len(_rows(by_action)) == 1 and "hotline.preview.revealed" in by_action

    today = timezone.localdate()
    assert len(_rows(client.get(f"/staff/audit/?since={today}&until={today}&actor=ana").content.decode())) == 2
    tomorrow = today + timedelta(days=1)
    empty = client.get(f"/staff/audit/?since={tomorrow}").content.decode()
    assert "No entries match these filters." in empty


def test_a_date_that_cannot_be_read_is_named_and_the_other_filters_still_apply(staff_client, staff_user):
    ana = staff_user("analyst", username="ana")
    record(ana, "hotline.queue.viewed", None)
    client, _admin = staff_client("admin")
    page = client.get("/staff/audit/?since=31.12.2026&actor=ana").content.decode()
    assert "From: 31.12.2026 is not a date. Use the form 2026-01-31." in page
    assert 'name="actor" value="ana"' in page
    assert "hotline.queue.viewed" in page


def test_analysts_cannot_open_the_audit_page(staff_client):
    client, _analyst = staff_client("analyst")
    assert client.get("/staff/audit/").status_code == 403
