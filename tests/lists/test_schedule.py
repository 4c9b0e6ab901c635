"""Scheduled publication: twice a day by default through Celery beat, configurable, skipping when unchanged."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from reportal.lists import services
from reportal.lists.models import Publication
from reportal.lists.tasks import publish_lists

pytestmark = pytest.mark.django_db


def test_beat_runs_the_publication_at_the_configured_hours():
    entry = django_settings.CELERY_BEAT_SCHEDULE["lists-publish"]
    assert entry["task"] == "lists.publish"
    assert entry["schedule"].hour == {6, 18}


def test_hours_come_from_the_environment(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import reportal.settings as settings_module

    monkeypatch.setenv("REPORTAL_LIST_PUBLISH_HOURS", "1,9,17")
    try:
        reloaded = importlib.reload(settings_module)
        assert reloaded.CELERY_BEAT_SCHEDULE["lists-publish"]["schedule"].hour == {1, 9, 17}
        monkeypatch.setenv("REPORTAL_LIST_PUBLISH_HOURS", "25")
        with pytest.raises(ImproperlyConfigured, match="REPORTAL_LIST_PUBLISH_HOURS"):
            importlib.reload(settings_module)
    finally:
        monkeypatch.delenv("REPORTAL_LIST_PUBLISH_HOURS")
        importlib.reload(settings_module)


def test_scheduled_task_publishes_what_changed_only():
    services.add_entry("http://a.example.test/", "url")
    assert publish_lists.delay().get() == {"urls": 1, "keywords": None}
    assert publish_lists.delay().get() == {"urls": None, "keywords": None}
    services.add_keyword("term", "en")
    assert publish_lists.delay().get() == {"urls": None, "keywords": 1}
    assert list(Publication.objects.values_list("kind", "version", "trigger")) == [
        ("keywords", 1, "schedule"),
        ("urls", 1, "schedule"),
    ]


def test_old_rendered_feeds_are_pruned():
    from reportal.lists import feeds

    for i in range(6):
        services.add_entry(f"http://p{i}.example.test/", "url")
        publish_lists.delay().get()
    kept = sorted({int(p.name.split("-v")[1].split("-")[0]) for p in feeds.cache_dir().iterdir()})
    assert kept == [3, 4, 5, 6]
    assert feeds.feed("urls", "json", version=2).body()  # an older version renders again on demand
