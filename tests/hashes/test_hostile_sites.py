"""The HMA paths that fetch by address (/h/hash?url=, /m/lookup?url=, /c/bank/<name>/content?url=) answer a
hostile site with HMA's 400 {"message": ...}, never a 500, whatever its Location header or framing."""

from __future__ import annotations

import pytest

from tests.fakes.fixtures import allow_loopback  # noqa: F401 -- the fixture, for this module
from tests.fakes.raw_http import response, running_raw_server
from tests.hashes.conftest import auth
from tests.net.test_fetch_hostile import HOSTILE_LOCATIONS, HOSTILE_RESPONSES

pytestmark = pytest.mark.django_db

ANSWERS = [response(b"302 Found", [b"Location: " + loc, b"Content-Length: 0"]) for loc in HOSTILE_LOCATIONS]
ANSWERS += HOSTILE_RESPONSES


@pytest.fixture(scope="module")
def raw_server():
    yield from running_raw_server()


@pytest.mark.parametrize("raw", ANSWERS, ids=range(len(ANSWERS)))
@pytest.mark.usefixtures("allow_loopback")
def test_fetching_entry_points_answer_400_with_a_message(client, keys, raw_server, raw):
    raw_server.answer("/img", raw)
    url = raw_server.url("/img")
    create = client.post("/c/banks", {"name": "HOSTILE"}, content_type="application/json", **auth(keys.staff))
    assert create.status_code in (201, 403)
    answers = [
        client.get("/h/hash", {"url": url}, **auth(keys.match)),
        client.get("/m/lookup", {"url": url}, **auth(keys.match)),
        client.post(f"/c/bank/HOSTILE/content?url={url}", **auth(keys.staff)),
    ]
    for answer in answers:
        assert answer.status_code == 400, answer.content
        assert answer.json()["message"].startswith(("Failed to fetch URL", "unsupported url ContentType"))


@pytest.mark.usefixtures("allow_loopback")
def test_the_reported_case_names_the_problem(client, keys, raw_server):
    raw_server.answer("/r", response(b"302 Found", [b"Location: http:\\\\host\\x", b"Content-Length: 0"]))
    answer = client.get("/h/hash", {"url": raw_server.url("/r")}, **auth(keys.match))
    assert answer.status_code == 400
    assert "Failed to fetch URL" in answer.json()["message"]
