"""Every API answers bad input with a 4xx and a message in the one error shape, never a 500: lone surrogates, numbers
of the wrong type or infinite, JSON nested thousands deep, missing bodies; and a 401 says which header to send."""

from __future__ import annotations

import json

import pytest

from tests.hashes.conftest import auth, keys  # noqa: F401 -- the fixture, for this module

pytestmark = pytest.mark.django_db

SURROGATE = "\\ud800"  # as JSON writes it: json.loads turns it into a lone surrogate


def _raw(client, method: str, path: str, body: str, **headers):
    return getattr(client, method)(path, data=body.encode(), content_type="application/json", **headers)


@pytest.mark.parametrize("field", ["urls", "description", "portal", "seen_on", "email"])
def test_lone_surrogates_in_a_report_are_400(client, field):
    report = {"portal": "gt", "urls": ["https://a.example/x"], "seen_on": "web", "description": "", "email": ""}
    body = json.dumps(report)
    value = f'["{SURROGATE}"]' if field == "urls" else f'"{SURROGATE}"'
    body = body.replace(json.dumps(report[field]), value, 1)
    answer = _raw(client, "post", "/api/v1/reports", body)
    assert answer.status_code == 400, answer.content
    assert "not valid Unicode" in answer.json()["message"]


@pytest.mark.parametrize("field", ["username", "password", "totp"])
def test_lone_surrogates_in_the_token_request_are_400(client, field):
    fields = {"username": "ana", "password": "pw", "totp": "123456"}
    body = json.dumps(fields).replace(f'"{fields[field]}"', f'"{SURROGATE}"', 1)
    answer = _raw(client, "post", "/api/v1/auth/token", body)
    assert answer.status_code == 400 and answer.json()["message"]


def test_a_report_without_a_body_answers_the_documented_422_shape(client):
    answer = client.post("/api/v1/reports", content_type="application/json")
    assert answer.status_code == 422
    body = answer.json()
    assert set(body) >= {"message", "field_errors", "url_errors"}
    assert "portal" in body["field_errors"] and "urls" in body["field_errors"]
    schema = client.get("/api/v1/openapi.json").json()
    documented = schema["paths"]["/api/v1/reports"]["post"]["responses"]["422"]["content"]["application/json"]
    assert documented["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    assert set(schema["components"]["schemas"]["ErrorOut"]["required"]) <= set(body)


def test_unauthorised_answers_name_the_header(client):
    answer = client.get("/api/v1/queue")
    assert answer.status_code == 401
    assert "Authorization: Bearer" in answer.json()["message"]
    assert answer["WWW-Authenticate"].startswith("Bearer")


BAD_NUMBERS = ['"1"', "[1]", "{}", "true", "1e400", "-1e400", "NaN", "Infinity", "2", "-1"]


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("field", ["enabled_ratio", "pdq_threshold"])
def test_bank_numbers_of_the_wrong_type_or_range_are_400(client, keys, field, value):  # noqa: F811
    if field == "pdq_threshold" and value == "2":
        value = "32"
    create = _raw(client, "post", "/c/banks", f'{{"name": "NUM_BANK", "{field}": {value}}}', **auth(keys.staff))
    assert create.status_code == 400, create.content
    assert field in create.json()["message"]
    assert _raw(client, "post", "/c/banks", '{"name": "NUM_BANK"}', **auth(keys.staff)).status_code == 201
    update = _raw(client, "put", "/c/bank/NUM_BANK", f'{{"{field}": {value}}}', **auth(keys.staff))
    assert update.status_code == 400, update.content


@pytest.mark.parametrize("value", ['"x"', "[1]", "{}", "true", "1e400", "-1e400", "NaN"])
def test_content_numbers_of_the_wrong_type_are_400(client, keys, value):  # noqa: F811
    _raw(client, "post", "/c/banks", '{"name": "Q_BANK"}', **auth(keys.staff))
    added = _raw(client, "post", "/c/bank/Q_BANK/signal", '{"md5": "' + "a" * 32 + '"}', **auth(keys.staff))
    content_id = added.json()["id"]
    update = _raw(
        client, "put", f"/c/bank/Q_BANK/content/{content_id}", f'{{"disable_until_ts": {value}}}', **auth(keys.staff)
    )
    assert update.status_code == 400, update.content
    signal = _raw(
        client,
        "post",
        "/c/bank/Q_BANK/signal",
        '{"md5": "' + "b" * 32 + f'", "pdq_quality": {value}}}',
        **auth(keys.staff),
    )
    assert signal.status_code == 400, signal.content


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/c/banks"),
        ("put", "/c/bank/DEEP_BANK"),
        ("post", "/c/bank/DEEP_BANK/signal"),
        ("post", "/api/v1/reports"),
        ("post", "/api/v1/match"),
    ],
)
def test_json_thousands_deep_is_400(client, keys, method, path):  # noqa: F811
    _raw(client, "post", "/c/banks", '{"name": "DEEP_BANK"}', **auth(keys.staff))
    body = '{"name": ' + "[" * 5000 + "]" * 5000 + "}"
    answer = _raw(client, method, path, body, **auth(keys.staff))
    assert answer.status_code == 400, answer.content
    assert answer.json()["message"]


def test_surrogates_in_hma_bodies_are_400(client, keys):  # noqa: F811
    answer = _raw(client, "post", "/c/banks", f'{{"name": "{SURROGATE}"}}', **auth(keys.staff))
    assert answer.status_code == 400 and "Unicode" in answer.json()["message"]


def test_nul_characters_are_400_in_bodies_and_queries(client, keys):  # noqa: F811
    report = '{"portal": "gt", "urls": ["https://a.example/x"], "seen_on": "web", "description": "a\\u0000b"}'
    answer = _raw(client, "post", "/api/v1/reports", report)
    assert answer.status_code == 400 and "NUL" in answer.json()["message"]
    answer = client.get("/api/v1/lists/check?url=https://a.example/%00", HTTP_X_API_KEY=keys.lists_only)
    assert answer.status_code == 400 and "NUL" in answer.json()["message"]


def test_nul_characters_in_hma_paths_and_queries_are_400(client, keys):  # noqa: F811
    for path in ("/c/bank/A%00B", "/c/bank/A%00B/content/1", "/m/lookup?signal_type=md5&signal=%00"):
        answer = client.get(path, **auth(keys.staff))
        assert answer.status_code == 400 and "NUL" in answer.json()["message"], path
    assert client.get("/m/raw_lookup?signal_type=md5&signal=%00", **auth(keys.staff)).status_code == 400
