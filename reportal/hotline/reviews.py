"""Second opinions: a senior analyst agrees with an assessment or decides otherwise; agreement rates per analyst."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reportal.hotline import claims
from reportal.hotline.assessment import AssessmentRefused, Decision, after_overturned, apply_outcome, check_decision
from reportal.hotline.models import Assessment, Outcome, Review, ReviewReason, Verdict


def pending_reviews() -> QuerySet[Review]:
    return (
        Review.objects.filter(decided_at__isnull=True)
        .select_related("assessment", "assessment__analyst", "item", "item__portal")
        .order_by("-item__priority", "created_at")
    )


def agree(review: Review, senior: Any) -> Review:
    """The senior agrees with a sampled decision: recorded, nothing else changes."""
    if review.reason != ReviewReason.SAMPLED:
        raise AssessmentRefused({"__all__": _("A flagged item needs your decision, not only your agreement.")})
    _check_reviewer(review, senior)
    with transaction.atomic():
        _take(review, senior, Verdict.AGREE, None)
    review.refresh_from_db()
    return review


def decide(review: Review, senior: Any, decision: Decision) -> Review:
    """The senior's own decision: it settles a flagged item, or confirms or overturns a sampled one."""
    _check_reviewer(review, senior)
    classification = check_decision(decision, allow_second_opinion=False, canonical_url=review.item.canonical_url)
    original = review.assessment
    with transaction.atomic():
        own = Assessment.objects.create(
            item=review.item,
            analyst=senior,
            outcome=decision.outcome,
            reason=decision.reason if decision.outcome == Outcome.NOT_ACTIONABLE else "",
            list_scope=decision.list_scope,
            classification=classification,
            notes=decision.notes,
            is_review=True,
        )
        if review.reason == ReviewReason.FLAGGED:
            verdict = Verdict.DECIDED
        else:
            verdict = Verdict.AGREE if decision.outcome == original.outcome else Verdict.DISAGREE
        _take(review, senior, verdict, own)
        item = review.item
        item.refresh_from_db()
        if review.reason == ReviewReason.FLAGGED or verdict == Verdict.DISAGREE:
            was_confirmed = original.outcome == Outcome.ACTIONABLE
            apply_outcome(item, own, senior)
            if was_confirmed and own.outcome == Outcome.NOT_ACTIONABLE:
                after_overturned(item, own)
        claims.end_claim(item)
    review.refresh_from_db()
    return review


def _check_reviewer(review: Review, senior: Any) -> None:
    if review.decided_at is not None:
        raise AssessmentRefused({"__all__": _("This second opinion has already been given.")})
    if review.assessment.analyst_id == senior.pk:
        raise AssessmentRefused(
            {"__all__": _("A second opinion must come from someone else; leave this one to a colleague.")}
        )


def _take(review: Review, senior: Any, verdict: str, own: Assessment | None) -> None:
    # Conditional UPDATE: if two seniors answer at once, only one is recorded.
    taken = Review.objects.filter(pk=review.pk, decided_at__isnull=True).update(
        senior=senior, verdict=verdict, decision=own, decided_at=timezone.now()
    )
    if not taken:
        raise AssessmentRefused({"__all__": _("This second opinion has already been given.")})


@dataclass(frozen=True)
class AgreementRate:
    analyst_id: int
    analyst: str
    reviewed: int
    agreed: int
    disagreed: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.reviewed if self.reviewed else None

    @property
    def percent(self) -> int | None:
        return round(self.rate * 100) if self.rate is not None else None


def agreement_rates() -> list[AgreementRate]:
    """How often seniors agreed with each analyst's sampled or checked decisions (flagged items do not count)."""
    rows = (
        Review.objects.filter(verdict__in=[Verdict.AGREE, Verdict.DISAGREE], assessment__analyst__isnull=False)
        .values("assessment__analyst")
        .annotate(
            agreed=Count("pk", filter=Q(verdict=Verdict.AGREE)),
            disagreed=Count("pk", filter=Q(verdict=Verdict.DISAGREE)),
        )
    )
    names = dict(
        get_user_model().objects.filter(pk__in=[r["assessment__analyst"] for r in rows]).values_list("pk", "username")
    )
    rates = [
        AgreementRate(
            analyst_id=row["assessment__analyst"],
            analyst=names.get(row["assessment__analyst"], ""),
            reviewed=row["agreed"] + row["disagreed"],
            agreed=row["agreed"],
            disagreed=row["disagreed"],
        )
        for row in rows
    ]
    return sorted(rates, key=lambda rate: rate.analyst)
