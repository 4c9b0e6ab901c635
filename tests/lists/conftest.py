"""Fixtures for the lists tests: a private data directory (signing key, feed cache), members with keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from reportal.lists import matcher


@pytest.fixture(autouse=True)
def _lists_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.REPORTAL_LIST_SIGNING_KEY = ""
    settings.REPORTAL_HOTLINE_NAME = "Test Hotline"
    matcher._state["matcher"] = None  # each test's database starts empty
    matcher.invalidate()
    yield
    matcher._state["matcher"] = None


@pytest.fixture
def make_member(db) -> Callable[..., tuple[Any, str]]:
    """(member, key) with the given scopes; licence accepted unless told otherwise."""
    from reportal.accounts import services as accounts

    counter = {"n": 0}

    def make(scopes: str = "url-list", *, licence: bool = True, expires_days: int | None = None) -> tuple[Any, str]:
        counter["n"] += 1
        return accounts.create_member(
            f"member-{counter['n']}", "isp", scopes, licence_accepted=licence, expires_days=expires_days
        )

    return make


def auth(key: str) -> dict[str, str]:
    return {"HTTP_X_API_KEY": key}


def body(response) -> bytes:
    """The bytes a client received, whether the response streamed a file or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content
