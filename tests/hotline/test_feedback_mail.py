"""Reporters who gave an e-mail address hear the outcome in their report's language, through a real SMTP server
(aiosmtpd on loopback), once per outcome, and never see the reported address again."""

from __future__ import annotations

import email
import socket
from email.header import decode_header, make_header
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from reportal import crypto
from reportal.hotline import claims, feedback
from reportal.hotline.assessment import Decision, assess_item
from reportal.hotline.models import ReporterFeedback
from reportal.reports.lifecycle import change_status
from reportal.reports.models import ItemStatus

from .factories import report_item

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    yield inbox
    controller.stop()


def _text(message: Message) -> tuple[str, str]:
    subject = str(make_header(decode_header(message["Subject"])))
    body = message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")
    return subject, body


def _decide(item, outcome: str, reason: str = "", classification=None):
    from django.contrib.auth import get_user_model

    analyst = get_user_model().objects.create_user(f"analyst-{item.pk}")
    claims.claim_item(item, analyst)
    assess_item(item, analyst, Decision(outcome, reason=reason, classification=classification or {}))


def test_closed_gt_report_feedback_arrives_in_spanish(smtp, django_capture_on_commit_callbacks):
    item = report_item(
        "https://feedback.example/page",
        portal_slug="gt",
        language="es",
        email_encrypted=crypto.encrypt("rep@example.test"),
    )

    with django_capture_on_commit_callbacks(execute=True):
        _decide(item, "not_actionable", reason="no_longer_available")

    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    subject, body = _text(message)
    assert recipients == ["rep@example.test"]
    assert subject == "El resultado de su reporte a Portal GT"
    assert "Gracias por su reporte a Portal GT." in body
    assert "pero el contenido ya no estaba disponible" in body
    assert "código de referencia" in body and "/gt/status/" in body
    assert "feedback.example" not in body and "feedback.example" not in subject  # the address is not sent back
    assert ReporterFeedback.objects.get(item=item).sent_at is not None


def test_action_taken_is_told_once_in_each_reporters_language(smtp, django_capture_on_commit_callbacks, monkeypatch):
    # The actions stage would act at once; here the test takes that step itself, twice.
    monkeypatch.setattr("reportal.actions.services.on_actionable", lambda item, actor=None: None)
    url = "https://feedback.example/confirmed"
    item = report_item(url, portal_slug="gt", language="es", email_encrypted=crypto.encrypt("es@example.test"))
    report_item(url, portal_slug="bz", language="en", email_encrypted=crypto.encrypt("en@example.test"))
    report_item(url, portal_slug="gt", language="es")  # no address given: nothing to send

    with django_capture_on_commit_callbacks(execute=True):
        _decide(item, "actionable", classification={"legal_assessment": "baseline"})
    assert smtp.messages == []  # confirmed, but no action yet

    item.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        change_status(item, ItemStatus.ACTION_TAKEN, reason="notice sent")
        change_status(item, ItemStatus.ACTION_TAKEN, reason="notice sent again")

    by_recipient = {recipients[0]: _text(message) for recipients, message in smtp.messages}
    assert len(smtp.messages) == 2
    assert "Nuestros analistas confirmaron" in by_recipient["es@example.test"][1]
    assert (
        "Our analysts confirmed that an address you reported shows illegal content."
        in by_recipient["en@example.test"][1]
    )
    assert by_recipient["en@example.test"][0] == "The outcome of your report to Portal BZ"


def test_mail_server_down_does_not_undo_the_decision(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _free_port()  # nothing listens here
    settings.EMAIL_TIMEOUT = 2
    settings.REPORTAL_SECOND_OPINION_SHARE = 0.0
    item = report_item("https://feedback.example/down", email_encrypted=crypto.encrypt("rep@example.test"))

    with django_capture_on_commit_callbacks(execute=True):
        _decide(item, "not_actionable", reason="not_found")

    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_ACTIONABLE
    assert not ReporterFeedback.objects.filter(item=item, sent_at__isnull=False).exists()  # left for a retry

    # The mail server is back: the periodic sweep sends what was missed, once.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
    controller.start()
    try:
        assert feedback.sweep() == 1
        assert feedback.sweep() == 0
    finally:
        controller.stop()
    assert [recipients for recipients, _message in inbox.messages] == [["rep@example.test"]]


def test_feedback_names_the_portal_as_branded_in_the_reporters_language(smtp, django_capture_on_commit_callbacks):
    item = report_item(
        "https://branded.example/page",
        portal_slug="gt",
        language="es",
        email_encrypted=crypto.encrypt("rep@example.test"),
    )
    portal = item.reports.get().portal
    portal.display_name_by_language = {"es": "Denuncia Segura Guatemala", "en": "Safe Report Guatemala"}
    portal.save()

    with django_capture_on_commit_callbacks(execute=True):
        _decide(item, "not_actionable", reason="no_longer_available")

    subject, body = _text(smtp.messages[0][1])
    assert subject == "El resultado de su reporte a Denuncia Segura Guatemala"
    assert "Gracias por su reporte a Denuncia Segura Guatemala." in body
