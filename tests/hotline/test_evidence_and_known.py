"""Evidence storage (off by default; encrypted and expiring when on) and the queue's 'known' hints."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from reportal.hotline import claims, evidence, preview
from reportal.hotline.assessment import Decision, assess_item
from reportal.hotline.models import Evidence, PreviewHashMatch

from .factories import report_item
from .images import drawn_image

pytestmark = pytest.mark.django_db


def _confirm(url: str, image: bytes, capture) -> object:
    analyst = get_user_model().objects.create_user(f"a{abs(hash(url)) % 10000}")
    item = report_item(url)
    claims.claim_item(item, analyst)
    preview.STORE.put(preview.StoredImage(item.pk, analyst.pk, url + "/i.png", b"thumb", image, time.monotonic()))
    with capture(execute=True):
        assess_item(item, analyst, Decision("actionable", classification={"legal_assessment": "baseline"}))
    return item


def test_nothing_is_kept_unless_evidence_storage_is_on(settings, django_capture_on_commit_callbacks):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    settings.REPORTAL_EVIDENCE_STORAGE = False
    _confirm("https://ev.example/off", drawn_image("PNG"), django_capture_on_commit_callbacks)
    assert not Evidence.objects.exists()


def test_evidence_is_encrypted_and_expires(settings, django_capture_on_commit_callbacks):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    settings.REPORTAL_EVIDENCE_STORAGE = True
    settings.REPORTAL_EVIDENCE_DAYS = 30
    image = drawn_image("PNG", seed=21)
    item = _confirm("https://ev.example/on", image, django_capture_on_commit_callbacks)

    stored = Evidence.objects.get(item=item)
    assert image not in bytes(stored.encrypted) and image[:64] not in bytes(stored.encrypted)
    assert evidence.read(stored) == image
    assert timezone.now() + timedelta(days=29) < stored.expires_at <= timezone.now() + timedelta(days=30)

    Evidence.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert evidence.purge_expired() == 1
    assert not Evidence.objects.exists()


def test_queue_marks_addresses_domains_and_hashes_already_known(staff_client, settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    from reportal.hotline.models import Assessment
    from reportal.reports.lifecycle import change_status
    from reportal.reports.models import ItemStatus

    earlier = report_item("https://known.example/same")
    Assessment.objects.create(item=earlier, outcome="actionable", classification={"legal_assessment": "baseline"})
    change_status(earlier, ItemStatus.REMOVED, reason="removed")
    again = report_item("https://known.example/same")  # reported again after removal: a new item
    neighbour = report_item("https://known.example/other")
    hashed = report_item("https://hash.example/x")
    PreviewHashMatch.objects.create(item=hashed, matches=2)
    client, _analyst = staff_client("analyst")

    page = client.get("/workbench/").content.decode()

    def row(item) -> str:
        start = page.index(f'data-item="{item.pk}"')
        return page[start : page.index("</tr>", start)]

    assert "Address confirmed before" in row(again)
    assert "Domain has confirmed items" in row(neighbour) and "Address confirmed before" not in row(neighbour)
    assert "Images match the hash bank" in row(hashed)
