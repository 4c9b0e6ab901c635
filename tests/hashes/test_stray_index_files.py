"""An index file written but never recorded (the builder was killed between the two) is pruned by the next build
once older than the grace period; recorded builds and young files (a build under way) stay."""

from __future__ import annotations

import os
import time

import pytest

from reportal.hashes import matcher
from reportal.hashes.models import IndexBuild

pytestmark = pytest.mark.django_db


def _aged(path, seconds):
    path.write_bytes(b"\0" * 64)
    past = time.time() - seconds
    os.utime(path, (past, past))
    return path


def test_unrecorded_index_files_are_pruned_after_the_grace_period():
    folder = matcher.index_dir()
    old = matcher.STRAY_INDEX_GRACE_SECONDS + 60
    orphan = _aged(folder / "pdq-1000.idx", old)
    orphan_tmp = _aged(folder / ".pdq-1000.tmp", old)
    young = _aged(folder / "pdq-9999999999999.idx", 5)
    matcher.build_index(settle_seconds=0)
    recorded = {os.path.basename(p) for p in IndexBuild.objects.values_list("path", flat=True)}
    assert recorded and all((folder / name).exists() for name in recorded)
    assert not orphan.exists() and not orphan_tmp.exists()
    assert young.exists()
    # Recorded builds are never taken for strays, however old.
    for name in recorded:
        os.utime(folder / name, (time.time() - old, time.time() - old))
    assert matcher.prune_stray_index_files() == 0
    assert all((folder / name).exists() for name in recorded)
