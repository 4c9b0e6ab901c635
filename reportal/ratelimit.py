"""Rate limits that never see a client's address twice in the same form.

A client is counted under HMAC-SHA256(its address) keyed with a salt derived from SECRET_KEY and the current
UTC date, so the key rotates daily and the raw address is neither stored nor logged. Counts are fixed windows:
with Redis (REDIS_URL) in the cache through its atomic INCR, otherwise in a small table through an atomic
UPDATE ... SET count = count + 1, which is correct across any number of gunicorn workers on SQLite and PostgreSQL.

When Redis is unreachable the limits degrade open but bounded: each process counts in its own memory (so a
client gets at most the limit per process and window) and tries Redis again after a short pause. Refusing every
report while the cache is down would turn a cache outage into an outage of the portal.

Rules are strings such as "20/h", "5/m", "100/10m", "1000/d" or "off".
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import F, Manager, Model
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RULE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|m|h|d)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class RateLimit:
    count: int
    seconds: int


@dataclass(frozen=True)
class Decision:
    """The answer of the key-based form `hit(key, rule)`: truthy when allowed."""

    allowed: bool
    count: int

    @property
    def limited(self) -> bool:
        return not self.allowed

    def __bool__(self) -> bool:
        return self.allowed


@lru_cache(maxsize=64)
def parse_limit(rule: str) -> RateLimit | None:
    """'20/h' -> RateLimit(20, 3600); 'off' (or empty) -> None. A bad rule raises ValueError naming the format."""
    if not rule or rule.strip().lower() == "off":
        return None
    match = _RULE.match(rule)
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{rule!r} is not a rate limit: write <count>/<s|m|h|d>, for example 20/h, or off.")
    multiplier = int(match.group(2) or "1")
    if multiplier < 1:
        raise ValueError(f"{rule!r} is not a rate limit: the period must be at least 1, for example 20/h.")
    return RateLimit(int(match.group(1)), multiplier * _UNITS[match.group(3).lower()])


def client_address(request: HttpRequest) -> str:
    """The client's address as the server sees it; used only as HMAC input, never stored or logged.

    Behind a reverse proxy, REPORTAL_CLIENT_ADDRESS_HEADER names the header it sets (its last value is used).
    """
    header = getattr(settings, "REPORTAL_CLIENT_ADDRESS_HEADER", "")
    if header:
        value = request.headers.get(header, "")
        if value:
            return value.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def daily_salt(day: date) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"reportal.ratelimit:" + day.isoformat().encode(), "sha256").digest()


def client_digest(request: HttpRequest, day: date | None = None) -> str:
    """HMAC of the client's address under today's salt (UTC): the same all day, unlinkable across days."""
    day = day or timezone.now().astimezone(UTC).date()
    return hmac.new(daily_salt(day), client_address(request).encode(), hashlib.sha256).hexdigest()


def hit(bucket: str, request: HttpRequest | str, limit: str | None = None) -> bool | Decision:
    """Count one request of this client in `bucket`; True while within `limit`, False once over it.

    The key-based form `hit(key, limit)` counts a principal that is not a client address (a member's API key)
    and returns a Decision (truthy when allowed, `.limited` when not).
    """
    if limit is None:
        if not isinstance(request, str):
            raise TypeError("hit(bucket, request, limit) needs a limit such as '20/h' or 'off'.")
        rule = parse_limit(request)
        if rule is None:
            return Decision(True, 0)
        count = _consume(f"k:{bucket}", rule)
        return Decision(count <= rule.count, count)
    rule = parse_limit(limit)
    if rule is None:
        return True
    assert not isinstance(request, str)
    return _consume(f"c:{bucket}:{client_digest(request)}", rule) <= rule.count


def is_limited(key: str, limit: str) -> bool:
    """Count one request for `key` (not a client address: a member, a staff user); True once over `limit`."""
    rule = parse_limit(limit)
    if rule is None:
        return False
    return _consume(f"k:{key}", rule) > rule.count


def _window(rule: RateLimit, now: datetime) -> tuple[int, datetime]:
    start = int(now.timestamp()) // rule.seconds * rule.seconds
    return start, datetime.fromtimestamp(start + rule.seconds, tz=UTC)


def _consume(key: str, rule: RateLimit) -> int:
    """Add one to the counter of the current window of `key` and return the new count."""
    now = timezone.now()
    start, expires_at = _window(rule, now)
    window_key = f"rl:{key}:{rule.seconds}:{start}"
    if _uses_redis():
        if _fallback.cache_down():
            return _fallback.consume(window_key, expires_at.timestamp())
        try:
            return _consume_in_cache(window_key, expires_at, now)
        except Exception as exc:  # noqa: BLE001 - redis-py raises ConnectionError, TimeoutError, OSError, ...
            _fallback.cache_failed(exc)
            return _fallback.consume(window_key, expires_at.timestamp())
    return _consume_in_table(window_key, expires_at, now)


def _consume_in_cache(window_key: str, expires_at: datetime, now: datetime) -> int:
    timeout = max(1, int((expires_at - now).total_seconds()) + 1)
    cache.add(window_key, 0, timeout=timeout)
    try:
        return int(cache.incr(window_key))
    except ValueError:  # expired between add and incr
        cache.add(window_key, 1, timeout=timeout)
        return 1


class _InProcessCounters:
    """Fixed-window counters in this process's memory, used only while the shared cache is unreachable."""

    RETRY_SECONDS = 5.0  # how long to count locally before asking the cache again
    MAX_KEYS = 100_000  # bounded memory: about 10 MB of keys at most, whatever a flood of clients does

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}
        self._down_until = 0.0
        self._last_warning = 0.0

    def cache_down(self) -> bool:
        return time.monotonic() < self._down_until

    def cache_failed(self, exc: Exception) -> None:
        now = time.monotonic()
        self._down_until = now + self.RETRY_SECONDS
        if now - self._last_warning > 60:
            self._last_warning = now
            logger.warning(
                "Rate limits: the cache is unreachable (%s); counting in this process until it is back. "
                "Check REDIS_URL and that Redis runs (reportal doctor).",
                type(exc).__name__,
            )

    def consume(self, window_key: str, expires_at: float) -> int:
        wall = time.time()
        with self._lock:
            if len(self._counts) >= self.MAX_KEYS:
                self._counts = {k: v for k, v in self._counts.items() if v[1] > wall}
                if len(self._counts) >= self.MAX_KEYS:  # all live: forget the oldest half rather than grow
                    self._counts = dict(list(self._counts.items())[self.MAX_KEYS // 2 :])
            count, _expiry = self._counts.get(window_key, (0, expires_at))
            self._counts[window_key] = (count + 1, expires_at)
            return count + 1


_fallback = _InProcessCounters()


def _uses_redis() -> bool:
    return "redis" in str(settings.CACHES.get("default", {}).get("BACKEND", "")).lower()


# The counter table (reports.RateLimitCounter) is handed over by the reports app when Django starts
# (ReportsConfig.ready): every app imports this module, so it imports none of them.
_counter_table: type[Model] | None = None


def use_counter_table(model: type[Model]) -> None:
    global _counter_table
    _counter_table = model


def _counters() -> Manager[Model]:
    if _counter_table is None:
        raise ImproperlyConfigured("Rate limits have no counter table: add reportal.reports to INSTALLED_APPS.")
    return _counter_table._default_manager


def _consume_in_table(window_key: str, expires_at: datetime, now: datetime) -> int:
    counters = _counters()
    key = hashlib.sha256(window_key.encode()).hexdigest() if len(window_key) > 200 else window_key
    with transaction.atomic():
        if not counters.filter(key=key).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    counters.create(key=key, count=1, expires_at=expires_at)
                count = 1
            except IntegrityError:  # another worker created it first; its row is ours to increment now
                counters.filter(key=key).update(count=F("count") + 1)
                count = counters.filter(key=key).values_list("count", flat=True).get()
        else:
            count = counters.filter(key=key).values_list("count", flat=True).get()
    if random.random() < 0.01:  # expired windows go away now and then, without a scheduled job
        counters.filter(expires_at__lt=now - timedelta(seconds=1)).delete()
    return count
