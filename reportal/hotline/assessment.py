"""Deciding an item: the analyst's outcome moves its status, opens second opinions, and (after commit) hands
confirmed items to tracing/action, the URL list and the hash bank."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from reportal.hotline import claims, preview
from reportal.hotline.models import Assessment, ListScope, NotActionableReason, Outcome, Review, ReviewReason
from reportal.hotline.schemes import ClassificationInvalid, category_of, clean_classification
from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus, ReportedUrl

logger = logging.getLogger(__name__)
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


def check_decision(decision: Decision, *, allow_second_opinion: bool = True) -> dict[str, Any]:
    """Validate a decision; returns the cleaned classification or raises AssessmentRefused."""
    errors: dict[str, str] = {}
    allowed = set(Outcome.values) if allow_second_opinion else {Outcome.ACTIONABLE, Outcome.NOT_ACTIONABLE}
    if decision.outcome not in allowed:
        errors["outcome"] = _("Choose an outcome: actionable, not actionable, or needs a second opinion.")
    if decision.outcome == Outcome.NOT_ACTIONABLE and decision.reason not in NotActionableReason.values:
        errors["reason"] = _("Say why the item is not actionable.")
    if decision.outcome == Outcome.ACTIONABLE and decision.list_scope not in ListScope.values:
        errors["list_scope"] = _("Choose what the URL list should block: this address, its path, or its domain.")
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
    classification = check_decision(decision)
    with transaction.atomic():
        item = ReportedUrl.objects.select_for_update().get(pk=item.pk)
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
    """Move the item to the assessment's outcome and queue the follow-up work for after commit."""
    if assessment.outcome == Outcome.ACTIONABLE:
        try:
            with transaction.atomic():
                change_status(item, ItemStatus.ACTIONABLE, actor=actor, reason="assessed actionable")
        except IntegrityError:
            # Reopening a closed item collides with a newer open item for the same address.
            raise AssessmentRefused(
                {"__all__": _("A newer item for this address is open; assess that one instead.")}
            ) from None
        images = preview.images_seen(item)
        transaction.on_commit(lambda: after_confirmed(item, assessment, actor, images))
    elif assessment.outcome == Outcome.NOT_ACTIONABLE:
        change_status(item, ItemStatus.NOT_ACTIONABLE, actor=actor, reason=assessment.reason)
        transaction.on_commit(lambda: preview.STORE.forget_item(item.pk))


def after_confirmed(item: ReportedUrl, assessment: Assessment, actor: Any, images: list[bytes]) -> None:
    """Hand a confirmed item to the next stages; each one's failure is logged and does not stop the others."""
    from reportal.actions import services as actions
    from reportal.hashes import services as hashes
    from reportal.hotline import evidence
    from reportal.lists import services as lists

    category = category_of(assessment.classification)
    if not images:
        images = preview.refetch_images(item)
    _call("actions.on_actionable", lambda: actions.on_actionable(item, actor))
    _call(
        "lists.on_confirmed",
        lambda: lists.on_confirmed(item, scope=assessment.list_scope, category=category, actor=actor),
    )
    if images:
        _call(
            "hashes.add_confirmed_images",
            lambda: hashes.add_confirmed_images(item, images, analyst=actor, classification=category),
        )
        _call("evidence.store_images", lambda: evidence.store_images(item, images))
    preview.STORE.forget_item(item.pk)


def after_overturned(item: ReportedUrl) -> None:
    """A senior found a confirmed item not actionable: its list entry ends."""
    from reportal.lists import services as lists

    _call("lists.on_removed", lambda: lists.on_removed(item))


def _call(name: str, hook: Callable[[], Any]) -> None:
    try:
        hook()
    except NotImplementedError:
        logger.info("%s is not available yet; skipped", name)
    except Exception:
        logger.exception("%s failed after an assessment; the decision stands", name)
