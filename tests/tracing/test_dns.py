"""DNS through dnspython against the fake server: CNAME chains, loops, timeouts, missing names."""

from __future__ import annotations

import pytest

from reportal.net.dns import DnsError, resolve


def test_a_and_aaaa_with_a_cname_chain_chased_across_queries(fake_dns):
    fake_dns.add("www.shop.test", "CNAME", "edge.shop.test")
    fake_dns.add("edge.shop.test", "CNAME", "origin.hosting.test")
    fake_dns.add("origin.hosting.test", "A", "192.0.2.10")
    fake_dns.add("origin.hosting.test", "AAAA", "2001:db8::10")
    answer = resolve("WWW.shop.test.")
    assert answer.cname_chain == ["edge.shop.test", "origin.hosting.test"]
    assert answer.ipv4 == ["192.0.2.10"]
    assert answer.ipv6 == ["2001:db8::10"]
    assert answer.canonical_name == "origin.hosting.test"


def test_a_cname_loop_is_reported_as_a_loop(fake_dns):
    fake_dns.add("a.loop.test", "CNAME", "b.loop.test")
    fake_dns.add("b.loop.test", "CNAME", "a.loop.test")
    with pytest.raises(DnsError) as info:
        resolve("a.loop.test")
    assert info.value.reason == "loop"
    assert "loop" in str(info.value)


def test_a_silent_server_times_out_with_a_clear_message(fake_dns):
    fake_dns.silent.add("slow.test")
    with pytest.raises(DnsError) as info:
        resolve("slow.test", timeout=0.5)
    assert info.value.reason == "timeout"
    assert "REPORTAL_DNS_SERVERS" in str(info.value)


def test_unknown_name(fake_dns):
    with pytest.raises(DnsError) as info:
        resolve("missing.test")
    assert info.value.reason == "nxdomain"


def test_name_without_addresses(fake_dns):
    fake_dns.add("mail-only.test", "MX", "10 mx.mail-only.test.")
    with pytest.raises(DnsError) as info:
        resolve("mail-only.test")
    assert info.value.reason == "no_address"


def test_a_chain_answered_in_one_response(fake_dns):
    fake_dns.chase = True
    fake_dns.add("www.shop.test", "CNAME", "edge.shop.test")
    fake_dns.add("edge.shop.test", "CNAME", "origin.hosting.test")
    fake_dns.add("origin.hosting.test", "A", "192.0.2.10")
    answer = resolve("www.shop.test")
    assert answer.cname_chain == ["edge.shop.test", "origin.hosting.test"] and answer.ipv4 == ["192.0.2.10"]
    assert ("edge.shop.test", "A") not in fake_dns.queries  # the resolver did not need to ask again


def test_a_loop_answered_in_one_response(fake_dns):
    fake_dns.chase = True
    fake_dns.add("a.loop.test", "CNAME", "b.loop.test")
    fake_dns.add("b.loop.test", "CNAME", "a.loop.test")
    with pytest.raises(DnsError) as info:
        resolve("a.loop.test", timeout=2)
    assert info.value.reason == "loop"
