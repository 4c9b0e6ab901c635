"""The item page shows what the later stages did: where the address is hosted (host, network, country, CDN,
abuse contacts), every notice and referral with its delivery state, and the monitoring checks. When RDAP gave no
abuse contact, an analyst types one; the waiting notice goes to it over real SMTP, and the audit log says who."""

from __future__ import annotations

import ipaddress

import pytest

from reportal.audit.models import AuditEntry
from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus
from tests.fakes.fixtures import *  # noqa: F403
from tests.fakes.rdap_server import network_object

from .factories import report_item

pytestmark = pytest.mark.django_db

QUIET_IP = "127.0.0.1"  # the test site; its RDAP record here names no abuse contact


@pytest.fixture
def quiet_host(fake_world, fake_smtp, settings):
    """A page on a host whose network has no abuse contact in RDAP (looked up before the wider loopback record)."""
    settings.REPORTAL_ACCEPT_PRIVATE_URLS = True
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    address = ipaddress.ip_address(QUIET_IP)
    fake_world.rdap.networks.insert(0, (address, address, network_object(QUIET_IP, QUIET_IP, name="HOST-QUIET")))
    base = fake_world.host("quiet.test", QUIET_IP)
    fake_world.website.set("/gallery", "<!doctype html><title>Gallery</title><p>Nothing to see.</p>")
    fake_world.smtp = fake_smtp
    return fake_world, f"{base}/gallery"


def _actioned(url: str):
    """A confirmed item whose case the actions stage opened, whose notices were tried once, and checked once."""
    from reportal.actions import monitoring, notices
    from reportal.actions.services import act_on_item

    item = report_item(url, portal_slug="sv")
    change_status(item, ItemStatus.ACTIONABLE, reason="assessed actionable")
    for notice_id in act_on_item(item.pk):
        notices.deliver(notice_id)
    monitoring.run_pass(everything=True)
    item.refresh_from_db()
    return item


def test_item_page_shows_trace_notices_and_checks_and_takes_an_abuse_contact(
    quiet_host, staff_client, django_capture_on_commit_callbacks
):
    world, url = quiet_host
    item = _actioned(url)
    client, analyst = staff_client("analyst")

    page = client.get(f"/workbench/items/{item.pk}/").content.decode()
    # The trace: host, address, country, network, and the missing contact said plainly.
    assert "quiet.test" in page and QUIET_IP in page
    assert "AS64500 Loopback Hosting SV" in page
    assert "Hosting country" in page and ">SV<" in page
    assert "none detected" in page  # no CDN
    assert "none found" in page  # no abuse contact from RDAP
    # Notices and referrals with their state: the police referral went out, the host notice waits for a contact.
    assert "Referral to the police" in page and "investigaciones@pnc-sv.example" in page
    assert "Notice to the host" in page and "Waiting for a contact address" in page
    # Monitoring and its check.
    assert "Online, being re-checked" in page and "Still online" in page
    assert 'name="email"' in page

    # A typo is refused with a message, and what was typed stays in the field.
    refused = client.post(f"/workbench/items/{item.pk}/abuse-contact/", {"email": "abuse at quiet-host"})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "This is not an e-mail address. Type it as name@example.org." in body
    assert 'value="abuse at quiet-host"' in body

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/workbench/items/{item.pk}/abuse-contact/", {"email": "abuse@quiet-host.example"})
    assert response.status_code == 302
    [message] = world.smtp.messages_to("abuse@quiet-host.example")
    assert "quiet.test" in message.get_body(("plain",)).get_content()

    entry = AuditEntry.objects.get(action="hotline.item.abuse_contact_entered")
    assert entry.actor_name == analyst.get_username()
    assert entry.object_id == str(item.pk) and entry.details["email"] == "abuse@quiet-host.example"

    after = client.get(response["Location"]).content.decode()
    assert "1 notice goes to abuse@quiet-host.example now." in after
    assert "Waiting for a contact address" not in after and 'name="email"' not in after

    # The host ignores it: the reminder goes to the address the analyst gave, without asking again.
    from reportal.actions import notices
    from reportal.tracing.services import latest_trace

    [reminder] = notices.escalate(item, latest_trace(item), 1)
    assert reminder.recipients == ["abuse@quiet-host.example"]


def test_partner_viewers_see_the_case_but_cannot_enter_a_contact(quiet_host, staff_client):
    _world, url = quiet_host
    item = _actioned(url)
    partner, _user = staff_client("partner", portals=("sv",))
    page = partner.get(f"/workbench/items/{item.pk}/").content.decode()
    assert "Waiting for a contact address" in page
    assert 'name="email"' not in page
    response = partner.post(f"/workbench/items/{item.pk}/abuse-contact/", {"email": "abuse@quiet-host.example"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="hotline.item.abuse_contact_entered").exists()


def test_an_item_not_yet_confirmed_says_it_is_not_traced(staff_client):
    item = report_item("https://fresh.example/page")
    client, _analyst = staff_client("analyst")
    page = client.get(f"/workbench/items/{item.pk}/").content.decode()
    assert "Not traced yet: the trace runs when the item is confirmed." in page
    assert "No notice or referral yet." in page
    assert "Not monitored" in page
