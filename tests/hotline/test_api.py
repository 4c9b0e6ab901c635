"""The workbench API at /api/v1/: the same permission checks as the pages, with staff bearer tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from reportal.audit.models import AuditEntry
from reportal.reports.models import ItemStatus

from .factories import report_item

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_sampling(settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0


@pytest.fixture
def api(staff_user):
    from reportal.accounts.services import issue_staff_token

    def make(role: str, portals: tuple[str, ...] = (), username: str = ""):
        user = staff_user(role, portals, username)
        token, _row = issue_staff_token(user)
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}"), user

    return make


def test_queue_and_item_for_an_analyst(api):
    item = report_item("https://api.example/one", priority=2, description="Seen in a forum thread.")
    report_item("https://api.example/two")
    client, analyst = api("analyst")

    queue = client.get("/api/v1/queue").json()
    assert queue["count"] == 2
    assert [entry["canonical_url"] for entry in queue["items"]] == [
        "https://api.example/one",
        "https://api.example/two",
    ]
    assert queue["items"][0]["known"] == {"address_outcome": None, "domain_confirmed": False, "hash_match": False}

    detail = client.get(f"/api/v1/items/{item.pk}").json()
    assert detail["reports"][0]["description"] == "Seen in a forum thread."
    assert detail["reports"][0]["reporter_email"] is None
    assert detail["claim"] == {"item_id": item.pk, "claimed_by": None, "expires_at": None}
    assert AuditEntry.objects.filter(actor_id=analyst.pk, action="hotline.item.viewed").count() == 1


def test_claim_release_assess_over_the_api(api):
    item = report_item("https://api.example/assess")
    client, _ana = api("analyst", username="ana")
    other, _bea = api("analyst", username="bea")

    claimed = client.post(f"/api/v1/items/{item.pk}/claim")
    assert claimed.status_code == 200 and claimed.json()["claimed_by"] == "ana"
    refused = other.post(f"/api/v1/items/{item.pk}/claim")
    assert refused.status_code == 409 and "ana is assessing" in refused.json()["detail"]
    assert (
        other.post(
            f"/api/v1/items/{item.pk}/assess",
            {"outcome": "not_actionable", "reason": "not_found"},
            content_type="application/json",
        ).status_code
        == 409
    )

    invalid = client.post(f"/api/v1/items/{item.pk}/assess", {"outcome": "actionable"}, content_type="application/json")
    assert invalid.status_code == 400 and "legal_assessment" in invalid.json()["errors"]

    done = client.post(
        f"/api/v1/items/{item.pk}/assess",
        {
            "outcome": "actionable",
            "list_scope": "prefix",
            "classification": {"legal_assessment": "national", "site_type": "forum"},
        },
        content_type="application/json",
    )
    assert done.status_code == 200
    assert done.json()["classification"] == {"legal_assessment": "national", "site_type": "forum"}
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTIONABLE
    assert client.post(f"/api/v1/items/{item.pk}/release").json() == {"item_id": item.pk, "released": False}


def test_release_over_the_api(api):
    item = report_item("https://api.example/release")
    client, _ana = api("analyst")
    client.post(f"/api/v1/items/{item.pk}/claim")
    assert client.post(f"/api/v1/items/{item.pk}/release").json()["released"] is True
    item.refresh_from_db()
    assert item.status == ItemStatus.NEW


def test_partner_reads_own_portal_only_and_cannot_change(api):
    mine = report_item("https://api.example/gt", portal_slug="gt")
    theirs = report_item("https://api.example/sv", portal_slug="sv")
    client, _partner = api("partner", portals=("gt",))

    assert [entry["id"] for entry in client.get("/api/v1/queue").json()["items"]] == [mine.pk]
    assert client.get(f"/api/v1/items/{theirs.pk}").status_code == 404
    assert client.get(f"/api/v1/items/{mine.pk}").status_code == 200
    assert client.post(f"/api/v1/items/{mine.pk}/claim").status_code == 403
    assert client.post(f"/api/v1/items/{theirs.pk}/claim").status_code == 403


def test_admin_reads_but_does_not_assess(api):
    item = report_item("https://api.example/admin")
    client, _admin = api("admin")
    assert client.get("/api/v1/queue").status_code == 200
    assert client.post(f"/api/v1/items/{item.pk}/claim").status_code == 403


def test_without_a_token_nothing(client):
    item = report_item("https://api.example/anon")
    assert client.get("/api/v1/queue").status_code == 401
    assert client.get(f"/api/v1/items/{item.pk}").status_code == 401
    assert client.post(f"/api/v1/items/{item.pk}/claim").status_code == 401
    bad = Client(HTTP_AUTHORIZATION="Bearer rps_000000000000_nope")
    assert bad.get("/api/v1/queue").status_code == 401


def test_schemes_for_api_clients(api):
    client, _analyst = api("analyst")
    schemes = {scheme["key"]: scheme for scheme in client.get("/api/v1/classification-schemes").json()}
    assert [o["key"] for o in schemes["uk_category"]["options"]] == ["A", "B", "C"]
    assert schemes["legal_assessment"]["required_when_actionable"] is True
