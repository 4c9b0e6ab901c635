"""Member feeds over HTTP: formats, signatures, scopes, licence, dead keys, the download log."""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.utils import timezone

from reportal.lists import formats, services
from reportal.lists.models import Download

from .conftest import auth, body

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed():
    services.add_entry("http://one.example.test/a", "url", category="A")
    services.add_entry("http://two.example.test/dir/", "prefix", category="B")
    services.add_entry("whole.example.test", "domain", category="C")
    services.publish()


def _public_key(client):
    response = client.get("/api/v1/lists/public-key")
    assert response.status_code == 200
    return load_pem_public_key(response.content)


@pytest.mark.parametrize("fmt", ["json", "csv", "sha256", "rpz"])
def test_every_format_is_signed_and_a_changed_byte_fails(client, listed, make_member, fmt):
    _member, key = make_member("url-list")
    data = body(client.get(f"/api/v1/lists/urls?format={fmt}", **auth(key)))
    signature = base64.b64decode(client.get(f"/api/v1/lists/urls/signature?format={fmt}", **auth(key)).content)
    public = _public_key(client)
    public.verify(signature, data)
    tampered = bytearray(data)
    tampered[len(tampered) // 2] ^= 0x01
    with pytest.raises(InvalidSignature):
        public.verify(signature, bytes(tampered))


def test_formats_carry_the_entries(client, listed, make_member):
    _member, key = make_member("url-list")
    doc = json.loads(body(client.get("/api/v1/lists/urls?format=json", **auth(key))))
    assert doc["version"] == 1
    assert {(e["address"], e["scope"], e["category"]) for e in doc["entries"]} == {
        ("http://one.example.test/a", "url", "A"),
        ("http://two.example.test/dir/", "prefix", "B"),
        ("whole.example.test", "domain", "C"),
    }
    rows = list(csv.DictReader(io.StringIO(body(client.get("/api/v1/lists/urls?format=csv", **auth(key))).decode())))
    assert {r["address"] for r in rows} == {e["address"] for e in doc["entries"]}
    hashes = body(client.get("/api/v1/lists/urls?format=sha256", **auth(key))).decode().split()
    assert sorted(hashes) == sorted(e["sha256"] for e in doc["entries"])
    rpz = body(client.get("/api/v1/lists/urls?format=rpz", **auth(key))).decode()
    assert "whole.example.test CNAME .\n*.whole.example.test CNAME .\n" in rpz
    assert "one.example.test" not in rpz  # only whole-domain entries go into the zone
    assert "(1 3600" in rpz  # serial = version


def test_hashed_only_member_gets_sha256_and_nothing_else(client, listed, make_member):
    from reportal.audit.models import AuditEntry

    member, key = make_member("hashed-url-list")
    assert client.get("/api/v1/lists/urls?format=sha256", **auth(key)).status_code == 200
    response = client.get("/api/v1/lists/urls?format=json", **auth(key))
    assert response.status_code == 403
    assert "format=sha256" in response.json()["detail"]
    denial = AuditEntry.objects.filter(action="access.denied").latest("seq")
    assert denial.actor_name == member.audit_name
    assert denial.details["reason"] == "scope"


def test_member_without_the_scope_is_refused_and_audited(client, listed, make_member):
    from reportal.audit.models import AuditEntry

    _member, key = make_member("keywords")
    response = client.get("/api/v1/lists/urls?format=sha256", **auth(key))
    assert response.status_code == 403
    assert "url-list" in response.json()["detail"]
    assert AuditEntry.objects.filter(action="access.denied").count() == 1
    assert client.get("/api/v1/lists/check?url=http://one.example.test/a", **auth(key)).status_code == 403


def test_no_key_or_a_wrong_key_is_unauthorised(client, listed):
    assert client.get("/api/v1/lists/urls").status_code == 401
    assert client.get("/api/v1/lists/urls", **auth("rpm_000000000000_nonsense")).status_code == 401


def test_feeds_stay_closed_until_the_licence_is_accepted(client, listed, make_member):
    from reportal.accounts import services as accounts

    member, key = make_member("url-list", licence=False)
    response = client.get("/api/v1/lists/urls?format=json", **auth(key))
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Your organisation has not accepted the list licence yet.")
    accounts.accept_licence(member.name)
    assert client.get("/api/v1/lists/urls?format=json", **auth(key)).status_code == 200


def test_expired_key_is_refused(client, listed, make_member):
    from reportal.accounts.models import ApiKey

    member, key = make_member("url-list", expires_days=30)
    assert client.get("/api/v1/lists/urls?format=sha256", **auth(key)).status_code == 200
    ApiKey.objects.filter(member=member).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/v1/lists/urls?format=sha256", **auth(key)).status_code == 401
    assert client.get("/api/v1/lists/urls/signature?format=sha256", **auth(key)).status_code == 401


def test_rotated_key_is_refused_and_the_new_one_works(client, listed, make_member):
    from reportal.accounts import services as accounts

    member, old_key = make_member("url-list")
    assert client.get("/api/v1/lists/urls?format=csv", **auth(old_key)).status_code == 200
    _member, new_key = accounts.rotate_member_key(member.name)
    assert client.get("/api/v1/lists/urls?format=csv", **auth(old_key)).status_code == 401
    assert client.get("/api/v1/lists/urls?format=csv", **auth(new_key)).status_code == 200


def test_downloads_are_logged(client, listed, make_member):
    member, key = make_member("url-list")
    client.get("/api/v1/lists/urls?format=csv", **auth(key))
    client.get("/api/v1/lists/urls/signature?format=csv&since=0", **auth(key))
    log = list(Download.objects.order_by("pk").values_list("member_id", "version", "since", "format", "what"))
    assert log == [(member.pk, 1, None, "csv", "body"), (member.pk, 1, 0, "csv", "signature")]


def test_bad_requests_say_what_to_ask_for(client, listed, make_member):
    _member, key = make_member("url-list")
    response = client.get("/api/v1/lists/urls?format=xml", **auth(key))
    assert response.status_code == 400 and "json" in response.json()["detail"]
    response = client.get("/api/v1/lists/urls?format=json&since=7", **auth(key))
    assert response.status_code == 400 and "full list" in response.json()["detail"]
    response = client.get("/api/v1/lists/urls?format=rpz&since=0", **auth(key))
    assert response.status_code == 400


def test_the_same_feed_is_rendered_once(client, listed, make_member, monkeypatch):
    _member, key = make_member("url-list")
    calls = []
    real = formats.render
    monkeypatch.setattr(formats, "render", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    first = body(client.get("/api/v1/lists/urls?format=json", **auth(key)))
    _m2, key2 = make_member("url-list")
    second = body(client.get("/api/v1/lists/urls?format=json", **auth(key2)))
    assert first == second
    assert calls == ["json"]
    services.add_entry("http://three.example.test/", "url")
    services.publish()
    third = body(client.get("/api/v1/lists/urls?format=json", **auth(key)))
    assert b"three.example.test" in third and calls == ["json", "json"]


def test_an_unchanged_version_is_not_downloaded_again(client, listed, make_member):
    _member, key = make_member("url-list")
    first = client.get("/api/v1/lists/urls?format=sha256", **auth(key))
    again = client.get("/api/v1/lists/urls?format=sha256", HTTP_IF_NONE_MATCH=first["ETag"], **auth(key))
    assert again.status_code == 304 and again.content == b""
    services.add_entry("http://new.example.test/", "url")
    services.publish()
    changed = client.get("/api/v1/lists/urls?format=sha256", HTTP_IF_NONE_MATCH=first["ETag"], **auth(key))
    assert changed.status_code == 200 and changed["X-List-Version"] == "2"
