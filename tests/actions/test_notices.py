"""How notices read, what they carry and when they are queued."""

from __future__ import annotations

import csv
import io

import pytest
from django.core import mail
from django.db import transaction

from reportal.actions import casefile, notices
from reportal.actions import services as actions
from reportal.actions.models import DeliveryState, Notice, NoticeKind, RoutingRule
from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus
from reportal.tracing.models import Trace
from tests.fakes.items import make_item, make_portal

pytestmark = pytest.mark.django_db

OPENINGS = {
    "en": "Child sexual abuse material at",
    "es": "Material de abuso sexual infantil en",
    "fr": "Contenus d'abus sexuels sur enfants sur",
    "pt": "Material de abuso sexual infantil em",
}


def _item_with_trace(url: str = "http://dark.test/gallery"):
    item = make_item(url, make_portal())
    change_status(item, ItemStatus.ACTIONABLE, reason="assessed actionable")
    trace = Trace.objects.create(
        item=item,
        url=url,
        hostname="dark.test",
        ips=[{"ip": "127.0.0.1", "country": "SV", "asn": 64500, "as_name": "Loopback Hosting SV"}],
        hosting_country="SV",
        hosting_asn=64500,
        hosting_network="Loopback Hosting SV",
        ip_abuse_emails=["abuse@host-sv.example"],
    )
    return item, trace


@pytest.mark.parametrize("language", sorted(OPENINGS))
@pytest.mark.parametrize("kind", NoticeKind.values)
def test_every_kind_renders_in_every_language_without_imagery(language, kind):
    item, trace = _item_with_trace()
    notice = Notice.objects.create(
        item=item, trace=trace, kind=kind, reference="SV-0000001", language=language, recipients=["x@y.example"]
    )
    notices.render(notice)
    assert "SV-0000001" in notice.subject and item.canonical_url in notice.body
    if kind in (NoticeKind.HOST_NOTICE, NoticeKind.CDN_NOTICE, NoticeKind.REMINDER):
        assert notice.subject.endswith("dark.test [SV-0000001]")
        assert OPENINGS[language] in notice.subject
    message = notices.message_for(notice)
    assert "<img" not in notice.body and "{{" not in notice.body and "{%" not in notice.body
    assert all(mimetype in ("application/json", "text/csv") for _name, _content, mimetype in message.attachments)


def test_the_portals_own_legal_text_is_used_when_it_has_one():
    item, trace = _item_with_trace()
    item.portal.legal_text = {"es": "Ley Especial contra Delitos Informáticos, artículo 28."}
    item.portal.save()
    notice = Notice.objects.create(item=item, trace=trace, kind="host_notice", reference="R", language="es")
    notices.render(notice)
    assert "Base legal: Ley Especial contra Delitos Informáticos, artículo 28." in notice.body


def test_on_actionable_waits_for_the_commit(settings):
    item, _trace = _item_with_trace()
    with transaction.atomic():
        actions.on_actionable(item, None)
        assert not Notice.objects.filter(item=item).exists()
        transaction.set_rollback(True)  # the decision is undone: nothing may follow from it
    assert not Notice.objects.filter(item=item).exists()


def test_a_notice_with_no_contact_waits_and_finally_fails_for_staff(settings):
    settings.REPORTAL_NOTICE_MAX_ATTEMPTS = 2
    RoutingRule.objects.update(police_email="")  # no police unit configured anywhere
    item, _trace = _item_with_trace()
    notice = Notice.objects.create(
        item=item, kind="police_referral", reference="R", language="es", hosting_country="ZZ"
    )
    assert notices.deliver(notice.pk) == DeliveryState.WAITING_CONTACT
    notice.refresh_from_db()
    assert notices.deliver(notice.pk) is None  # not due yet: nothing happens
    assert notices.deliver(notice.pk, now=notice.next_attempt_at) == DeliveryState.FAILED
    notice.refresh_from_db()
    assert notice.attempts == 2 and "police" in notice.last_error and notice.next_attempt_at is None
    assert mail.outbox == []


def test_retry_delays_grow():
    delays = [notices.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == sorted(delays) and delays[0] == 60 and delays[-1] == 86400


def test_police_export_has_trace_classification_and_timestamps_and_defuses_formulas():
    item, _trace = _item_with_trace("http://dark.test/=cmd")
    rows = list(csv.DictReader(io.StringIO(casefile.case_csv([item]).decode())))
    assert rows[0]["reference"] == casefile.reference_of(item)
    assert rows[0]["hosting_country"] == "SV" and rows[0]["ips"] == "127.0.0.1"
    assert rows[0]["first_reported_at"] and rows[0]["trace_at"] and rows[0]["confirmed_at"]
    record = casefile.case_record(item)
    assert record["status_history"][-1]["to"] == "actionable"
    assert not {"email", "description", "reporter"} & set(record)  # nothing about the reporter


def test_a_lost_action_task_is_picked_up_by_the_monitoring_sweep(settings, fake_world):
    from django.core.management import call_command

    base = fake_world.host("dark.test")
    fake_world.website.set("/p", "<html><body>page</body></html>")
    item = make_item(f"{base}/p", make_portal())
    change_status(item, ItemStatus.ACTIONABLE, reason="assessed actionable")  # on_actionable never ran
    assert actions.sweep_unacted() == []  # too recent: its own task may still be on its way
    assert actions.sweep_unacted(older_than_minutes=0) == [item.pk]
    call_command("monitor", "--once", "--all")
    item.refresh_from_db()
    assert item.status == ItemStatus.ACTION_TAKEN
    assert Notice.objects.filter(item=item, kind=NoticeKind.HOST_NOTICE).exists()
