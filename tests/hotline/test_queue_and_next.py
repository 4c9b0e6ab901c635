"""The analyst's flow through the queue: the status menu names each status once and the heading says what the
filter shows; saving a decision opens the next item, already claimed; "next" skips an item back to the queue;
a decision whose URL-list scope cannot apply is refused at save with the reason, not dropped later."""

from __future__ import annotations

import re

import pytest

from reportal.audit.models import AuditEntry
from reportal.hotline import claims
from reportal.reports.models import ItemStatus, ReportedUrl

from .factories import report_item

pytestmark = pytest.mark.django_db

ACTIONABLE = {"outcome": "actionable", "list_scope": "url", "c_legal_assessment": "baseline", "c_content_type": "photo"}


@pytest.fixture(autouse=True)
def _no_sampling(settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0


def _options(page: str) -> list[str]:
    menu = re.search(r'<select name="status">(.*?)</select>', page, re.S).group(1)
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", menu)]


def test_status_menu_has_each_status_once_and_the_heading_follows_the_filter(staff_client):
    report_item("https://menu.example/a")
    client, _analyst = staff_client("analyst")

    page = client.get("/workbench/").content.decode()
    options = _options(page)
    assert len(options) == len(set(options)) == len(ItemStatus.values) + 1
    assert "<h1>Items awaiting assessment</h1>" in page

    removed = client.get("/workbench/?status=removed").content.decode()
    assert "<h1>Removed items</h1>" in removed and "<title>Removed items" in removed
    assert "No items match these filters." in removed
    assert re.search(r'<option value="removed" selected>', removed)
    assert (
        "<h1>Items awaiting a second opinion</h1>" in client.get("/workbench/?status=second_opinion").content.decode()
    )


def test_saving_opens_the_next_item_claimed(staff_client):
    first = report_item("https://next.example/first", priority=2)
    second = report_item("https://next.example/second", priority=1)
    client, analyst = staff_client("analyst")
    client.post(f"/workbench/items/{first.pk}/claim/")

    response = client.post(f"/workbench/items/{first.pk}/assess/", ACTIONABLE)

    assert response.status_code == 302 and response["Location"] == f"/workbench/items/{second.pk}/"
    assert claims.holds_claim(second, analyst)
    page = client.get(response["Location"]).content.decode()
    assert f"Item {first.pk} saved as &#x27;Actionable&#x27;. Here is the next one: item {second.pk}." in page
    assert 'id="assessment-form"' in page  # claimed: the form is there, ready

    # The last one: saved, and the queue says nothing else is waiting.
    done = client.post(f"/workbench/items/{second.pk}/assess/", ACTIONABLE)
    assert done["Location"] == "/workbench/"
    assert "Nothing else is waiting in the queue." in client.get("/workbench/").content.decode()


def test_the_next_item_is_never_one_someone_else_holds(staff_client):
    held = report_item("https://next.example/held", priority=5)
    free = report_item("https://next.example/free")
    bea_client, _bea = staff_client("analyst")
    bea_client.post(f"/workbench/items/{held.pk}/claim/")
    client, analyst = staff_client("analyst")

    response = client.post("/workbench/next/")

    assert response["Location"] == f"/workbench/items/{free.pk}/"
    assert claims.holds_claim(free, analyst) and not claims.holds_claim(held, analyst)


def test_skipping_releases_this_item_and_claims_the_next(staff_client):
    first = report_item("https://skip.example/first", priority=1)
    second = report_item("https://skip.example/second")
    client, analyst = staff_client("analyst")
    client.post(f"/workbench/items/{first.pk}/claim/")

    response = client.post("/workbench/next/", {"after": first.pk})

    assert response["Location"] == f"/workbench/items/{second.pk}/"
    first.refresh_from_db()
    assert first.status == ItemStatus.NEW and not claims.holds_claim(first, analyst)
    assert claims.holds_claim(second, analyst)
    actions = list(AuditEntry.objects.filter(actor_id=analyst.pk).values_list("action", "object_id"))
    assert ("hotline.item.released", str(first.pk)) in actions and ("hotline.item.claimed", str(second.pk)) in actions


def test_a_whole_domain_entry_for_an_ip_address_is_refused_at_save(staff_client, settings):
    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True  # a loopback address stands in for a host known only by its IP
    item = report_item("http://127.0.0.1:8080/gallery")
    client, _analyst = staff_client("analyst")
    client.post(f"/workbench/items/{item.pk}/claim/")

    response = client.post(
        f"/workbench/items/{item.pk}/assess/", ACTIONABLE | {"list_scope": "domain", "notes": "keep"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "A whole-domain entry needs a host name, not an IP address; list the address instead." in page
    assert re.search(r'<input type="radio" name="list_scope" value="domain"[^>]*checked', page)  # nothing lost
    assert "keep</textarea>" in page
    item.refresh_from_db()
    assert item.status == ItemStatus.ASSESSING and not item.assessments.exists()

    # The same decision with "this address only" goes through.
    ok = client.post(f"/workbench/items/{item.pk}/assess/", ACTIONABLE)
    assert ok.status_code == 302
    assert ReportedUrl.objects.get(pk=item.pk).status in (ItemStatus.ACTIONABLE, ItemStatus.ACTION_TAKEN)


def test_item_page_has_the_keyboard_legend_and_buttons_it_names(staff_client):
    item = report_item("https://keys.example/a")
    client, _analyst = staff_client("analyst")
    client.post(f"/workbench/items/{item.pk}/claim/")
    page = client.get(f"/workbench/items/{item.pk}/").content.decode()
    assert "Keyboard shortcuts" in page
    for key in ("s", "n", "q"):
        assert f'data-shortcut="{key}"' in page
    assert "reveal the next blurred image" in page
