"""The report form through the real intake service: thank-you with a reference code, errors next to fields."""

from __future__ import annotations

import re

import pytest

from reportal.reports.models import Report, ReportedUrl
from tests.portals.conftest import parse, text_of

CODE = re.compile(r'<code id="reference">(.*?)</code>')


def _post(client, path, **fields):
    data = {"seen_on": "web", "description": "", "email": "", **fields}
    return client.post(path, data)


def _code(response) -> str | None:
    found = CODE.search(response.content.decode())
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None


def test_a_report_in_spanish_gets_a_reference_code_that_the_status_page_recognises(client, demo_portals):
    sent = _post(client, "/gt/es/report/", url=["https://bad.example/a", "", ""], description="Un grupo")
    assert sent.status_code == 303  # post/redirect/get: the thank-you page is a GET that can be reloaded
    assert sent["Location"] == "/gt/es/report/thanks/"
    assert sent["Cache-Control"] == "no-store"
    response = client.get(sent["Location"])
    assert response.status_code == 200
    text = text_of(response.content)
    assert "Gracias. Recibimos su denuncia." in text
    code = _code(response)
    assert code and re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){4}", code)
    assert response["Cache-Control"] == "no-store"
    assert "data-quick-exit" in response.content.decode()  # leave-quickly on the thank-you page too
    assert parse(response.content).language_links == {}  # switching language would lose the code shown once
    assert code not in sent["Location"] and code not in sent.cookies["reportal_receipt"]["path"]
    assert Report.objects.get().language == "es"

    status = client.post("/gt/es/status/", {"reference": code.lower()})
    assert status.status_code == 200
    assert "Recibida" in text_of(status.content)
    assert "bad.example" not in status.content.decode()  # nothing about the content


def test_bad_addresses_come_back_with_the_message_next_to_the_input_and_everything_kept(client, demo_portals):
    response = _post(
        client,
        "/bz/en/report/",
        url=["https://ok.example/page", "javascript:alert(1)", "http://127.0.0.1/x"],
        seen_on="social",
        description="Found in a group",
        email="me@mail.example",
    )
    assert response.status_code == 400
    html = response.content.decode()
    page = parse(html)
    values = [i.get("value") for i in page.inputs if i.get("name") == "url"]
    assert values == ["https://ok.example/page", "javascript:alert(1)", "http://127.0.0.1/x"]
    assert 'id="url-1-error"' in html and 'id="url-2-error"' in html and 'id="url-0-error"' not in html
    assert "Only web addresses that start with http:// or https:// can be reported." in text_of(html)
    assert "private or local network" in text_of(html)
    assert re.search(r'value="social"\s+checked', html)
    assert "Found in a group" in html
    assert 'value="me@mail.example"' in html
    assert ReportedUrl.objects.count() == 0


def test_every_problem_is_shown_at_once(client, demo_portals):
    response = client.post("/gt/es/report/", {"url": ["ftp://a.example/x", "https://ok.example/"], "seen_on": "web"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="url-0-error"' in html and 'id="url-1-error"' not in html
    assert "Solo se pueden denunciar direcciones web que empiezan con http:// o https://." in text_of(html)


def test_missing_address_and_place_are_explained_in_the_pages_language(client, demo_portals):
    response = client.post("/gt/es/report/", {"url": ["", "", ""], "seen_on": "", "description": "texto"})
    assert response.status_code == 400
    text = text_of(response.content)
    assert "Escriba la dirección web (URL) de la página, imagen o video que quiere denunciar." in text
    assert "Elija dónde lo vio." in text
    assert "texto" in response.content.decode()


def test_intake_errors_are_translated_too(client, demo_portals):
    response = _post(client, "/global/fr/report/", url=["pas une adresse"])
    assert response.status_code == 400
    assert "Ceci n'est pas une adresse web." in text_of(response.content)


def test_add_another_address_without_javascript_keeps_everything_and_adds_an_input(client, demo_portals):
    response = client.post(
        "/bz/en/report/",
        {
            "url": ["https://a.example/", "https://b.example/", "https://c.example/"],
            "seen_on": "messaging",
            "description": "typed",
            "add_url": "1",
        },
    )
    assert response.status_code == 200
    page = parse(response.content)
    values = [i.get("value") for i in page.inputs if i.get("name") == "url"]
    assert values == ["https://a.example/", "https://b.example/", "https://c.example/", ""]
    assert "Tick this box" not in text_of(response.content)  # no errors for a form still being filled
    assert Report.objects.count() == 0


def test_the_form_offers_no_upload_and_at_most_twenty_address_inputs(client, demo_portals):
    html = client.get("/bz/en/report/").content.decode()
    assert 'type="file"' not in html and "multipart" not in html
    data = {"url": [f"https://x{i}.example/" for i in range(20)], "seen_on": "web", "add_url": "1"}
    response = client.post("/bz/en/report/", data)
    page = parse(response.content)
    assert len([i for i in page.inputs if i.get("name") == "url"]) == 20
    assert 'name="add_url"' not in response.content.decode()


def test_too_many_addresses_are_refused_with_a_message(client, demo_portals):
    response = _post(client, "/bz/en/report/", url=[f"https://x{i}.example/" for i in range(21)])
    assert response.status_code == 400
    assert "up to 20 addresses" in text_of(response.content)


def test_status_page_for_an_unknown_code_says_so_next_to_the_field(client, demo_portals):
    response = client.post("/bz/es/status/", {"reference": "7KQ2-M9XD-0B4T-HV3R-E8ZN"})
    assert response.status_code == 404
    html = response.content.decode()
    assert 'id="reference-error"' in html
    assert "No encontramos ninguna denuncia con este código." in text_of(html)
    assert 'value="7KQ2-M9XD-0B4T-HV3R-E8ZN"' in html


@pytest.mark.parametrize("path", ["/gt/es/report/", "/gt/es/status/"])
def test_forms_need_the_csrf_token(demo_portals, path):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(path, {"url": ["https://a.example/"], "seen_on": "web", "reference": "x"})
    assert response.status_code == 403


def _csrf_client_and_token(path: str):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.get(path)
    return strict, strict.cookies["csrftoken"].value


def test_same_origin_post_with_the_null_origin_of_no_referrer_is_accepted(demo_portals):
    strict, token = _csrf_client_and_token("/gt/es/status/")
    response = strict.post(
        "/gt/es/status/",
        {"reference": "7KQ2-M9XD-0B4T-HV3R-E8ZN", "csrfmiddlewaretoken": token},
        headers={"origin": "null", "sec-fetch-site": "same-origin"},
    )
    assert response.status_code == 404  # reached the view: "no report with this code"


@pytest.mark.parametrize(
    ("origin", "fetch_site"), [("null", "cross-site"), ("null", None), ("https://evil.example", "cross-site")]
)
def test_cross_site_posts_are_refused_even_with_a_valid_token(demo_portals, origin, fetch_site):
    strict, token = _csrf_client_and_token("/gt/es/report/")
    headers = {"origin": origin} | ({"sec-fetch-site": fetch_site} if fetch_site else {})
    response = strict.post(
        "/gt/es/report/",
        {"url": ["https://a.example/"], "seen_on": "web", "csrfmiddlewaretoken": token},
        headers=headers,
    )
    assert response.status_code == 403
    assert Report.objects.count() == 0
