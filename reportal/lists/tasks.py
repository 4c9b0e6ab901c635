"""Celery tasks of the lists stage: thin wrappers over services."""

from __future__ import annotations

from celery import shared_task

from reportal.lists import feeds, services
from reportal.lists.models import ListKind
from reportal.pipeline.services import Work, actor, receiver


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


# --- hand-off receivers (reportal/pipeline/registry.py): each idempotent, one active entry per address ------------


@receiver("lists.enter_confirmed")
def enter_confirmed(work: Work) -> None:
    """Hand-off item.confirmed -> lists: the entry in the decided scope, unless the item is no longer confirmed
    by the time this runs (overturned or removed meanwhile: its own hand-off ended the entry)."""
    from reportal.reports.services import get_item, is_confirmed

    item = get_item(work.subject_id)
    if item is None or not is_confirmed(item):
        return
    services.on_confirmed(
        item, scope=work.payload.get("scope", "url"), category=work.payload.get("category", ""), actor=actor(work)
    )


@receiver("lists.end_overturned")
def end_overturned(work: Work) -> None:
    """Hand-off item.overturned -> lists: a senior found the item not actionable; its entry ends."""
    _end(work)


@receiver("lists.end_removed")
def end_removed(work: Work) -> None:
    """Hand-off item.removed -> lists: monitoring found the content gone; its entry ends."""
    _end(work)


@receiver("lists.reenter_reappeared")
def reenter_reappeared(work: Work) -> None:
    """Hand-off item.reappeared -> lists: the content is back; the entry starts a new period."""
    from reportal.reports.services import get_item, is_confirmed

    item = get_item(work.subject_id)
    if item is not None and is_confirmed(item):  # not removed again (or overturned) meanwhile
        services.on_reappeared(item)


def _end(work: Work) -> None:
    from reportal.reports.services import get_item, is_confirmed

    item = get_item(work.subject_id)
    if item is not None and not is_confirmed(item):  # not confirmed again (or back online) meanwhile
        services.on_removed(item)
