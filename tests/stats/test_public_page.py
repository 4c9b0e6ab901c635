"""The public transparency page of a portal: yearly and monthly totals, translated, small counts suppressed."""

from __future__ import annotations

import pytest
from django.test import Client

from reportal.reports.models import Report
from reportal.stats import services
from tests.stats.histories import Decided, History, portals, write

pytestmark = pytest.mark.django_db


def _history(day: int) -> History:
    return History(
        portal=0,
        day=day,
        sources=["portal"],
        decisions=[Decided("actionable", 2)],
        action_hours=1,
        trace_country="NL",
        notices=[],
        removal_hours=20,
        removal_superseded=False,
        removal_country="",
    )


@pytest.fixture
def figures(settings):
    settings.REPORTAL_STATS_MIN_COUNT = 10
    portal_list = portals()
    # January 2025: twelve reports; March 2025: three (a count that must not be shown).
    items = [write(_history(day), portal_list) for day in [5] * 12 + [65] * 3]
    services.update_for_reports(Report.objects.values_list("pk", flat=True), [i.pk for i in items])
    return items


def test_small_counts_are_suppressed_and_large_ones_shown(figures):
    page = Client().get("/sv/en/stats/")
    assert page.status_code == 200
    body = page.content.decode()
    years = {row.label: row for row in page.context["figures"].years}
    months = {row.label: row for row in page.context["figures"].months}
    assert years["2025"].received.value == 15 and years["2025"].removed.value == 15
    assert months["2025-01"].received.value == 12 and months["2025-01"].median_hours.value is not None
    march = months["2025-03"]
    assert march.received.suppressed and march.received.value is None
    assert march.removed.suppressed and march.median_hours.suppressed
    assert months["2025-02"].received.value == 0 and not months["2025-02"].received.suppressed
    assert "fewer than\u00a010" in body  # a no-break space keeps the number with its words
    assert ">3<" not in body  # the three of March appear nowhere


def test_the_page_is_translated_and_offers_the_portal_languages(figures):
    page = Client().get("/sv/es/stats/")
    assert page.status_code == 200
    assert page["Content-Language"] == "es"
    body = page.content.decode()
    for spanish in (
        "Qué pasó con las denuncias hechas a",
        "Por año",
        "Por mes",
        "Denuncias recibidas",
        "Retiradas",
        "menos de\u00a010",
    ):
        assert spanish in body
    for english in ("What happened to the reports", "By year", "By month", "Reports received", "fewer than"):
        assert english not in body
    assert 'href="/sv/en/stats/"' in page.content.decode()
    assert Client().get("/sv/fr/stats/").status_code == 404  # not a language of this portal
    assert Client().get("/nowhere/en/stats/").status_code == 404


def test_the_threshold_is_a_setting(figures, settings):
    settings.REPORTAL_STATS_MIN_COUNT = 2
    months = {row.label: row for row in Client().get("/sv/en/stats/").context["figures"].months}
    assert months["2025-03"].received.value == 3
