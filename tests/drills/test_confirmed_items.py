"""Confirmed items under steady report load with the worker killed (kill -9) while their hand-offs run: after
recovery every confirmed item has its notice, one list entry and one bank entry (none twice), every hand-off is
done, and the audit log verifies."""

from __future__ import annotations

import io
import json
import uuid

import numpy as np
import pytest
from PIL import Image

from tests.drills.harness import REPO, Database, Load, report, settle, wait_for
from tests.pipeline.conftest import gallery_html

pytestmark = pytest.mark.slow

ITEMS = 6


def distinct_png(seed: int) -> bytes:
    """A drawn picture of random colour blocks: PDQ hashes of different seeds lie far apart (84 bits or more for
    these six), so no page's picture is "known" from another's bank entry, whatever order the worker banks them in."""
    blocks = np.random.default_rng(seed).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(blocks, "RGB").resize((96, 96), Image.Resampling.NEAREST).save(out, "PNG")
    return out.getvalue()


CONFIRM = """
import json, os
from django.contrib.auth import get_user_model
from reportal.hotline.assessment import Decision, assess_item
from reportal.hotline.claims import claim_item
from reportal.hotline.media import grade_media
from reportal.hotline.mediacollect import collect_item_media
from tests.hotline.factories import report_item

analyst, _new = get_user_model().objects.get_or_create(username="drill-analyst")
ids = []
for url in json.loads(os.environ["DRILL_URLS"]):
    item = report_item(url)
    claim_item(item, analyst)
    # Only graded media reach the bank: the analyst grades the page's picture, then confirms the page.
    grade_media(item.pk, collect_item_media(item), {"legal_assessment": "baseline"}, analyst)
    assess_item(item, analyst, Decision("actionable", classification={"legal_assessment": "baseline"}))
    ids.append(item.pk)
print("ITEMS " + json.dumps(ids))
"""


def test_confirmed_items_end_with_notice_list_entry_and_bank_entry_once(stack, backend, world) -> None:
    db = Database(backend)
    run = uuid.uuid4().hex[:6]
    urls = []
    for i in range(ITEMS):
        base = world.host(f"confirmed-{run}-{i}.test")
        world.website.set(f"/g{run}{i}/pic.png", distinct_png(i + 1), headers={"Content-Type": "image/png"})
        world.website.set(f"/g{run}{i}", gallery_html(f"/g{run}{i}"))
        urls.append(f"{base}/g{run}{i}")

    load = Load(stack.base_url).start()
    try:
        wait_for(lambda: len(load.accepted) >= 5, 60, "reports before the decisions")
        env = {**backend.env, "DRILL_URLS": json.dumps(urls), "PYTHONPATH": str(REPO)}
        confirmed = stack.manage("shell", "-c", CONFIRM, env=env)
        ids = json.loads(confirmed.stdout.split("ITEMS ", 1)[1])
        marks = ",".join(str(int(pk)) for pk in ids)
        killed = stack.kill("worker")  # while the decisions' hand-offs run
        done_at_kill = db.query(
            f"SELECT COUNT(*) FROM pipeline_handoff WHERE subject_id IN ({marks}) AND done_at IS NOT NULL"
        )[0][0]
        stack.wait_restarted("worker", killed)

        def all_done() -> bool:
            undone = db.query(
                f"SELECT COUNT(*) FROM pipeline_handoff WHERE subject_id IN ({marks}) AND done_at IS NULL"
            )
            return undone[0][0] == 0

        wait_for(all_done, 180, "every hand-off of the confirmed items")
    finally:
        load.stop()
    settle(db)

    handoffs = db.query(f"SELECT task, COUNT(*) FROM pipeline_handoff WHERE subject_id IN ({marks}) GROUP BY task")
    notices = db.query(
        f"SELECT item_id, kind, COUNT(*) FROM actions_notice WHERE item_id IN ({marks}) GROUP BY item_id, kind"
    )
    entries = db.query(f"SELECT item_id, COUNT(*) FROM lists_listentry WHERE item_id IN ({marks}) GROUP BY item_id")
    external = ",".join(f"'item:{int(pk)}'" for pk in ids)
    banked = db.query(
        f"SELECT external_id, COUNT(*) FROM hashes_bankcontent WHERE external_id IN ({external}) GROUP BY external_id"
    )
    failed = db.query(f"SELECT COUNT(*) FROM pipeline_handoff WHERE subject_id IN ({marks}) AND failed_at IS NOT NULL")[
        0
    ][0]
    report(
        "confirmed items, kill -9 worker",
        load,
        db,
        backend,
        confirmed=len(ids),
        handoffs_done_at_kill=done_at_kill,
        handoffs=dict(handoffs),
        notices=sum(n for _i, _k, n in notices),
        list_entries=sum(n for _i, n in entries),
        bank_entries=sum(n for _e, n in banked),
    )
    assert failed == 0
    assert {item for item, _kind, _n in notices} == set(ids)  # every confirmed item has its notice
    assert all(n == 1 for _item, _kind, n in notices)  # and no notice twice
    assert sorted(entries) == sorted((pk, 1) for pk in ids)  # one list entry each
    assert sorted(banked) == sorted((f"item:{pk}", 1) for pk in ids)  # one bank entry each (one picture per page)
    assert db.stored(load.accepted) == len(load.accepted)
    verify = stack.manage("audit", "verify", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
