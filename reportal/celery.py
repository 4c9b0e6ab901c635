"""The Celery app: one for web and workers; the broker comes from CELERY_BROKER_URL."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportal.settings")

app = Celery("reportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
