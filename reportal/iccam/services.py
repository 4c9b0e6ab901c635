"""What other apps (and the iccam tasks and command) may ask of the ICCAM exchange.

- `export_item(item_id)`: the receiver of the hand-off item.route_iccam (reportal/pipeline/registry.py): a confirmed
  item hosted in another INHOPE country goes to ICCAM once, with its hosting, assessment and site details.
- `import_new()`: content ICCAM assigned to our country without a hotline reference becomes a report in our queue
  (source 'iccam'), and our reference goes back on ICCAM.
- `sync_actions()`: our actions on imported content go to ICCAM (LEA, ISP, removed, unavailable, moved, not
  illegal); other hotlines' actions on what we exported come back into our tables.

Everything is off until REPORTAL_ICCAM_URL is set. Each step keeps its state in this app's tables before and after
it talks to ICCAM, so a second run, a retried task or a run after an outage sends nothing twice.
Other apps decide *whether* to route to ICCAM from their own rules; they need not import this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reportal.iccam import mapping
from reportal.iccam.client import MAX_BATCH, IccamClient, IccamConfig, IccamError, Tokens
from reportal.iccam.models import (
    Action,
    ActionType,
    Content,
    Direction,
    Export,
    ExportState,
    Lookup,
    LookupKind,
    Session,
)
from reportal.net.partner import PartnerTls

__all__ = [
    "IccamError",
    "IccamState",
    "enabled",
    "export_item",
    "exports_to",
    "import_new",
    "refresh_lookups",
    "state_of",
    "sync_actions",
]

logger = logging.getLogger(__name__)

CONTENT_TYPE_WEBSITE = 2  # ICCAM's content type of a web page (1 is a media file)
FINAL_ACTIONS = frozenset(
    {ActionType.CONTENT_REMOVED, ActionType.CONTENT_UNAVAILABLE, ActionType.MOVED, ActionType.NOT_ILLEGAL}
)
REASON_OTHER = 1  # ICCAM's action reason 'Other'; actions after the first three need a reason
SYNC_BATCH = 100


def enabled() -> bool:
    return bool(settings.REPORTAL_ICCAM_URL)


def our_country() -> str:
    return str(settings.REPORTAL_ICCAM_COUNTRY).upper()


def reference_for(item_id: int) -> str:
    """Our hotline reference of an item on ICCAM: stable, so a retry names the same report."""
    return f"{settings.REPORTAL_ICCAM_REFERENCE_PREFIX}-{item_id}"


def analyst_name() -> str:
    return str(settings.REPORTAL_ICCAM_ANALYST or settings.REPORTAL_ICCAM_USERNAME)


class DatabaseTokens:
    """The session tokens in the Session table, so every worker uses (and renews) the same ones."""

    def load(self) -> Tokens | None:
        row = Session.objects.filter(pk=1).first()
        if row is None:
            return None
        return Tokens(row.bearer_token, row.refresh_token, row.expires_at.timestamp())

    def save(self, tokens: Tokens) -> None:
        Session.objects.update_or_create(
            pk=1,
            defaults={
                "bearer_token": tokens.bearer,
                "refresh_token": tokens.refresh,
                "expires_at": datetime.fromtimestamp(tokens.expires_at, UTC),
            },
        )


def client() -> IccamClient:
    if not enabled():
        raise IccamError(_("ICCAM is not configured: set REPORTAL_ICCAM_URL and its account."), retryable=False)
    config = IccamConfig(
        url=settings.REPORTAL_ICCAM_URL,
        username=settings.REPORTAL_ICCAM_USERNAME,
        password=settings.REPORTAL_ICCAM_PASSWORD,
        tls=PartnerTls(
            client_cert=settings.REPORTAL_ICCAM_CLIENT_CERT,
            client_key=settings.REPORTAL_ICCAM_CLIENT_KEY,
            ca_bundle=settings.REPORTAL_ICCAM_CA_BUNDLE,
        ),
        timeout=settings.REPORTAL_ICCAM_TIMEOUT,
    )
    return IccamClient(config, DatabaseTokens())


def _iccam_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_date(value: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return timezone.now()
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- lookups ----------------------------------------------------------------------------------------------------


def refresh_lookups(api: IccamClient | None = None) -> int:
    """Fetch every ICCAM list into the Lookup table (values ICCAM dropped are removed); returns the rows kept."""
    own = api is None
    api = api or client()
    try:
        fetched = {kind: api.lookup(kind) for kind in LookupKind.values}
    finally:
        if own:
            api.close()
    count = 0
    with transaction.atomic():
        for kind, rows in fetched.items():
            codes = []
            for row in rows:
                # Countries are keyed by their ISO code, action types by `type`, everything else by `id`.
                code = str(row.get("code", "") if kind == LookupKind.COUNTRY else row.get("id", row.get("type", "")))
                if not code:
                    continue
                country = code if kind == LookupKind.COUNTRY else str(row.get("countryCode", ""))
                Lookup.objects.update_or_create(
                    kind=kind,
                    code=code,
                    defaults={"name": str(row.get("name", ""))[:200], "country_code": country.upper()[:2]},
                )
                codes.append(code)
            Lookup.objects.filter(kind=kind).exclude(code__in=codes).delete()
            count += len(codes)
    return count


def exports_to(country: str) -> bool:
    """Whether an item hosted in `country` can go to that country's hotline through ICCAM (configured, another
    country, and a hotline there on ICCAM's list)."""
    country = (country or "").upper()
    if not (enabled() and country and country != our_country()):
        return False
    # Before the first lookup refresh the hotline list is unknown: export_item fetches it and refuses, with the
    # reason, a country without an INHOPE hotline.
    hotlines = mapping.inhope_countries()
    return country in hotlines or not hotlines


# --- export -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    item_id: int
    report_id: int | None
    sent_now: bool  # False: it had been sent before (a second run), or there was nothing to send
    content_ids: list[int] = field(default_factory=list)


def _hosting(item: Any) -> Any:
    from reportal.tracing import services as tracing

    trace = tracing.latest_trace(item)
    if trace is None or not trace.hosting_country:
        trace = tracing.trace_item(item, purpose="action")
    return trace


def _report_payload(item: Any, trace: Any, classification: dict[str, Any], reference: str) -> dict[str, Any]:
    """ICCAM's report of one confirmed address: the source URL with its hosting, site details and assessment."""
    first_ip = trace.ips[0] if trace.ips else {}
    isp = trace.hosting_network or first_ip.get("rdap_name", "")
    url = {
        "urlString": item.canonical_url,
        "hotlineReference": reference,
        "hostingCountryCode": trace.hosting_country,
        "hostingIpAddress": first_ip.get("ip", ""),
        "hostingIsp": isp,
        "hostingOrganization": {
            "organizationName": isp,
            "autonomousSystemNumber": trace.hosting_asn,
            "isContentDeliveryNetwork": bool(trace.cdn),
        },
        "isSourceUrl": True,
        "memo": "",
        "contentType": CONTENT_TYPE_WEBSITE,
        "assessment": mapping.assessment(classification, analyst_name()),
        "actions": [],
    }
    return {
        "reportingAnalystName": analyst_name(),
        "hotlineReceivedDate": _iccam_date(item.first_reported_at),
        "hotlineReference": reference,
        "memo": "",
        "sourceUrlReferrer": None,
        "sourceUrlSiteType": mapping.code_for(LookupKind.SITE_TYPE, classification),
        "sourceUrlCommerciality": mapping.code_for(LookupKind.COMMERCIALITY, classification),
        "sourceUrlPaymentMethods": [mapping.code_for(LookupKind.PAYMENT, classification)],
        "urls": [url],
    }


def _classification(item_id: int) -> dict[str, Any]:
    from reportal.hotline import services as hotline

    decision = hotline.decisions([item_id]).get(item_id)
    return dict(decision.classification) if decision is not None else {}


def export_item(item_id: int) -> ExportResult:
    """Send a confirmed item hosted in another INHOPE country to ICCAM, once. Raises IccamError (retryable or not,
    recorded on the Export row) when ICCAM did not take it."""
    from reportal.reports import services as reports

    item = reports.get_item(item_id)
    if item is None:
        return ExportResult(item_id, None, False)
    done = Export.objects.filter(item_id=item_id, state=ExportState.SENT).first()
    if done is not None:
        return ExportResult(item_id, done.report_id, False, _content_ids(item_id))
    if not reports.is_confirmed(item):
        return ExportResult(item_id, None, False)  # overturned or removed before its turn came
    with client() as api:
        if not Lookup.objects.filter(kind=LookupKind.HOTLINE).exists():
            refresh_lookups(api)
        trace = _hosting(item)
        country = (trace.hosting_country or "").upper()
        if not exports_to(country) or country not in mapping.inhope_countries():
            raise IccamError(
                _("Item %(item)s is hosted in %(country)s, which has no INHOPE hotline on ICCAM other than ours.")
                % {"item": item_id, "country": country or "?"},
                retryable=False,
            )
        reference = reference_for(item_id)
        export, _created = Export.objects.get_or_create(
            item_id=item_id, defaults={"hotline_reference": reference, "hosting_country": country}
        )
        try:
            payload = _report_payload(item, trace, _classification(item_id), reference)
        except mapping.MappingMissing as exc:
            _export_failed(export, str(exc), retryable=False)
            raise IccamError(str(exc), retryable=False) from None
        Export.objects.filter(pk=export.pk).update(payload=payload, hosting_country=country)
        try:
            report_id = api.post_report(payload, idempotency_key=reference)
        except IccamError as exc:
            _export_failed(export, str(exc), retryable=exc.retryable)
            raise
        Export.objects.filter(pk=export.pk).update(
            state=ExportState.SENT, report_id=report_id, sent_at=timezone.now(), last_error=""
        )
        content_ids = _link_exported_contents(api, item, report_id, country)
    logger.info("Item %s exported to ICCAM as report %s (hosted in %s).", item_id, report_id, country)
    return ExportResult(item_id, report_id, True, content_ids)


def _export_failed(export: Export, error: str, *, retryable: bool) -> None:
    Export.objects.filter(pk=export.pk).update(
        attempts=export.attempts + 1,
        last_error=error[:2000],
        state=ExportState.PENDING if retryable else ExportState.REFUSED,
    )


def _content_ids(item_id: int) -> list[int]:
    return list(Content.objects.filter(item_id=item_id).order_by("pk").values_list("content_id", flat=True))


def _link_exported_contents(api: IccamClient, item: Any, report_id: int, country: str) -> list[int]:
    """Remember ICCAM's content ids of the report (their actions come back later), each assigned to the hosting
    country's hotline. A failure here leaves the export sent: the action sync links the contents again."""
    try:
        report = api.get_report(report_id)
        for row in report.get("reportContents") or []:
            content_id = int(row["contentId"])
            content, _created = Content.objects.get_or_create(
                content_id=content_id,
                defaults={
                    "item": item,
                    "report_id": report_id,
                    "direction": Direction.EXPORTED,
                    "url": str(row.get("urlString", item.canonical_url)),
                    "hosting_country": country,
                },
            )
            if content.assigned_country != country:
                detail = api.get_content(content_id)
                if str(detail.get("assignedCountryCode", "")).upper() != country:
                    api.call(
                        "PUT",
                        f"rest/Content/{content_id}/assigned-country",
                        _("the country of content %(id)s") % {"id": content_id},
                        params={"newCountryCode": country},
                    )
                Content.objects.filter(pk=content.pk).update(assigned_country=country)
    except (IccamError, KeyError, TypeError, ValueError) as exc:
        logger.warning("ICCAM report %s: its content ids could not be linked yet (%s).", report_id, exc)
    return _content_ids(item.pk)


# --- import -----------------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    item_ids: list[int] = field(default_factory=list)  # queue items made or joined for new content
    references_set: int = 0
    skipped: list[str] = field(default_factory=list)  # why content was not taken in


def _import_portal() -> Any:
    from reportal.portals import services as portals

    if settings.REPORTAL_ICCAM_PORTAL:
        portal = portals.active_portal(settings.REPORTAL_ICCAM_PORTAL)
    else:
        portal = portals.portal_in_country(our_country())
    if portal is None:
        raise IccamError(
            _("No active portal takes content from ICCAM: set REPORTAL_ICCAM_PORTAL to a portal's slug."),
            retryable=False,
        )
    return portal


def _latest_classification(content: dict[str, Any]) -> str:
    assessments = content.get("assessments") or []
    latest = assessments[-1] if assessments and isinstance(assessments[-1], dict) else {}
    value = latest.get("classification")
    return str(value) if value not in (None, "") else ""


def import_new(limit: int = MAX_BATCH) -> ImportResult:
    """Take in one batch (at most 20) of content assigned to our country without a hotline reference."""
    result = ImportResult()
    with client() as api:
        rows = api.no_reference(min(limit, MAX_BATCH))
        reports_seen: dict[int, dict[str, Any]] = {}
        for row in rows:
            try:
                content_id, report_id = int(row["contentId"]), int(row["reportId"])
            except (KeyError, TypeError, ValueError):
                result.skipped.append(_("ICCAM listed content without a content or report id."))
                continue
            linked = Content.objects.filter(content_id=content_id).first()
            if linked is None:
                linked = _take_in(api, content_id, report_id, reports_seen, result)
                if linked is None:
                    continue
            api.set_hotline_reference(content_id, reference_for(linked.item_id))
            Content.objects.filter(pk=linked.pk).update(reference_set_at=timezone.now())
            result.references_set += 1
    return result


def _take_in(
    api: IccamClient, content_id: int, report_id: int, reports_seen: dict[int, dict[str, Any]], result: ImportResult
) -> Content | None:
    from reportal.reports import services as reports

    detail = api.get_content(content_id)
    url = str((detail.get("url") or {}).get("urlString", ""))
    if report_id not in reports_seen:
        reports_seen[report_id] = api.get_report(report_id)
    report = reports_seen[report_id]
    portal = _import_portal()
    description = _(
        "Received through ICCAM from hotline %(hotline)s (ICCAM report %(report)s, content %(content)s)."
    ) % {"hotline": report.get("reportingHotlineId", "?"), "report": report_id, "content": content_id}
    try:
        with transaction.atomic():
            submission = reports.submit_report(
                portal,
                urls=[url],
                seen_on="web",
                description=description,
                language=portal.default_language or (portal.languages[0] if portal.languages else "en"),
                source="iccam",
            )
            item_id = submission.addresses[0].item_id
            content = Content.objects.create(
                item_id=item_id,
                content_id=content_id,
                report_id=report_id,
                direction=Direction.IMPORTED,
                url=url,
                assigned_country=str(detail.get("assignedCountryCode", "")).upper()[:2],
                hosting_country=str((detail.get("url") or {}).get("hostingCountryCode", "")).upper()[:2],
                classification=_latest_classification(detail),
            )
    except reports.IntakeError as exc:
        problems = [*exc.url_errors.values(), *(m for msgs in exc.field_errors.values() for m in msgs)]
        result.skipped.append(f"{content_id}: {'; '.join(str(p) for p in problems)}")
        logger.warning("ICCAM content %s was not taken in: %s", content_id, problems)
        return None
    except IntegrityError:  # another run took it in a moment ago
        return Content.objects.filter(content_id=content_id).first()
    result.item_ids.append(item_id)
    return content


# --- action sync ------------------------------------------------------------------------------------------------


@dataclass
class SyncResult:
    sent: list[tuple[int, int]] = field(default_factory=list)  # (content id, action type) sent to ICCAM now
    received: list[tuple[int, int]] = field(default_factory=list)  # (content id, action type) another hotline took
    assessments_sent: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Wanted:
    action_type: int
    at: datetime
    detail: str = ""
    ip: str = ""


def _wanted_actions(content: Content) -> list[Wanted]:
    """What we did about an imported item, as ICCAM actions: notices and referrals sent, removal, our decision,
    and a move when the address is now hosted in another country."""
    from reportal.actions import services as actions
    from reportal.hotline import services as hotline
    from reportal.tracing import services as tracing

    wanted: list[Wanted] = []
    takedown = actions.takedowns([content.item_id]).get(content.item_id)
    if takedown is not None:
        for kind, sent_at in takedown.notices_sent:
            if kind in actions.HOST_KINDS and not any(w.action_type == ActionType.ISP for w in wanted):
                wanted.append(Wanted(ActionType.ISP, sent_at))
            if kind == "police_referral" and not any(w.action_type == ActionType.LEA for w in wanted):
                wanted.append(Wanted(ActionType.LEA, sent_at))
        if takedown.removed_at is not None:
            wanted.append(Wanted(ActionType.CONTENT_REMOVED, takedown.removed_at, _("Removed after our notice.")))
    decision = hotline.decisions([content.item_id]).get(content.item_id)
    if decision is not None and decision.outcome == "not_actionable":
        if decision.reason == "not_illegal":
            wanted.append(Wanted(ActionType.NOT_ILLEGAL, decision.first_decided_at, _("Assessed as not illegal.")))
        elif decision.reason in ("no_longer_available", "not_found"):
            wanted.append(Wanted(ActionType.CONTENT_UNAVAILABLE, decision.first_decided_at, _("No longer available.")))
    from reportal.reports import services as reports

    item = reports.get_item(content.item_id)
    trace = tracing.latest_trace(item) if item is not None else None
    moved_to = (trace.hosting_country or "").upper() if trace is not None else ""
    if moved_to and moved_to != our_country() and not any(w.action_type in FINAL_ACTIONS for w in wanted):
        ip = trace.ips[0].get("ip", "") if trace is not None and trace.ips else ""
        wanted.append(Wanted(ActionType.MOVED, trace.at if trace is not None else timezone.now(), moved_to, ip))
    return wanted


def _send_assessment(api: IccamClient, content: Content, detail: dict[str, Any], result: SyncResult) -> None:
    """Our analyst's assessment of imported content, where INHOPE's rules let us give one: never over a baseline
    assessment (illegal everywhere, not re-assessed), only over a national one, and not once actions are on it."""
    if content.assessment_sent_at is not None or detail.get("actions"):
        return
    latest = _latest_classification(detail)
    if latest and latest != mapping.NATIONAL:
        return
    from reportal.hotline import services as hotline

    decision = hotline.decisions([content.item_id]).get(content.item_id)
    if decision is None:
        return
    classification = dict(decision.classification)
    if decision.outcome == "not_actionable":
        classification["legal_assessment"] = "not_illegal"
    api.put_assessment(content.content_id, mapping.assessment(classification, analyst_name()))
    Content.objects.filter(pk=content.pk).update(assessment_sent_at=timezone.now())
    result.assessments_sent.append(content.content_id)


def _send_ours(api: IccamClient, content: Content, result: SyncResult) -> None:
    wanted = _wanted_actions(content)
    sent = set(
        Action.objects.filter(content=content, ours=True, sent_at__isnull=False).values_list("action_type", flat=True)
    )
    todo = [w for w in wanted if w.action_type not in sent]
    if not todo and content.assessment_sent_at is not None:
        return
    detail = api.get_content(content.content_id)
    if str(detail.get("assignedCountryCode", "")).upper() != our_country():
        return  # assigned to another hotline now: only it may action the content
    _send_assessment(api, content, detail, result)
    on_iccam = {int(a.get("actionType", 0)) for a in detail.get("actions") or [] if isinstance(a, dict)}
    for want in sorted(todo, key=lambda w: (w.action_type in FINAL_ACTIONS, w.at)):
        action, _created = Action.objects.get_or_create(
            content=content,
            action_type=want.action_type,
            ours=True,
            defaults={"action_date": want.at, "analyst": analyst_name(), "detail": want.detail[:300]},
        )
        if want.action_type not in on_iccam:  # already there: a previous attempt reached ICCAM, its answer did not
            try:
                _post(api, content, want)
            except IccamError as exc:
                Action.objects.filter(pk=action.pk).update(attempts=action.attempts + 1, last_error=str(exc)[:2000])
                raise
        Action.objects.filter(pk=action.pk).update(sent_at=timezone.now(), last_error="")
        result.sent.append((content.content_id, int(want.action_type)))
        if want.action_type in FINAL_ACTIONS:
            break  # a final action closes the content on ICCAM


def _post(api: IccamClient, content: Content, want: Wanted) -> None:
    if want.action_type == ActionType.MOVED:
        api.move(content.content_id, want.ip, want.detail)
        Content.objects.filter(pk=content.pk).update(assigned_country=want.detail)
        return
    action: dict[str, Any] = {
        "actionType": int(want.action_type),
        "actioningAnalystName": analyst_name(),
        "actionDate": _iccam_date(want.at),
    }
    if want.action_type > ActionType.CONTENT_REMOVED:
        action["reasonId"] = REASON_OTHER
        action["reasonText"] = want.detail or _("Other")
    api.post_action(content.content_id, action)


def _receive_theirs(api: IccamClient, content: Content, result: SyncResult) -> None:
    detail = api.get_content(content.content_id)
    for row in detail.get("actions") or []:
        if not isinstance(row, dict):
            continue
        try:
            action_type = ActionType(int(row.get("actionType", 0)))
        except ValueError:
            continue
        _action, created = Action.objects.get_or_create(
            content=content,
            action_type=action_type,
            ours=False,
            defaults={
                "action_date": _parse_date(row.get("actionDate")),
                "analyst": str(row.get("analystName", row.get("actioningAnalystName", "")))[:200],
                "detail": str(row.get("reasonText") or "")[:300],
            },
        )
        if created:
            result.received.append((content.content_id, int(action_type)))
    Content.objects.filter(pk=content.pk).update(
        actions_checked_at=timezone.now(),
        assigned_country=str(detail.get("assignedCountryCode", content.assigned_country)).upper()[:2],
    )


def sync_actions(limit: int = SYNC_BATCH) -> SyncResult:
    """One pass both ways: our actions on imported content to ICCAM, other hotlines' actions on exported content
    back. A content item that fails is retried next pass; the others go on."""
    result = SyncResult()
    with client() as api:
        unlinked = Export.objects.filter(state=ExportState.SENT, report_id__isnull=False).exclude(
            item_id__in=Content.objects.values("item_id")
        )
        for export in unlinked.select_related("item")[:limit]:
            _link_exported_contents(api, export.item, int(export.report_id or 0), export.hosting_country)
        open_ours = (
            Content.objects.filter(direction=Direction.IMPORTED)
            .exclude(actions__ours=True, actions__action_type__in=list(FINAL_ACTIONS), actions__sent_at__isnull=False)
            .order_by("pk")[:limit]
        )
        theirs = (
            Content.objects.filter(direction=Direction.EXPORTED)
            .exclude(actions__ours=False, actions__action_type__in=list(FINAL_ACTIONS))
            .order_by("actions_checked_at", "pk")[:limit]
        )
        for content in list(open_ours):
            _guarded(lambda c=content: _send_ours(api, c, result), content, result)
        for content in list(theirs):
            _guarded(lambda c=content: _receive_theirs(api, c, result), content, result)
    return result


def _guarded(step: Any, content: Content, result: SyncResult) -> None:
    try:
        step()
    except IccamError as exc:
        result.errors.append(f"{content.content_id}: {exc}")
        logger.warning("ICCAM sync of content %s failed (%s); tried again next pass.", content.content_id, exc)
        if not exc.retryable:
            return
        raise  # ICCAM is offline: stop the pass, the next one starts again


# --- the item page ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IccamState:
    """What the exchange did about one item, for its page: the export and the actions each way."""

    export_state: str = ""
    export_error: str = ""
    report_id: int | None = None
    hosting_country: str = ""
    imported: bool = False
    actions: list[tuple[str, bool, datetime]] = field(default_factory=list)  # (label, ours, when)


def state_of(item_id: int) -> IccamState:
    export = Export.objects.filter(item_id=item_id).first()
    contents = list(Content.objects.filter(item_id=item_id))
    actions = [
        (a.get_action_type_display(), a.ours, a.action_date)
        for a in Action.objects.filter(content__item_id=item_id).exclude(ours=True, sent_at__isnull=True)
    ]
    return IccamState(
        export_state=export.state if export else "",
        export_error=export.last_error if export else "",
        report_id=export.report_id if export else (contents[0].report_id if contents else None),
        hosting_country=export.hosting_country if export else "",
        imported=any(c.direction == Direction.IMPORTED for c in contents),
        actions=actions,
    )
