"""The workbench pages through real HTTP: queue order and filters, partners limited to their portals, claiming,
the assessment form, the veiled preview served by the app, reveal, and the audit trail of it all."""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta
from ipaddress import ip_network

import pytest
from django.utils import timezone
from PIL import Image

from reportal.audit.models import AuditEntry
from reportal.hotline.models import Review
from reportal.reports.models import ItemStatus, ReportedUrl
from tests.fakes.website import running_website

from .factories import report_item
from .images import drawn_image, page_with_images

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings):
    settings.REPORTAL_FETCH_ALLOW = [ip_network("127.0.0.0/8")]
    yield from running_website()


@pytest.fixture(autouse=True)
def _no_sampling(settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0


def _actions(user) -> list[str]:
    return list(AuditEntry.objects.filter(actor_id=user.pk).order_by("seq").values_list("action", flat=True))


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/workbench/")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert client.get("/api/v1/queue").status_code == 401


def test_queue_orders_by_priority_then_age_and_shows_counts_and_known(staff_client):
    old = report_item("https://q.example/old")
    ReportedUrl.objects.filter(pk=old.pk).update(first_reported_at=timezone.now() - timedelta(days=3))
    report_item("https://q.example/new")
    report_item("https://q.example/urgent", priority=5)
    report_item("https://q.example/urgent", description="Second report of the same address", portal_slug="sv")
    closed = report_item("https://q.example/done")
    from reportal.reports.lifecycle import change_status

    change_status(closed, ItemStatus.NOT_ACTIONABLE, reason="not_found")
    client, analyst = staff_client("analyst")

    page = client.get("/workbench/").content.decode()

    order = re.findall(r"<code class=\"wb-address\">(https://q\.example/\w+)</code>", page)
    assert order == ["https://q.example/urgent", "https://q.example/old", "https://q.example/new"]
    assert "Second report of the same address" not in page  # reporters' words stay on the item page
    assert "<summary>2</summary>" in page
    assert 'href="https://q.example' not in page  # addresses are text, never links
    assert "hotline.queue.viewed" in _actions(analyst)


def test_queue_filters_by_portal_age_and_seen_on(staff_client):
    report_item("https://f.example/gt-web", portal_slug="gt", seen_on="web")
    report_item("https://f.example/sv-social", portal_slug="sv", seen_on="social")
    old = report_item("https://f.example/gt-old", portal_slug="gt", seen_on="web")
    ReportedUrl.objects.filter(pk=old.pk).update(first_reported_at=timezone.now() - timedelta(days=10))
    client, _analyst = staff_client("analyst")

    def shown(query: str) -> set[str]:
        return set(re.findall(r"https://f\.example/[\w-]+", client.get(f"/workbench/?{query}").content.decode()))

    assert shown("portal=sv") == {"https://f.example/sv-social"}
    assert shown("seen_on=web") == {"https://f.example/gt-web", "https://f.example/gt-old"}
    assert shown("age=older") == {"https://f.example/gt-old"}
    assert shown("age=day&portal=gt") == {"https://f.example/gt-web"}


def test_partner_sees_only_their_portals_read_only(staff_client):
    mine = report_item("https://p.example/mine", portal_slug="gt", description="words for gt")
    theirs = report_item("https://p.example/theirs", portal_slug="sv", description="words for sv")
    shared = report_item("https://p.example/shared", portal_slug="sv")
    report_item("https://p.example/shared", portal_slug="gt")
    client, partner = staff_client("partner", portals=("gt",))

    page = client.get("/workbench/").content.decode()
    assert "https://p.example/mine" in page and "https://p.example/shared" in page
    assert "https://p.example/theirs" not in page
    assert client.get(f"/workbench/items/{theirs.pk}/").status_code == 404  # a guessed id shows nothing
    detail = client.get(f"/workbench/items/{mine.pk}/").content.decode()
    assert "words for gt" in detail and "Claim this item" not in detail
    assert client.post(f"/workbench/items/{mine.pk}/claim/").status_code == 403
    mine.refresh_from_db()
    assert mine.status == ItemStatus.NEW
    shared_page = client.get(f"/workbench/items/{shared.pk}/").content.decode()
    assert shared_page.count('class="wb-report"') == 1  # only the gt report of the shared item


def test_claim_then_second_analyst_is_refused(staff_client):
    item = report_item("https://c.example/page")
    ana_client, ana = staff_client("analyst", username="ana")
    bea_client, bea = staff_client("analyst", username="bea")

    response = ana_client.post(f"/workbench/items/{item.pk}/claim/")
    assert response.status_code == 302 and response["Location"] == f"/workbench/items/{item.pk}/"
    page = ana_client.get(response["Location"]).content.decode()
    assert "You are assessing this item until" in page
    assert 'id="assessment-form"' in page

    refused = bea_client.post(f"/workbench/items/{item.pk}/claim/", follow=True).content.decode()
    assert "ana is assessing this item until" in refused
    assert 'id="assessment-form"' not in refused
    assert "Claim this item" not in refused  # nothing to press while someone else holds it
    assert "hotline.item.claim_refused" in _actions(bea)
    assert "hotline.item.claimed" in _actions(ana)


def test_assessment_form_moves_the_item_on(staff_client):
    item = report_item("https://a.example/page")
    client, analyst = staff_client("analyst")
    client.post(f"/workbench/items/{item.pk}/claim/")

    response = client.post(
        f"/workbench/items/{item.pk}/assess/",
        {
            "outcome": "actionable",
            "list_scope": "url",
            "c_legal_assessment": "baseline",
            "c_content_type": ["photo"],
            "c_commercial": "on",
        },
    )

    assert response.status_code == 302 and response["Location"] == "/workbench/"
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTIONABLE
    assessment = item.assessments.get()
    assert assessment.classification == {"legal_assessment": "baseline", "content_type": ["photo"], "commercial": True}
    queue_page = client.get("/workbench/").content.decode()
    assert "saved as" in queue_page and "https://a.example/page" not in queue_page
    assert "hotline.item.assessed" in _actions(analyst)


def test_invalid_assessment_keeps_the_form_and_explains(staff_client):
    item = report_item("https://a.example/invalid")
    client, _analyst = staff_client("analyst")
    client.post(f"/workbench/items/{item.pk}/claim/")
    response = client.post(f"/workbench/items/{item.pk}/assess/", {"outcome": "not_actionable"})
    assert response.status_code == 400
    assert "Say why the item is not actionable." in response.content.decode()
    item.refresh_from_db()
    assert item.status == ItemStatus.ASSESSING


def test_preview_is_veiled_and_served_by_the_app_and_reveal_is_audited(staff_client, site):
    site.set("/a.png", drawn_image("PNG", seed=4), headers={"Content-Type": "image/png"})
    site.set("/page", page_with_images(["/a.png"]))
    item = report_item(site.url("/page"))
    client, analyst = staff_client("analyst")
    other_client, _other = staff_client("analyst")

    assert client.get(f"/workbench/items/{item.pk}/preview/").status_code == 403  # claim first
    client.post(f"/workbench/items/{item.pk}/claim/")
    fragment = client.get(f"/workbench/items/{item.pk}/preview/", HTTP_HX_REQUEST="true").content.decode()

    sources = re.findall(r'<img src="([^"]+)"', fragment)
    assert len(sources) == 1 and sources[0].startswith("data:image/jpeg;base64,")  # made by the app, inline
    assert f"127.0.0.1:{site.port}" not in " ".join(re.findall(r'(?:src|href|action)="([^"]*)"', fragment))
    assert _inline_image(sources[0]).mode == "L"

    token = re.search(r'action="/workbench/preview/([^/]+)/reveal/"', fragment).group(1)
    alone = client.get(f"/workbench/preview/{token}/")
    assert alone["Content-Type"] == "image/jpeg" and "no-store" in alone["Cache-Control"]
    assert Image.open(io.BytesIO(alone.content)).mode == "L"
    assert other_client.get(f"/workbench/preview/{token}/").status_code == 404  # tokens belong to their analyst
    assert other_client.post(f"/workbench/preview/{token}/reveal/").status_code == 404

    revealed_fragment = client.post(f"/workbench/preview/{token}/reveal/", HTTP_HX_REQUEST="true").content.decode()
    assert "wb-revealed" in revealed_fragment
    assert _inline_image(re.search(r'<img src="([^"]+)"', revealed_fragment).group(1)).mode == "RGB"
    assert Image.open(io.BytesIO(client.get(f"/workbench/preview/{token}/").content)).mode == "RGB"
    assert ["hotline.item.previewed", "hotline.preview.revealed"] == [
        a for a in _actions(analyst) if a in ("hotline.item.previewed", "hotline.preview.revealed")
    ]


def _inline_image(data_uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(data_uri.split(",", 1)[1])))


def test_preview_without_javascript_is_a_page(staff_client, site):
    site.set("/a.png", drawn_image("PNG"), headers={"Content-Type": "image/png"})
    site.set("/page", page_with_images(["/a.png"]))
    item = report_item(site.url("/page"))
    client, _analyst = staff_client("analyst")
    client.post(f"/workbench/items/{item.pk}/claim/")
    page = client.get(f"/workbench/items/{item.pk}/preview/").content.decode()
    assert "<html" in page and "Blurred preview image" in page
    token = re.search(r"/workbench/preview/([^/]+)/", page).group(1)
    after = client.post(f"/workbench/preview/{token}/reveal/", follow=True).content.decode()
    assert "Revealed preview image" in after  # the reveal survives the page fetching the preview again


def test_release_returns_item_to_queue(staff_client):
    item = report_item("https://r.example/page")
    client, _analyst = staff_client("analyst")
    client.post(f"/workbench/items/{item.pk}/claim/")
    response = client.post(f"/workbench/items/{item.pk}/release/")
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ItemStatus.NEW


def test_seniors_review_page_and_team_rates(staff_client, settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 1.0
    item = report_item("https://s.example/page")
    analyst_client, _analyst = staff_client("analyst", username="ana")
    analyst_client.post(f"/workbench/items/{item.pk}/claim/")
    analyst_client.post(f"/workbench/items/{item.pk}/assess/", {"outcome": "not_actionable", "reason": "not_found"})
    review = Review.objects.get(item=item)
    senior_client, _senior = staff_client("senior", username="sam")

    assert analyst_client.get("/workbench/reviews/").status_code == 403
    assert "https://s.example/page" in senior_client.get("/workbench/reviews/").content.decode()
    response = senior_client.post(f"/workbench/reviews/{review.pk}/", {"verdict": "agree"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.verdict == "agree"
    team = senior_client.get("/workbench/team/").content.decode()
    assert re.search(r'data-analyst="ana">.*?<td>100%</td>', team, re.S)
    assert analyst_client.get("/workbench/team/").status_code == 403


def test_heartbeat_reports_screen_time(staff_client):
    item = report_item("https://h.example/page")
    client, _analyst = staff_client("analyst")
    client.post(f"/workbench/items/{item.pk}/claim/")
    page = client.get(f"/workbench/items/{item.pk}/").content.decode()
    session_id = re.search(r'data-screen-session="(\d+)"', page).group(1)

    from reportal.hotline.models import Claim

    Claim.objects.filter(item=item).update(expires_at=timezone.now() + timedelta(minutes=1))
    beat = client.post("/workbench/heartbeat/", {"session": session_id}).json()
    assert Claim.objects.get(item=item).expires_at > timezone.now() + timedelta(minutes=20)  # the open screen keeps it

    assert beat["session"] == int(session_id)
    assert beat["break_due"] is False and beat["limit_reached"] is False
    assert client.post("/workbench/heartbeat/", {"session": "x"}).status_code == 400


def test_daily_limit_warning_shows_on_the_pages(staff_client, settings):
    settings.REPORTAL_DAILY_LIMIT_MINUTES = 1
    from reportal.hotline.models import ScreenSession

    client, analyst = staff_client("analyst")
    now = timezone.now()
    ScreenSession.objects.create(
        user=analyst, day=timezone.localdate(now), opened_at=now - timedelta(minutes=3), last_seen_at=now, closed_at=now
    )
    assert "the daily limit" in client.get("/workbench/").content.decode()


def test_sharp_previews_for_an_analyst_who_turned_blur_off(staff_client, site):
    site.set("/a.png", drawn_image("PNG"), headers={"Content-Type": "image/png"})
    site.set("/page", page_with_images(["/a.png"]))
    item = report_item(site.url("/page"))
    client, analyst = staff_client("analyst")
    analyst.staff_profile.blur_default = False
    analyst.staff_profile.greyscale_default = False
    analyst.staff_profile.save()
    client.post(f"/workbench/items/{item.pk}/claim/")
    fragment = client.get(f"/workbench/items/{item.pk}/preview/", HTTP_HX_REQUEST="true").content.decode()
    assert _inline_image(re.search(r'<img src="([^"]+)"', fragment).group(1)).mode == "RGB"


def test_reporter_email_only_for_roles_that_answer_reporters(staff_client):
    from reportal import crypto

    item = report_item("https://e.example/page", email_encrypted=crypto.encrypt("reporter@example.test"))
    analyst_client, _analyst = staff_client("analyst")
    senior_client, senior = staff_client("senior")
    partner_client, _partner = staff_client("partner", portals=("gt",))

    assert "reporter@example.test" not in analyst_client.get(f"/workbench/items/{item.pk}/").content.decode()
    assert "reporter@example.test" not in partner_client.get(f"/workbench/items/{item.pk}/").content.decode()
    assert "reporter@example.test" in senior_client.get(f"/workbench/items/{item.pk}/").content.decode()
    assert "hotline.reporter_contact.viewed" in _actions(senior)


def test_item_history_shows_decisions_and_list_entries_of_the_domain(
    staff_client, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("reportal.actions.services.on_actionable", lambda item, actor=None: None)  # no tracing here
    first = report_item("https://history.example/first/page")
    client, _analyst = staff_client("analyst")
    client.post(f"/workbench/items/{first.pk}/claim/")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/workbench/items/{first.pk}/assess/",
            {"outcome": "actionable", "list_scope": "domain", "c_legal_assessment": "baseline"},
        )
    second = report_item("https://history.example/second")

    page = client.get(f"/workbench/items/{second.pk}/").content.decode()

    history = page[page.index('id="history-heading"') :]
    assert "https://history.example/first/page" in history and "Actionable" in history
    assert "On the URL list since" in history and "history.example" in history


def test_expired_claim_explains_why_the_decision_was_not_saved(staff_client):
    from reportal.hotline.models import Claim

    item = report_item("https://x.example/expired")
    client, _analyst = staff_client("analyst")
    client.post(f"/workbench/items/{item.pk}/claim/")
    Claim.objects.filter(item=item).update(expires_at=timezone.now() - timedelta(seconds=1))

    page = client.post(
        f"/workbench/items/{item.pk}/assess/", {"outcome": "not_actionable", "reason": "not_found"}, follow=True
    ).content.decode()

    assert "Claim this item before assessing it" in page
    assert item.assessments.count() == 0


def test_seniors_preview_items_awaiting_their_second_opinion_only(staff_client, site, settings):
    site.set("/a.png", drawn_image("PNG"), headers={"Content-Type": "image/png"})
    site.set("/page", page_with_images(["/a.png"]))
    flagged = report_item(site.url("/page"))
    plain = report_item(site.url("/other"))
    analyst_client, _analyst = staff_client("analyst")
    analyst_client.post(f"/workbench/items/{flagged.pk}/claim/")
    analyst_client.post(f"/workbench/items/{flagged.pk}/assess/", {"outcome": "second_opinion"})
    senior_client, _senior = staff_client("senior")

    assert senior_client.get(f"/workbench/items/{plain.pk}/preview/").status_code == 403
    review = Review.objects.get(item=flagged)
    page = senior_client.get(f"/workbench/reviews/{review.pk}/").content.decode()
    assert f'hx-get="/workbench/items/{flagged.pk}/preview/"' in page
    fragment = senior_client.get(f"/workbench/items/{flagged.pk}/preview/", HTTP_HX_REQUEST="true").content.decode()
    assert "data:image/jpeg;base64," in fragment

    response = senior_client.post(
        f"/workbench/reviews/{review.pk}/", {"outcome": "not_actionable", "reason": "not_illegal"}
    )
    assert response.status_code == 302
    flagged.refresh_from_db()
    assert flagged.status == ItemStatus.NOT_ACTIONABLE
