"""Self-hosted proof of work (altcha): challenges from our own endpoint, single-use verification of solutions."""

from __future__ import annotations

import base64
import datetime as dt
import json

import altcha
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac


def _hmac_key() -> str:
    # Derived from SECRET_KEY, so there is no second secret to configure or leak.
    return salted_hmac("reportal.portals.altcha", "hmac-key").hexdigest()


def new_challenge() -> dict[str, object]:
    expires = timezone.now() + dt.timedelta(seconds=settings.REPORTAL_ALTCHA_EXPIRES_SECONDS)
    challenge = altcha.create_challenge(
        algorithm="SHA-256",
        max_number=settings.REPORTAL_ALTCHA_MAX_NUMBER,
        salt_length=12,
        hmac_key=_hmac_key(),
        salt="",
        number=None,
        expires=expires,
        params=None,
    )
    return challenge.to_dict()


def solution_is_valid(payload: str) -> bool:
    """True once per solved, unexpired challenge of ours; a replayed solution counts as none."""
    if not payload or len(payload) > 4096:
        return False
    try:
        ok, _error = altcha.verify_solution(payload, _hmac_key(), check_expires=True)
    except Exception:  # malformed payloads raise from deep inside; they simply are not solutions
        return False
    if not ok:
        return False
    challenge = json.loads(base64.b64decode(payload))["challenge"]
    # cache.add is atomic: only the first use of a solution is accepted.
    return cache.add(f"altcha-used:{challenge}", 1, timeout=settings.REPORTAL_ALTCHA_EXPIRES_SECONDS + 60)
