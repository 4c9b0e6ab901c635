"""HTTPS through the guarded fetcher: it connects to the checked address yet verifies the certificate for the name."""

from __future__ import annotations

import functools
import ssl

import httpx
import pytest

from reportal.net import fetch as fetch_module
from reportal.net.errors import FetchError
from tests.fakes.tls import HttpsSite, make_ca_and_leaf


@pytest.fixture
def https_site(tmp_path, monkeypatch, fake_dns, allow_loopback):
    ca_file, leaf_file = make_ca_and_leaf(tmp_path, "secure.test")
    # Trust the test CA instead of the public ones; everything else about the client stays as the fetcher builds it.
    trusting = functools.partial(httpx.Client, verify=ssl.create_default_context(cafile=str(ca_file)))
    monkeypatch.setattr(
        fetch_module.httpx, "Client", lambda **kw: trusting(**{k: v for k, v in kw.items() if k != "verify"})
    )
    site = HttpsSite(leaf_file).start()
    fake_dns.add("secure.test", "A", "127.0.0.1")
    fake_dns.add("impostor.test", "A", "127.0.0.1")
    yield site
    site.stop()


def test_certificate_is_checked_against_the_host_name_not_the_address(https_site):
    result = fetch_module.fetch(f"https://secure.test:{https_site.port}/")
    assert result.status == 200 and result.address == "127.0.0.1"


def test_a_certificate_for_another_name_is_refused(https_site):
    with pytest.raises(FetchError) as info:
        fetch_module.fetch(f"https://impostor.test:{https_site.port}/")
    assert "impostor.test" in str(info.value) or "certificate" in str(info.value).lower()
