"""Numbered publications: what a version holds and what changed between two versions."""

from __future__ import annotations

import secrets

from django.db import IntegrityError, models, transaction
from django.db.models import Q, QuerySet

from reportal.lists.models import Keyword, ListEntry, ListKind, Publication

LIST_MODELS: dict[str, type[ListEntry] | type[Keyword]] = {ListKind.URLS: ListEntry, ListKind.KEYWORDS: Keyword}


def model_for(kind: str) -> type[models.Model]:
    try:
        return LIST_MODELS[kind]
    except KeyError:
        raise ValueError(f"Unknown list {kind!r}; use one of: {', '.join(LIST_MODELS)}.") from None


def latest(kind: str) -> Publication | None:
    return Publication.objects.filter(kind=kind).order_by("-version").first()


def latest_version(kind: str) -> int:
    return Publication.objects.filter(kind=kind).aggregate(v=models.Max("version"))["v"] or 0


def publication(kind: str, version: int) -> Publication | None:
    return Publication.objects.filter(kind=kind, version=version).first()


def has_changes(kind: str) -> bool:
    return _pending_additions(kind).exists() or _pending_removals(kind).exists()


def _pending_additions(kind: str) -> QuerySet:
    return model_for(kind)._default_manager.filter(active=True, added_version__isnull=True)


def _pending_removals(kind: str) -> QuerySet:
    return model_for(kind)._default_manager.filter(
        active=False, removed_version__isnull=True, added_version__isnull=False
    )


def publish(kind: str = ListKind.URLS, *, trigger: str = "manual", only_if_changed: bool = False) -> Publication | None:
    """Publish the next version of a list now: two UPDATEs stamp what joined and what left since the last one.

    With only_if_changed (the schedule), nothing is published when nothing changed; returns None then.
    """
    for attempt in range(2):
        try:
            with transaction.atomic():
                last = Publication.objects.select_for_update().filter(kind=kind).order_by("-version").first()
                if only_if_changed and not has_changes(kind):
                    return None
                version = (last.version if last else 0) + 1
                added = _pending_additions(kind).update(added_version=version)
                removed = _pending_removals(kind).update(removed_version=version)
                published = Publication.objects.create(
                    kind=kind,
                    version=version,
                    token=secrets.token_hex(8),
                    trigger=trigger[:16],
                    entry_count=(last.entry_count if last else 0) + added - removed,
                    added_count=added,
                    removed_count=removed,
                )
            break
        except IntegrityError:
            # Another process published the same version number first (the very first publication on PostgreSQL).
            if attempt:
                raise
    from reportal.lists import matcher

    # This process asks for the new version at its next look-up (again once committed, for other threads).
    matcher.invalidate()
    transaction.on_commit(matcher.invalidate)
    return published


def rows_at(kind: str, version: int) -> QuerySet:
    """Every row on the list at `version` (version 0 is the empty list)."""
    return (
        model_for(kind)
        ._default_manager.filter(added_version__lte=version)
        .filter(Q(removed_version__isnull=True) | Q(removed_version__gt=version))
        .order_by("pk")
    )


def rows_added(kind: str, since: int, version: int) -> QuerySet:
    """Rows on the list at `version` that were not on it at `since`."""
    return (
        model_for(kind)
        ._default_manager.filter(added_version__gt=since, added_version__lte=version)
        .filter(Q(removed_version__isnull=True) | Q(removed_version__gt=version))
        .order_by("pk")
    )


def rows_removed(kind: str, since: int, version: int) -> QuerySet:
    """Rows on the list at `since` that are no longer on it at `version`."""
    return (
        model_for(kind)
        ._default_manager.filter(removed_version__gt=since, removed_version__lte=version, added_version__lte=since)
        .order_by("pk")
    )
