"""Fixtures of the intake tests: a portal in Spanish and English, made directly (its pages are tested elsewhere)."""

from __future__ import annotations

import uuid

import pytest

from reportal.portals.models import Portal


def make_portal(slug: str = "gt", languages: list[str] | None = None, *, active: bool = True) -> Portal:
    return Portal.objects.create(
        slug=slug,
        name=f"Portal {slug}",
        display_name=f"Portal {slug.upper()}",
        country_code=slug.upper()[:2],
        languages=languages or ["es", "en"],
        active=active,
    )


@pytest.fixture
def portal(db) -> Portal:
    return make_portal()


@pytest.fixture(autouse=True)
def _own_rate_limit_counters(settings):
    """Counters start at zero in every test, also where REDIS_URL points the cache at a shared Redis: a fresh
    local cache (not Redis) sends reportal.ratelimit to its table, which each test's transaction rolls back."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": f"reports-{uuid.uuid4()}"}
    }
