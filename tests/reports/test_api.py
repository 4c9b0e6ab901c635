"""POST /api/v1/reports and GET /api/v1/reports/status/{reference}, through Django's test client."""

from __future__ import annotations

import json

import pytest

from reportal.access import MEMBER_KEY_PREFIX, new_secret
from reportal.reports.models import Report, ReportedUrl

URL = "/api/v1/reports"


def post(client, body, **headers):
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def body(**overrides):
    data = {"portal": "gt", "urls": ["hxxps://abuse[.]example/p?fbclid=1"], "seen_on": "social",
            "description": "Shared in a group."}
    data.update(overrides)
    return data


def test_accepted_report_returns_reference_and_canonical_forms(client, portal) -> None:
    response = post(client, body(urls=["hxxps://abuse[.]example/p?fbclid=1", "Abuse.example/p"]))
    assert response.status_code == 201
    data = response.json()
    assert len(data["reference"]) == 24
    assert data["status_url"] == "/gt/status/"
    assert data["addresses"] == [
        {"submitted": "hxxps://abuse[.]example/p?fbclid=1", "canonical": "https://abuse.example/p"},
        {"submitted": "Abuse.example/p", "canonical": "http://abuse.example/p"},
    ]
    report = Report.objects.get()
    assert report.source == "api"
    assert ReportedUrl.objects.count() == 2
    status = client.get(f"{URL}/status/{data['reference']}")
    assert status.status_code == 200
    assert status.json()["status"] == "received"
    assert status.json()["reference"] == data["reference"]


def test_bad_input_lists_every_problem_per_field_and_position(client, portal) -> None:
    response = post(client, body(urls=["https://ok.example/", "javascript:alert(1)", "http://10.0.0.1/"],
                                 seen_on="tv", description="x" * 2001, email="nope"))
    assert response.status_code == 422
    data = response.json()
    assert data["message"].startswith("The report was not sent")
    assert set(data["field_errors"]) == {"seen_on", "description", "email"}
    assert [(e["position"], e["submitted"]) for e in data["url_errors"]] == [
        (1, "javascript:alert(1)"), (2, "http://10.0.0.1/")
    ]
    assert Report.objects.count() == 0


def test_messages_in_the_callers_language(client, portal) -> None:
    english = post(client, body(seen_on="tv", urls=["ftp://x.example/"]), HTTP_ACCEPT_LANGUAGE="en").json()
    spanish = post(client, body(seen_on="tv", urls=["ftp://x.example/"]), HTTP_ACCEPT_LANGUAGE="es").json()
    assert english["url_errors"][0]["message"].startswith("Only web addresses")
    assert spanish["url_errors"][0]["message"].startswith("Solo se pueden denunciar")
    if spanish["message"] == english["message"]:
        pytest.skip("the Spanish catalogue has no API messages yet")


def test_unknown_portal(client, portal) -> None:
    response = post(client, body(portal="nowhere"))
    assert response.status_code == 422
    assert "portal" in response.json()["field_errors"]


def test_malformed_json_is_refused_without_storing(client, portal) -> None:
    response = client.post(URL, data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    response = post(client, {"portal": "gt", "urls": "https://one.example/", "seen_on": "web"})
    assert response.status_code in (400, 422)
    assert Report.objects.count() == 0


def test_unknown_reference_is_404(client, portal) -> None:
    assert client.get(f"{URL}/status/AAAA-AAAA-AAAA-AAAA-AAAA").status_code == 404
    response = client.get(f"{URL}/status/not-a-code", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["message"].startswith("No report has this reference code")


def test_anonymous_callers_are_rate_limited(client, portal, settings) -> None:
    settings.REPORTAL_RATE_LIMIT_NO_JS = "2/h"
    assert post(client, body()).status_code == 201
    assert post(client, body(seen_on="tv")).status_code == 422  # bad attempts count too
    limited = post(client, body(), HTTP_ACCEPT_LANGUAGE="en")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "3600"
    assert limited.json()["message"].startswith("Too many reports")
    assert Report.objects.count() == 1
    # Another connection has its own allowance.
    assert post(client, body(), REMOTE_ADDR="198.51.100.9").status_code == 201


def test_status_checks_are_rate_limited(client, portal, settings) -> None:
    settings.REPORTAL_STATUS_RATE_LIMIT = "1/m"
    assert client.get(f"{URL}/status/AAAA-AAAA-AAAA-AAAA-AAAA").status_code == 404
    assert client.get(f"{URL}/status/AAAA-AAAA-AAAA-AAAA-AAAA").status_code == 429


def _member_key(scopes: list[str]) -> str:
    from reportal.accounts.models import ApiKey, Member

    member = Member.objects.create(name=f"Abuse desk {len(scopes)}", kind="platform")
    key, lookup, digest = new_secret(MEMBER_KEY_PREFIX)
    ApiKey.objects.create(member=member, prefix=lookup, secret_hash=digest, scopes=scopes)
    return key


def test_members_with_the_report_scope_have_their_own_limit(client, portal, settings) -> None:
    settings.REPORTAL_RATE_LIMIT_NO_JS = "1/h"
    settings.REPORTAL_MEMBER_REPORT_RATE_LIMIT = "3/h"
    key = _member_key(["report"])
    for _ in range(3):
        assert post(client, body(), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 201
    assert post(client, body(), HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 429
    assert set(Report.objects.values_list("source", flat=True)) == {"member"}
    # The member's use does not eat into the anonymous allowance of the same connection.
    assert post(client, body()).status_code == 201


def test_a_key_without_the_report_scope_counts_as_anonymous(client, portal, settings) -> None:
    settings.REPORTAL_RATE_LIMIT_NO_JS = "1/h"
    key = _member_key(["url-list"])
    assert post(client, body(), HTTP_X_API_KEY=key).status_code == 201
    assert post(client, body(), HTTP_X_API_KEY=key).status_code == 429
    assert Report.objects.get().source == "api"


def test_openapi_documents_the_intake(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "post" in schema["paths"]["/api/v1/reports"]
    assert "get" in schema["paths"]["/api/v1/reports/status/{reference}"]
