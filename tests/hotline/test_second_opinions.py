"""Second opinions: flagged items and a random share of decisions reach a senior, who agrees or decides otherwise;
agreement rates per analyst follow."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from reportal.hotline import claims, reviews
from reportal.hotline.assessment import AssessmentRefused, Decision, assess_item
from reportal.hotline.models import Review
from reportal.reports.models import ItemStatus

from .factories import report_item

pytestmark = pytest.mark.django_db

BASELINE = {"legal_assessment": "baseline"}


def _users():
    model = get_user_model()
    return model.objects.create_user("ana"), model.objects.create_user("sam")


def _assessed(url: str, analyst, decision: Decision):
    item = report_item(url)
    claims.claim_item(item, analyst)
    assess_item(item, analyst, decision)
    item.refresh_from_db()
    return item


def test_share_of_decisions_is_sampled(settings):
    ana, _sam = _users()
    settings.REPORTAL_SECOND_OPINION_SHARE = 1.0
    sampled = _assessed("https://so.example/1", ana, Decision("actionable", classification=BASELINE))
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    unsampled = _assessed("https://so.example/2", ana, Decision("actionable", classification=BASELINE))

    assert Review.objects.get(item=sampled).reason == "sampled"
    assert not Review.objects.filter(item=unsampled).exists()
    assert sampled.status == ItemStatus.ACTIONABLE  # the decision takes effect while it waits for review


def test_senior_decides_a_flagged_item(settings, django_capture_on_commit_callbacks):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    ana, sam = _users()
    item = _assessed("https://so.example/flagged", ana, Decision("second_opinion"))
    review = reviews.pending_reviews().get(item=item)

    with django_capture_on_commit_callbacks(execute=True):
        reviews.decide(review, sam, Decision("actionable", classification=BASELINE))

    review.refresh_from_db()
    assert item.events.filter(to_status=ItemStatus.ACTIONABLE, actor=sam).exists()  # then on to the actions stage
    assert review.verdict == "decided" and review.senior == sam and review.decision.analyst == sam
    assert not reviews.pending_reviews().exists()


def test_disagreement_changes_the_outcome(settings, django_capture_on_commit_callbacks):
    settings.REPORTAL_SECOND_OPINION_SHARE = 1.0
    ana, sam = _users()
    item = _assessed("https://so.example/overturned", ana, Decision("actionable", classification=BASELINE))
    review = Review.objects.get(item=item)

    with django_capture_on_commit_callbacks(execute=True):
        reviews.decide(review, sam, Decision("not_actionable", reason="not_illegal"))

    item.refresh_from_db()
    review.refresh_from_db()
    assert review.verdict == "disagree"
    assert item.status == ItemStatus.NOT_ACTIONABLE
    assert item.events.last().actor == sam


def test_agreement_leaves_the_outcome(settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 1.0
    ana, sam = _users()
    item = _assessed("https://so.example/agreed", ana, Decision("not_actionable", reason="not_found"))
    review = reviews.agree(Review.objects.get(item=item), sam)
    item.refresh_from_db()
    assert review.verdict == "agree"
    assert item.status == ItemStatus.NOT_ACTIONABLE


def test_nobody_reviews_their_own_decision_or_one_already_given(settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 1.0
    ana, sam = _users()
    item = _assessed("https://so.example/own", ana, Decision("actionable", classification=BASELINE))
    review = Review.objects.get(item=item)
    with pytest.raises(AssessmentRefused, match="someone else"):
        reviews.agree(review, ana)
    reviews.agree(review, sam)
    review.refresh_from_db()
    with pytest.raises(AssessmentRefused, match="already been given"):
        reviews.decide(
            review, get_user_model().objects.create_user("tia"), Decision("not_actionable", reason="not_found")
        )


def test_flagged_item_needs_a_decision_not_only_agreement(settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    ana, sam = _users()
    item = _assessed("https://so.example/flag2", ana, Decision("second_opinion"))
    with pytest.raises(AssessmentRefused, match="needs your decision"):
        reviews.agree(Review.objects.get(item=item), sam)


def test_agreement_rate_per_analyst(settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 1.0
    ana, sam = _users()
    for n, verdict in enumerate(["agree", "agree", "disagree"]):
        item = _assessed(f"https://so.example/rate{n}", ana, Decision("actionable", classification=BASELINE))
        review = Review.objects.get(item=item)
        if verdict == "agree":
            reviews.agree(review, sam)
        else:
            reviews.decide(review, sam, Decision("not_actionable", reason="outside_remit"))
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    _assessed("https://so.example/flag-not-counted", ana, Decision("second_opinion"))
    reviews.decide(
        Review.objects.get(item__canonical_url="https://so.example/flag-not-counted"),
        sam,
        Decision("not_actionable", reason="not_found"),
    )

    (rate,) = reviews.agreement_rates()
    assert (rate.analyst, rate.reviewed, rate.agreed, rate.disagreed, rate.percent) == ("ana", 3, 2, 1, 67)
