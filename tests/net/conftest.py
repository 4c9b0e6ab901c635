from __future__ import annotations

from ipaddress import ip_network

import pytest

from tests.fakes.dns_server import running_dns
from tests.fakes.website import running_website


@pytest.fixture
def website():
    yield from running_website()


@pytest.fixture
def fake_dns(settings):
    for server in running_dns():
        settings.REPORTAL_DNS_SERVERS = [server.address]
        yield server


@pytest.fixture
def allow_loopback(settings):
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]
