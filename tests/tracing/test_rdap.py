"""RDAP against the fake server: nested abuse entities, registrar, cache, and clear errors."""

from __future__ import annotations

import pytest

from reportal.net import rdap
from reportal.tracing import rdap_cache
from reportal.tracing.models import RdapCacheEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def rdap_world(fake_rdap, allow_loopback):
    fake_rdap.add_network("127.0.0.0", "127.0.0.255", name="HOST-SV", country="SV", abuse="abuse@host-sv.example")
    fake_rdap.add_network(
        "127.0.1.0", "127.0.1.255", name="FLAT", country="DE", abuse="abuse@flat.example", nested=False
    )
    fake_rdap.add_domain("site.test", registrar="Test Registrar Inc.", abuse="abuse@registrar.example")
    return fake_rdap


def test_abuse_contact_nested_under_the_registrant(rdap_world):
    record = rdap.lookup_ip("127.0.0.9")
    assert record.abuse_emails == ["abuse@host-sv.example"]
    assert record.name == "HOST-SV" and record.country == "SV"


def test_abuse_contact_at_the_top_level(rdap_world):
    assert rdap.lookup_ip("127.0.1.9").abuse_emails == ["abuse@flat.example"]


def test_registrar_and_its_abuse_desk_from_the_registered_domain(rdap_world):
    record = rdap.lookup_domain("www.cdn.site.test")
    assert record.name == "site.test"
    assert record.registrar == "Test Registrar Inc."
    assert record.registrar_abuse_emails == ["abuse@registrar.example"]
    assert rdap_world.requests[-1] == "/domain/site.test"


def test_malformed_json_is_a_clear_error(rdap_world):
    rdap_world.raw["/domain/broken.test"] = b"{not json"
    with pytest.raises(rdap.RdapError) as info:
        rdap.lookup_domain("broken.test")
    assert info.value.reason == "malformed"
    assert "not valid JSON" in str(info.value)


def test_wrong_object_is_a_clear_error(rdap_world):
    rdap_world.raw["/domain/odd.test"] = b'{"objectClassName": "entity"}'
    with pytest.raises(rdap.RdapError, match="not an domain object|objectClassName") as info:
        rdap.lookup_domain("odd.test")
    assert info.value.reason == "malformed"


def test_unreachable_server_is_retryable(rdap_world):
    rdap_world.broken = True
    with pytest.raises(rdap.RdapError) as info:
        rdap.lookup_ip("127.0.0.9")
    assert info.value.retryable


def test_rdap_server_on_loopback_needs_the_allow_list(fake_rdap):
    with pytest.raises(rdap.RdapError) as info:
        rdap.lookup_ip("127.0.0.9")
    assert info.value.reason == "refused"


def test_ip_answers_are_cached_for_the_whole_network(rdap_world):
    first = rdap_cache.ip_record("127.0.0.9")
    second = rdap_cache.ip_record("127.0.0.200")  # same network: no second request
    assert first.abuse_emails == second.abuse_emails == ["abuse@host-sv.example"]
    assert [p for p in rdap_world.requests if p.startswith("/ip/")] == ["/ip/127.0.0.9"]
    rdap_cache.ip_record("127.0.1.1")  # another network: asked
    assert RdapCacheEntry.objects.filter(kind="ip").count() == 2


def test_cached_answers_expire(rdap_world, settings):
    settings.REPORTAL_RDAP_CACHE_HOURS = 0
    rdap_cache.domain_record("site.test")
    rdap_cache.domain_record("site.test")
    assert rdap_world.requests.count("/domain/site.test") == 2
