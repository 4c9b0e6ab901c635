"""Celery tasks of the lists stage: thin wrappers over services."""

from __future__ import annotations

from celery import shared_task

from reportal.lists import feeds, services
from reportal.lists.models import ListKind


@shared_task(name="lists.publish")
def publish_lists() -> dict[str, int | None]:
    """The scheduled publication (twice a day by default): a new version of each list that changed."""
    versions: dict[str, int | None] = {}
    for kind in (ListKind.URLS, ListKind.KEYWORDS):
        published = services.publish(kind, trigger="schedule", only_if_changed=True)
        versions[kind] = published.version if published else None
        if published:
            feeds.warm(kind)
    feeds.prune()
    return versions
