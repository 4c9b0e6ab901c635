"""Notices and referrals: which to create for an address, how each is written, and delivery with retries.

Delivery state lives in the Notice table: a failed attempt is recorded with the next attempt's time, and the
beat task `actions.send_due_notices` picks it up again, so nothing is lost when SMTP or RDAP is down.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reportal.actions import casefile, routing, xarf_reports
from reportal.actions.models import DeliveryState, Notice, NoticeKind, ReferralFormat, RouteAction
from reportal.tracing.services import Trace

logger = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, ... failed attempt; then once a day until the attempts run out.
RETRY_MINUTES = [1, 5, 15, 60, 180, 360, 720]
SEND_LEASE = timedelta(minutes=10)  # a worker that dies mid-send leaves the notice due again after this

LEGAL_BASIS = {
    "en": "Making, holding and distributing child sexual abuse material is a crime under the law of the hosting "
    "country and under the Optional Protocol to the UN Convention on the Rights of the Child on the sale of "
    "children, child prostitution and child pornography (Article 3).",
    "es": "Producir, poseer y distribuir material de abuso sexual infantil es delito según la ley del país de "
    "alojamiento y según el Protocolo facultativo de la Convención sobre los Derechos del Niño relativo a la venta "
    "de niños, la prostitución infantil y la utilización de niños en la pornografía (artículo 3).",
    "fr": "Produire, détenir et diffuser des contenus d'abus sexuels sur enfants est un crime selon la loi du pays "
    "d'hébergement et selon le Protocole facultatif à la Convention relative aux droits de l'enfant, concernant la "
    "vente d'enfants, la prostitution des enfants et la pornographie mettant en scène des enfants (article 3).",
    "pt": "Produzir, possuir e distribuir material de abuso sexual infantil é crime segundo a lei do país de "
    "alojamento e segundo o Protocolo Facultativo à Convenção sobre os Direitos da Criança relativo à venda de "
    "crianças, prostituição infantil e pornografia infantil (artigo 3.º).",
}

_TEMPLATE = {
    NoticeKind.HOST_NOTICE: "notice",
    NoticeKind.CDN_NOTICE: "notice",
    NoticeKind.REMINDER: "notice",
    NoticeKind.PARTNER_REFERRAL: "referral",
    NoticeKind.POLICE_REFERRAL: "police",
}


# --- which notices ---------------------------------------------------------------------------------------------


def _host_kind(trace: Trace | None) -> str:
    return NoticeKind.CDN_NOTICE if trace is not None and trace.cdn else NoticeKind.HOST_NOTICE


def _recipients(kind: str, trace: Trace | None, route: routing.Route) -> tuple[list[str], list[str], str]:
    """(to, cc, name) for a notice of `kind`, from the trace and the route."""
    if kind == NoticeKind.PARTNER_REFERRAL:
        return ([route.partner_email] if route.partner_email else []), [], route.partner_name
    if kind == NoticeKind.POLICE_REFERRAL:
        return ([route.police_email] if route.police_email else []), [], route.police_name
    if trace is None:
        return [], [], ""
    if trace.cdn:
        to = list(trace.ip_abuse_emails)
        name = trace.cdn_name
    else:
        to = trace.abuse_emails
        name = trace.hosting_network
    cc: list[str] = []
    if kind == NoticeKind.REMINDER:
        # A second notice also goes to the registrar's abuse desk, which can suspend the domain.
        cc = [e for e in trace.domain_abuse_emails if e not in to]
    return to, cc, name


def _language(kind: str, route: routing.Route) -> str:
    if kind == NoticeKind.PARTNER_REFERRAL:
        return route.partner_language
    return route.language


HOST_KINDS = (NoticeKind.HOST_NOTICE, NoticeKind.CDN_NOTICE, NoticeKind.REMINDER)


def _contact_given_before(item: Any) -> list[str]:
    """The host's contact on an earlier notice about this address: one an analyst typed when RDAP had none
    (actions.services.enter_abuse_contact), so a reminder or a re-check does not wait for it again."""
    earlier = Notice.objects.filter(item=item, kind__in=HOST_KINDS).exclude(recipients=[]).order_by("-pk").first()
    return list(earlier.recipients) if earlier is not None else []


def _create(item: Any, trace: Trace | None, route: routing.Route, kind: str, *, level: int, reason: str) -> Notice:
    to, cc, name = _recipients(kind, trace, route)
    if not to and kind in HOST_KINDS:
        to = _contact_given_before(item)
    return Notice.objects.create(
        item=item,
        trace=trace,
        kind=kind,
        escalation_level=level,
        reason=reason,
        language=_language(kind, route),
        recipients=to,
        cc=cc,
        recipient_name=name[:200],
        hosting_country=route.country,
        reference=casefile.reference_of(item),
        state=DeliveryState.PENDING,
        next_attempt_at=timezone.now(),
    )


def route_of(trace: Trace | None) -> routing.Route:
    return routing.route_for_country(trace.hosting_country if trace is not None else "")


NETWORK_ROUTES = (RouteAction.ICCAM, RouteAction.NCMEC)  # hand-offs to another stage, not notices


def open_case(
    item: Any, trace: Trace | None, *, reason: str = "action", baseline: dict[str, Any] | None = None
) -> list[Notice]:
    """The first notices for an actionable address, as the routing rules decide (the decision is kept with its
    reason). ICCAM and NCMEC routes are hand-offs to their stage (pipeline), recorded in the caller's transaction."""
    from reportal.pipeline import services as pipeline

    choice = routing.decide_for_item(item, trace.hosting_country if trace is not None else "")
    decision = routing.record_decision(item, choice)
    route = choice.route
    notices = []
    if route.action in NETWORK_ROUTES:
        if reason == "reappeared":  # the network's removal did not hold: tell the host directly this time
            return [_create(item, trace, route, _host_kind(trace), level=0, reason=reason)]
        # Keyed by item: a later decision about the same item hands nothing off twice.
        payload = {"decision_id": decision.pk, **_network_facts(item, trace, baseline or {})}
        if route.action == RouteAction.ICCAM:
            pipeline.record("item.route_iccam", item.pk, key=item.pk, payload=payload)
        else:
            pipeline.record("item.route_ncmec", item.pk, key=item.pk, payload=payload)
        return []
    if route.action == RouteAction.POLICE:
        return [_create(item, trace, route, NoticeKind.POLICE_REFERRAL, level=0, reason=reason)]
    # Behind a CDN the edge's country says nothing about the host: the CDN is told, and asked for the origin.
    if route.action == RouteAction.PARTNER and not (trace is not None and trace.cdn):
        notices.append(_create(item, trace, route, NoticeKind.PARTNER_REFERRAL, level=0, reason=reason))
    else:
        notices.append(_create(item, trace, route, _host_kind(trace), level=0, reason=reason))
        if route.action == RouteAction.HOST_AND_POLICE:
            notices.append(_create(item, trace, route, NoticeKind.POLICE_REFERRAL, level=0, reason=reason))
    return notices


def _network_facts(item: Any, trace: Trace | None, baseline: dict[str, Any]) -> dict[str, Any]:
    """What the receiving network stage needs about the address, so it need not reach into this stage: where it is
    hosted, when it was reported and confirmed, and the confirmed files (addresses and hashes, never the files)."""
    confirmed = casefile.confirmed_at(item)
    media = [
        {"url": m["url"], "sha256": m.get("sha256", ""), "content_type": m.get("content_type", "")}
        for m in baseline.get("media", [])
        if m.get("url")
    ]
    if str(baseline.get("content_type", "")).split("/")[0] in ("image", "video"):  # the address is the file itself
        media.insert(
            0,
            {
                "url": item.canonical_url,
                "sha256": baseline.get("body_sha256", ""),
                "content_type": baseline["content_type"],
            },
        )
    return {
        "url": item.canonical_url,
        "reference": casefile.reference_of(item),
        "hosting_country": trace.hosting_country if trace is not None else "",
        "ips": [ip["ip"] for ip in (trace.ips if trace is not None else [])],
        "network": trace.hosting_network if trace is not None else "",
        "reported_at": item.first_reported_at.isoformat() if item.first_reported_at else "",
        "confirmed_at": confirmed.isoformat() if confirmed else "",
        "media": media[:12],
    }


def escalate(item: Any, trace: Trace | None, level: int) -> list[Notice]:
    """Level 1: a second notice to whoever was told first. Level 2: the partner hotline, else the police.
    After a hand-off to ICCAM or NCMEC, level 1 is a first notice to the host and level 2 the police."""
    route = route_of(trace)
    decision = routing.latest_decision(item)
    if decision is not None and decision.action in NETWORK_ROUTES:
        kind = _host_kind(trace) if level == 1 else NoticeKind.POLICE_REFERRAL
        return [_create(item, trace, route, kind, level=level, reason="escalation")] if level in (1, 2) else []
    partner_first = route.action == RouteAction.PARTNER and not (trace is not None and trace.cdn)
    if level == 1:
        kind = NoticeKind.PARTNER_REFERRAL if partner_first else NoticeKind.REMINDER
        return [_create(item, trace, route, kind, level=1, reason="escalation")]
    if level == 2:
        if route.partner_email and not partner_first:
            kind = NoticeKind.PARTNER_REFERRAL
        else:
            kind = NoticeKind.POLICE_REFERRAL
        return [_create(item, trace, route, kind, level=2, reason="escalation")]
    return []


# --- how each is written --------------------------------------------------------------------------------------


def _context(notice: Notice) -> dict[str, Any]:
    item = notice.item
    trace = notice.trace
    language = routing.notice_language(notice.language)
    legal = (item.portal.legal_text or {}).get(language) or LEGAL_BASIS[language]
    first = Notice.objects.filter(item=item, state=DeliveryState.SENT, escalation_level=0).order_by("sent_at").first()
    org, email, _domain = routing.hotline_contact()
    return {
        "hotline": org,
        "hotline_email": email,
        "reference": notice.reference,
        "urls": [item.canonical_url],
        "host": item.host,
        "ips": [ip["ip"] for ip in (trace.ips if trace else [])],
        "country": trace.hosting_country if trace else "",
        "network": trace.hosting_network if trace else "",
        "asn": trace.hosting_asn if trace else None,
        "cdn": trace.cdn_name if trace else "",
        "abuse": trace.abuse_emails if trace else [],
        "registrar": trace.registrar if trace else "",
        "recipient_name": notice.recipient_name,
        "reported_at": item.first_reported_at,
        "confirmed_at": casefile.confirmed_at(item),
        "checked_at": timezone.now(),
        "tz": timezone.get_current_timezone_name(),
        "first_sent": first.sent_at if first else notice.created_at,
        "reminder": notice.kind == NoticeKind.REMINDER,
        "reappeared": notice.reason == "reappeared",
        "removed_at": _last_removal(item),
        "media_urls": _media_urls(item),
        "escalation": notice.escalation_level > 0,
        "legal_basis": legal,
    }


def _media_urls(item: Any) -> list[str]:
    """Addresses of the confirmed files on the page (from the baseline hashes), so the host finds exactly what to
    remove. Addresses only: the files themselves are never attached."""
    monitor = getattr(item, "monitor", None)
    media = monitor.baseline.get("media", []) if monitor is not None else []
    return [m["url"] for m in media if m.get("url") and m["url"] != item.canonical_url][:12]


def _last_removal(item: Any) -> datetime | None:
    from reportal.actions.models import Removal

    removal = Removal.objects.filter(item=item).order_by("-removed_at").first()
    return removal.removed_at if removal else None


def build_xarf(notice: Notice) -> dict[str, Any]:
    item = notice.item
    trace = notice.trace
    monitor = getattr(item, "monitor", None)
    baseline = monitor.baseline if monitor is not None else {}
    media = baseline.get("media", [])
    sha256 = media[0]["sha256"] if len(media) == 1 else ""
    reports = item.reports.all()
    crawler = reports.filter(source="crawler").exists() and not reports.exclude(source="crawler").exists()
    return xarf_reports.build(
        url=item.canonical_url,
        host=item.host,
        addresses=[ip["ip"] for ip in (trace.ips if trace else [])],
        reported_at=item.first_reported_at,
        verified_at=casefile.confirmed_at(item),
        hotline=routing.hotline_contact(),
        reference=notice.reference,
        kind=notice.kind,
        classification=xarf_reports.xarf_classification(casefile.classification_of(item)),
        media_type=xarf_reports.media_type_of([m.get("content_type", "") for m in media]),
        sha256=sha256,
        evidence_source="crawler" if crawler else "user_report",
        hosting_provider=(trace.cdn_name or trace.hosting_network) if trace else "",
        asn=trace.hosting_asn if trace else None,
        country=trace.hosting_country if trace else "",
        registrar=trace.registrar if trace else "",
        registrar_abuse=(trace.domain_abuse_emails[0] if trace and trace.domain_abuse_emails else ""),
        description=f"{notice.get_kind_display()} {notice.reference}",
    )


def render(notice: Notice) -> None:
    """Write subject, body and XARF report into the notice, in its language."""
    language = routing.notice_language(notice.language)
    with translation.override(language):
        template = _TEMPLATE[NoticeKind(notice.kind)]
        text = render_to_string(f"actions/notices/{language}/{template}.txt", _context(notice))
    first, _sep, body = text.lstrip().partition("\n")
    notice.subject = first.removeprefix("Subject:").strip()[:300]
    notice.body = body.strip() + "\n"
    if notice.kind != NoticeKind.POLICE_REFERRAL:
        notice.xarf = notice.xarf if notice.xarf else build_xarf(notice)


def message_for(notice: Notice) -> EmailMessage:
    """The e-mail of a rendered notice: plain text with JSON/CSV attachments, and no image of any kind."""
    message = EmailMessage(
        subject=notice.subject,
        body=notice.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(notice.recipients),
        cc=list(notice.cc),
        headers={"X-Reportal-Reference": notice.reference, "Auto-Submitted": "auto-generated"},
    )
    stem = notice.reference.lower()
    if notice.xarf:
        message.attach(f"xarf-{stem}.json", json.dumps(notice.xarf, indent=2), "application/json")
    if notice.kind == NoticeKind.PARTNER_REFERRAL:
        rule = route_of(notice.trace).rule
        if rule is None or rule.partner_format == ReferralFormat.EMAIL_JSON:
            message.attach(f"case-{stem}.json", casefile.case_json([notice.item]).decode(), "application/json")
    if notice.kind == NoticeKind.POLICE_REFERRAL:
        message.attach(f"case-{stem}.csv", casefile.case_csv([notice.item]).decode(), "text/csv")
        message.attach(f"case-{stem}.json", casefile.case_json([notice.item]).decode(), "application/json")
    return message


# --- delivery ---------------------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    index = attempts - 1
    return timedelta(minutes=RETRY_MINUTES[index] if 0 <= index < len(RETRY_MINUTES) else 24 * 60)


def _claim(notice_id: int, now: datetime) -> Notice | None:
    """Take a due notice for sending (a lease, so two workers never send it twice)."""
    with transaction.atomic():
        # No joins in the locking query: PostgreSQL refuses FOR UPDATE on the nullable side of an outer join.
        notice = Notice.objects.select_for_update().filter(pk=notice_id).first()
        if notice is None or notice.state not in (DeliveryState.PENDING, DeliveryState.WAITING_CONTACT):
            return None
        if notice.next_attempt_at and notice.next_attempt_at > now:
            return None
        notice.next_attempt_at = now + SEND_LEASE
        notice.save(update_fields=["next_attempt_at"])
        return notice


def _refresh_contacts(notice: Notice) -> None:
    """No address yet: trace again (RDAP may be back) and re-read the route (an operator may have added one)."""
    from reportal.tracing.services import trace_item

    trace = notice.trace
    if notice.kind in (NoticeKind.HOST_NOTICE, NoticeKind.CDN_NOTICE, NoticeKind.REMINDER):
        trace = trace_item(notice.item, purpose="action")
        if notice.kind != NoticeKind.REMINDER:
            notice.kind = _host_kind(trace)
        notice.trace = trace
        notice.xarf = None  # rebuilt from the new trace
    to, cc, name = _recipients(notice.kind, trace, route_of(trace))
    if not to and notice.kind in HOST_KINDS:
        to = _contact_given_before(notice.item)
    notice.recipients, notice.cc, notice.recipient_name = to, cc, name[:200]


def _no_contact_error(notice: Notice) -> str:
    if notice.kind == NoticeKind.POLICE_REFERRAL:
        return _(
            "No police address is configured for %(country)s. Add one to the routing rules; the referral is "
            "sent on the next attempt."
        ) % {"country": notice.hosting_country or _("the fallback rule")}
    if notice.kind == NoticeKind.PARTNER_REFERRAL:
        return _("The partner hotline has no e-mail address in the routing rules. Add one; it is retried.")
    error = notice.trace.error if notice.trace is not None and notice.trace.error else ""
    return _("No abuse contact was found for this address yet; it is traced again on the next attempt. %(error)s") % {
        "error": error
    }


def _failed(notice: Notice, now: datetime, error: str, *, state: str) -> None:
    notice.attempts += 1
    notice.last_error = error[:2000]
    if notice.attempts >= settings.REPORTAL_NOTICE_MAX_ATTEMPTS:
        notice.state = DeliveryState.FAILED
        notice.next_attempt_at = None
    else:
        notice.state = state
        notice.next_attempt_at = now + retry_delay(notice.attempts)


def deliver(notice_id: int, *, now: datetime | None = None) -> str | None:
    """Send one due notice. Returns its new state, or None when it was not due or not sendable."""
    now = now or timezone.now()
    notice = _claim(notice_id, now)
    if notice is None:
        return None
    if not notice.recipients:
        _refresh_contacts(notice)
    if not notice.recipients:
        _failed(notice, now, _no_contact_error(notice), state=DeliveryState.WAITING_CONTACT)
        notice.save()
        return notice.state
    try:
        render(notice)
        message_for(notice).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried, never lost
        logger.warning("notice %s to %s failed: %s", notice.reference, notice.recipients, exc)
        _failed(
            notice,
            now,
            _("Sending failed: %(error)s. It is retried automatically.") % {"error": exc},
            state=DeliveryState.PENDING,
        )
        notice.save()
        return notice.state
    notice.attempts += 1
    notice.state = DeliveryState.SENT
    notice.sent_at = timezone.now()
    notice.next_attempt_at = None
    notice.last_error = ""
    notice.save()
    return notice.state


def due_notice_ids(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        Notice.objects.filter(
            state__in=(DeliveryState.PENDING, DeliveryState.WAITING_CONTACT), next_attempt_at__lte=now
        ).values_list("pk", flat=True)[:500]
    )


def send_due(now: datetime | None = None) -> int:
    """Deliver every notice that is due (new ones and retries). Returns how many were sent."""
    sent = 0
    for notice_id in due_notice_ids(now):
        try:
            sent += int(deliver(notice_id, now=now) == DeliveryState.SENT)
        except Exception:  # one notice must not hold back the others; it stays due and is tried again
            logger.exception("delivering notice %s failed; it is tried on the next pass", notice_id)
    return sent
