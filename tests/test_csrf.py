"""Issue 10 item 1: one CSRF answer for the public portal forms, the staff pages and the Django admin.

Every page says `Referrer-Policy: same-origin` (so browsers send our real Origin with a form post, and nothing to
other sites); Django's CSRF check (token + Origin) runs on every surface; `Origin: null` passes only when the
browser itself says `Sec-Fetch-Site: same-origin`. Browser runs of the same posts: tests/test_csrf_browser.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from reportal.accounts.testing import make_staff, sign_in
from reportal.portals.models import Portal

pytestmark = pytest.mark.django_db

ORIGIN = "http://testserver"


@dataclass(frozen=True)
class Form:
    name: str
    page: str  # GET: where the token comes from
    data: dict[str, object]
    passed: tuple[int, ...]  # statuses that show the post reached the view


def _forms(admin_profile_pk: int) -> list[Form]:
    return [
        Form("public status check", "/gt/es/status/", {"reference": "7KQ2-M9XD-0B4T-HV3R-E8ZN"}, (404,)),
        Form("staff sign-in", "/staff/login/", {"username": "nobody", "password": "wrong password"}, (200,)),
        Form(
            "admin save",
            f"/admin/accounts/staffprofile/{admin_profile_pk}/change/",
            {"role": "analyst", "blur_default": "on", "greyscale_default": "on"},
            (302,),
        ),
    ]


@pytest.fixture
def setting_up():
    Portal.objects.create(slug="gt", name="Guatemala", display_name="Guatemala", languages=["es"])
    admin_user, *_ = make_staff("csrf-admin", "admin")
    analyst, *_ = make_staff("csrf-analyst", "analyst")
    return admin_user, analyst


def _client(form: Form, admin_user) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    if form.name == "admin save":
        sign_in(client, admin_user)
    page = client.get(form.page)
    assert page.status_code == 200, (form.name, page.status_code)
    assert page["Referrer-Policy"] == "same-origin", form.name
    return client, client.cookies["csrftoken"].value


HEADERS = {
    "real origin": ({"origin": ORIGIN, "sec-fetch-site": "same-origin"}, True),
    "origin null, browser says same-origin": ({"origin": "null", "sec-fetch-site": "same-origin"}, True),
    "no origin header (older clients over HTTP)": ({}, True),
    "origin null alone": ({"origin": "null"}, False),
    "origin null, cross-site": ({"origin": "null", "sec-fetch-site": "cross-site"}, False),
    "another site": ({"origin": "https://evil.example", "sec-fetch-site": "cross-site"}, False),
    "a sibling site": ({"origin": "http://evil.testserver", "sec-fetch-site": "same-site"}, False),
}


@pytest.mark.parametrize("case", list(HEADERS))
@pytest.mark.parametrize("surface", ["public status check", "staff sign-in", "admin save"])
def test_each_surface_takes_same_origin_posts_and_refuses_others(setting_up, case, surface):
    admin_user, analyst = setting_up
    form = next(f for f in _forms(analyst.staff_profile.pk) if f.name == surface)
    client, token = _client(form, admin_user)
    headers, accepted = HEADERS[case]
    response = client.post(form.page, {**form.data, "csrfmiddlewaretoken": token}, headers=headers)
    if accepted:
        assert response.status_code in form.passed, (surface, case, response.status_code)
    else:
        assert response.status_code == 403, (surface, case, response.status_code)
    analyst.staff_profile.refresh_from_db()
    assert (analyst.staff_profile.role == "analyst") or accepted


@pytest.mark.parametrize("surface", ["public status check", "staff sign-in", "admin save"])
def test_a_post_without_the_token_is_refused_even_from_our_origin(setting_up, surface):
    admin_user, analyst = setting_up
    form = next(f for f in _forms(analyst.staff_profile.pk) if f.name == surface)
    client, _token = _client(form, admin_user)
    response = client.post(form.page, form.data, headers={"origin": ORIGIN, "sec-fetch-site": "same-origin"})
    assert response.status_code == 403


def test_every_kind_of_page_says_same_origin(setting_up):
    admin_user, _analyst = setting_up
    client = sign_in(Client(), admin_user)
    for url in (
        "/",
        "/gt/es/",
        "/gt/es/report/",
        "/staff/login/",
        "/staff/",
        "/workbench/",
        "/admin/",
        "/api/v1/openapi.json",
    ):
        response = client.get(url)
        assert response["Referrer-Policy"] == "same-origin", url


def test_the_csrf_cookie_ends_with_the_browser_session(setting_up):
    client = Client()
    client.get("/gt/es/report/")
    cookie = client.cookies["csrftoken"]
    assert not cookie["max-age"] and not cookie["expires"]
