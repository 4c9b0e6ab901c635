"""The RPZ feed loads as it is into BIND and Unbound: listed domains (and names under them) answer NXDOMAIN,
unlisted names keep their real answers."""

from __future__ import annotations

import dns.rcode
import pytest

from reportal.lists import services

from .conftest import auth, body
from .dns_servers import bind_with_rpz, query, unbound_with_rpz

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def rpz(client, make_member) -> bytes:
    services.add_entry("listed.test", "domain", category="A")
    services.add_entry("http://notlisted.test/only/this/page", "url")  # a URL entry must not block the domain
    services.add_entry("gone.test", "domain")
    services.publish()
    services.remove_entry("gone.test", scope="domain")
    services.publish()
    _member, key = make_member("url-list")
    response = client.get("/api/v1/lists/urls?format=rpz", **auth(key))
    assert response.status_code == 200
    return body(response)


def _assert_policy(port: int) -> None:
    for name in ("listed.test", "www.listed.test", "deep.sub.listed.test"):
        answer = query(port, name)
        assert answer.rcode() == dns.rcode.NXDOMAIN, f"{name} should be blocked by the policy:\n{answer}"
    for name, address in (("unlisted.test", "192.0.2.2"), ("notlisted.test", "192.0.2.3")):
        answer = query(port, name)
        assert answer.rcode() == dns.rcode.NOERROR, f"{name} should resolve:\n{answer}"
        assert [rr.address for rrset in answer.answer for rr in rrset] == [address]


def test_bind_answers_listed_domains_by_the_policy(rpz, tmp_path):
    assert b"gone.test" not in rpz
    with bind_with_rpz(rpz, tmp_path) as port:
        _assert_policy(port)


def test_unbound_answers_listed_domains_by_the_policy(rpz, tmp_path):
    with unbound_with_rpz(rpz, tmp_path) as port:
        _assert_policy(port)
