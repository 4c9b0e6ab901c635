"""Shared test set-up: tasks run in-process unless a test starts a real worker; the network stays on loopback."""

from __future__ import annotations

import pytest

from reportal.celery import app as celery_app

# Browser fixtures are defined once, here: Playwright's sync API allows one running instance per thread, so a
# session-wide browser must not be redefined by a module or a folder's conftest.
from tests.browser import browser, compressed_live_server, page, page_no_js  # noqa: F401, E402
from tests.fakes.redis_server import private_redis, redis_cache  # noqa: F401, E402


@pytest.fixture(autouse=True)
def _loopback_only_settings(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REPORTAL_RATE_LIMIT = "off"
    settings.REPORTAL_RATE_LIMIT_NO_JS = "off"
    settings.REPORTAL_STATUS_RATE_LIMIT = "off"


@pytest.fixture(autouse=True)
def _celery_eager():
    """Celery caches its configuration on first use, so the settings fixture alone would not reach it."""
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates)
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and matcher versions live in the cache; Redis (scale-out run) outlives each test's rollback."""
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception:  # noqa: BLE001 - the database cache has no table outside tests that use the database
        pass
    yield


@pytest.fixture(autouse=True)
def _english_unless_asked():
    """Each test starts in the default language, as each request would: no language left over from another test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()
