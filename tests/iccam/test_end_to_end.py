"""The whole way with loopback fakes only: a citizen reports on /gt/ a page hosted (fake DNS, RDAP, MaxMind data)
in Germany, an analyst confirms it, the routing rules send DE to ICCAM, and the fake ICCAM receives one report with
the hosting country and classification in its codes, over mutual TLS."""

from __future__ import annotations

import pytest
from django.core import mail

from reportal.iccam.models import Content
from reportal.pipeline import services as pipeline
from reportal.reports.models import ItemStatus, Report
from tests.actions.conftest import confirm_actionable
from tests.fakes.items import make_portal

pytestmark = pytest.mark.django_db


def test_a_report_on_gt_hosted_in_germany_reaches_the_german_hotline_through_iccam(
    iccam, fake_world, client, settings, django_capture_on_commit_callbacks
):
    from reportal.actions.models import RoutingRule

    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True
    make_portal("gt", "GT", ["es", "en"])
    RoutingRule.objects.create(name="Germany through ICCAM", priority=1, hosting_countries="DE", action="iccam")
    base = fake_world.host("de-host.test", "127.0.0.3")
    fake_world.website.set("/gallery", "<!doctype html><html><body><h1>Gallery</h1></body></html>")

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/gt/es/report/", {"url": f"{base}/gallery", "seen_on": "web"})
    assert sent.status_code in (302, 303) and sent["Location"].endswith("/thanks/")
    [report] = Report.objects.all()
    [item] = report.items.all()
    assert report.portal.slug == "gt" and item.status == ItemStatus.NEW

    with django_capture_on_commit_callbacks(execute=True):
        confirm_actionable(item, {"legal_assessment": "baseline", "age_group": "prepubescent"})

    assert pipeline.state("item.route_iccam", item.pk) == {"iccam.export_item": "done"}
    [sent_report] = iccam.our_reports()
    [url] = sent_report["urls"]
    assert url["urlString"] == item.canonical_url
    assert (url["hostingCountryCode"], url["hostingIpAddress"], url["hostingIsp"]) == (
        "DE",
        "127.0.0.3",
        "Loopback Hosting DE",
    )
    assert (url["assessment"]["classification"], url["assessment"]["ageCategorization"]) == (1, 3)  # baseline
    assert iccam.refused == []
    [content] = Content.objects.filter(item=item)
    assert iccam.contents[content.content_id]["assignedCountryCode"] == "DE"  # the German hotline's to action
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTION_TAKEN
    assert mail.outbox == []  # no notice to the host: the German hotline deals with its own hosts
