"""POST /api/v1/match: batches of up to 1,000 signals for members with the match scope."""

from __future__ import annotations

import numpy as np
import pytest

from reportal.hashes import banks as bank_services
from reportal.hashes.banks import ContentSignals
from tests.hashes.conftest import auth

pytestmark = pytest.mark.django_db


def _random_pdq(rng) -> str:
    return rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()


def _flip(hex_hash: str, bits: int) -> str:
    value = int(hex_hash, 16) ^ ((1 << bits) - 1)
    return f"{value:064x}"


def test_batch_match(client, keys):
    rng = np.random.default_rng(5)
    bank = bank_services.create_bank("BATCH")
    stored = [_random_pdq(rng) for _ in range(50)]
    ids = [bank_services.add_content(bank, ContentSignals(pdq=h, pdq_quality=100, classification="A")).pk
           for h in stored]
    queries = [{"signal_type": "pdq", "signal": _flip(h, 7)} for h in stored[:10]]
    queries += [{"signal_type": "pdq", "signal": _random_pdq(rng)} for _ in range(5)]
    queries.append({"signal_type": "video_md5", "signal": "0" * 32})
    response = client.post("/api/v1/match", {"signals": queries}, content_type="application/json", **auth(keys.match))
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) == len(queries)
    for i in range(10):
        assert results[i]["matches"] == [{"bank": "BATCH", "content_id": ids[i], "distance": 7, "classification": "A"}]
    assert all(r["matches"] == [] for r in results[10:])
    assert results[-1]["signal_type"] == "md5"


def test_batch_limits_and_validation(client, keys):
    too_many = [{"signal_type": "md5", "signal": "0" * 32}] * 1001
    response = client.post("/api/v1/match", {"signals": too_many}, content_type="application/json",
                           **auth(keys.match))
    assert response.status_code == 400
    bad = [{"signal_type": "pdq", "signal": "zz"}]
    response = client.post("/api/v1/match", {"signals": bad}, content_type="application/json", **auth(keys.match))
    assert response.status_code == 400 and "Signal 0" in response.json()["detail"]


def test_batch_match_needs_the_match_scope(client, keys):
    body = {"signals": [{"signal_type": "md5", "signal": "0" * 32}]}
    assert client.post("/api/v1/match", body, content_type="application/json").status_code == 401
    for key in (keys.hashes, keys.lists_only):
        response = client.post("/api/v1/match", body, content_type="application/json", **auth(key))
        assert response.status_code == 403
    assert client.post("/api/v1/match", body, content_type="application/json", **auth(keys.staff)).status_code == 200
