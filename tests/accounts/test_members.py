"""`reportal members` and member API keys: printed once, stored hashed, scoped, expiring, rotatable, revocable."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone

from reportal import access
from reportal.accounts.models import ApiKey
from reportal.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("members", *args, stdout=out)
    return out.getvalue()


def _key(output: str) -> str:
    return re.search(r"^(rpm_\S+)$", output, re.M).group(1)


def _request(key: str, header: str = "bearer"):
    factory = RequestFactory()
    if header == "bearer":
        return factory.get("/api/v1/lists/urls", HTTP_AUTHORIZATION=f"Bearer {key}")
    return factory.get("/api/v1/lists/urls", HTTP_X_API_KEY=key)


def test_create_prints_a_key_once_and_stores_only_its_hash():
    output = _run("create", "--name", "Example ISP", "--kind", "isp", "--scopes", "url-list,hashed-url-list")
    key = _key(output)
    stored = ApiKey.objects.get()
    assert key not in (stored.secret_hash, stored.prefix) and stored.prefix in key
    assert stored.secret_hash == access.hash_secret(key)
    listing = _run()
    assert "Example ISP" in listing and key not in listing and "hashed-url-list,url-list" in listing


def test_key_works_with_either_header_and_only_for_its_scopes():
    key = _key(_run("create", "--name", "Resolver", "--kind", "resolver", "--scopes", "url-list"))
    member = access.member_for_request(_request(key), "url-list")
    assert member is not None and member.name == "Resolver"
    assert access.member_for_request(_request(key, "x-api-key"), "url-list") == member
    assert access.member_for_request(_request(key), "match") is None
    denied = AuditEntry.objects.get(action="access.denied")
    assert denied.actor_name == "member:Resolver" and denied.details["scope"] == "match"
    assert access.member_for_request(_request(key[:-2] + "xx"), "url-list") is None
    assert access.member_for_request(_request("nonsense"), "url-list") is None


def test_expired_keys_are_refused():
    key = _key(_run("create", "--name", "Vendor", "--kind", "vendor", "--scopes", "keywords", "--expires-days", "1"))
    assert access.member_for_request(_request(key), "keywords") is not None
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert access.member_for_request(_request(key), "keywords") is None


def test_rotation_refuses_the_old_key_at_once_or_after_a_grace_period():
    old = _key(_run("create", "--name", "Platform", "--kind", "platform", "--scopes", "match,hashes"))
    new = _key(_run("rotate", "Platform"))
    assert access.member_for_request(_request(old), "match") is None
    assert access.member_for_request(_request(new), "hashes") is not None

    newer = _key(_run("rotate", "Platform", "--grace-hours", "1"))
    assert access.member_for_request(_request(new), "match") is not None  # still inside the grace period
    assert access.member_for_request(_request(newer), "match") is not None
    ApiKey.objects.filter(revoked_at__isnull=False).update(revoked_at=timezone.now() - timedelta(seconds=1))
    assert access.member_for_request(_request(new), "match") is None
    assert access.member_for_request(_request(newer), "match") is not None


def test_revoke_and_deactivate_refuse_every_key():
    key = _key(_run("create", "--name", "Registry", "--kind", "registry", "--scopes", "url-list"))
    _run("deactivate", "Registry")
    assert access.member_for_request(_request(key), "url-list") is None
    _run("activate", "Registry")
    assert access.member_for_request(_request(key), "url-list") is not None
    _run("revoke", "Registry")
    assert access.member_for_request(_request(key), "url-list") is None
    assert "Registry" in _run() and "none" in _run()


def test_bad_input_says_what_to_do():
    with pytest.raises(CommandError, match="Choose from"):
        _run("create", "--name", "X", "--kind", "isp", "--scopes", "everything")
    with pytest.raises(CommandError, match="No member named Nobody"):
        _run("rotate", "Nobody")
    _run("create", "--name", "Twice", "--kind", "isp", "--scopes", "url-list")
    with pytest.raises(CommandError, match="exists already"):
        _run("create", "--name", "Twice", "--kind", "isp", "--scopes", "url-list")


def test_licence_acceptance_is_recorded():
    _run("create", "--name", "Lic", "--kind", "isp", "--scopes", "url-list")
    assert re.search(r"Lic\s+isp\s+active\s+-\s", _run())
    _run("licence", "Lic")
    assert re.search(r"Lic\s+isp\s+active\s+\d{4}-\d{2}-\d{2}", _run())
    assert AuditEntry.objects.filter(action="member.licence_accepted").exists()


def test_last_use_is_recorded_without_a_write_per_call():
    key = _key(_run("create", "--name", "Busy", "--kind", "platform", "--scopes", "match"))
    assert ApiKey.objects.get().last_used_at is None
    access.member_for_request(_request(key), "match")
    first = ApiKey.objects.get().last_used_at
    assert first is not None
    access.member_for_request(_request(key), "match")
    assert ApiKey.objects.get().last_used_at == first  # within the minute: no second write
    ApiKey.objects.update(last_used_at=first - timedelta(minutes=2))
    access.member_for_request(_request(key), "match")
    assert ApiKey.objects.get().last_used_at > first
    assert "Busy" in _run() and first.strftime("%Y-%m-%d") in _run()


def test_admins_see_members_without_their_keys():
    from reportal.accounts.testing import staff_client

    key = _key(_run("create", "--name", "Shown ISP", "--kind", "isp", "--scopes", "url-list", "--licence-accepted"))
    client, _admin = staff_client("boss", "admin")
    page = client.get("/staff/members/").content.decode()
    assert "Shown ISP" in page and "url-list" in page and key.split("_")[1] in page and key not in page
    analyst_client, _analyst = staff_client("worker", "analyst")
    assert analyst_client.get("/staff/members/").status_code == 403
