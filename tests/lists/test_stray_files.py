"""A publication killed mid-render leaves a temporary `.render-*` file in the feeds folder; the next prune removes
it once it is older than the grace period, and leaves a young one (another process may be writing it)."""

from __future__ import annotations

import os
import time

import pytest

from reportal.lists import feeds, services
from reportal.lists.tasks import publish_lists

pytestmark = pytest.mark.django_db


def _aged(path, seconds):
    path.write_bytes(b"")
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


def test_a_render_left_by_a_killed_publication_is_pruned_after_the_grace_period():
    folder = feeds.cache_dir()
    left_over = _aged(folder / ".render-k1ll3d", feeds.STRAY_GRACE_SECONDS + 60)
    in_progress = _aged(folder / ".render-wr1t1ng", 5)
    services.add_entry("http://stray.example.test/", "url")
    publish_lists.delay().get()
    assert not left_over.exists()
    assert in_progress.exists()
    assert feeds.feed("urls", "json").body()  # the published feed itself stays
    in_progress.unlink()
