"""Claims: one analyst per item, until released or expired; the status follows."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from reportal.hotline import claims
from reportal.hotline.models import Claim
from reportal.reports.models import ItemStatus

from .factories import report_item

pytestmark = pytest.mark.django_db


def _user(name: str):
    return get_user_model().objects.create_user(name, password=None)


def test_claim_moves_item_to_assessing_and_blocks_others():
    item = report_item("https://claims.example/a")
    ana, bea = _user("ana"), _user("bea")

    state = claims.claim_item(item, ana)

    item.refresh_from_db()
    assert item.status == ItemStatus.ASSESSING
    assert state.held_by(ana)
    with pytest.raises(claims.ClaimRefused, match="ana is assessing this item"):
        claims.claim_item(item, bea)
    assert claims.claim_state(item).held_by(ana)


def test_claiming_again_extends_own_claim():
    item = report_item("https://claims.example/b")
    ana = _user("ana")
    first = claims.claim_item(item, ana)
    Claim.objects.filter(item=item).update(expires_at=timezone.now() + timedelta(minutes=1))

    second = claims.claim_item(item, ana)

    assert second.expires_at > first.expires_at - timedelta(minutes=1)
    assert second.expires_at > timezone.now() + timedelta(minutes=5)


def test_released_item_returns_to_queue_and_can_be_claimed_by_another():
    item = report_item("https://claims.example/c")
    ana, bea = _user("ana"), _user("bea")
    claims.claim_item(item, ana)

    assert claims.release_item(item, bea) is False  # not bea's claim
    assert claims.release_item(item, ana) is True

    item.refresh_from_db()
    assert item.status == ItemStatus.NEW
    assert claims.claim_item(item, bea).held_by(bea)


def test_expired_claim_can_be_taken_over(settings):
    settings.REPORTAL_CLAIM_MINUTES = 5
    item = report_item("https://claims.example/d")
    ana, bea = _user("ana"), _user("bea")
    claims.claim_item(item, ana)
    Claim.objects.filter(item=item).update(expires_at=timezone.now() - timedelta(seconds=1))

    state = claims.claim_item(item, bea)

    assert state.held_by(bea)
    assert not claims.holds_claim(item, ana)
    item.refresh_from_db()
    assert item.status == ItemStatus.ASSESSING


def test_claim_lasts_the_configured_minutes(settings):
    settings.REPORTAL_CLAIM_MINUTES = 7
    item = report_item("https://claims.example/e")
    before = timezone.now()
    state = claims.claim_item(item, _user("ana"))
    assert before + timedelta(minutes=7) <= state.expires_at <= timezone.now() + timedelta(minutes=7)


def test_decided_item_cannot_be_claimed():
    item = report_item("https://claims.example/f")
    from reportal.reports.lifecycle import change_status

    change_status(item, ItemStatus.NOT_ACTIONABLE, reason="not_found")
    with pytest.raises(claims.ClaimRefused, match="already been assessed"):
        claims.claim_item(item, _user("ana"))


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_have_exactly_one_winner():
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads cannot share an in-memory SQLite test database; PostgreSQL runs this")
    item = report_item("https://claims.example/race")
    users = [_user(f"analyst{i}") for i in range(8)]
    barrier = threading.Barrier(len(users))
    winners: list[str] = []
    refused: list[str] = []

    def attempt(user):
        barrier.wait()
        try:
            claims.claim_item(item, user)
            winners.append(user.username)
        except claims.ClaimRefused:
            refused.append(user.username)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(winners) == 1, (winners, refused)
    assert len(refused) == len(users) - 1
    assert claims.claim_state(item).claimed_by_name == winners[0]


def test_extending_keeps_a_live_claim_but_never_revives_an_expired_one(settings):
    settings.REPORTAL_CLAIM_MINUTES = 30
    item = report_item("https://claims.example/extend")
    ana, bea = _user("ana"), _user("bea")
    claims.claim_item(item, ana)
    Claim.objects.filter(item=item).update(expires_at=timezone.now() + timedelta(minutes=2))

    assert claims.extend_claim(item, ana) is True
    assert claims.claim_state(item).expires_at > timezone.now() + timedelta(minutes=29)
    assert claims.extend_claim(item, bea) is False

    Claim.objects.filter(item=item).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert claims.extend_claim(item, ana) is False
    assert not claims.holds_claim(item, ana)
