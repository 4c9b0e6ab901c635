"""The dashboard's tables, built once from the stored figures and shown, exported (CSV, JSON) and served by the API
alike, so every export holds exactly what the page shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from reportal.actions import services as actions
from reportal.hotline import services as hotline
from reportal.reports import services as reports
from reportal.stats import charts, services

TOP_COUNTRIES = 20


@dataclass
class Column:
    key: str
    label: str
    numeric: bool = True


@dataclass
class Table:
    """One table of figures. `rows` hold plain values (str, int, float, None) keyed by column."""

    id: str
    title: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    note: str = ""
    chart: SafeString | None = None
    totals: dict[str, Any] | None = None
    wide: bool = False  # many columns: the chart above the table, not beside it

    def as_records(self) -> list[dict[str, Any]]:
        return [{c.key: row.get(c.key) for c in self.columns} for row in self.rows]

    def cell_rows(self) -> list[list[Any]]:
        return [[row.get(c.key) for c in self.columns] for row in self.rows]

    @property
    def shown_columns(self) -> list[Column]:
        """The columns a page shows: the codes are for exports."""
        return [c for c in self.columns if c.key != "key"]

    @property
    def shown_rows(self) -> list[list[Any]]:
        return [[row.get(c.key) for c in self.shown_columns] for row in self.rows]

    @property
    def shown_totals(self) -> list[Any] | None:
        if self.totals is None:
            return None
        return [self.totals.get(c.key) for c in self.shown_columns]


@dataclass
class Dashboard:
    period: services.Period
    tables: list[Table] = field(default_factory=list)
    headline: dict[str, Any] = field(default_factory=dict)

    def table(self, table_id: str) -> Table | None:
        return next((t for t in self.tables if t.id == table_id), None)


def months_between(since: date, until: date) -> list[date]:
    months = []
    current = since.replace(day=1)
    while current <= until:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _label(labels: dict[str, str], key: str) -> str:
    if key == "":
        return _("Not recorded")
    return labels.get(key, key)


def _simple(
    table_id: str,
    title: str,
    column: str,
    counts: dict[str, int],
    labels: dict[str, str],
    *,
    order: list[str] | None = None,
    limit: int | None = None,
    note: str = "",
) -> Table:
    keys = [k for k in (order or []) if k in counts] + sorted(
        (k for k in counts if k not in (order or [])), key=lambda k: (-counts[k], k)
    )
    if limit is not None:
        keys = keys[:limit]
    whole = sum(counts.values())
    rows: list[dict[str, Any]] = [
        {"key": k, "label": _label(labels, k), "count": counts[k], "share": _share(counts[k], whole)} for k in keys
    ]
    table = Table(
        id=table_id,
        title=title,
        columns=[
            Column("key", _("Code"), numeric=False),
            Column("label", column, numeric=False),
            Column("count", _("Count")),
            Column("share", _("Share (%)")),
        ],
        rows=rows,
        note=note,
        totals={"label": _("Total"), "count": whole, "share": 100.0 if whole else None},
    )
    table.chart = charts.bar_chart(f"chart-{table_id}", title, [(str(r["label"]), float(r["count"])) for r in rows])
    return table


def build(period: services.Period, *, with_charts: bool = True) -> Dashboard:
    totals = services.totals(period)
    month_list = months_between(period.since, period.until)
    per_month = services.monthly(period, ["reports", "urls", "assessed", "actioned", "removed"])
    actionable_per_month = _actionable_per_month(period)
    overall, removal_months = services.removals(period)
    schemes = hotline.option_labels()
    names = _scheme_names()
    sources = reports.source_labels()
    kinds = actions.notice_kinds()
    dashboard = Dashboard(period=period)

    def get(metric: str) -> dict[str, int]:
        return totals.get(metric, {})

    received = sum(get("reports").values())
    assessed = get("assessed")
    dashboard.headline = {
        "reports": received,
        "urls": sum(get("urls").values()),
        "assessed": sum(assessed.values()),
        "actionable": assessed.get("actionable", 0),
        "actioned": sum(get("actioned").values()),
        "removed": overall.count,
        "median_hours": overall.median_hours if overall.count else None,
        "p90_hours": overall.p90_hours if overall.count else None,
    }

    # Month by month.
    month_rows: list[dict[str, Any]] = []
    for month in month_list:
        summary = removal_months.get(month)
        month_rows.append(
            {
                "month": month.strftime("%Y-%m"),
                "reports": per_month.get("reports", {}).get(month, 0),
                "urls": per_month.get("urls", {}).get(month, 0),
                "assessed": per_month.get("assessed", {}).get(month, 0),
                "actionable": actionable_per_month.get(month, 0),
                "actioned": per_month.get("actioned", {}).get(month, 0),
                "removed": per_month.get("removed", {}).get(month, 0),
                "median_hours": summary.median_hours if summary and summary.count else None,
            }
        )
    monthly = Table(
        id="monthly",
        title=_("Month by month"),
        columns=[
            Column("month", _("Month"), numeric=False),
            Column("reports", _("Reports received")),
            Column("urls", _("Addresses reported")),
            Column("assessed", _("Assessed")),
            Column("actionable", _("Actionable")),
            Column("actioned", _("Notices and referrals prepared")),
            Column("removed", pgettext("count of addresses removed", "Removed")),
            Column("median_hours", _("Median hours to removal")),
        ],
        rows=month_rows,
        wide=True,
        note=_(
            "Reports are counted on the day they were made, assessments on the day of the first decision, removals "
            "on the day the content was found gone."
        ),
    )
    if with_charts:
        monthly.chart = charts.month_chart(
            "chart-monthly",
            _("Reports, assessments and removals by month"),
            [date_format(m, "M Y") for m in month_list],
            [
                charts.Series(_("Reports received"), [r["reports"] for r in month_rows]),
                charts.Series(_("Actionable"), [r["actionable"] for r in month_rows]),
                charts.Series(pgettext("count of addresses removed", "Removed"), [r["removed"] for r in month_rows]),
            ],
        )
    dashboard.tables.append(monthly)

    # Source channels: reports received, and of the addresses decided, how many were actionable.
    by_source = get("outcome_by_source")
    source_rows: list[dict[str, Any]] = []
    for key in sorted(
        set(get("reports")) | {k.split("/")[0] for k in by_source}, key=lambda k: -get("reports").get(k, 0)
    ):
        decided = sum(n for k, n in by_source.items() if k.split("/")[0] == key)
        actionable = by_source.get(f"{key}/actionable", 0)
        source_rows.append(
            {
                "key": key,
                "label": _label(sources, key),
                "reports": get("reports").get(key, 0),
                "assessed": decided,
                "actionable": actionable,
                "share_actionable": _share(actionable, decided),
            }
        )
    source_table = Table(
        id="sources",
        title=_("Source channels"),
        columns=[
            Column("key", _("Code"), numeric=False),
            Column("label", _("Source"), numeric=False),
            Column("reports", _("Reports received")),
            Column("assessed", _("Addresses assessed")),
            Column("actionable", _("Actionable")),
            Column("share_actionable", _("Share actionable (%)")),
        ],
        rows=source_rows,
        note=_(
            "Channels recorded at intake: the public portal, the API, member organisations' keys, staff entry and "
            "proactive search. An address counts under the channel of its first report."
        ),
    )
    if with_charts:
        source_table.chart = charts.bar_chart(
            "chart-sources", _("Reports received by source"), [(r["label"], r["reports"]) for r in source_rows]
        )
    dashboard.tables.append(source_table)

    outcome_labels = {"actionable": _("Actionable"), "not_actionable": _("Not actionable")}
    dashboard.tables.append(
        _simple("outcomes", _("Assessment outcomes"), _("Outcome"), assessed, outcome_labels, order=["actionable"])
    )
    dashboard.tables.append(
        _simple(
            "reasons",
            _("Why addresses were not actionable"),
            _("Reason"),
            get("reason"),
            hotline.not_actionable_reasons(),
        )
    )
    dashboard.tables.append(
        _simple(
            "legal_assessment",
            names.get("legal_assessment", _("Legal assessment")),
            _("Assessment"),
            get("legal_assessment"),
            schemes.get("legal_assessment", {}),
            note=_("Every decided address."),
        )
    )
    actionable_note = _("Actionable addresses only.")
    for scheme in ("uk_category", "age_group", "content_type", "site_type"):
        note = actionable_note
        if scheme == "content_type":
            note = _("Actionable addresses only; an address can show more than one type.")
        dashboard.tables.append(
            _simple(
                scheme,
                names.get(scheme, scheme),
                _("Option"),
                get(scheme),
                schemes.get(scheme, {}),
                order=list(schemes.get(scheme, {})),
                note=note,
            )
        )
    dashboard.tables.append(_crosstab(get("uk_category_age"), schemes, names))
    yes_no = {"yes": _("Yes"), "no": _("No")}
    for flag in ("self_generated", "commercial"):
        dashboard.tables.append(
            _simple(
                flag, names.get(flag, flag), _("Answer"), get(flag), yes_no, order=["yes", "no"], note=actionable_note
            )
        )
    dashboard.tables.append(
        _simple(
            "hosting_country",
            _("Hosting countries"),
            _("Country (ISO code)"),
            get("hosting_country"),
            {},
            limit=TOP_COUNTRIES,
            note=_("Addresses whose notices or referrals were prepared in the period; the 20 largest countries."),
        )
    )
    sent, answered = get("notices_sent"), get("notices_answered")
    notice_rows: list[dict[str, Any]] = [
        {
            "key": kind,
            "label": _label(kinds, kind),
            "sent": sent.get(kind, 0),
            "answered": answered.get(kind, 0),
            "share_answered": _share(answered.get(kind, 0), sent.get(kind, 0)),
        }
        for kind in sorted(sent, key=lambda k: -sent[k])
    ]
    notices = Table(
        id="notices",
        title=_("Notices and referrals"),
        columns=[
            Column("key", _("Code"), numeric=False),
            Column("label", _("Kind"), numeric=False),
            Column("sent", _("Sent")),
            Column("answered", _("Followed by removal")),
            Column("share_answered", _("Share followed by removal (%)")),
        ],
        rows=notice_rows,
        note=_("Counted on the day each was sent; 'followed by removal' means the content was found gone afterwards."),
    )
    if with_charts:
        notices.chart = charts.bar_chart(
            "chart-notices", _("Notices and referrals sent"), [(r["label"], r["sent"]) for r in notice_rows]
        )
    dashboard.tables.append(notices)

    removal_rows: list[dict[str, Any]] = [
        {"key": "count", "label": _("Addresses removed"), "value": overall.count},
        {
            "key": "median_hours",
            "label": _("Median hours to removal"),
            "value": overall.median_hours if overall.count else None,
        },
        {
            "key": "p90_hours",
            "label": _("90th percentile, hours"),
            "value": overall.p90_hours if overall.count else None,
        },
        {"key": "within_1d", "label": _("Removed within 1 day (%)"), "value": _pct(overall, "1d")},
        {"key": "within_2_5d", "label": _("Removed within 2.5 days (%)"), "value": _pct(overall, "2.5d")},
        {"key": "within_7d", "label": _("Removed within 7 days (%)"), "value": _pct(overall, "7d")},
    ]
    removal = Table(
        id="removal",
        title=_("Time to removal"),
        columns=[
            Column("key", _("Code"), numeric=False),
            Column("label", _("Figure"), numeric=False),
            Column("value", _("Value")),
        ],
        rows=removal_rows,
        note=_("From the first report of an address to the check that found the content gone."),
    )
    if with_charts:
        removal.chart = charts.bar_chart(
            "chart-removal",
            _("Share removed within 1, 2.5 and 7 days (%)"),
            [(r["label"], r["value"] or 0) for r in removal_rows[3:]],
        )
    dashboard.tables.append(removal)
    if not with_charts:
        for table in dashboard.tables:
            table.chart = None
    return dashboard


def _scheme_names() -> dict[str, str]:
    """Scheme names as the hotline configured them; the default schemes' names where a scheme is missing."""
    defaults = {
        "legal_assessment": _("Legal assessment"),
        "uk_category": _("UK category"),
        "age_group": _("Youngest child"),
        "content_type": _("Content type"),
        "site_type": _("Site type"),
        "self_generated": _("Self-generated"),
        "commercial": _("Commercial"),
    }
    return defaults | hotline.scheme_names()


def _pct(summary: services.RemovalSummary, key: str) -> float | None:
    return round(100 * summary.within[key], 1) if summary.count else None


def _actionable_per_month(period: services.Period) -> dict[date, int]:
    return services.monthly(period, ["assessed"], key="actionable").get("assessed", {})


def _crosstab(counts: dict[str, int], schemes: dict[str, dict[str, str]], names: dict[str, str]) -> Table:
    categories = list(schemes.get("uk_category", {})) + [""]
    ages = list(schemes.get("age_group", {})) + [""]
    rows = []
    for category in categories:
        row: dict[str, Any] = {"key": category, "label": _label(schemes.get("uk_category", {}), category)}
        for age in ages:
            row[f"age_{age or 'none'}"] = counts.get(f"{category}/{age}", 0)
        if any(row[f"age_{a or 'none'}"] for a in ages):
            rows.append(row)
    columns = [Column("key", _("Code"), numeric=False), Column("label", names.get("uk_category", ""), numeric=False)]
    columns += [Column(f"age_{a or 'none'}", _label(schemes.get("age_group", {}), a)) for a in ages]
    return Table(
        id="uk_category_age",
        title=_("UK category by age group of the youngest child"),
        columns=columns,
        rows=rows,
        wide=True,
        note=_("Actionable addresses only."),
    )
