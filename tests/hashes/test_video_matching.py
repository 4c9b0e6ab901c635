"""vPDQ matching through the HMA-compatible API and /api/v1/match: a banked video is found again re-encoded,
resized and trimmed; an unrelated video is not; each bank's vPDQ settings decide, as HMA's defaults do unless
changed; disabling stops matching; the persisted index carries video frames."""

from __future__ import annotations

import functools
import ipaddress
import itertools
import json
import math

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from reportal.hashes import matcher, vpdq_match
from reportal.hashes import services as hash_services
from reportal.hashes.video import VpdqFrame, hash_video
from tests.hashes import videogen
from tests.hashes.conftest import auth
from tests.hashes.test_hma_api import _image_server

pytestmark = pytest.mark.django_db


@functools.cache
def original() -> bytes:
    return videogen.video(1, seconds=10, fps=15)


@functools.cache
def variants() -> dict[str, bytes]:
    return {
        # Another codec, container and frame rate.
        "re-encoded": videogen.video(1, seconds=10, fps=25, codec="mpeg4", container="matroska"),
        "resized": videogen.video(1, seconds=10, fps=15, size=(240, 136)),
        # Seconds 2.5 to 8.5 of the same scene: no frame falls on a second of the original.
        "trimmed": videogen.video(1, seconds=6, fps=15, start=2.5),
    }


@functools.cache
def unrelated() -> bytes:
    return videogen.video(2, seconds=10, fps=15)


@functools.cache
def half_known() -> bytes:
    """Six seconds of the banked scene, then six of another: half of its frames match."""
    frames = itertools.chain(
        videogen.frames(1, seconds=6, fps=15, start=0.0), videogen.frames(3, seconds=6, fps=15, start=0.0)
    )
    return videogen.encode(frames, fps=15)


def _upload(data: bytes, name: str = "clip.mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="video/mp4")


def _bank_video(client: Client, keys, bank: str, data: bytes, **settings) -> int:
    response = client.post("/c/banks", {"name": bank, **settings}, content_type="application/json", **auth(keys.staff))
    assert response.status_code == 201, response.content
    response = client.post(f"/c/bank/{bank}/content", {"video": _upload(data)}, **auth(keys.staff))
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["signals"]) == {"vpdq", "md5", "sha256"}
    return int(body["id"])


def _lookup_video(client: Client, keys, data: bytes) -> dict:
    response = client.post("/m/lookup", {"video": _upload(data)}, **auth(keys.match))
    assert response.status_code == 200, response.content
    return response.json()


def test_hash_endpoint_answers_hmas_video_signals(client, keys):
    response = client.post("/h/hash", {"video": _upload(original())}, **auth(keys.match))
    assert response.status_code == 200, response.content
    expected = hash_video(original())
    assert response.json() == {"vpdq": expected.vpdq, "video_md5": expected.md5, "sha256": expected.sha256}
    assert len(json.loads(response.json()["vpdq"])) == 10


@pytest.mark.parametrize("variant", ["re-encoded", "resized", "trimmed"])
def test_a_banked_video_matches_its_copies(client, keys, variant):
    content_id = _bank_video(client, keys, "VIDEOS", original())
    found = _lookup_video(client, keys, variants()[variant])
    assert [m["bank_content_id"] for m in found["vpdq"]["VIDEOS"]] == [content_id]
    # HMA's distance for vPDQ: query match percent [compared match percent].
    assert found["vpdq"]["VIDEOS"][0]["distance"].startswith("100%[")
    # Another encoding has other bytes: no MD5 match.
    assert found["video_md5"] == {}


def test_the_same_file_matches_by_md5_too(client, keys):
    content_id = _bank_video(client, keys, "VIDEOS", original())
    found = _lookup_video(client, keys, original())
    assert found["video_md5"] == {"VIDEOS": [{"bank_content_id": content_id, "distance": "0"}]}
    assert found["vpdq"] == {"VIDEOS": [{"bank_content_id": content_id, "distance": "100%[100%]"}]}


def test_an_unrelated_video_does_not_match(client, keys):
    _bank_video(client, keys, "VIDEOS", original())
    found = _lookup_video(client, keys, unrelated())
    assert found == {"vpdq": {}, "video_md5": {}, "sha256": {}}


def test_raw_lookup_and_lookup_by_signal(client, keys):
    content_id = _bank_video(client, keys, "VIDEOS", original())
    signal = hash_video(variants()["resized"]).vpdq
    raw = client.get(
        "/m/raw_lookup", {"signal_type": "vpdq", "signal": signal, "include_distance": "true"}, **auth(keys.match)
    )
    assert raw.status_code == 200, raw.content
    assert raw.json() == {"matches": [{"bank_content_id": content_id, "distance": "100%[100%]"}]}
    by_signal = client.get("/m/lookup", {"signal_type": "vpdq", "signal": signal}, **auth(keys.match))
    assert [m["bank_content_id"] for m in by_signal.json()["VIDEOS"]] == [content_id]
    bad = client.get("/m/raw_lookup", {"signal_type": "vpdq", "signal": "[1, 2]"}, **auth(keys.match))
    assert bad.status_code == 400 and "hash,quality,timestamp" in bad.json()["message"]


def test_batch_match_api_takes_vpdq(client, keys):
    content_id = _bank_video(client, keys, "VIDEOS", original())
    signals = [
        {"signal_type": "vpdq", "signal": hash_video(variants()["trimmed"]).vpdq},
        {"signal_type": "vpdq", "signal": hash_video(unrelated()).vpdq},
        {"signal_type": "video_md5", "signal": hash_video(original()).md5},
    ]
    response = client.post("/api/v1/match", {"signals": signals}, content_type="application/json", **auth(keys.match))
    assert response.status_code == 200, response.content
    trimmed, other, md5 = response.json()["results"]
    assert [(m["content_id"], m["query_match_percent"]) for m in trimmed["matches"]] == [(content_id, 100.0)]
    # Six of the bank video's ten seconds were in the trimmed copy.
    assert trimmed["matches"][0]["compared_match_percent"] == pytest.approx(70.0, abs=10.0)
    assert trimmed["matches"][0]["distance"] == 0
    assert other["matches"] == []
    assert [m["content_id"] for m in md5["matches"]] == [content_id]
    assert "query_match_percent" not in md5["matches"][0]


def test_bank_settings_decide_how_much_must_match(client, keys):
    default_id = _bank_video(client, keys, "HMA_DEFAULTS", original())
    lenient_id = _bank_video(client, keys, "LENIENT", original(), vpdq_query_match_percent=40)
    strict_id = _bank_video(
        client, keys, "STRICT", original(), vpdq_query_match_percent=40, vpdq_compared_match_percent=90
    )
    found = _lookup_video(client, keys, half_known())["vpdq"]
    # Half of the query's frames match: under HMA's 80 % in the default bank; over 40 % in the lenient one. The
    # strict one also wants 90 % of its own frames matched: its first six seconds match, and the slow scene keeps
    # a second or two after them near the query's sixth frame, short of nine in ten.
    assert list(found) == ["LENIENT"] and [m["bank_content_id"] for m in found["LENIENT"]] == [lenient_id]
    query_pct, compared_pct = found["LENIENT"][0]["distance"].rstrip("%]").split("%[")
    assert query_pct == "50" and 60 <= int(compared_pct) < 90
    assert default_id and strict_id
    bank = client.get("/c/bank/LENIENT", **auth(keys.staff)).json()
    assert bank["vpdq_query_match_percent"] == 40.0 and bank["vpdq_distance_threshold"] == 31
    assert bank["vpdq_quality_threshold"] == 50 and bank["vpdq_compared_match_percent"] == 0.0
    # Settings change through HMA's bank update; a frame distance of 0 leaves only identical frames.
    response = client.put(
        "/c/bank/LENIENT", {"vpdq_distance_threshold": 0}, content_type="application/json", **auth(keys.staff)
    )
    assert response.status_code == 200, response.content
    assert _lookup_video(client, keys, half_known())["vpdq"] == {}
    response = client.put(
        "/c/bank/LENIENT", {"vpdq_quality_threshold": 20}, content_type="application/json", **auth(keys.staff)
    )
    assert response.status_code == 400 and "50" in response.json()["message"]


def test_disabled_entries_stop_matching_at_once(client, keys):
    content_id = _bank_video(client, keys, "VIDEOS", original())
    response = client.put(
        f"/c/bank/VIDEOS/content/{content_id}",
        {"disable_until_ts": 0},
        content_type="application/json",
        **auth(keys.staff),
    )
    assert response.status_code == 200
    assert _lookup_video(client, keys, variants()["resized"])["vpdq"] == {}


def test_persisted_index_carries_video_frames(client, keys):
    content_id = _bank_video(client, keys, "VIDEOS", original())
    summary = matcher.build_index(settle_seconds=0)
    assert summary["sizes"]["vpdq"] == 10
    matcher.reset_matcher()
    fresh = matcher.get_matcher()
    fresh.ensure_fresh()
    assert fresh.build_ids.get("vpdq")  # loaded from the file, not rebuilt
    found = _lookup_video(client, keys, variants()["re-encoded"])
    assert [m["bank_content_id"] for m in found["vpdq"]["VIDEOS"]] == [content_id]
    status = client.get("/m/index/status", {"signal_type": "vpdq"}, **auth(keys.match)).json()
    assert status["vpdq"]["size"] == 10 and status["vpdq"]["present"]


def test_services_bank_and_find_a_graded_video():
    hashes = hash_video(original())
    content_id = hash_services.add_confirmed_video(None, hashes, classification="A1")
    assert content_id is not None
    assert hash_services.add_confirmed_video(None, hashes, classification="A1") is None  # same bytes: once
    found = hash_services.lookup_video(hash_video(variants()["trimmed"]))
    assert [(m.content_id, m.signal_type, m.classification) for m in found] == [(content_id, "vpdq", "A1")]
    exact = hash_services.lookup_video(hashes)
    assert [(m.content_id, m.distance) for m in exact] == [(content_id, 0)]
    assert hash_services.lookup_video(hash_video(unrelated())) == []


def test_videos_at_an_address_are_hashed_added_and_looked_up(client, keys, settings):
    settings.REPORTAL_FETCH_ALLOW = [ipaddress.ip_network("127.0.0.1/32")]
    routes = {
        "/clip.mp4": (original(), "video/mp4"),
        "/blob": (original(), "application/octet-stream"),
        "/copy.mp4": (variants()["resized"], "video/mp4"),
    }
    with _image_server(routes) as base:
        expected = hash_video(original())
        by_type = client.get("/h/hash", {"url": f"{base}/clip.mp4"}, **auth(keys.match))
        assert by_type.status_code == 200, by_type.content
        assert by_type.json()["vpdq"] == expected.vpdq
        # The fetcher goes by the bytes, not the label; the caller's content_type decides over both, as in HMA.
        sniffed = client.get("/h/hash", {"url": f"{base}/blob"}, **auth(keys.match))
        assert sniffed.json() == {"vpdq": expected.vpdq, "video_md5": expected.md5, "sha256": expected.sha256}
        told = client.get("/h/hash", {"url": f"{base}/blob", "content_type": "photo"}, **auth(keys.match))
        assert told.status_code == 400 and "JPEG" in told.json()["message"]
        client.post("/c/banks", {"name": "BY_URL"}, content_type="application/json", **auth(keys.staff))
        added = client.post(f"/c/bank/BY_URL/content?url={base}/clip.mp4", **auth(keys.staff))
        assert added.status_code == 200, added.content
        found = client.get("/m/lookup", {"url": f"{base}/copy.mp4"}, **auth(keys.match)).json()
        assert [m["bank_content_id"] for m in found["vpdq"]["BY_URL"]] == [added.json()["id"]]
        only_vpdq = client.get("/m/lookup", {"url": f"{base}/copy.mp4", "signal_type": "vpdq"}, **auth(keys.match))
        assert set(only_vpdq.json()) == {"BY_URL"}


@given(
    qualities=st.lists(st.integers(50, 100), min_size=1, max_size=80),
    percent=st.floats(0.0, 100.0),
    bank_quality=st.integers(50, 100),
    data=st.data(),
)
def test_the_searched_frames_always_meet_every_video_that_can_match(qualities, percent, bank_quality, data):
    """Whatever frames a matching video matched (at least `percent` of those its bank scores), at least one of
    them is among the frames the look-up searches."""
    query = [VpdqFrame(f"{i:064x}", q, float(i)) for i, q in enumerate(qualities)]
    searched = {f.pdq_hex for f in vpdq_match.search_sample(query, percent)}
    scored = [f for f in query if f.quality >= bank_quality]
    if not scored:
        return
    needed = max(1, math.ceil(len(scored) * percent / 100.0 - 1e-9))
    matched = data.draw(st.lists(st.sampled_from(scored), min_size=needed, unique=True))
    assert searched & {f.pdq_hex for f in matched}


def test_hmas_defaults_search_13_of_60_frames():
    query = [VpdqFrame(f"{i:064x}", 100, float(i)) for i in range(60)]
    assert [len(vpdq_match.search_sample(query, p)) for p in (80.0, 40.0, 0.0, 100.0)] == [13, 37, 60, 1]


def test_signals_added_as_hma_does_match(client, keys):
    client.post("/c/banks", {"name": "BY_SIGNAL"}, content_type="application/json", **auth(keys.staff))
    hashes = hash_video(original())
    as_text = client.post(
        "/c/bank/BY_SIGNAL/signal",
        {"vpdq": hashes.vpdq, "video_md5": hashes.md5},
        content_type="application/json",
        **auth(keys.staff),
    )
    assert as_text.status_code == 200, as_text.content
    assert as_text.json()["signals"] == {"md5": hashes.md5, "vpdq": hashes.vpdq}
    # The frame list itself is taken too, and written back in threatexchange's form.
    as_list = client.post(
        "/c/bank/BY_SIGNAL/signal",
        {"vpdq": json.loads(hashes.vpdq)},
        content_type="application/json",
        **auth(keys.staff),
    )
    assert as_list.json()["signals"] == {"vpdq": hashes.vpdq}
    bad = client.post(
        "/c/bank/BY_SIGNAL/signal", {"vpdq": '["nope"]'}, content_type="application/json", **auth(keys.staff)
    )
    assert bad.status_code == 400 and "hash,quality,timestamp" in bad.json()["message"]
    found = _lookup_video(client, keys, variants()["trimmed"])["vpdq"]["BY_SIGNAL"]
    assert sorted(m["bank_content_id"] for m in found) == sorted([as_text.json()["id"], as_list.json()["id"]])
    by_md5 = client.get("/m/lookup", {"signal_type": "video_md5", "signal": hashes.md5}, **auth(keys.match))
    assert [m["bank_content_id"] for m in by_md5.json()["BY_SIGNAL"]] == [as_text.json()["id"]]
