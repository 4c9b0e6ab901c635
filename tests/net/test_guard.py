"""The SSRF rule: which destinations the network layer may reach."""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from reportal.net.errors import FetchError, FetchRefused
from reportal.net.guard import check_url, is_allowed_address


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # CGNAT
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "198.18.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
        "2002:7f00:1::",  # 6to4 wrapping 127.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "not an address",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert is_allowed_address(address) is False


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert is_allowed_address(address) is True


def test_allow_list_opens_a_private_range(settings):
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]
    assert is_allowed_address("127.0.0.5") is True
    assert is_allowed_address("10.0.0.1") is False


@pytest.mark.parametrize(
    "url",
    ["ftp://example.test/x", "file:///etc/passwd", "http://user:pw@8.8.8.8/", "http:///nohost", "http://[::1/"],
)
def test_bad_urls_are_refused_with_a_reason(url):
    with pytest.raises(FetchRefused) as info:
        check_url(url)
    assert str(info.value)


def test_literal_private_ip_is_refused_without_dns():
    with pytest.raises(FetchRefused, match="REPORTAL_FETCH_ALLOW"):
        check_url("http://169.254.169.254/latest/meta-data/")


def test_name_resolving_to_loopback_is_refused(fake_dns):
    fake_dns.add("rebind.test", "A", "127.0.0.1")
    with pytest.raises(FetchRefused, match="127.0.0.1"):
        check_url("http://rebind.test/")


def test_name_mixing_public_and_private_answers_is_refused(fake_dns):
    fake_dns.add("mixed.test", "A", "93.184.216.34")
    fake_dns.add("mixed.test", "A", "10.0.0.7")
    with pytest.raises(FetchRefused, match="10.0.0.7"):
        check_url("http://mixed.test/")


def test_unknown_name_is_a_dns_error_not_a_refusal(fake_dns):
    with pytest.raises(FetchError) as info:
        check_url("http://nowhere.test/")
    assert info.value.reason == "dns"
    assert not isinstance(info.value, FetchRefused)


def test_public_name_passes_with_its_addresses(fake_dns):
    fake_dns.add("public.test", "A", "93.184.216.34")
    checked = check_url("https://public.test/page")
    assert checked.addresses == ("93.184.216.34",)
    assert checked.port == 443
