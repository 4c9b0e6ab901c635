"""Shared test set-up: tasks run in-process unless a test starts a real worker; the network stays on loopback."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _loopback_only_settings(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.REPORTAL_RATE_LIMIT = "off"
    settings.REPORTAL_RATE_LIMIT_NO_JS = "off"
    settings.REPORTAL_STATUS_RATE_LIMIT = "off"
