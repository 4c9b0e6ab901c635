"""The whole way with loopback fakes only: report, confirm, trace, notice by SMTP, takedown, monitoring, removal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from reportal.actions import services as actions
from reportal.actions.models import DeliveryState, Notice, NoticeKind, Removal
from reportal.actions.xarf_reports import validation_errors
from reportal.reports.models import ItemStatus
from tests.actions.conftest import attachments, xarf_of

pytestmark = pytest.mark.django_db


def test_report_to_removal(actionable, world):
    world.rdap.add_domain("dark.test", registrar="Test Registrar", abuse="abuse@registrar.example")
    item = actionable("dark.test", "127.0.0.1")
    assert item.reports.count() == 1  # made through the intake service, as a citizen's report

    # Traced to the fake host in El Salvador, whose rule is notice to the host (in Spanish) plus the police.
    trace = item.traces.get()
    assert (trace.hosting_country, trace.hosting_asn, trace.ip_abuse_emails) == ("SV", 64500, ["abuse@host-sv.example"])
    assert trace.registrar == "Test Registrar"
    assert item.status == ItemStatus.ACTION_TAKEN

    [notice] = world.smtp.messages_to("abuse@host-sv.example")
    assert "Material de abuso sexual infantil en dark.test" in notice["Subject"]
    body = notice.get_body(("plain",)).get_content()
    assert item.canonical_url in body
    assert f"SV-{item.pk:07d}" in body and "Base legal" in body
    assert f"{item.canonical_url}/pic.png" in body  # the file to remove is named, never attached
    assert not any(part.get_content_maintype() in ("image", "video") for part in notice.walk())
    report = xarf_of(notice)
    assert validation_errors(report) == []
    assert (report["category"], report["type"], report["url"]) == ("content", "csam", item.canonical_url)

    [police] = world.smtp.messages_to("investigaciones@pnc-sv.example")
    files = attachments(police)
    assert {n.rsplit(".", 1)[1] for n in files} == {"csv", "json"}
    assert Notice.objects.filter(item=item, state=DeliveryState.SENT).count() == 2

    # The host takes the page down; the next monitoring pass sees it and closes the case.
    world.website.remove("/gallery")
    call_command("monitor", "--once", "--all")
    item.refresh_from_db()
    assert item.status == ItemStatus.REMOVED
    assert item.events.filter(to_status=ItemStatus.REMOVED).exists()
    removal = Removal.objects.get(item=item)
    assert removal.hosting_country == "SV" and removal.host_network == "Loopback Hosting SV"
    assert actions.time_to_removal(item) is not None
    [by_portal] = actions.time_to_removal_stats(group_by="portal")
    assert (by_portal.key, by_portal.count) == ("sv", 1)


def test_monitoring_before_takedown_leaves_it_open(actionable, world):
    item = actionable("dark.test")
    call_command("monitor", "--once", "--all")
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTION_TAKEN
    assert item.monitor.history.last().outcome == "up"


def test_a_host_that_ignores_the_notice_is_escalated(actionable, world, settings):
    settings.REPORTAL_ESCALATE_AFTER_HOURS = 0  # every check finds it overdue
    world.rdap.add_domain("dark.test", registrar="Test Registrar", abuse="abuse@registrar.example")
    item = actionable("dark.test")
    call_command("monitor", "--once", "--all")
    [first, second] = world.smtp.messages_to("abuse@host-sv.example")
    assert str(second["Subject"]).strip().startswith("Segundo aviso")
    assert "abuse@registrar.example" in second["Cc"]  # the registrar hears of it the second time
    call_command("monitor", "--once", "--all")
    # No partner hotline for SV: the third step goes to the police with the case export.
    police = world.smtp.messages_to("investigaciones@pnc-sv.example")
    assert len(police) == 2 and str(police[-1]["Subject"]).strip().startswith("Sigue en línea tras el aviso")
    kinds = list(Notice.objects.filter(item=item).order_by("pk").values_list("kind", "escalation_level"))
    assert kinds == [
        (NoticeKind.HOST_NOTICE, 0),
        (NoticeKind.POLICE_REFERRAL, 0),
        (NoticeKind.REMINDER, 1),
        (NoticeKind.POLICE_REFERRAL, 2),
    ]


def test_an_address_behind_a_cdn_gets_a_notice_to_the_cdn(actionable, world):
    item = actionable("fronted.test", "127.0.0.2")
    notice = Notice.objects.get(item=item, kind=NoticeKind.CDN_NOTICE)
    assert notice.recipients == ["abuse@cdn.example"]
    [message] = world.smtp.messages_to("abuse@cdn.example")
    body = message.get_body(("plain",)).get_content()
    assert "Cloudflare" in body and "origin" in body
    assert xarf_of(message)["hosting_provider"] == "Cloudflare"


def test_partner_country_gets_a_referral_in_the_partner_language(actionable, world):
    item = actionable("de-host.test", "127.0.0.3")
    [message] = world.smtp.messages_to("reports@hotline-de.example")
    assert str(message["Subject"]).strip().startswith("Referral of child sexual abuse material hosted in DE")
    files = attachments(message)
    assert any(n.startswith("case-") and n.endswith(".json") for n in files)
    assert world.smtp.messages_to("abuse@host-de.example") == []  # the partner deals with its own hosts
    assert Notice.objects.get(item=item).kind == NoticeKind.PARTNER_REFERRAL


def test_rdap_unreachable_is_retried_and_nothing_is_lost(actionable, world):
    world.rdap.broken = True
    item = actionable("dark.test")
    notice = Notice.objects.get(item=item, kind=NoticeKind.HOST_NOTICE)
    assert notice.state == DeliveryState.WAITING_CONTACT
    assert "traced again" in notice.last_error and notice.next_attempt_at is not None
    assert world.smtp.messages_to("abuse@host-sv.example") == []

    world.rdap.broken = False
    from reportal.actions.notices import send_due

    assert send_due(now=notice.next_attempt_at) >= 1
    notice.refresh_from_db()
    assert notice.state == DeliveryState.SENT and notice.attempts == 2
    assert len(world.smtp.messages_to("abuse@host-sv.example")) == 1


def test_smtp_failure_is_recorded_and_retried(actionable, world):
    world.smtp.refuse = True
    item = actionable("dark.test")
    notice = Notice.objects.get(item=item, kind=NoticeKind.HOST_NOTICE)
    assert notice.state == DeliveryState.PENDING and notice.attempts == 1
    assert "Sending failed" in notice.last_error
    world.smtp.refuse = False
    from reportal.actions.notices import send_due

    send_due(now=notice.next_attempt_at)
    notice.refresh_from_db()
    assert notice.state == DeliveryState.SENT


def test_an_address_that_reappears_reopens(actionable, world):
    item = actionable("dark.test")
    world.website.remove("/gallery")
    call_command("monitor", "--once", "--all")
    item.refresh_from_db()
    assert item.status == ItemStatus.REMOVED

    from tests.actions.conftest import publish_gallery

    publish_gallery(world.website, "/gallery")
    call_command("monitor", "--once", "--all")
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTION_TAKEN and item.is_open
    assert item.monitor.reappeared_count == 1
    assert Removal.objects.get(item=item).superseded  # the first removal no longer counts
    [_first, again] = world.smtp.messages_to("abuse@host-sv.example")  # a fresh notice went out
    assert "vuelve a estar en línea" in again.get_body(("plain",)).get_content()


def test_page_still_up_but_pictures_gone_counts_as_removed(actionable, world):
    item = actionable("dark.test")
    world.website.set("/gallery", "<!doctype html><html><body><h1>Gallery</h1><p>Removed by host.</p></body></html>")
    call_command("monitor", "--once", "--all")
    item.refresh_from_db()
    assert item.status == ItemStatus.REMOVED
    assert "none of the confirmed images" in item.monitor.history.last().detail


def test_dns_failure_counts_as_removed(actionable, world):
    item = actionable("dark.test")
    world.dns.clear("dark.test")
    call_command("monitor", "--once", "--all")
    item.refresh_from_db()
    assert item.status == ItemStatus.REMOVED
    trace = item.traces.order_by("-at", "-pk").first()
    assert trace.error_code == "dns_nxdomain"
    assert Removal.objects.get(item=item).hosting_country == "SV"  # from when it was online


def test_dns_that_does_not_answer_is_not_a_removal(actionable, world, settings):
    item = actionable("dark.test")
    settings.REPORTAL_FETCH_TIMEOUT = 0.5
    world.dns.silent.add("dark.test")
    call_command("monitor", "--once", "--all")
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTION_TAKEN
    check = item.monitor.history.last()
    assert check.outcome == "error" and "did not answer" in check.detail
    assert check.trace.error_code == "dns_timeout"


def test_confirmed_again_after_an_overturn_starts_a_new_case(actionable, world, django_capture_on_commit_callbacks):
    from reportal.reports.lifecycle import change_status

    item = actionable("dark.test")
    change_status(item, ItemStatus.NOT_ACTIONABLE, reason="overturned by a senior")
    call_command("monitor", "--once", "--all")  # stops watching
    with django_capture_on_commit_callbacks(execute=True):
        change_status(item, ItemStatus.ACTIONABLE, reason="assessed actionable")
        actions.on_actionable(item, None)
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTION_TAKEN and item.monitor.state == "live"
    assert len(world.smtp.messages_to("abuse@host-sv.example")) == 2


def test_a_host_notice_still_waiting_is_not_sent_once_the_material_is_gone(actionable, world):
    world.rdap.broken = True  # no contact yet: the host notice waits
    item = actionable("dark.test")
    world.website.remove("/gallery")
    call_command("monitor", "--once", "--all")
    world.rdap.broken = False
    from reportal.actions.notices import send_due

    send_due(now=item.notices.get(kind=NoticeKind.HOST_NOTICE).created_at + timedelta(days=30))
    assert item.notices.get(kind=NoticeKind.HOST_NOTICE).state == DeliveryState.CANCELLED
    assert world.smtp.messages_to("abuse@host-sv.example") == []
    assert item.notices.get(kind=NoticeKind.POLICE_REFERRAL).state == DeliveryState.SENT
