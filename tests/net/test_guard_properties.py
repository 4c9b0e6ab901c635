"""Property tests of the SSRF rule over open-ended input."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from reportal.net.errors import FetchRefused
from reportal.net.guard import is_allowed_address, split_url

PRIVATE_V4 = [
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "224.0.0.0/4",
        "0.0.0.0/8",
    )
]


@given(st.sampled_from(PRIVATE_V4), st.integers(min_value=0, max_value=2**32 - 1))
def test_no_address_in_a_private_range_is_allowed(network, offset):
    address = network.network_address + (offset % network.num_addresses)
    assert not is_allowed_address(address)
    assert not is_allowed_address(f"::ffff:{address}")  # nor the same address wrapped in IPv6


@given(st.ip_addresses())
def test_allowed_addresses_are_always_global_unicast(address):
    if is_allowed_address(address):
        assert address.is_global and not address.is_multicast


@given(st.text(max_size=200))
def test_any_text_is_either_split_or_refused_with_a_reason(text):
    try:
        scheme, host, port = split_url(text)
    except FetchRefused as exc:
        assert str(exc)
    else:
        assert scheme in ("http", "https") and host and 0 <= port <= 65535
