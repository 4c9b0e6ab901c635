"""pytest fixtures around the fakes; import them in a conftest: `from tests.fakes.fixtures import *  # noqa: F403`.

`fake_world` wires settings to a fake DNS server, a fake RDAP server and generated MaxMind databases, and allows
the guarded fetcher to reach loopback:
  127.0.0.1        hosting in SV (El Salvador), AS64500 "Loopback Hosting SV", abuse@host-sv.example
  127.0.0.2        a CDN edge: AS13335 "Cloudflare", abuse@cdn.example
  127.0.0.3        hosting in DE, AS64501 "Loopback Hosting DE", abuse@host-de.example
  127.0.0.4        hosting in NZ (no rule: fallback), AS64502 "Loopback Hosting NZ", abuse@host-nz.example
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import ip_network

import pytest

from tests.fakes.dns_server import FakeDnsServer, running_dns
from tests.fakes.geoip_db import write_asn_db, write_country_db
from tests.fakes.rdap_server import FakeRdapServer, running_rdap
from tests.fakes.smtp_server import running_smtp
from tests.fakes.website import FakeWebsite, running_website

__all__ = ["FakeWorld", "fake_dns", "fake_rdap", "fake_smtp", "fake_website", "fake_world", "allow_loopback"]


@dataclass
class FakeWorld:
    dns: FakeDnsServer
    rdap: FakeRdapServer
    website: FakeWebsite
    country_db: str
    asn_db: str

    def host(self, name: str, ip: str = "127.0.0.1") -> str:
        """Point `name` at `ip` in the fake DNS; returns a URL base on the test web site's port."""
        self.dns.add(name, "A", ip)
        return f"http://{name}:{self.website.port}"


@pytest.fixture
def allow_loopback(settings):
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]


@pytest.fixture
def fake_dns(settings):
    for server in running_dns():
        settings.REPORTAL_DNS_SERVERS = [server.address]
        yield server


@pytest.fixture
def fake_rdap(settings):
    for server in running_rdap():
        settings.REPORTAL_RDAP_IP_URL = server.ip_url
        settings.REPORTAL_RDAP_DOMAIN_URL = server.domain_url
        yield server


@pytest.fixture
def fake_smtp(settings):
    """Django's SMTP backend pointed at a real SMTP server on loopback."""
    for server in running_smtp():
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = server.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 5
        yield server


@pytest.fixture
def fake_website():
    yield from running_website()


@pytest.fixture
def fake_world(settings, tmp_path, fake_dns, fake_rdap, fake_website, allow_loopback):
    settings.REPORTAL_FETCH_TIMEOUT = 3.0
    settings.REPORTAL_GEOIP_COUNTRY_DB = write_country_db(
        tmp_path / "country.mmdb",
        {"127.0.0.0/8": "SV", "127.0.0.2/32": "US", "127.0.0.3/32": "DE", "127.0.0.4/32": "NZ"},
    )
    settings.REPORTAL_GEOIP_ASN_DB = write_asn_db(
        tmp_path / "asn.mmdb",
        {
            "127.0.0.0/8": (64500, "Loopback Hosting SV"),
            "127.0.0.2/32": (13335, "Cloudflare"),
            "127.0.0.3/32": (64501, "Loopback Hosting DE"),
            "127.0.0.4/32": (64502, "Loopback Hosting NZ"),
        },
    )
    fake_rdap.add_network("127.0.0.4", "127.0.0.4", name="HOST-NZ", country="NZ", abuse="abuse@host-nz.example")
    fake_rdap.add_network("127.0.0.3", "127.0.0.3", name="HOST-DE", country="DE", abuse="abuse@host-de.example")
    fake_rdap.add_network("127.0.0.2", "127.0.0.2", name="CLOUDFLARENET", country="US", abuse="abuse@cdn.example")
    fake_rdap.add_network("127.0.0.0", "127.255.255.255", name="HOST-SV", country="SV", abuse="abuse@host-sv.example")
    yield FakeWorld(
        dns=fake_dns,
        rdap=fake_rdap,
        website=fake_website,
        country_db=settings.REPORTAL_GEOIP_COUNTRY_DB,
        asn_db=settings.REPORTAL_GEOIP_ASN_DB,
    )
