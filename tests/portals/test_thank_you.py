"""The thank-you page after post/redirect/get: the code once, a reload sends nothing again, nothing kept server-side."""

from __future__ import annotations

import re

from django.core import signing

from reportal.reports.models import Report
from tests.portals.conftest import text_of

GROUPS = re.compile(r'<code id="reference">((?:<span>[0-9A-Z]{4}</span>-){4}<span>[0-9A-Z]{4}</span>)</code>')


def _send(client, path="/bz/en/report/"):
    return client.post(path, {"url": ["https://thanks.example/page"], "seen_on": "web"})


def test_reloading_the_thank_you_page_shows_no_code_and_sends_nothing_again(client, demo_portals):
    sent = _send(client)
    assert sent.status_code == 303
    first = client.get(sent["Location"])
    assert GROUPS.search(first.content.decode())  # each group of four in its own element, dashes between
    assert first.cookies["reportal_receipt"].value == ""  # the carrier is deleted by the page that shows the code
    reloaded = client.get(sent["Location"])
    assert reloaded.status_code == 200
    assert 'id="reference"' not in reloaded.content.decode()
    assert "The reference code was shown only once" in text_of(reloaded.content)
    assert "did not send your report a second time" in text_of(reloaded.content)
    assert Report.objects.count() == 1


def test_the_code_reaches_only_its_own_page_and_nothing_keeps_it_on_the_server(client, demo_portals, settings):
    sent = _send(client)
    cookie = sent.cookies["reportal_receipt"]
    assert cookie["path"] == "/bz/en/report/thanks/"
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert 0 < int(cookie["max-age"]) <= 600
    assert "sessionid" not in sent.cookies  # no session: the reporter stays anonymous
    # Another portal's thank-you page does not show this portal's code.
    client.cookies["reportal_receipt"] = cookie.value
    assert 'id="reference"' not in client.get("/gt/es/report/thanks/").content.decode()


def test_a_forged_or_stale_receipt_shows_no_code(client, demo_portals):
    client.cookies["reportal_receipt"] = "AAAA-BBBB-CCCC-DDDD-EEEE"
    assert 'id="reference"' not in client.get("/bz/en/report/thanks/").content.decode()
    forged = signing.dumps({"portal": "bz", "reference": "AAAA-BBBB-CCCC-DDDD-EEEE"}, salt="not-ours")
    client.cookies["reportal_receipt"] = forged
    assert 'id="reference"' not in client.get("/bz/en/report/thanks/").content.decode()


def test_the_form_is_valid_without_any_checkbox(client, demo_portals):
    html = client.get("/bz/en/report/").content.decode()
    assert 'type="checkbox"' not in html
    assert "altcha-widget" not in html  # the proof of work has no visible control at all
    assert _send(client).status_code == 303


def test_error_summary_names_and_links_every_failing_field(client, demo_portals):
    response = client.post(
        "/bz/en/report/",
        {"url": ["https://ok.example/", "javascript:alert(1)"], "seen_on": "", "email": "nope"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = re.search(r'<ul class="summary">(.*?)</ul>', html, re.S).group(1)
    links = re.findall(r'<a href="#([\w-]+)">([^<]+)</a><span>([^<]+)</span>', summary)
    assert [(anchor, label) for anchor, label, _message in links] == [
        ("url-1", "Address 2"),
        ("seen_on-web", "Where did you see it?"),
        ("email", "Your e-mail address, if you want to hear the outcome (optional)"),
    ]
    for anchor, _label, message in links:
        assert f'id="{anchor}"' in html  # each link lands on its input
        assert message.strip()


def test_status_form_error_summary_links_the_code_field(client, demo_portals):
    html = client.post("/bz/en/status/", {"reference": ""}).content.decode()
    assert '<a href="#reference">Reference code</a>' in html
