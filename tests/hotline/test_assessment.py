"""Assessment outcomes: statuses, validation against the seeded schemes, and the hand-over to the next stages."""

from __future__ import annotations

import hashlib
import time

import pytest
from django.contrib.auth import get_user_model

from reportal.hotline import claims, media, preview
from reportal.hotline.assessment import AssessmentRefused, Decision, assess_item
from reportal.hotline.models import Assessment, ClassificationScheme, Review
from reportal.hotline.schemes import active_schemes
from reportal.reports.models import ItemStatus

from .factories import report_item

pytestmark = pytest.mark.django_db

CONFIRMED = {"legal_assessment": "baseline", "uk_category": "A", "content_type": ["photo"], "commercial": True}


@pytest.fixture(autouse=True)
def no_sampling(settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0


def _claimed(url: str, name: str = "ana"):
    analyst = get_user_model().objects.create_user(name)
    item = report_item(url)
    claims.claim_item(item, analyst)
    return item, analyst


def test_seeded_schemes_cover_the_issue():
    schemes = {scheme.key: scheme for scheme in active_schemes()}
    assert [o.key for o in schemes["legal_assessment"].options] == ["baseline", "national", "not_illegal"]
    assert [o.key for o in schemes["uk_category"].options] == ["A", "B", "C"]
    assert [o.key for o in schemes["age_group"].options] == ["infant_toddler", "prepubescent", "pubescent"]
    assert {o.key for o in schemes["content_type"].options} == {
        "photo",
        "video",
        "drawn_virtual",
        "ai_generated",
        "text",
    }
    assert len(schemes["site_type"].options) == 12
    assert schemes["self_generated"].kind == "flag" and schemes["commercial"].kind == "flag"
    assert "gender" in schemes


def test_schemes_are_configurable_rows():
    ClassificationScheme.objects.filter(key="uk_category").update(active=False)
    assert "uk_category" not in {scheme.key for scheme in active_schemes()}


def test_actionable_hands_over_to_actions_lists_and_hashes(monkeypatch, django_capture_on_commit_callbacks):
    calls: dict[str, tuple] = {}
    monkeypatch.setattr(
        "reportal.actions.services.on_actionable",
        lambda item, actor=None: calls.setdefault("actions", (item.pk, actor)),
    )
    monkeypatch.setattr(
        "reportal.lists.services.on_confirmed",
        lambda item, *, scope="url", category="", actor=None: calls.setdefault("lists", (item.pk, scope, category)),
    )
    monkeypatch.setattr(
        "reportal.hashes.services.add_confirmed_images",
        lambda item, images, *, analyst=None, classification="": (
            calls.setdefault("hashes", (item.pk, images, classification)) and 1
        ),
    )
    item, analyst = _claimed("https://assess.example/confirmed")
    preview.STORE.put(
        preview.StoredImage(
            item.pk, analyst.pk, "https://assess.example/a.png", b"thumb", b"original", time.monotonic()
        )
    )
    # The image was recorded as a media item and graded on its own: the bank gets its grade, not the page's.
    [medium] = media.record_page_media(
        item.pk,
        [
            media.FoundMedia(
                url="https://assess.example/a.png",
                kind="image",
                content_type="image/png",
                size_bytes=8,
                width=1,
                height=1,
                md5="0" * 32,
                sha256=hashlib.sha256(b"original").hexdigest(),
                pdq="f" * 64,
                pdq_quality=90,
            )
        ],
    )
    media.grade_media(item.pk, [medium], {"legal_assessment": "national"}, analyst)

    with django_capture_on_commit_callbacks(execute=True):
        assessment = assess_item(item, analyst, Decision("actionable", list_scope="domain", classification=CONFIRMED))

    item.refresh_from_db()
    assert item.status == ItemStatus.ACTIONABLE
    assert assessment.classification == {**CONFIRMED, "content_type": ["photo"]}
    assert calls["actions"] == (item.pk, analyst)
    assert calls["lists"] == (item.pk, "domain", "baseline/uk-A")
    assert calls["hashes"] == (item.pk, [b"original"], "national")
    assert not claims.holds_claim(item, analyst)
    assert item.events.last().actor == analyst


def test_hooks_not_yet_built_do_not_undo_the_decision(django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(
        "reportal.actions.services.on_actionable", lambda item, actor=None: (_ for _ in ()).throw(NotImplementedError)
    )
    item, analyst = _claimed("https://assess.example/hooks")
    with django_capture_on_commit_callbacks(execute=True):
        assess_item(item, analyst, Decision("actionable", classification={"legal_assessment": "national"}))
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTIONABLE


def test_not_actionable_closes_with_reason():
    item, analyst = _claimed("https://assess.example/gone")
    assess_item(item, analyst, Decision("not_actionable", reason="no_longer_available"))
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_ACTIONABLE
    assert not item.is_open
    assert item.closed_reason == "no_longer_available"


def test_second_opinion_goes_to_seniors():
    item, analyst = _claimed("https://assess.example/unsure")
    assess_item(item, analyst, Decision("second_opinion", notes="Age unclear."))
    item.refresh_from_db()
    assert item.status == ItemStatus.SECOND_OPINION
    review = Review.objects.get(item=item)
    assert review.reason == "flagged" and review.decided_at is None


@pytest.mark.parametrize(
    ("decision", "field", "says"),
    [
        (Decision("actionable"), "legal_assessment", "before marking the item actionable"),
        (
            Decision("actionable", classification={"legal_assessment": "not_illegal"}),
            "legal_assessment",
            "cannot be actionable",
        ),
        (Decision("not_actionable"), "reason", "Say why"),
        (
            Decision("actionable", classification={"legal_assessment": "baseline", "colour": "red"}),
            "colour",
            "no classification scheme",
        ),
        (
            Decision("actionable", classification={"legal_assessment": "baseline", "uk_category": "Z"}),
            "uk_category",
            "Choose one",
        ),
        (Decision("maybe"), "outcome", "Choose an outcome"),
    ],
)
def test_invalid_decisions_are_refused_with_a_reason(decision, field, says):
    item, analyst = _claimed("https://assess.example/invalid")
    with pytest.raises(AssessmentRefused) as refused:
        assess_item(item, analyst, decision)
    assert says in refused.value.errors[field]
    item.refresh_from_db()
    assert item.status == ItemStatus.ASSESSING
    assert not Assessment.objects.exists()


def test_assessing_without_a_claim_is_refused():
    item, analyst = _claimed("https://assess.example/unclaimed")
    claims.release_item(item, analyst)
    item.refresh_from_db()
    with pytest.raises(AssessmentRefused, match="Claim this item"):
        assess_item(item, analyst, Decision("not_actionable", reason="not_found"))


def test_operators_extend_a_scheme_in_the_admin(staff_client):
    """A hotline admin (the role that may use the Django admin) adds an option; the change is audited."""
    from reportal.audit.models import AuditEntry

    client, _admin = staff_client("admin")
    scheme = ClassificationScheme.objects.get(key="site_type")
    count = scheme.options.count()
    form = {
        "key": "site_type",
        "name": "Site type",
        "description": "",
        "kind": "single",
        "position": scheme.position,
        "active": "on",
        "options-TOTAL_FORMS": count + 1,
        "options-INITIAL_FORMS": count,
        "options-MIN_NUM_FORMS": 0,
        "options-MAX_NUM_FORMS": 1000,
    }
    for index, option in enumerate(scheme.options.all()):
        form |= {
            f"options-{index}-id": option.pk,
            f"options-{index}-scheme": scheme.pk,
            f"options-{index}-key": option.key,
            f"options-{index}-label": option.label,
            f"options-{index}-position": option.position,
            f"options-{index}-active": "on",
        }
    form |= {
        f"options-{count}-scheme": scheme.pk,
        f"options-{count}-key": "game",
        f"options-{count}-label": "Online game",
        f"options-{count}-position": 99,
        f"options-{count}-active": "on",
    }

    response = client.post(f"/admin/hotline/classificationscheme/{scheme.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert "game" in [o.key for o in next(s for s in active_schemes() if s.key == "site_type").options]
    assert AuditEntry.objects.filter(action="hotline.scheme.options_changed").exists()
