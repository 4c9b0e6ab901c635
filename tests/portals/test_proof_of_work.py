"""Proof of work: our own challenge endpoint; a solved challenge earns the normal limit, none the stricter one.

An accepted report answers 303 (on to the thank-you page); a refused one 429 with the form.
"""

from __future__ import annotations

import base64
import json

import altcha

from reportal.portals.altcha import _hmac_key


def _solve(challenge: dict) -> str:
    solution = altcha.solve_challenge(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"], 0
    )
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def _report(client, altcha_payload: str = ""):
    data = {"url": ["https://pow.example/page"], "seen_on": "web"}
    if altcha_payload:
        data["altcha"] = altcha_payload
    return client.post("/bz/en/report/", data)


def test_challenge_is_served_by_us_signed_and_not_cached(client, demo_portals, settings):
    settings.REPORTAL_ALTCHA_MAX_NUMBER = 1000
    response = client.get("/bz/challenge/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    challenge = response.json()
    assert challenge["algorithm"] == "SHA-256"
    assert challenge["maxNumber"] == 1000
    assert "expires=" in challenge["salt"]
    ok, _error = altcha.verify_solution(_solve(challenge), _hmac_key())
    assert ok


def test_without_a_solution_the_stricter_limit_applies(client, demo_portals, settings):
    settings.REPORTAL_RATE_LIMIT = "50/h"
    settings.REPORTAL_RATE_LIMIT_NO_JS = "2/h"
    assert _report(client).status_code == 303
    assert _report(client).status_code == 303
    refused = _report(client)
    assert refused.status_code == 429
    assert "Please wait an hour" in refused.content.decode()
    assert 'value="https://pow.example/page"' in refused.content.decode()  # nothing typed is lost


def test_a_solved_challenge_gets_the_normal_limit_once(client, demo_portals, settings):
    settings.REPORTAL_RATE_LIMIT = "50/h"
    settings.REPORTAL_RATE_LIMIT_NO_JS = "1/h"
    settings.REPORTAL_ALTCHA_MAX_NUMBER = 2000
    assert _report(client).status_code == 303
    assert _report(client).status_code == 429  # the no-JavaScript allowance is spent
    payload = _solve(client.get("/bz/challenge/").json())
    assert _report(client, payload).status_code == 303
    # The same solution again counts as none: replaying it does not buy the normal limit.
    assert _report(client, payload).status_code == 429
    assert _report(client, "bm90IGEgcGF5bG9hZA==").status_code == 429


def test_a_forged_challenge_is_not_accepted(client, demo_portals, settings):
    settings.REPORTAL_RATE_LIMIT_NO_JS = "1/h"
    assert _report(client).status_code == 303
    forged = altcha.create_challenge(
        algorithm="SHA-256",
        max_number=10,
        salt_length=12,
        hmac_key="not-our-key",
        salt="",
        number=None,
        expires=None,
        params=None,
    ).to_dict()
    assert _report(client, _solve(forged)).status_code == 429


def test_status_checks_are_rate_limited(client, demo_portals, settings):
    settings.REPORTAL_STATUS_RATE_LIMIT = "2/h"
    for _ in range(2):
        assert client.post("/gt/es/status/", {"reference": "7KQ2-M9XD-0B4T-HV3R-E8ZN"}).status_code == 404
    refused = client.post("/gt/es/status/", {"reference": "7KQ2-M9XD-0B4T-HV3R-E8ZN"})
    assert refused.status_code == 429
    assert "Espere una hora" in refused.content.decode()


def test_reporters_without_proof_of_work_share_the_anonymous_api_allowance(client, demo_portals, settings):
    settings.REPORTAL_RATE_LIMIT_NO_JS = "1/h"
    assert _report(client).status_code == 303  # the portal form, JavaScript off
    response = client.post(
        "/api/v1/reports",
        {"portal": "bz", "urls": ["https://api.example/page"], "seen_on": "web"},
        content_type="application/json",
    )
    assert response.status_code == 429  # the same strict allowance, not a second one
