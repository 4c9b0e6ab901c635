"""The keyword list: analyst-curated terms per language, published and signed like the URL list."""

from __future__ import annotations

import base64
import csv
import io
import json

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.core.management import call_command

from reportal.lists import services

from .conftest import auth, body

pytestmark = pytest.mark.django_db


def test_keywords_feed_full_delta_and_signature(client, make_member):
    _member, key = make_member("keywords")
    call_command("lists", "keyword-add", "término uno", "--language", "es")
    services.add_keyword("term two", "en", category="X")
    services.publish("keywords")
    services.remove_keyword("TÉRMINO  uno".lower(), "es")
    services.add_keyword("mot trois", "fr")
    services.publish("keywords")

    full = json.loads(body(client.get("/api/v1/lists/keywords?format=json", **auth(key))))
    assert full["version"] == 2
    assert {(e["term"], e["language"]) for e in full["entries"]} == {("term two", "en"), ("mot trois", "fr")}
    delta = json.loads(body(client.get("/api/v1/lists/keywords?format=json&since=1", **auth(key))))
    assert [e["term"] for e in delta["removed"]] == ["término uno"]
    assert [e["term"] for e in delta["added"]] == ["mot trois"]
    csv_body = body(client.get("/api/v1/lists/keywords?format=csv", **auth(key))).decode()
    rows = list(csv.DictReader(io.StringIO(csv_body)))
    assert {r["term"] for r in rows} == {"term two", "mot trois"}

    data = body(client.get("/api/v1/lists/keywords?format=csv", **auth(key)))
    signature = base64.b64decode(client.get("/api/v1/lists/keywords/signature?format=csv", **auth(key)).content)
    load_pem_public_key(client.get("/api/v1/lists/public-key").content).verify(signature, data)


def test_keyword_scope_is_required(client, make_member):
    services.add_keyword("term", "en")
    services.publish("keywords")
    _member, url_key = make_member("url-list")
    assert client.get("/api/v1/lists/keywords?format=json", **auth(url_key)).status_code == 403
    _member, keyword_key = make_member("keywords")
    assert client.get("/api/v1/lists/urls?format=sha256", **auth(keyword_key)).status_code == 403
    assert client.get("/api/v1/lists/keywords?format=sha256", **auth(keyword_key)).status_code == 400
