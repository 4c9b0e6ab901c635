"""Rate limits with their Redis cache down: reports are still accepted, and a client is still held to its limit
(counted in the process until Redis is back), instead of every report answering 500."""

from __future__ import annotations

import json

from reportal import ratelimit
from reportal.reports.models import Report

URL = "/api/v1/reports"


def post(client, **headers):
    body = {"portal": "gt", "urls": ["https://abuse.example/p"], "seen_on": "social"}
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_reports_are_accepted_and_still_limited_while_redis_is_down(
    client, portal, settings, private_redis, monkeypatch
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": private_redis.url(3),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    monkeypatch.setattr(ratelimit, "_fallback", ratelimit._InProcessCounters())
    settings.REPORTAL_RATE_LIMIT_NO_JS = "3/h"
    assert post(client).status_code == 201  # counted in Redis
    private_redis.stop()

    # Open, but bounded: this process counts afresh and holds the client to the same limit.
    answers = [post(client).status_code for _ in range(4)]
    assert answers == [201, 201, 201, 429]
    assert post(client, REMOTE_ADDR="198.51.100.9").status_code == 201  # another client has its own allowance
    assert Report.objects.count() == 5

    private_redis.start()
    monkeypatch.setattr(ratelimit._InProcessCounters, "RETRY_SECONDS", 0.0)
    ratelimit._fallback._down_until = 0.0
    assert post(client, REMOTE_ADDR="198.51.100.10").status_code == 201  # back on Redis
    from django.core.cache import cache

    assert any(key for key in cache._cache.get_client().scan_iter("*rl:*"))
