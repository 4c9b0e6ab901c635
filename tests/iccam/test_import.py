"""Import: content another hotline reported and ICCAM assigned to our country, without our reference, reaches our
queue as a report from ICCAM (20 per poll), and our reference goes back; an outage midway adds nothing twice."""

from __future__ import annotations

import pytest

from reportal.iccam import services
from reportal.iccam.client import IccamError
from reportal.iccam.models import Content, Direction
from reportal.reports.models import Report, ReportedUrl

pytestmark = pytest.mark.django_db


def test_imported_content_reaches_our_queue_and_our_reference_goes_back(iccam, our_portal):
    ours = iccam.add_foreign_content("http://imported.test/gallery", assigned="SV", hotline=12)
    elsewhere = iccam.add_foreign_content("http://other.test/page", assigned="DE")

    result = services.import_new()

    [item_id] = result.item_ids
    item = ReportedUrl.objects.get(pk=item_id)
    assert item.canonical_url == "http://imported.test/gallery" and item.status == "new" and item.is_open
    assert item.portal == our_portal
    [report] = Report.objects.filter(items=item)
    assert report.source == "iccam"
    assert str(ours) in report.description and "12" in report.description
    assert iccam.contents[ours]["hotlineReference"] == f"reportal-{item_id}"
    assert iccam.contents[elsewhere]["hotlineReference"] is None  # another country's content is not ours
    content = Content.objects.get(content_id=ours)
    assert (content.direction, content.classification, content.assigned_country) == (Direction.IMPORTED, "2", "SV")

    assert services.import_new().item_ids == []  # referenced now: ICCAM lists it no more
    assert Report.objects.filter(source="iccam").count() == 1


def test_twenty_per_poll(iccam, our_portal):
    for n in range(25):
        iccam.add_foreign_content(f"http://batch{n}.test/page", assigned="SV")
    assert len(services.import_new(limit=100).item_ids) == 20
    assert len(services.import_new().item_ids) == 5
    assert services.import_new().item_ids == []
    assert iccam.refused == []  # no request over ICCAM's limit
    assert Report.objects.filter(source="iccam").count() == 25


def test_an_outage_before_the_reference_goes_back_adds_nothing_twice(iccam, our_portal):
    content_id = iccam.add_foreign_content("http://imported.test/gallery", assigned="SV")
    iccam.unavailable_paths = ("hotline-reference",)
    with pytest.raises(IccamError) as unavailable:
        services.import_new()
    assert unavailable.value.retryable
    assert ReportedUrl.objects.filter(canonical_url="http://imported.test/gallery").count() == 1
    assert iccam.contents[content_id]["hotlineReference"] is None

    iccam.unavailable_paths = ()
    again = services.import_new()
    assert again.item_ids == [] and again.references_set == 1  # the item made before, its reference now set
    item = ReportedUrl.objects.get(canonical_url="http://imported.test/gallery")
    assert iccam.contents[content_id]["hotlineReference"] == f"reportal-{item.pk}"
    assert Report.objects.filter(source="iccam").count() == 1


def test_the_beat_task_polls_only_when_configured(iccam, our_portal, settings):
    from reportal.iccam import tasks

    iccam.add_foreign_content("http://imported.test/gallery", assigned="SV")
    settings.REPORTAL_ICCAM_URL = ""
    assert tasks.import_new() == 0 and iccam.requests == []
    settings.REPORTAL_ICCAM_URL = iccam.url
    assert tasks.import_new() == 1
    iccam.offline = 503
    assert tasks.import_new() == 0  # logged, tried again at the next beat
