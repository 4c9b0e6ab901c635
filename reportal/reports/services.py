"""What other apps (and the portal views and API) may call: intake of reports and the reporter's status check.

A report is accepted once its row is committed. Follow-up work is handed to Celery after the commit; if the
broker is down the report stays accepted and the outbox sweep (tasks.flush_outbox) hands it over later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reportal import crypto
from reportal.reports import intake_sql
from reportal.reports.canonical import CanonicalUrl, InvalidUrl, canonicalize
from reportal.reports.lifecycle import change_status as change_status  # other apps move items through services
from reportal.reports.lifecycle import coarse_status
from reportal.reports.models import ItemEvent, ItemStatus, Report, ReportedUrl, ReportUrl, SeenOn, Source
from reportal.reports.receipts import new_reference, reference_hash
from reportal.reports.receipts import normalise_reference as normalise_reference

logger = logging.getLogger(__name__)

MAX_URLS = 20
_sqlite_writer = threading.Lock()
MAX_DESCRIPTION = 2000
MAX_EMAIL = 254


class IntakePortal(Protocol):
    """What intake needs of a portal (a portals.Portal): which one it is, and whether it takes reports now."""

    @property
    def id(self) -> int: ...

    @property
    def active(self) -> bool: ...


@dataclass(frozen=True)
class SubmittedAddress:
    submitted: str
    canonical: str
    item_id: int


@dataclass(frozen=True)
class SubmissionResult:
    reference: str  # shown once to the reporter; only its hash is stored
    report_id: int
    addresses: list[SubmittedAddress]


@dataclass
class IntakeError(Exception):
    """Bad input: translated messages per field ('url' errors are per position), nothing stored."""

    field_errors: dict[str, list[str]] = field(default_factory=dict)
    url_errors: dict[int, str] = field(default_factory=dict)


def submit_report(
    portal: IntakePortal,
    *,
    urls: list[str],
    seen_on: str,
    description: str = "",
    email: str = "",
    language: str,
    source: str = "portal",
) -> SubmissionResult:
    """Validate everything, then store the report and link each address to its open queue item in one transaction.

    Raises IntakeError with every problem at once (translated in the active language); nothing is stored then.
    Blank entries in `urls` are skipped; url_errors are keyed by the position in `urls` as given.
    """
    submitted, canonical = _validate(portal, urls=urls, seen_on=seen_on, description=description, email=email)
    reference = new_reference()
    receipt = reference_hash(reference)
    assert receipt is not None
    report = Report(
        portal_id=portal.id,
        language=language[:10],
        seen_on=seen_on,
        description=description.strip(),
        email_encrypted=crypto.encrypt(email.strip()),
        receipt_hash=receipt,
        source=source if source in Source.values else Source.PORTAL,
        # Stamped now, in the same write; enqueue_followup clears it if the broker does not take the message.
        followup_enqueued_at=timezone.now(),
    )
    if connection.vendor == "postgresql":
        report_id, item_ids = intake_sql.store_report(report, portal.id, _distinct(submitted, canonical))
        transaction.on_commit(lambda: enqueue_followup(report_id))  # at once, or when an outer transaction commits
    else:
        # SQLite takes one writer at a time and makes the others poll with growing sleeps; queueing this
        # process's threads on a lock first hands the database over at once (bench/README.md: p99 1.8 s -> 0.17 s).
        with _sqlite_writer, transaction.atomic():
            report.save(force_insert=True)
            item_ids = _link_items(report, portal, submitted, canonical)
            report_id = report.pk
            transaction.on_commit(lambda: enqueue_followup(report_id))
    addresses = [
        SubmittedAddress(submitted=raw, canonical=c.url, item_id=item_ids[c.sha256])
        for raw, c in zip(submitted, canonical, strict=True)
    ]
    return SubmissionResult(reference=reference, report_id=report_id, addresses=addresses)


def address_problems(addresses: Iterable[tuple[int, str]]) -> dict[int, str]:
    """For (position, address) pairs, why each address that cannot be reported is refused: intake's own messages,
    so a form can show them beside every field's errors before anything is submitted."""
    problems: dict[int, str] = {}
    for position, raw in addresses:
        try:
            canonicalize(raw)
        except InvalidUrl as exc:
            problems[position] = str(exc.message)
    return problems


def report_status(reference: str) -> str | None:
    """Coarse status for a reference code, None if unknown: 'received', 'assessing', 'action_taken', 'removed'
    (finished, and material was taken down) or 'closed' (finished without a removal)."""
    receipt = reference_hash(reference)
    if receipt is None:
        return None
    statuses = list(ReportUrl.objects.filter(report__receipt_hash=receipt).values_list("item__status", flat=True))
    if not statuses:
        return None
    coarse = coarse_status(statuses)
    # A reporter who waited for the outcome should read that the material is gone, not only "closed".
    if coarse == "closed" and ItemStatus.REMOVED in statuses:
        return "removed"
    return coarse


_lock = threading.Lock()
_next_request_at = 0.0  # monotonic time before which this process's last request for follow-up still covers
_broker_down_until = 0.0  # after a failure, reports skip the broker for a while: the outbox sweep covers them
BROKER_RETRY_SECONDS = 5.0


def request_followup(*, coalesce: bool = True) -> bool:
    """Ask the workers to run every pending follow-up (tasks.process_pending). False if the broker refused.

    Coalesced per process: within REPORTAL_FOLLOWUP_COALESCE_SECONDS one message is sent, to run when the window
    closes, and it takes every report committed before then."""
    global _next_request_at, _broker_down_until
    from reportal.reports.tasks import process_pending

    window = float(settings.REPORTAL_FOLLOWUP_COALESCE_SECONDS)
    countdown = None
    now = time.monotonic()
    coalesce = coalesce and not process_pending.app.conf.task_always_eager
    if coalesce and now < _broker_down_until:
        return False  # a hung broker must not cost every request its timeout
    if coalesce and window > 0:
        with _lock:
            if now < _next_request_at:
                return True  # the request already sent runs after this commit and takes this report too
            _next_request_at = now + window
        countdown = window
    try:
        process_pending.apply_async(countdown=countdown, retry=False)
    except Exception as exc:  # any broker failure: the reports are already safe in the database
        logger.warning(
            "The follow-up of new reports could not be queued (%s); the outbox sweep will ask again.",
            type(exc).__name__,
        )
        with _lock:
            _next_request_at = 0.0
            _broker_down_until = time.monotonic() + BROKER_RETRY_SECONDS
        return False
    return True


def enqueue_followup(report_id: int) -> bool:
    """After a report's commit: request its follow-up. If the broker is down, log (no client data) and clear the
    report's hand-over stamp; the outbox sweep (tasks.flush_outbox) asks again once the broker is back."""
    if request_followup():
        return True
    try:
        Report.objects.filter(pk=report_id).update(followup_enqueued_at=None)
    except DatabaseError as exc:
        # The report is committed and still waits (followup_done_at is empty), so the sweep takes it anyway; an
        # error here (a full disk, the same fault that stopped the broker) must not answer 503 for a stored report.
        logger.warning("The hand-over stamp of a new report could not be cleared (%s).", type(exc).__name__)
    return False


def _distinct(submitted: list[str], canonical: list[CanonicalUrl]) -> list[intake_sql.Address]:
    """Each canonical address once, with the first form and position it was given in."""
    seen: dict[str, intake_sql.Address] = {}
    for position, (raw, c) in enumerate(zip(submitted, canonical, strict=True)):
        if c.sha256 not in seen:
            seen[c.sha256] = intake_sql.Address(c.url, c.sha256, c.host, raw[:4096], position)
    return list(seen.values())


def _validate(
    portal: IntakePortal, *, urls: list[str], seen_on: str, description: str, email: str
) -> tuple[list[str], list[CanonicalUrl]]:
    error = IntakeError()
    if not portal.active:
        error.field_errors.setdefault("portal", []).append(
            _("This portal does not take reports at the moment. Use another portal of the hotline.")
        )
    if seen_on not in SeenOn.values:
        error.field_errors.setdefault("seen_on", []).append(_("Choose where you saw the content."))
    if len(description) > MAX_DESCRIPTION:
        error.field_errors.setdefault("description", []).append(
            _("Shorten the description to %(max)s characters or fewer; it has %(count)s.")
            % {"max": f"{MAX_DESCRIPTION:,}", "count": f"{len(description):,}"}
        )
    email = email.strip()
    if email:
        try:
            if len(email) > MAX_EMAIL:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            error.field_errors.setdefault("email", []).append(
                _("This e-mail address does not look right. Correct it, or leave the field empty: it is optional.")
            )
    given = [(position, raw) for position, raw in enumerate(urls) if raw and raw.strip()]
    submitted: list[str] = []
    canonical: list[CanonicalUrl] = []
    if not given:
        error.field_errors.setdefault("url", []).append(_("Enter the web address you want to report."))
    elif len(given) > MAX_URLS:
        error.field_errors.setdefault("url", []).append(
            ngettext(
                "Report at most %(max)d web address at a time; send the others in another report.",
                "Report at most %(max)d web addresses at a time; send the others in another report.",
                MAX_URLS,
            )
            % {"max": MAX_URLS}
        )
    else:
        for position, raw in given:
            try:
                canonical.append(canonicalize(raw))
                submitted.append(raw.strip())
            except InvalidUrl as exc:
                error.url_errors[position] = exc.message
    if error.field_errors or error.url_errors:
        raise error
    return submitted, canonical


def _link_items(
    report: Report, portal: IntakePortal, submitted: list[str], canonical: list[CanonicalUrl]
) -> dict[str, int]:
    """Link the report to the open item of each canonical address, creating missing items. Returns sha256 -> item id.

    Race-safe under the partial unique constraint (one open item per address): a concurrent creation shows up
    as an IntegrityError inside a savepoint, and the address then joins the item the other request made.
    """
    now = timezone.now()
    unique: dict[str, CanonicalUrl] = {}
    for c in canonical:
        unique.setdefault(c.sha256, c)
    item_ids = dict(
        ReportedUrl.objects.filter(url_sha256__in=list(unique), is_open=True).values_list("url_sha256", "pk")
    )
    if item_ids:
        joined = _join_items(list(item_ids.values()), now)
        if joined != len(item_ids):  # an item closed since we looked: its address needs a new item
            still_open = set(
                ReportedUrl.objects.filter(pk__in=list(item_ids.values()), is_open=True).values_list("pk", flat=True)
            )
            item_ids = {sha: pk for sha, pk in item_ids.items() if pk in still_open}
    missing = [c for sha, c in unique.items() if sha not in item_ids]
    if missing:
        item_ids.update(_create_items(missing, portal, now))
    links = []
    linked: set[int] = set()
    for position, (raw, c) in enumerate(zip(submitted, canonical, strict=True)):
        item_id = item_ids[c.sha256]
        if item_id in linked:
            continue  # the same address twice in one report counts once
        linked.add(item_id)
        links.append(ReportUrl(report=report, item_id=item_id, submitted_url=raw[:4096], position=position))
    ReportUrl.objects.bulk_create(links)
    return item_ids


def _join_items(pks: list[int], now) -> int:  # noqa: ANN001
    return ReportedUrl.objects.filter(pk__in=pks, is_open=True).update(
        report_count=F("report_count") + 1, last_reported_at=now
    )


def _new_item(c: CanonicalUrl, portal: IntakePortal) -> ReportedUrl:
    return ReportedUrl(canonical_url=c.url, url_sha256=c.sha256, host=c.host[:253], portal_id=portal.id, report_count=1)


def _new_event(item: ReportedUrl) -> ItemEvent:
    return ItemEvent(item=item, from_status="", to_status=ItemStatus.NEW, reason="reported")


def _create_items(missing: list[CanonicalUrl], portal: IntakePortal, now) -> dict[str, int]:  # noqa: ANN001
    try:
        with transaction.atomic():
            items = ReportedUrl.objects.bulk_create([_new_item(c, portal) for c in missing])
            ItemEvent.objects.bulk_create([_new_event(item) for item in items])
        return {item.url_sha256: item.pk for item in items}
    except IntegrityError:
        pass  # another report created one of these a moment ago: go one by one
    created: dict[str, int] = {}
    for c in missing:
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    item = _new_item(c, portal)
                    item.save(force_insert=True)
                    _new_event(item).save(force_insert=True)
                created[c.sha256] = item.pk
                break
            except IntegrityError:
                pk = ReportedUrl.objects.filter(url_sha256=c.sha256, is_open=True).values_list("pk", flat=True).first()
                if pk is not None and _join_items([pk], now):
                    created[c.sha256] = pk
                    break
        else:
            raise RuntimeError(f"Could not create or join the queue item for {c.url}")
    return created


# --- For statistics (reportal.stats) --------------------------------------------------------------------------


def _item_filter(item_ids: Iterable[int], field: str = "item_id") -> dict[str, object]:
    """A `range` of ids filters by bounds (one index range scan); anything else by an IN list."""
    if isinstance(item_ids, range) and item_ids.step == 1:
        return {f"{field}__gte": item_ids.start, f"{field}__lt": item_ids.stop}
    return {f"{field}__in": list(item_ids)}


@dataclass(frozen=True)
class ItemSnapshot:
    """A queue item as the figures see it: where and when it was first reported, through which channel."""

    item_id: int
    portal_id: int
    first_reported_at: datetime
    status: str
    source: str  # the channel of the item's earliest report ('' when no report is linked)
    canonical_url: str
    host: str


def item_snapshots(item_ids: Iterable[int]) -> list[ItemSnapshot]:
    """Snapshots of these items (missing ids are left out; a `range` reads by bounds), in id order."""
    ids = item_ids if isinstance(item_ids, range) else list(item_ids)
    rows = ReportedUrl.objects.filter(**_item_filter(ids, "pk")).order_by("pk")
    sources: dict[int, str] = {}
    # Earliest report first, so the first source seen per item is the channel that brought it in.
    links = ReportUrl.objects.filter(**_item_filter(ids)).order_by("item_id", "report__created_at", "report_id")
    for item_id, source in links.values_list("item_id", "report__source"):
        sources.setdefault(item_id, source)
    return [
        ItemSnapshot(
            item_id=pk,
            portal_id=portal_id,
            first_reported_at=first,
            status=status,
            source=sources.get(pk, ""),
            canonical_url=url,
            host=host,
        )
        for pk, portal_id, first, status, url, host in rows.values_list(
            "pk", "portal_id", "first_reported_at", "status", "canonical_url", "host"
        )
    ]


def first_reached(item_ids: Iterable[int], status: str) -> dict[int, datetime]:
    """When each of these items first reached `status` (from its status history); items that never did are absent."""
    rows = (
        ItemEvent.objects.filter(**_item_filter(item_ids), to_status=status)
        .values("item_id")
        .annotate(first=Min("at"))
        .values_list("item_id", "first")
    )
    return dict(rows)


def item_id_batches(size: int = 2000, *, portal_id: int | None = None) -> Iterator[list[int]]:
    """Every item id (of one portal, where given), ascending, in lists of `size` (keyset paging, no offset scans)."""
    items = ReportedUrl.objects.all() if portal_id is None else ReportedUrl.objects.filter(portal_id=portal_id)
    last = 0
    while True:
        ids = list(items.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def item_count() -> int:
    return ReportedUrl.objects.count()


def item_id_bounds() -> tuple[int, int]:
    """(lowest, highest) item id; (0, -1) when there are none."""
    ids = ReportedUrl.objects.values_list("pk", flat=True)
    low, high = ids.order_by("pk").first(), ids.order_by("-pk").first()
    return (low, high) if low is not None and high is not None else (0, -1)


def portal_ids_with_items() -> set[int]:
    return set(ReportedUrl.objects.values_list("portal_id", flat=True).distinct())


def report_counts(
    *, portal_id: int | None = None, since: datetime | None = None, until: datetime | None = None
) -> list[tuple[int, date, str, int]]:
    """(portal id, UTC day, source, reports received) for reports made in [since, until)."""
    reports = Report.objects.all()
    if portal_id is not None:
        reports = reports.filter(portal_id=portal_id)
    if since is not None:
        reports = reports.filter(created_at__gte=since)
    if until is not None:
        reports = reports.filter(created_at__lt=until)
    rows = (
        reports.annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("portal_id", "day", "source")
        .annotate(n=Count("pk"))
        .values_list("portal_id", "day", "source", "n")
    )
    return [(p, d, s, n) for p, d, s, n in rows]


def report_days(report_ids: Iterable[int]) -> set[tuple[int, date]]:
    """The (portal id, UTC day) of each of these reports."""
    return {
        (portal_id, created.astimezone(UTC).date())
        for portal_id, created in Report.objects.filter(pk__in=list(report_ids)).values_list("portal_id", "created_at")
    }


# --- queue items for the stages that receive hand-offs (reportal/pipeline/registry.py) ------------------------

CONFIRMED_STATUSES = frozenset({ItemStatus.ACTIONABLE, ItemStatus.ACTION_TAKEN})


def get_item(item_id: int) -> ReportedUrl | None:
    """One queue item with its portal, or None if it no longer exists."""
    return ReportedUrl.objects.select_related("portal").filter(pk=item_id).first()


def is_confirmed(item: ReportedUrl) -> bool:
    """Confirmed and still online as far as the hotline knows (not overturned, not removed)."""
    return item.status in CONFIRMED_STATUSES


def items_changed_since(since: datetime) -> list[int]:
    """Items whose status changed at or after `since` (new items are left out: intake's follow-up covers them)."""
    events = ItemEvent.objects.filter(at__gte=since).exclude(to_status=ItemStatus.NEW)
    return sorted(set(events.values_list("item_id", flat=True)))


def source_labels() -> dict[str, str]:
    """{source channel: translated label} of reports."""
    return {str(value): str(label) for value, label in Source.choices}


# --- Items and reports for the workbench and the actions stage -----------------------------------------------
# ReportedUrl, Report, ItemEvent, ItemStatus and SeenOn (imported above) are the types and vocabulary other apps
# name from here. Who may see which item is decided in reportal.access (visible_items, item_or_404), not here.


def items() -> QuerySet[ReportedUrl]:
    """Every queue item; callers narrow it (access.visible_items narrows it to what a user may see)."""
    return ReportedUrl.objects.all()


def reports() -> QuerySet[Report]:
    """Every report, its portal loaded, oldest first."""
    return Report.objects.select_related("portal").order_by("created_at")


def reports_with_contact() -> QuerySet[Report]:
    """Reports whose reporter left an e-mail address (encrypted) for the outcome."""
    return Report.objects.exclude(email_encrypted="")


def lock_item(item_id: int) -> ReportedUrl:
    """The item, locked against concurrent changes until the caller's transaction ends (call inside atomic())."""
    return ReportedUrl.objects.select_for_update().get(pk=item_id)


def item_event(event_id: int) -> ItemEvent | None:
    """One status change, its item loaded."""
    return ItemEvent.objects.select_related("item").filter(pk=event_id).first()


def events_since(since: datetime, to_statuses: Iterable[str]) -> QuerySet[ItemEvent]:
    """Status changes into any of `to_statuses` at or after `since`, oldest first."""
    return ItemEvent.objects.filter(at__gte=since, to_status__in=list(to_statuses)).order_by("at")


def waiting_since(status: str, before: datetime, *, limit: int = 200) -> list[int]:
    """Items in `status` that entered it at or before `before` (hand-offs that may have been lost)."""
    entered = ItemEvent.objects.filter(to_status=status, at__lte=before).values("item_id")
    return list(ReportedUrl.objects.filter(status=status, pk__in=entered).values_list("pk", flat=True)[:limit])


def items_on_host(host: str, *, exclude: int | None = None) -> int:
    """How many items share this host name (the item `exclude` not counted)."""
    on_host = ReportedUrl.objects.filter(host=host)
    return (on_host if exclude is None else on_host.exclude(pk=exclude)).count()


def reported_through(items: QuerySet[ReportedUrl], portal_slug: str) -> QuerySet[ReportedUrl]:
    """Those of `items` first reported through the portal with this slug, or reported through it since."""
    later = Report.objects.filter(items=OuterRef("pk"), portal__slug=portal_slug)
    return items.filter(Q(portal__slug=portal_slug) | Exists(later))
