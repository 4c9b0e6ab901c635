"""A partner viewer of `sv` sees nothing of `gt`: not on the dashboard, in any export, the monthly report or the API.
Hotline staff see both. Partner viewers land on the statistics after signing in."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client

from reportal.accounts import services as accounts
from reportal.accounts.testing import make_staff, sign_in, staff_token
from reportal.reports.models import Report, ReportedUrl
from reportal.stats import services
from tests.stats.histories import Decided, History, portals, write

pytestmark = pytest.mark.django_db

PERIOD = "from=2025-01-01&to=2025-12-31"


def _history(portal: int, day: int, removal_hours: float | None = 30) -> History:
    return History(
        portal=portal,
        day=day,
        sources=["portal"],
        decisions=[Decided("actionable", 5, classification={"uk_category": "B", "site_type": "forum"})],
        action_hours=2,
        trace_country="NL" if portal == 0 else "US",
        notices=[("host_notice", 1, True)],
        removal_hours=removal_hours,
        removal_superseded=False,
        removal_country="",
    )


@pytest.fixture
def world():
    sv, gt, _bz = portals()
    items = [write(_history(0, d), [sv, gt, _bz]) for d in (3, 40, 41)]
    items += [write(_history(1, d), [sv, gt, _bz]) for d in (5, 6, 50, 51, 52)]
    report_ids = list(Report.objects.values_list("pk", flat=True))
    services.update_for_reports(report_ids, [i.pk for i in items])
    partner = make_staff("partner-sv", "partner", [sv])[0]
    analyst = make_staff("analyst-all", "analyst")[0]
    return {"sv": sv, "gt": gt, "partner": partner, "analyst": analyst, "items": items}


def _gt_urls() -> list[bytes]:
    return [u.encode() for u in ReportedUrl.objects.filter(portal__slug="gt").values_list("canonical_url", flat=True)]


def test_partner_dashboard_shows_their_portal_only(world):
    client = sign_in(Client(), world["partner"])
    page = client.get(f"/stats/?{PERIOD}")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="sv"' in body and 'value="gt"' not in body
    assert page.context["board"].headline["urls"] == 3  # sv's three addresses, none of gt's five
    assert page.context["board"].headline["removed"] == 3

    asked = client.get(f"/stats/?{PERIOD}&portal=gt")
    assert asked.status_code == 200
    assert "There is no portal &#x27;gt&#x27; among those you may see." in asked.content.decode()
    assert asked.context["board"].headline["urls"] == 3

    hotline = sign_in(Client(), world["analyst"]).get(f"/stats/?{PERIOD}")
    assert hotline.context["board"].headline["urls"] == 8


def test_partner_exports_hold_their_portal_only(world):
    client = sign_in(Client(), world["partner"])
    cases = client.get(f"/stats/export/cases.csv?{PERIOD}")
    assert cases.status_code == 200
    rows = list(csv.DictReader(io.StringIO(cases.content.decode())))
    assert len(rows) == 3 and {r["portal"] for r in rows} == {"sv"}
    assert all(r["reference"].startswith("SV-") for r in rows)
    for url in _gt_urls():
        assert url not in cases.content

    countries = json.loads(client.get(f"/stats/export/hosting_country.json?{PERIOD}").content)
    assert {r["key"] for r in countries["rows"]} == {"NL"}  # gt's are hosted in the US

    for path in (
        f"/stats/export/cases.json?{PERIOD}&portal=gt",
        f"/stats/export/monthly.csv?{PERIOD}&portal=gt",
        "/stats/report/gt/2025-02/",
        "/stats/export/no_such_table.csv",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get("/stats/report/sv/2025-02/").status_code == 200


def test_partner_api_holds_their_portal_only(world):
    token = staff_token(world["partner"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    answer = client.get(f"/api/v1/stats?{PERIOD}&group_by=portal", **headers)
    assert answer.status_code == 200
    data = answer.json()
    assert {row["group"] for row in data["counts"]} == {"sv"}
    urls = sum(row["count"] for row in data["counts"] if row["metric"] == "urls")
    assert urls == 3 and data["removal"]["count"] == 3
    assert client.get(f"/api/v1/stats?{PERIOD}&portal=gt", **headers).status_code == 404
    assert client.get(f"/api/v1/stats?{PERIOD}&group_by=nonsense", **headers).status_code == 422

    analyst = {"HTTP_AUTHORIZATION": f"Bearer {staff_token(world['analyst'])}"}
    everything = client.get(f"/api/v1/stats?{PERIOD}&group_by=portal", **analyst).json()
    assert {row["group"] for row in everything["counts"]} == {"sv", "gt"}
    assert Client().get(f"/api/v1/stats?{PERIOD}").status_code == 401


def test_the_case_export_has_one_row_per_case_however_many_traces(world):
    from reportal.tracing.models import Trace

    item = world["items"][0]
    for _ in range(3):  # monitoring re-traced the address several times
        Trace.objects.create(item=item, url=item.canonical_url, hostname=item.host, hosting_country="NL")
    services.update_items([item.pk])
    client = sign_in(Client(), world["analyst"])
    rows = list(csv.DictReader(io.StringIO(client.get(f"/stats/export/cases.csv?{PERIOD}").content.decode())))
    references = [r["reference"] for r in rows]
    assert len(references) == len(set(references)) == 8


def test_partner_viewers_land_on_the_statistics_after_signing_in(world):
    user, password, secret = make_staff("partner-login", "partner", [world["sv"]])
    client = Client()
    response = client.post("/staff/login/", {"username": "partner-login", "password": password})
    assert response.status_code == 302
    response = client.post(response["Location"], {"code": accounts.current_totp(secret)})
    assert response.status_code == 302 and response["Location"] == "/stats/"

    _analyst, password, secret = make_staff("analyst-login", "analyst")
    client = Client()
    response = client.post("/staff/login/", {"username": "analyst-login", "password": password})
    response = client.post(response["Location"], {"code": accounts.current_totp(secret)})
    assert response["Location"] == "/workbench/"


def test_the_police_case_export_of_actions_has_one_row_per_case(world):
    """The older export at /workbench/removal/cases.csv listed a case once per trace; now once, latest trace."""
    from django.utils import timezone

    from reportal.actions.models import Monitor
    from reportal.tracing.models import Trace

    item = world["items"][0]
    Trace.objects.create(item=item, url=item.canonical_url, hostname=item.host, hosting_country="DE")
    now = timezone.now()
    Monitor.objects.create(item=item, started_at=now, next_check_at=now, last_action_at=now)
    ReportedUrl.objects.filter(pk=item.pk).update(first_reported_at=now)
    client = sign_in(Client(), world["analyst"])
    body = client.get("/workbench/removal/cases.csv?days=3660").content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    references = [r["reference"] for r in rows]
    assert references and len(references) == len(set(references))
    mine = next(r for r in rows if r["url"] == item.canonical_url)
    assert mine["trace_count"] == "2"
