"""Benchmark of the network layer on loopback fakes: the guarded fetcher beside a plain httpx.get (what a developer
would write without the guard), and a full hosting trace with a cold and a warm RDAP cache.

    python bench/bench_trace.py            # 300 fetches, 100 traces
    python bench/bench_trace.py --quick    # 50 fetches, 20 traces

Everything runs on 127.0.0.1: a fake DNS server, a fake RDAP server, generated MaxMind databases and a test site.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from ipaddress import ip_network
from pathlib import Path


def _median_ms(samples: list[float]) -> str:
    p90 = sorted(samples)[int(len(samples) * 0.9)]
    return f"{statistics.median(samples) * 1000:7.2f} ms median, {p90 * 1000:7.2f} ms p90"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    fetches, traces = (50, 20) if args.quick else (300, 100)

    data_dir = tempfile.mkdtemp(prefix="bench-trace-")
    os.environ.setdefault("REPORTAL_DATA_DIR", data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportal.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    import httpx
    from django.conf import settings
    from django.core.management import call_command

    from reportal.net.fetch import fetch
    from reportal.tracing.models import RdapCacheEntry
    from reportal.tracing.services import trace_url
    from tests.fakes.dns_server import FakeDnsServer
    from tests.fakes.geoip_db import write_asn_db, write_country_db
    from tests.fakes.rdap_server import FakeRdapServer
    from tests.fakes.website import FakeWebsite

    call_command("migrate", verbosity=0)
    site, dns, rdap = FakeWebsite().start(), FakeDnsServer().start(), FakeRdapServer().start()
    try:
        settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]
        settings.REPORTAL_DNS_SERVERS = [dns.address]
        settings.REPORTAL_RDAP_IP_URL, settings.REPORTAL_RDAP_DOMAIN_URL = rdap.ip_url, rdap.domain_url
        settings.REPORTAL_GEOIP_COUNTRY_DB = write_country_db(Path(data_dir) / "c.mmdb", {"127.0.0.0/8": "SV"})
        settings.REPORTAL_GEOIP_ASN_DB = write_asn_db(Path(data_dir) / "a.mmdb", {"127.0.0.0/8": (64500, "Bench")})
        dns.add("bench.test", "A", "127.0.0.1")
        rdap.add_network("127.0.0.0", "127.255.255.255", name="BENCH", country="SV", abuse="abuse@bench.example")
        rdap.add_domain("bench.test", registrar="Bench Registrar", abuse="abuse@registrar.example")
        site.set("/page", "<html><body>" + "x" * 20_000 + "</body></html>")

        plain, reused, guarded, guarded_name = [], [], [], []
        shared_client = httpx.Client(trust_env=False)
        for _ in range(fetches):
            start = time.perf_counter()
            httpx.get(site.url("/page"), trust_env=False)
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            shared_client.get(site.url("/page"))
            reused.append(time.perf_counter() - start)
            start = time.perf_counter()
            fetch(site.url("/page"))
            guarded.append(time.perf_counter() - start)
            start = time.perf_counter()
            fetch(f"http://bench.test:{site.port}/page")
            guarded_name.append(time.perf_counter() - start)

        cold, warm = [], []
        for _ in range(traces):
            RdapCacheEntry.objects.all().delete()
            start = time.perf_counter()
            assert trace_url(f"http://bench.test:{site.port}/page").ok
            cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            trace_url(f"http://bench.test:{site.port}/page")
            warm.append(time.perf_counter() - start)
    finally:
        site.stop()
        dns.stop()
        rdap.stop()

    print(f"20 KB page over loopback, {fetches} requests each")
    print(f"  plain httpx.get (no guard)              {_median_ms(plain)}")
    print(f"  one reused httpx.Client (no guard)      {_median_ms(reused)}")
    print(f"  guarded fetch, IP literal                {_median_ms(guarded)}")
    print(f"  guarded fetch, name via DNS + re-check   {_median_ms(guarded_name)}")
    print(f"hosting trace (DNS, GeoIP, CDN, RDAP for network and domain), {traces} traces each")
    print(f"  RDAP cache cold (2 RDAP requests)        {_median_ms(cold)}")
    print(f"  RDAP cache warm (table look-ups)         {_median_ms(warm)}")


if __name__ == "__main__":
    main()
