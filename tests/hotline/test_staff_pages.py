"""Every staff page as every role: no template comment leaks into the page (a multi-line `{# #}` prints as text),
the navigation on every page offers exactly the staff pages that role may open, and every template of the project
parses and keeps its comments to forms Django hides."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import engines
from django.test import Client

from reportal.hotline import claims
from reportal.hotline.assessment import Decision, assess_item
from reportal.hotline.models import Review, ReviewReason

from .factories import report_item

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2] / "reportal"
ROLES = ("analyst", "senior", "admin", "partner")
# Every page reachable from the navigation; {item} and {review} are filled with real objects.
NAV_PAGES = (
    "/workbench/",
    "/workbench/reviews/",
    "/workbench/removal/",
    "/workbench/team/",
    "/workbench/search/",
    "/stats/",
    "/staff/audit/",
    "/staff/people/",
    "/staff/members/",
    "/staff/",
)
OTHER_PAGES = ("/workbench/items/{item}/", "/workbench/reviews/{review}/", "/workbench/?status=removed")
NAV_LINK = re.compile(r'<nav class="staff-nav".*?</nav>', re.S)


def _text(html: str) -> str:
    """What a reader sees: the page without tags, scripts and styles."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def world(staff_user, settings):
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    item = report_item("https://pages.example/item", portal_slug="gt")
    flagged = report_item("https://pages.example/flagged", portal_slug="gt")
    analyst = staff_user("analyst", username="pageanalyst")
    claims.claim_item(flagged, analyst)
    assessment = assess_item(flagged, analyst, Decision(outcome="second_opinion"))
    review = Review.objects.get(assessment=assessment, reason=ReviewReason.FLAGGED)
    return {"item": item.pk, "review": review.pk}


def _client_for(role: str, staff_client) -> Client:
    client, _user = staff_client(role, portals=("gt",) if role == "partner" else ())
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_page_shows_no_template_comment_and_the_same_full_navigation(role, world, staff_client):
    client = _client_for(role, staff_client)
    opens = {path: client.get(path).status_code == 200 for path in NAV_PAGES}
    assert opens["/workbench/"] and opens["/staff/"]
    assert (client.get("/admin/").status_code == 200) == (role == "admin")  # the Django admin: hotline admins only
    shown = [p.format(**world) for p in OTHER_PAGES] + [p for p in NAV_PAGES if opens[p]]
    for path in shown:
        response = client.get(path)
        if response.status_code != 200:
            continue  # e.g. a review page for a role that gives none
        html = response.content.decode()
        text = _text(html)
        assert "{#" not in text and "#}" not in text, f"{path} as {role} prints a template comment"
        assert "{%" not in text and "%}" not in text, f"{path} as {role} prints a template tag"
        nav = NAV_LINK.search(html)
        assert nav, f"{path} as {role} has no staff navigation"
        linked = set(re.findall(r'<a href="([^"]+)"', nav.group(0)))
        expected = {p for p, ok in opens.items() if ok} | ({"/admin/"} if role == "admin" else set())
        assert linked == expected, f"{path} as {role}: navigation {sorted(linked)}, pages that open {sorted(expected)}"
        assert html.count('aria-current="page"') <= 1


def test_sign_in_and_public_pages_show_no_template_comment(client):
    for path in ("/staff/login/", "/staff/logged-out/", "/"):
        response = client.get(path)
        if response.status_code == 200:
            text = _text(response.content.decode())
            assert "{#" not in text and "#}" not in text, path


def _templates() -> list[Path]:
    return sorted(p for p in ROOT.rglob("templates/**/*") if p.is_file() and p.suffix in (".html", ".txt", ".xml"))


def test_every_template_keeps_comments_on_one_line_and_parses():
    """Django's `{# ... #}` ends at the line's end: a comment over several lines must be `{% comment %}`."""
    assert len(_templates()) > 30
    engine = engines["django"]
    problems = []
    for path in _templates():
        source = path.read_text(encoding="utf-8")
        for number, line in enumerate(source.splitlines(), 1):
            if re.search(r"\{#(?!.*#\})", line):
                problems.append(f"{path.relative_to(ROOT)}:{number}: {{# without #}} on the same line")
            if "#}" in line and "{#" not in line:
                problems.append(f"{path.relative_to(ROOT)}:{number}: #}} without {{# on the same line")
        name = str(path).split("/templates/", 1)[1]
        try:
            engine.get_template(name)
        except Exception as exc:  # noqa: BLE001 - the message names the template and the fault
            problems.append(f"{name}: {exc}")
    assert not problems, "\n".join(problems)
