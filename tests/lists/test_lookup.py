"""Look-up: is an address blocked by the published list, after canonicalisation, honouring scope."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from reportal.lists import services

from .conftest import auth

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    services.add_entry("http://exact.example.test/a/page.html", "url")
    services.add_entry("http://prefix.example.test/gallery/", "prefix")
    services.add_entry("http://prefix.example.test/view", "prefix")
    services.add_entry("abuse.example.test", "domain")
    services.publish()


@pytest.mark.parametrize(
    ("url", "scope"),
    [
        ("http://exact.example.test/a/page.html", "url"),
        ("HTTPS://EXACT.example.test/a/page.html#frag", "url"),  # scheme, case and fragment do not matter
        ("http://exact.example.test/a/page.html?x=1", None),  # another address
        ("http://exact.example.test/a/", None),
        ("http://prefix.example.test/gallery/", "prefix"),
        ("http://prefix.example.test/gallery/2/photo", "prefix"),
        ("http://prefix.example.test/view?id=3", "prefix"),
        ("http://prefix.example.test/viewer", None),  # a prefix ends on a path boundary
        ("http://prefix.example.test/", None),
        ("http://abuse.example.test/", "domain"),
        ("http://a.b.abuse.example.test/x?y", "domain"),  # subdomains of a blocked domain are blocked
        ("http://notabuse.example.test/", None),
        ("http://example.test/", None),  # the parent is not
    ],
)
def test_check_honours_scope(published, url, scope):
    result = services.check(url)
    assert (result.blocked, result.scope) == (scope is not None, scope)
    assert result.version == 1


def test_check_follows_new_versions(published):
    assert not services.check("http://later.example.test/").blocked
    services.add_entry("later.example.test", "domain")
    assert not services.check("http://later.example.test/").blocked  # not published yet
    services.publish()
    assert services.check("http://www.later.example.test/").blocked
    services.remove_entry("later.example.test", scope="domain")
    services.publish()
    assert not services.check("http://www.later.example.test/").blocked


def test_check_api(client, published, make_member):
    _member, key = make_member("url-list")
    response = client.get("/api/v1/lists/check", {"url": "http://www.abuse.example.test/p"}, **auth(key))
    assert response.status_code == 200
    assert response.json() == {
        "url": "http://www.abuse.example.test/p",
        "blocked": True,
        "scope": "domain",
        "version": 1,
    }
    assert client.get("/api/v1/lists/check", {"url": "http://fine.test/"}, **auth(key)).json()["blocked"] is False
    assert client.get("/api/v1/lists/check", {"url": "   "}, **auth(key)).status_code == 400
    _hashed, hashed_key = make_member("hashed-url-list")
    assert client.get("/api/v1/lists/check", {"url": "http://fine.test/"}, **auth(hashed_key)).status_code == 403


def test_check_command(published, capsys):
    call_command("lists", "check", "http://x.abuse.example.test/")
    assert "BLOCKED" in capsys.readouterr().out
    call_command("lists", "check", "http://fine.test/")
    assert "not blocked" in capsys.readouterr().out


def test_entries_for_an_item_show_what_covers_it_with_history():
    services.add_entry("abuse.example.test", "domain", category="A")
    services.add_entry("http://abuse.example.test/gallery/", "prefix")
    services.add_entry("http://abuse.example.test/gallery/2", "url")
    services.remove_entry("http://abuse.example.test/gallery/2")
    services.add_entry("http://abuse.example.test/other/", "prefix")  # does not cover the address
    periods = services.entries_for("http://www.abuse.example.test/gallery/2", host="www.abuse.example.test")
    assert [(p.scope, p.active) for p in periods] == [("domain", True)]
    periods = services.entries_for("http://abuse.example.test/gallery/2")
    assert [(p.address, p.active) for p in periods] == [
        ("http://abuse.example.test/gallery/2", False),
        ("http://abuse.example.test/gallery/", True),
        ("abuse.example.test", True),
    ]
    assert str(periods[0]).startswith("Was on the URL list from ")
    assert "The whole domain and its subdomains" in str(periods[2])
