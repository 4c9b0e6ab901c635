"""CSV and JSON of the dashboard's tables and of the case list (one row per case). Every CSV cell goes through
reportal.csvsafe, so no spreadsheet runs a cell as a formula."""

from __future__ import annotations

import io
import json
from typing import Any

from reportal.csvsafe import writer as csv_writer
from reportal.stats import services
from reportal.stats.tables import Table

CSV = "text/csv; charset=utf-8"
JSON = "application/json"


def _period(period: services.Period, portal: str) -> dict[str, str]:
    return {"from": period.since.isoformat(), "to": period.until.isoformat(), "portal": portal or "all"}


def table(found: Table, fmt: str, period: services.Period, portal: str) -> tuple[bytes, str]:
    if fmt == "json":
        document = {
            "table": found.id,
            "title": found.title,
            **_period(period, portal),
            "columns": [{"key": c.key, "label": c.label} for c in found.columns],
            "rows": found.as_records(),
            "note": found.note,
        }
        return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode(), JSON
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([c.label for c in found.columns])
    for row in found.cell_rows():
        writer.writerow(row)
    return out.getvalue().encode(), CSV


CASE_COLUMNS = (
    "reference",
    "url",
    "portal",
    "reported_on",
    "assessed_on",
    "actioned_on",
    "legal_assessment",
    "uk_category",
    "age_group",
    "content_type",
    "site_type",
    "self_generated",
    "commercial",
    "hosting_country",
    "notices_sent",
    "removed_on",
    "time_to_removal_hours",
)


def case_record(row: services.CaseRow, slugs: dict[int, str]) -> dict[str, Any]:
    classification = row.classification
    content = classification.get("content_type") or []
    return {
        "reference": row.reference,
        "url": row.url,
        "portal": slugs.get(row.portal_id, ""),
        "reported_on": row.reported_on.isoformat(),
        "assessed_on": row.assessed_on.isoformat() if row.assessed_on else "",
        "actioned_on": row.actioned_on.isoformat() if row.actioned_on else "",
        "legal_assessment": classification.get("legal_assessment", ""),
        "uk_category": classification.get("uk_category", ""),
        "age_group": classification.get("age_group", ""),
        "content_type": " ".join(content) if isinstance(content, list) else str(content),
        "site_type": classification.get("site_type", ""),
        "self_generated": bool(classification.get("self_generated")),
        "commercial": bool(classification.get("commercial")),
        "hosting_country": row.hosting_country,
        "notices_sent": row.notices_sent,
        "removed_on": row.removed_on.isoformat() if row.removed_on else "",
        "time_to_removal_hours": round(row.removal_seconds / 3600, 1) if row.removal_seconds is not None else None,
    }


def cases(rows: list[services.CaseRow], slugs: dict[int, str], fmt: str) -> tuple[bytes, str]:
    """One row per case: an address actioned in the period, however many traces or notices it had."""
    records = [case_record(r, slugs) for r in rows]
    if fmt == "json":
        return json.dumps({"cases": records}, ensure_ascii=False, indent=2).encode(), JSON
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(CASE_COLUMNS)
    for record in records:
        writer.writerow([record[c] for c in CASE_COLUMNS])
    return out.getvalue().encode(), CSV
