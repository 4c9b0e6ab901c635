"""The HMA-compatible endpoints answer with HMA's shapes (read from OpenMediaMatch's blueprints and schemas),
enforce key scopes, and reflect additions and disabling on the very next call."""

from __future__ import annotations

import http.server
import ipaddress
import threading
import time

import pytest
from django.test import Client

from reportal.hashes.hashing import hash_image_bytes
from tests.hashes import imagegen
from tests.hashes.conftest import auth

pytestmark = pytest.mark.django_db

PHOTO = imagegen.photo_like(40, 640, 480)
PHOTO_PNG = imagegen.encode(PHOTO, "PNG")
PHOTO_JPEG = imagegen.encode(PHOTO, "JPEG", quality=70)


def make_bank(client: Client, keys, name: str = "TEST_BANK", **extra) -> dict:
    response = client.post("/c/banks", {"name": name, **extra}, content_type="application/json", **auth(keys.staff))
    assert response.status_code == 201, response.content
    return response.json()


def add_signal(client: Client, keys, bank: str, signals: dict) -> dict:
    response = client.post(f"/c/bank/{bank}/signal", signals, content_type="application/json", **auth(keys.staff))
    assert response.status_code == 200, response.content
    return response.json()


# --- hashing ------------------------------------------------------------------------------------------------


def test_hash_post_returns_signal_map(client, keys):
    response = client.post("/h/hash", {"photo": _upload(PHOTO_PNG)}, **auth(keys.match))
    assert response.status_code == 200
    body = response.json()
    expected = hash_image_bytes(PHOTO_PNG)
    assert body == {"pdq": expected.pdq, "md5": expected.md5, "sha1": expected.sha1, "sha256": expected.sha256}


def test_hash_post_errors_use_hma_message_shape(client, keys):
    missing = client.post("/h/hash", {}, **auth(keys.match))
    assert missing.json() == {"message": "Missing multipart/form-data file upload"}
    response = client.post("/h/hash", {"video": _upload(PHOTO_PNG)}, **auth(keys.match))
    assert response.status_code == 400 and set(response.json()) == {"message"}
    response = client.post("/h/hash", {"photo": _upload(b"not an image at all")}, **auth(keys.match))
    assert response.status_code == 400 and "JPEG, PNG" in response.json()["message"]


def test_hash_get_fetches_url_through_the_guarded_fetcher(client, keys, settings):
    settings.REPORTAL_FETCH_ALLOW = [ipaddress.ip_network("127.0.0.0/8")]
    with _image_server({"/img.jpg": (PHOTO_JPEG, "image/jpeg"), "/page": (b"<html></html>", "text/html")}) as base:
        response = client.get("/h/hash", {"url": f"{base}/img.jpg"}, **auth(keys.match))
        assert response.status_code == 200, response.content
        assert response.json()["pdq"] == hash_image_bytes(PHOTO_JPEG).pdq
        response = client.get("/h/hash", {"url": f"{base}/img.jpg", "types": "pdq"}, **auth(keys.match))
        assert set(response.json()) == {"pdq"}
        response = client.get("/h/hash", {"url": f"{base}/page"}, **auth(keys.match))
        assert response.status_code == 400 and "unsupported url ContentType" in response.json()["message"]
    assert client.get("/h/hash", **auth(keys.match)).json() == {"message": "url is required"}


def test_hash_get_refuses_private_addresses(client, keys, settings):
    settings.REPORTAL_FETCH_ALLOW = []
    response = client.get("/h/hash", {"url": "http://127.0.0.1:9/x.jpg"}, **auth(keys.match))
    assert response.status_code == 400 and response.json()["message"].startswith("Failed to fetch URL")


# --- curation -----------------------------------------------------------------------------------------------


def test_bank_curation_shapes(client, keys):
    created = make_bank(client, keys, "TEST_BANK")
    assert {"name", "matching_enabled_ratio"} <= set(created)
    assert created["name"] == "TEST_BANK" and created["matching_enabled_ratio"] == 1.0
    listed = client.get("/c/banks", **auth(keys.hashes)).json()
    assert isinstance(listed, list) and [b["name"] for b in listed] == ["TEST_BANK"]
    shown = client.get("/c/bank/TEST_BANK", **auth(keys.hashes)).json()
    assert shown["name"] == "TEST_BANK" and shown["matching_enabled_ratio"] == 1.0
    missing = client.get("/c/bank/NOPE", **auth(keys.hashes))
    assert missing.status_code == 404 and set(missing.json()) == {"message"}
    # Same name again: HMA answers 403 "Bank already exists".
    again = client.post("/c/banks", {"name": "TEST_BANK"}, content_type="application/json", **auth(keys.staff))
    assert again.status_code == 403
    bad = client.post("/c/banks", {"name": "lower case"}, content_type="application/json", **auth(keys.staff))
    assert bad.status_code == 400 and "CAPITALS_AND_UNDERSCORES" in bad.json()["message"]
    updated = client.put(
        "/c/bank/TEST_BANK", {"enabled": False}, content_type="application/json", **auth(keys.staff)
    ).json()
    assert updated["matching_enabled_ratio"] == 0.0
    renamed = client.put(
        "/c/bank/TEST_BANK", {"name": "RENAMED", "enabled_ratio": 0.5}, content_type="application/json",
        **auth(keys.staff),
    ).json()
    assert renamed["name"] == "RENAMED" and renamed["matching_enabled_ratio"] == 0.5
    assert client.delete("/c/bank/RENAMED", **auth(keys.staff)).json() == {"message": "Done"}
    assert client.get("/c/banks", **auth(keys.hashes)).json() == []


def test_signal_and_content_shapes(client, keys):
    make_bank(client, keys)
    expected = hash_image_bytes(PHOTO_PNG)
    added = add_signal(client, keys, "TEST_BANK", {"pdq": expected.pdq.upper()})
    assert set(added) == {"id", "signals"} and added["signals"] == {"pdq": expected.pdq}
    bad = client.post("/c/bank/TEST_BANK/signal", {"nope": "x"}, content_type="application/json", **auth(keys.staff))
    assert bad.status_code == 400 and bad.json()["message"].startswith("No such signal type")
    bad = client.post("/c/bank/TEST_BANK/signal", {"pdq": "xyz"}, content_type="application/json", **auth(keys.staff))
    assert bad.status_code == 400

    uploaded = client.post("/c/bank/TEST_BANK/content", {"photo": _upload(PHOTO_PNG)}, **auth(keys.staff)).json()
    assert set(uploaded) == {"id", "signals"}
    assert uploaded["signals"] == {"pdq": expected.pdq, "md5": expected.md5, "sha1": expected.sha1,
                                   "sha256": expected.sha256}

    content = client.get(f"/c/bank/TEST_BANK/content/{uploaded['id']}", **auth(keys.hashes)).json()
    assert {"id", "disable_until_ts", "original_media_uri", "bank", "metadata", "note"} <= set(content)
    assert "signals" not in content
    assert content["id"] == uploaded["id"] and content["disable_until_ts"] == 1
    assert content["bank"] == {"name": "TEST_BANK", "matching_enabled_ratio": 1.0}
    with_signals = client.get(
        f"/c/bank/TEST_BANK/content/{uploaded['id']}", {"include_signals": "true"}, **auth(keys.hashes)
    ).json()
    assert with_signals["signals"]["pdq"] == expected.pdq

    disabled = client.put(
        f"/c/bank/TEST_BANK/content/{uploaded['id']}", {"disable_until_ts": 0}, content_type="application/json",
        **auth(keys.staff),
    ).json()
    assert {"id", "disable_until_ts", "collab_metadata", "original_media_uri", "bank"} <= set(disabled)
    assert disabled["disable_until_ts"] == 0
    too_late = client.put(
        f"/c/bank/TEST_BANK/content/{uploaded['id']}", {"disable_until_ts": int(time.time()) + 10 * 365 * 86400},
        content_type="application/json", **auth(keys.staff),
    )
    assert too_late.status_code == 400

    assert client.delete(f"/c/bank/TEST_BANK/content/{uploaded['id']}", **auth(keys.staff)).json() == {"deleted": 1}
    assert client.get(f"/c/bank/TEST_BANK/content/{uploaded['id']}", **auth(keys.hashes)).status_code == 404


# --- matching -----------------------------------------------------------------------------------------------


def test_hash_added_through_the_api_matches_on_the_next_call_and_disabling_stops_it(client, keys):
    make_bank(client, keys)
    pdq = hash_image_bytes(PHOTO_PNG).pdq
    before = client.get("/m/lookup", {"signal_type": "pdq", "signal": pdq}, **auth(keys.match))
    assert before.status_code == 200 and before.json() == {}
    added = add_signal(client, keys, "TEST_BANK", {"pdq": pdq})
    after = client.get("/m/lookup", {"signal_type": "pdq", "signal": pdq}, **auth(keys.match)).json()
    assert after == {"TEST_BANK": [{"bank_content_id": added["id"], "distance": "0"}]}

    # A re-encoded copy, uploaded as a file: keyed by signal type, then bank.
    by_file = client.post("/m/lookup", {"photo": _upload(PHOTO_JPEG)}, **auth(keys.match)).json()
    assert set(by_file) == {"pdq", "md5", "sha1", "sha256"}
    assert [m["bank_content_id"] for m in by_file["pdq"]["TEST_BANK"]] == [added["id"]]
    assert int(by_file["pdq"]["TEST_BANK"][0]["distance"]) <= 31
    assert by_file["md5"] == {}

    client.put(
        f"/c/bank/TEST_BANK/content/{added['id']}", {"disable_until_ts": 0}, content_type="application/json",
        **auth(keys.staff),
    )
    assert client.get("/m/lookup", {"signal_type": "pdq", "signal": pdq}, **auth(keys.match)).json() == {}
    raw = client.get("/m/raw_lookup", {"signal_type": "pdq", "signal": pdq}, **auth(keys.match)).json()
    assert raw == {"matches": []}


def test_raw_lookup_shapes(client, keys):
    make_bank(client, keys)
    pdq = hash_image_bytes(PHOTO_PNG).pdq
    added = add_signal(client, keys, "TEST_BANK", {"pdq": pdq, "md5": "ab" * 16})
    raw = client.get("/m/raw_lookup", {"signal_type": "pdq", "signal": pdq}, **auth(keys.match)).json()
    assert raw == {"matches": [added["id"]]}
    raw = client.get(
        "/m/raw_lookup", {"signal_type": "pdq", "signal": pdq, "include_distance": "true"}, **auth(keys.match)
    ).json()
    assert raw == {"matches": [{"bank_content_id": added["id"], "distance": "0"}]}
    # HMA's signal type name for MD5 works too.
    raw = client.get("/m/raw_lookup", {"signal_type": "video_md5", "signal": "AB" * 16}, **auth(keys.match)).json()
    assert raw == {"matches": [added["id"]]}
    missing = client.get("/m/raw_lookup", {"signal_type": "pdq"}, **auth(keys.match))
    assert missing.status_code == 400 and missing.json() == {"message": "signal is required"}
    unknown = client.get("/m/raw_lookup", {"signal_type": "tmk", "signal": "00"}, **auth(keys.match))
    assert unknown.status_code == 400


def test_lookup_respects_banks_filter_and_switched_off_banks(client, keys):
    make_bank(client, keys, "BANK_A")
    make_bank(client, keys, "BANK_B")
    pdq = hash_image_bytes(PHOTO_PNG).pdq
    a = add_signal(client, keys, "BANK_A", {"pdq": pdq})["id"]
    b = add_signal(client, keys, "BANK_B", {"pdq": pdq})["id"]
    found = client.get("/m/lookup", {"signal_type": "pdq", "signal": pdq}, **auth(keys.match)).json()
    assert found == {"BANK_A": [{"bank_content_id": a, "distance": "0"}],
                     "BANK_B": [{"bank_content_id": b, "distance": "0"}]}
    only_b = client.get("/m/lookup", {"signal_type": "pdq", "signal": pdq, "banks": "BANK_B"}, **auth(keys.match))
    assert set(only_b.json()) == {"BANK_B"}
    client.put("/c/bank/BANK_A", {"enabled": False}, content_type="application/json", **auth(keys.staff))
    assert set(client.get("/m/lookup", {"signal_type": "pdq", "signal": pdq}, **auth(keys.match)).json()) == {"BANK_B"}


def test_index_status_shape(client, keys):
    status = client.get("/m/index/status", **auth(keys.match)).json()
    assert set(status) == {"pdq", "md5", "sha1", "sha256", "vpdq"}
    for entry in status.values():
        assert set(entry) == {"present", "built_to", "size"}
    only = client.get("/m/index/status", {"signal_type": "pdq"}, **auth(keys.match)).json()
    assert set(only) == {"pdq"}
    assert client.get("/m/index/status", {"signal_type": "nope"}, **auth(keys.match)).status_code == 400


# --- access -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path,scope_key",
    [
        ("get", "/m/lookup?signal_type=pdq&signal=" + "0" * 64, "match"),
        ("get", "/m/raw_lookup?signal_type=pdq&signal=" + "0" * 64, "match"),
        ("get", "/m/index/status", "match"),
        ("post", "/h/hash", "match"),
        ("get", "/c/banks", "hashes"),
    ],
)
def test_keys_without_scope_are_refused(client, keys, method, path, scope_key):
    assert getattr(client, method)(path).status_code == 401
    assert getattr(client, method)(path, **auth("rpm_000000000000_nonsense")).status_code == 401
    assert getattr(client, method)(path, **auth(keys.lists_only)).status_code == 403
    other = keys.hashes if scope_key == "match" else keys.match
    response = getattr(client, method)(path, **auth(other))
    assert response.status_code == 403 and set(response.json()) == {"message"}
    assert getattr(client, method)(path, **auth(getattr(keys, scope_key))).status_code in (200, 400)
    # Hotline staff pass with their token.
    assert getattr(client, method)(path, **auth(keys.staff)).status_code in (200, 400)


def test_curation_writes_are_for_hotline_staff_only(client, keys):
    for key in (keys.match, keys.hashes, keys.partner):
        response = client.post("/c/banks", {"name": "X"}, content_type="application/json", **auth(key))
        assert response.status_code in (401, 403)
    make_bank(client, keys, "X")
    for key in (keys.match, keys.hashes):
        response = client.post("/c/bank/X/signal", {"md5": "a" * 32}, content_type="application/json", **auth(key))
        assert response.status_code in (401, 403)


# --- helpers ------------------------------------------------------------------------------------------------


def _upload(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("image.bin", data, content_type="application/octet-stream")


class _ImageServer:
    def __init__(self, routes: dict[str, tuple[bytes, str]]) -> None:
        routes_ = routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body, ctype = routes_.get(self.path, (b"", ""))
                self.send_response(200 if ctype else 404)
                self.send_header("Content-Type", ctype or "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _image_server(routes: dict[str, tuple[bytes, str]]) -> _ImageServer:
    return _ImageServer(routes)


def test_rate_limit_per_key(client, keys, settings):
    settings.REPORTAL_HASH_RATE_LIMIT = "3/m"
    path = "/m/raw_lookup?signal_type=md5&signal=" + "0" * 32
    assert [client.get(path, **auth(keys.match)).status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get(path, **auth(keys.match))
    assert limited.status_code == 429 and limited["Retry-After"] == "60" and set(limited.json()) == {"message"}
    # Another member's key has its own allowance.
    assert client.get(path, **auth(keys.staff)).status_code == 200
    body = {"signals": [{"signal_type": "md5", "signal": "0" * 32}]}
    assert client.post("/api/v1/match", body, content_type="application/json", **auth(keys.match)).status_code == 429


def test_content_added_by_url_and_looked_up_by_url(client, keys, settings):
    settings.REPORTAL_FETCH_ALLOW = [ipaddress.ip_network("127.0.0.0/8")]
    make_bank(client, keys)
    copy = imagegen.encode(PHOTO.resize((480, 360)), "JPEG", quality=60)
    with _image_server({"/a.png": (PHOTO_PNG, "image/png"), "/copy.jpg": (copy, "image/jpeg")}) as base:
        added = client.post(f"/c/bank/TEST_BANK/content?url={base}/a.png", **auth(keys.staff))
        assert added.status_code == 200, added.content
        content_id = added.json()["id"]
        found = client.get("/m/lookup", {"url": f"{base}/copy.jpg"}, **auth(keys.match)).json()
        assert set(found) == {"pdq", "md5", "sha1", "sha256"}
        assert [m["bank_content_id"] for m in found["pdq"]["TEST_BANK"]] == [content_id]
        only_pdq = client.get("/m/lookup", {"url": f"{base}/copy.jpg", "signal_type": "pdq"}, **auth(keys.match))
        assert set(only_pdq.json()) == {"TEST_BANK"}


def test_weak_pdq_is_returned_empty_like_threatexchange(client, keys):
    from PIL import Image

    flat = imagegen.encode(Image.new("RGB", (100, 100), (90, 90, 90)), "PNG")
    body = client.post("/h/hash", {"photo": _upload(flat)}, **auth(keys.match)).json()
    assert body["pdq"] == "" and len(body["md5"]) == 32
