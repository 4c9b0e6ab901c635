"""Celery tasks of the hashes stage: thin wrappers over the services."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from reportal.hashes import exchanges, matcher

logger = logging.getLogger(__name__)


@shared_task(name="hashes.merge_index")
def merge_index() -> dict[str, Any]:
    """Periodic (beat): fold the matchers' side buffers into a new persisted index, which processes then load."""
    return matcher.build_index()


@shared_task(name="hashes.fetch_exchanges")
def fetch_exchanges() -> dict[str, int | str]:
    """Fetch every exchange whose credentials are configured, each from its stored checkpoint.

    One exchange failing (its error is kept on its fetch state) does not stop the others.
    """
    seen: dict[str, int | str] = {}
    for name in exchanges.configured_exchanges():
        try:
            seen[name] = exchanges.fetch_exchange(name).signals_seen
        except Exception as exc:  # the next run resumes from the stored checkpoint
            logger.warning("fetching from %s failed: %s", name, type(exc).__name__)
            seen[name] = f"failed: {type(exc).__name__}"
    return seen
