"""Tracing an address through the fake world: hosting, CDN, contacts, and clear errors."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from reportal.tracing.models import Trace
from reportal.tracing.services import trace_item, trace_url
from tests.fakes.items import make_item

pytestmark = pytest.mark.django_db


def test_trace_finds_country_network_and_abuse_contacts(fake_world):
    base = fake_world.host("site.test", "127.0.0.1")
    fake_world.rdap.add_domain("site.test", registrar="Test Registrar", abuse="abuse@registrar.example")
    result = trace_url(f"{base}/gallery/1")
    assert result.ok, result.errors
    assert result.ips[0]["ip"] == "127.0.0.1"
    assert result.hosting_country == "SV"
    assert result.hosting_asn == 64500 and result.hosting_network == "Loopback Hosting SV"
    assert result.ip_abuse_emails == ["abuse@host-sv.example"]
    assert result.registrar == "Test Registrar"
    assert result.domain_abuse_emails == ["abuse@registrar.example"]
    assert result.cdn == ""


def test_cdn_by_network(fake_world):
    base = fake_world.host("cdn-fronted.test", "127.0.0.2")
    result = trace_url(f"{base}/x")
    assert result.cdn == "cloudflare" and result.cdn_name == "Cloudflare"
    assert result.ip_abuse_emails == ["abuse@cdn.example"]


def test_cdn_by_cname_suffix(fake_world):
    fake_world.dns.add("www.shop.test", "CNAME", "shop.test.cdn.cloudflare.net")
    fake_world.dns.add("shop.test.cdn.cloudflare.net", "A", "127.0.0.1")
    result = trace_url("http://www.shop.test/")
    assert result.cname_chain == ["shop.test.cdn.cloudflare.net"]
    assert result.cdn == "cloudflare"


def test_dns_loop_is_a_trace_error(fake_world):
    fake_world.dns.add("a.loop.test", "CNAME", "b.loop.test")
    fake_world.dns.add("b.loop.test", "CNAME", "a.loop.test")
    result = trace_url("http://a.loop.test/")
    assert result.error_code == "dns_loop"
    assert "loops" in result.errors[0]


def test_dns_timeout_is_a_trace_error(fake_world):
    fake_world.dns.silent.add("slow.test")
    result = trace_url("http://slow.test/", timeout=0.5)
    assert result.error_code == "dns_timeout"


def test_malformed_rdap_is_a_trace_error_and_the_rest_is_kept(fake_world):
    base = fake_world.host("site.test")
    fake_world.rdap.raw["/domain/site.test"] = b"<html>oops</html>"
    item = make_item(f"{base}/p")
    trace = trace_item(item)
    assert trace.error_code == "rdap_malformed"
    assert "not valid JSON" in trace.error
    assert trace.hosting_country == "SV" and trace.ip_abuse_emails == ["abuse@host-sv.example"]
    assert not trace.rdap_pending


def test_rdap_unreachable_marks_the_trace_pending(fake_world):
    base = fake_world.host("site.test")
    fake_world.rdap.broken = True
    trace = trace_item(make_item(f"{base}/p"))
    assert trace.error_code == "rdap_unreachable" and trace.rdap_pending
    assert trace.abuse_emails == []


def test_each_trace_is_kept_with_its_time(fake_world):
    base = fake_world.host("moving.test", "127.0.0.1")
    item = make_item(f"{base}/p")
    first = trace_item(item)
    fake_world.dns.clear("moving.test")
    fake_world.dns.add("moving.test", "A", "127.0.0.3")
    second = trace_item(item, purpose="monitor")
    assert [t.hosting_country for t in Trace.objects.filter(item=item).order_by("at", "pk")] == ["SV", "DE"]
    assert second.at >= first.at


def test_trace_command_prints_the_trace(fake_world, capsys):
    base = fake_world.host("site.test")
    call_command("trace", f"{base}/p")
    out = capsys.readouterr().out
    assert "Hosting country: SV" in out
    assert "abuse@host-sv.example" in out
    call_command("trace", "--json", f"{base}/p")
    assert json.loads(capsys.readouterr().out)["hosting_asn"] == 64500


def test_a_private_address_is_named_and_not_looked_up(fake_world, settings):
    settings.REPORTAL_FETCH_ALLOW = []
    fake_world.dns.add("intranet.test", "A", "10.1.2.3")
    result = trace_url("http://intranet.test/")
    assert result.error_code == "private_address" and "10.1.2.3" in result.errors[0]
    assert not any(p.startswith("/ip/") for p in fake_world.rdap.requests)
