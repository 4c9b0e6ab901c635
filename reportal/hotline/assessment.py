"""Deciding an item: the analyst's outcome moves its status, opens second opinions, and records what the next
stages owe a confirmed item (trace and notice, list entry, hash banking, evidence) in the same transaction.

Nothing of the next stages runs inside the analyst's request: the hand-offs (reportal/pipeline/registry.py) are
carried out by Celery tasks after the commit, and swept again by beat until they are done."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from reportal.hotline import claims, preview
from reportal.hotline.models import Assessment, ListScope, NotActionableReason, Outcome, Review, ReviewReason
from reportal.hotline.schemes import ClassificationInvalid, category_of, clean_classification
from reportal.pipeline import services as pipeline
from reportal.reports import services as reports
from reportal.reports.services import ItemStatus, ReportedUrl, change_status

_random = secrets.SystemRandom()


@dataclass(frozen=True)
class Decision:
    """What an analyst (or a senior on a second opinion) decided, as submitted by the form or the API."""

    outcome: str
    reason: str = ""
    list_scope: str = ListScope.URL
    classification: dict[str, Any] = field(default_factory=dict)
    notes: str = ""


class AssessmentRefused(Exception):
    """The decision was not recorded; `errors` maps a field (or '__all__') to what to do about it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def check_decision(decision: Decision, *, allow_second_opinion: bool = True, canonical_url: str = "") -> dict[str, Any]:
    """Validate a decision (for the item at `canonical_url`, when given); returns the cleaned classification or
    raises AssessmentRefused."""
    errors: dict[str, str] = {}
    allowed = set(Outcome.values) if allow_second_opinion else {Outcome.ACTIONABLE, Outcome.NOT_ACTIONABLE}
    if decision.outcome not in allowed:
        errors["outcome"] = _("Choose an outcome: actionable, not actionable, or needs a second opinion.")
    if decision.outcome == Outcome.NOT_ACTIONABLE and decision.reason not in NotActionableReason.values:
        errors["reason"] = _("Say why the item is not actionable.")
    if decision.outcome == Outcome.ACTIONABLE and decision.list_scope not in ListScope.values:
        errors["list_scope"] = _("Choose what the URL list should block: this address, its path, or its domain.")
    elif decision.outcome == Outcome.ACTIONABLE and canonical_url:
        from reportal.lists.services import scope_problem

        # Refused here, with the reason, rather than dropped by the lists stage after the decision is saved.
        if problem := scope_problem(canonical_url, decision.list_scope):
            errors["list_scope"] = problem
    if len(decision.notes) > 2000:
        errors["notes"] = _("Keep notes under 2000 characters.")
    try:
        cleaned = clean_classification(decision.classification, actionable=decision.outcome == Outcome.ACTIONABLE)
    except ClassificationInvalid as exc:
        errors.update(exc.errors)
        cleaned = {}
    if errors:
        raise AssessmentRefused(errors)
    return cleaned


def assess_item(item: ReportedUrl, analyst: Any, decision: Decision) -> Assessment:
    """Record `analyst`'s decision on an item they have claimed, and move the item on."""
    classification = check_decision(decision, canonical_url=item.canonical_url)
    with transaction.atomic():
        item = reports.lock_item(item.pk)
        if item.status != ItemStatus.ASSESSING or not claims.holds_claim(item, analyst):
            raise AssessmentRefused(
                {"__all__": _("Claim this item before assessing it; your claim may have expired or been released.")}
            )
        assessment = Assessment.objects.create(
            item=item,
            analyst=analyst,
            outcome=decision.outcome,
            reason=decision.reason if decision.outcome == Outcome.NOT_ACTIONABLE else "",
            list_scope=decision.list_scope if decision.outcome == Outcome.ACTIONABLE else ListScope.URL,
            classification=classification,
            notes=decision.notes,
        )
        if decision.outcome == Outcome.SECOND_OPINION:
            change_status(item, ItemStatus.SECOND_OPINION, actor=analyst, reason="second opinion requested")
            Review.objects.create(assessment=assessment, item=item, reason=ReviewReason.FLAGGED)
        else:
            apply_outcome(item, assessment, analyst)
            if _random.random() < settings.REPORTAL_SECOND_OPINION_SHARE:
                Review.objects.create(assessment=assessment, item=item, reason=ReviewReason.SAMPLED)
        claims.end_claim(item)
    return assessment


def apply_outcome(item: ReportedUrl, assessment: Assessment, actor: Any) -> None:
    """Move the item to the assessment's outcome; a confirmation records its hand-offs in the same transaction."""
    if assessment.outcome == Outcome.ACTIONABLE:
        try:
            with transaction.atomic():
                change_status(item, ItemStatus.ACTIONABLE, actor=actor, reason="assessed actionable")
        except IntegrityError:
            # Reopening a closed item collides with a newer open item for the same address.
            raise AssessmentRefused(
                {"__all__": _("A newer item for this address is open; assess that one instead.")}
            ) from None
        pipeline.record(
            "item.confirmed",
            item.pk,
            key=f"assessment:{assessment.pk}",
            payload={
                "assessment_id": assessment.pk,
                "scope": assessment.list_scope,
                "category": category_of(assessment.classification),
                "actor_id": getattr(actor, "pk", None),
            },
        )
    elif assessment.outcome == Outcome.NOT_ACTIONABLE:
        change_status(item, ItemStatus.NOT_ACTIONABLE, actor=actor, reason=assessment.reason)
    # Registered after the hand-offs' sends: a run in this process (eager tests) may still use the previewed images.
    transaction.on_commit(lambda: preview.STORE.forget_item(item.pk))


def after_overturned(item: ReportedUrl, assessment: Assessment) -> None:
    """A senior found a confirmed item not actionable: its list entry ends. Call inside the senior's transaction."""
    pipeline.record("item.overturned", item.pk, key=f"assessment:{assessment.pk}")
