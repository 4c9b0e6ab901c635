"""Random report histories written straight into the raw tables (as the stages leave them), and the figures
counted again straight from those rows, independently of reportal.stats."""

from __future__ import annotations

import hashlib
import itertools
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from reportal.actions.models import DeliveryState, Notice, Removal
from reportal.hotline.models import Assessment
from reportal.portals.models import Portal
from reportal.reports.models import ItemEvent, Report, ReportedUrl, ReportUrl
from reportal.tracing.models import Trace

START = datetime(2025, 1, 1, 9, 30, tzinfo=UTC)
_numbers = itertools.count(1)

SOURCES = ("portal", "api", "member", "crawler")
KINDS = ("host_notice", "partner_referral", "police_referral")
COUNTRIES = ("", "NL", "US", "GT")


@dataclass
class Decided:
    outcome: str  # actionable / not_actionable / second_opinion
    hours: float
    reason: str = ""
    classification: dict = field(default_factory=dict)


@dataclass
class History:
    portal: int
    day: int  # days after START of the first report
    sources: list[str]
    decisions: list[Decided]
    action_hours: float | None
    trace_country: str
    notices: list[tuple[str, float, bool]]  # kind, hours after action, sent?
    removal_hours: float | None
    removal_superseded: bool
    removal_country: str


classifications = st.fixed_dictionaries(
    {},
    optional={
        "legal_assessment": st.sampled_from(["baseline", "national"]),
        "uk_category": st.sampled_from(["A", "B", "C"]),
        "age_group": st.sampled_from(["infant_toddler", "prepubescent", "pubescent"]),
        "content_type": st.lists(st.sampled_from(["photo", "video", "ai_generated"]), min_size=1, unique=True),
        "site_type": st.sampled_from(["forum", "image_host"]),
        "self_generated": st.just(True),
        "commercial": st.just(True),
    },
)
decisions = st.one_of(
    st.builds(Decided, st.just("actionable"), st.floats(1, 400), classification=classifications),
    st.builds(
        Decided,
        st.just("not_actionable"),
        st.floats(1, 400),
        reason=st.sampled_from(["not_illegal", "not_found"]),
        classification=st.sampled_from([{}, {"legal_assessment": "not_illegal"}]),
    ),
    st.builds(Decided, st.just("second_opinion"), st.floats(1, 400)),
)
histories = st.builds(
    History,
    portal=st.integers(0, 2),
    day=st.integers(0, 120),
    sources=st.lists(st.sampled_from(SOURCES), min_size=1, max_size=3),
    decisions=st.lists(decisions, max_size=2),
    action_hours=st.one_of(st.none(), st.floats(1, 50)),
    trace_country=st.sampled_from(COUNTRIES),
    notices=st.lists(st.tuples(st.sampled_from(KINDS), st.floats(0, 30), st.booleans()), max_size=3),
    removal_hours=st.one_of(st.none(), st.floats(1, 400)),
    removal_superseded=st.booleans(),
    removal_country=st.sampled_from(COUNTRIES),
)


def portals() -> list[Portal]:
    found = []
    for slug, languages in (("sv", ["es", "en"]), ("gt", ["es", "en"]), ("bz", ["en"])):
        portal = Portal.objects.filter(slug=slug).first() or Portal.objects.create(
            slug=slug, name=slug.upper(), display_name=slug.upper(), languages=languages
        )
        found.append(portal)
    return found


def _at(model: type, pk: int, **moments: datetime) -> None:
    model.objects.filter(pk=pk).update(**moments)  # auto_now_add fields take the time only through an update


def write(history: History, portal_list: list[Portal]) -> ReportedUrl:
    """The raw rows one item's history leaves: reports, item, status events, assessments, trace, notices, removal."""
    n = next(_numbers)
    portal = portal_list[history.portal]
    first = START + timedelta(days=history.day, minutes=n % 50)
    url = f"http://site{n}.example/page"
    item = ReportedUrl.objects.create(
        canonical_url=url,
        url_sha256=hashlib.sha256(url.encode()).hexdigest(),
        host=f"site{n}.example",
        portal=portal,
        report_count=len(history.sources),
    )
    _at(ReportedUrl, item.pk, first_reported_at=first, last_reported_at=first)
    for i, source in enumerate(history.sources):
        report = Report.objects.create(
            portal=portal if i == 0 else portal_list[(history.portal + i) % len(portal_list)],
            language="es",
            seen_on="web",
            source=source,
            receipt_hash=hashlib.sha256(f"r{n}-{i}".encode()).hexdigest(),
        )
        _at(Report, report.pk, created_at=first + timedelta(hours=30 * i))
        ReportUrl.objects.create(report=report, item=item, submitted_url=url)

    def event(to: str, at: datetime, frm: str = "") -> None:
        e = ItemEvent.objects.create(item=item, from_status=frm, to_status=to, reason="test")
        _at(ItemEvent, e.pk, at=at)

    event("new", first)
    status = "new"
    last_at = first
    for decided in history.decisions:
        at = last_at + timedelta(hours=decided.hours)
        a = Assessment.objects.create(
            item=item,
            outcome=decided.outcome,
            reason=decided.reason,
            classification=decided.classification,
        )
        _at(Assessment, a.pk, created_at=at)
        event(decided.outcome, at, status)
        status, last_at = decided.outcome, at
    if status == "actionable" and history.action_hours is not None:
        acted = last_at + timedelta(hours=history.action_hours)
        event("action_taken", acted, status)
        status = "action_taken"
        trace = Trace.objects.create(item=item, url=url, hostname=item.host, hosting_country=history.trace_country)
        _at(Trace, trace.pk, at=acted)
        for kind, hours, sent in history.notices:
            Notice.objects.create(
                item=item,
                kind=kind,
                reference=f"N{n}",
                state=DeliveryState.SENT if sent else DeliveryState.PENDING,
                sent_at=acted + timedelta(hours=hours) if sent else None,
            )
        if history.removal_hours is not None:
            removed = acted + timedelta(hours=history.removal_hours)
            Removal.objects.create(
                item=item,
                portal=portal,
                reported_at=first,
                removed_at=removed,
                seconds=int((removed - first).total_seconds()),
                hosting_country=history.removal_country,
                superseded=history.removal_superseded,
            )
            event("removed", removed, status)
    ReportedUrl.objects.filter(pk=item.pk).update(status=status)
    return item


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def raw_figures(portal_ids: set[int], since: date, until: date) -> dict[str, Counter]:
    """The dashboard's figures counted directly from the raw rows, one plain query per figure."""

    def inside(moment: datetime | None) -> bool:
        return moment is not None and since <= _day(moment) <= until

    figures: dict[str, Counter] = {}
    figures["reports"] = Counter(
        source
        for source, created in Report.objects.filter(portal_id__in=portal_ids).values_list("source", "created_at")
        if inside(created)
    )
    items = list(ReportedUrl.objects.filter(portal_id__in=portal_ids))
    urls: Counter = Counter()
    assessed: Counter = Counter()
    categories: Counter = Counter()
    content: Counter = Counter()
    legal: Counter = Counter()
    hosting: Counter = Counter()
    sent: Counter = Counter()
    answered: Counter = Counter()
    removed_seconds: list[int] = []
    for item in items:
        earliest = ReportUrl.objects.filter(item=item).order_by("report__created_at", "report_id").first()
        if inside(item.first_reported_at):
            urls[earliest.report.source if earliest else ""] += 1
        decisive = Assessment.objects.filter(item=item, outcome__in=["actionable", "not_actionable"])
        first, last = decisive.order_by("created_at", "pk").first(), decisive.order_by("-created_at", "-pk").first()
        if first is not None and inside(first.created_at):
            assessed[last.outcome] += 1
            legal[last.classification.get("legal_assessment", "")] += 1
            if last.outcome == "actionable":
                categories[last.classification.get("uk_category", "")] += 1
                for option in last.classification.get("content_type") or [""]:
                    content[option] += 1
        acted = ItemEvent.objects.filter(item=item, to_status="action_taken").order_by("at").first()
        standing = Removal.objects.filter(item=item, superseded=False).order_by("-removed_at").first()
        if acted is not None and inside(acted.at):
            trace = Trace.objects.filter(item=item).exclude(hosting_country="").order_by("-at", "-pk").first()
            country = (standing.hosting_country if standing else "") or (trace.hosting_country if trace else "")
            hosting[country] += 1
        for notice in Notice.objects.filter(item=item, state=DeliveryState.SENT):
            if inside(notice.sent_at):
                sent[notice.kind] += 1
                if standing is not None and standing.removed_at >= notice.sent_at:
                    answered[notice.kind] += 1
        if standing is not None and inside(standing.removed_at):
            removed_seconds.append(standing.seconds)
    figures.update(
        urls=urls,
        assessed=assessed,
        uk_category=categories,
        content_type=content,
        legal_assessment=legal,
        hosting_country=hosting,
        notices_sent=sent,
        notices_answered=answered,
    )
    figures["removed_count"] = Counter({"": len(removed_seconds)} if removed_seconds else {})
    figures["within_2.5d"] = Counter({"": sum(1 for s in removed_seconds if s <= 216_000)} if removed_seconds else {})
    figures["median_hours"] = Counter(
        {"": round(statistics.median(removed_seconds) / 3600, 1)} if removed_seconds else {}
    )
    return figures
