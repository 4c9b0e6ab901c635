"""Rate limits: engage after the limit, count exactly across concurrent workers, rotate the client key daily."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import RequestFactory

from reportal import ratelimit
from reportal.ratelimit import RateLimit, client_digest, hit, is_limited, parse_limit
from reportal.reports.models import RateLimitCounter


def request_from(address: str, **headers):
    return RequestFactory().post("/api/v1/reports", REMOTE_ADDR=address, **headers)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("20/h", RateLimit(20, 3600)),
        ("5/m", RateLimit(5, 60)),
        ("100/10m", RateLimit(100, 600)),
        ("1000/d", RateLimit(1000, 86400)),
        (" 3 / S ", RateLimit(3, 1)),
        ("off", None),
        ("OFF", None),
        ("", None),
    ],
)
def test_parse_limit(rule, expected) -> None:
    assert parse_limit(rule) == expected


@pytest.mark.parametrize("rule", ["20", "20/w", "0/h", "-1/h", "x/h", "20/0m", "20 per hour"])
def test_bad_rules_say_how_to_write_one(rule) -> None:
    with pytest.raises(ValueError, match="for example 20/h"):
        parse_limit(rule)


def test_limit_engages_per_client_and_bucket(db) -> None:
    alice, bob = request_from("203.0.113.5"), request_from("203.0.113.6")
    assert [hit("reports", alice, "3/h") for _ in range(4)] == [True, True, True, False]
    assert hit("reports", bob, "3/h") is True
    assert hit("status", alice, "3/h") is True
    assert hit("reports", alice, "off") is True


def test_the_raw_address_is_never_stored(db) -> None:
    for _ in range(3):
        hit("reports", request_from("203.0.113.77"), "10/h")
    keys = list(RateLimitCounter.objects.values_list("key", flat=True))
    assert keys and not any("203.0.113" in k for k in keys)


def test_the_client_key_rotates_daily(db, monkeypatch) -> None:
    request = request_from("203.0.113.8")
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    assert client_digest(request, monday) == client_digest(request_from("203.0.113.8"), monday)
    assert client_digest(request, monday) != client_digest(request, tuesday)
    assert client_digest(request, monday) != client_digest(request_from("203.0.113.9"), monday)

    day_one = datetime(2026, 3, 2, 23, 59, tzinfo=UTC)
    monkeypatch.setattr(ratelimit.timezone, "now", lambda: day_one)
    assert [hit("reports", request, "2/d") for _ in range(3)] == [True, True, False]
    monkeypatch.setattr(ratelimit.timezone, "now", lambda: day_one + timedelta(minutes=2))
    assert hit("reports", request, "2/d") is True


def test_a_proxy_header_names_the_client_when_configured(db, settings) -> None:
    settings.REPORTAL_CLIENT_ADDRESS_HEADER = "X-Forwarded-For"
    via_proxy = request_from("10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.10")
    assert client_digest(via_proxy) == client_digest(request_from("10.0.0.3", HTTP_X_FORWARDED_FOR="203.0.113.10"))
    settings.REPORTAL_CLIENT_ADDRESS_HEADER = ""
    assert client_digest(via_proxy) == client_digest(request_from("10.0.0.2"))


def test_key_based_limits_for_members(db) -> None:
    assert [is_limited("member:7", "2/m") for _ in range(3)] == [False, False, True]
    decision = hit("hashes:member:8", "1/m")
    assert decision and not decision.limited
    assert hit("hashes:member:8", "1/m").limited


def test_limit_engages_with_redis(db, redis_cache) -> None:
    alice = request_from("203.0.113.5")
    assert [hit("reports", alice, "3/h") for _ in range(4)] == [True, True, True, False]
    assert hit("reports", request_from("203.0.113.6"), "3/h") is True
    assert RateLimitCounter.objects.count() == 0  # counted in Redis, not in the table


def test_redis_counts_are_exact_under_concurrent_requests(db, redis_cache) -> None:
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            result = hit("reports", request_from("203.0.113.51"), "100/h")
            with lock:
                allowed.append(result)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 100 and len(allowed) == 200
