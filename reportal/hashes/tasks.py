"""Celery tasks of the hashes stage: thin wrappers over the services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from reportal.hashes import exchanges, matcher


@shared_task(name="hashes.merge_index")
def merge_index() -> dict[str, Any]:
    """Periodic (beat): fold the matchers' side buffers into a new persisted index, which processes then load."""
    return matcher.build_index()


@shared_task(name="hashes.fetch_exchanges")
def fetch_exchanges() -> dict[str, int]:
    """Fetch every exchange whose credentials are configured, each from its stored checkpoint."""
    return {name: exchanges.fetch_exchange(name).signals_seen for name in exchanges.configured_exchanges()}
