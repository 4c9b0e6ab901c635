"""What the hotline knows about one actioned address, as plain data for referrals and police exports (CSV, JSON)."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

from django.utils import timezone

from reportal import csvsafe
from reportal.reports.services import ItemStatus


def reference_of(item: Any) -> str:
    """The hotline's reference for an address, quoted in every notice and referral about it."""
    return f"{item.portal.slug.upper()}-{item.pk:07d}"


def classification_of(item: Any) -> dict[str, Any]:
    """The classification of the latest actionable assessment (the workbench's table, read through the item)."""
    assessments = getattr(item, "assessments", None)
    if assessments is None:
        return {}
    latest = assessments.filter(outcome="actionable").order_by("-created_at", "-pk").first()
    return dict(latest.classification) if latest is not None else {}


def confirmed_at(item: Any) -> datetime:
    event = item.events.filter(to_status=ItemStatus.ACTIONABLE).order_by("-at", "-pk").first()
    return event.at if event is not None else timezone.now()


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def trace_record(trace: Any) -> dict[str, Any]:
    return {
        "at": _iso(trace.at),
        "hostname": trace.hostname,
        "cname_chain": trace.cname_chain,
        "ips": trace.ips,
        "hosting_country": trace.hosting_country,
        "hosting_asn": trace.hosting_asn,
        "hosting_network": trace.hosting_network,
        "cdn": trace.cdn_name,
        "network_abuse_contacts": trace.ip_abuse_emails,
        "domain": trace.domain,
        "registrar": trace.registrar,
        "domain_abuse_contacts": trace.domain_abuse_emails,
        "error": trace.error,
    }


def case_record(item: Any) -> dict[str, Any]:
    """Reference, address, classification, every trace, notice and status change with its time. No reporter data."""
    from reportal.actions.models import Removal

    removal = Removal.objects.filter(item=item, superseded=False).order_by("-removed_at").first()
    return {
        "reference": reference_of(item),
        "url": item.canonical_url,
        "host": item.host,
        "portal": item.portal.slug,
        "portal_country": item.portal.country_code,
        "first_reported_at": _iso(item.first_reported_at),
        "report_count": item.report_count,
        "confirmed_at": _iso(confirmed_at(item)),
        "status": item.status,
        "classification": classification_of(item),
        "traces": [trace_record(t) for t in item.traces.order_by("at", "pk")],
        "notices": [
            {
                "kind": n.kind,
                "reference": n.reference,
                "to": n.recipients,
                "state": n.state,
                "created_at": _iso(n.created_at),
                "sent_at": _iso(n.sent_at),
            }
            for n in item.notices.order_by("created_at", "pk")
        ],
        "status_history": [
            {"at": _iso(e.at), "from": e.from_status, "to": e.to_status, "reason": e.reason}
            for e in item.events.order_by("at", "pk")
        ],
        "removed_at": _iso(removal.removed_at) if removal else "",
        "time_to_removal_seconds": removal.seconds if removal else None,
    }


def json_bytes(value: Any) -> bytes:
    """The JSON of exports and police packages: indented, UTF-8 as is."""
    return json.dumps(value, indent=2, ensure_ascii=False).encode()


def case_json(items: list[Any]) -> bytes:
    return json_bytes({"cases": [case_record(i) for i in items]})


CSV_COLUMNS = [
    "reference",
    "url",
    "portal",
    "first_reported_at",
    "confirmed_at",
    "classification",
    "status",
    "trace_at",
    "hostname",
    "ips",
    "hosting_country",
    "hosting_asn",
    "hosting_network",
    "cdn",
    "network_abuse_contacts",
    "registrar",
    "removed_at",
    "trace_count",
]


def case_csv(items: list[Any]) -> bytes:
    """One row per case (address): its latest trace (where it is hosted now) and how many traces it had, with the
    classification and timestamps. The JSON export lists every trace."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        record = case_record(item)
        classification = "; ".join(
            f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in sorted(record["classification"].items())
        )
        traces = record["traces"]
        trace = traces[-1] if traces else {}
        writer.writerow(
            [
                v
                for v in (
                    record["reference"],
                    record["url"],
                    record["portal"],
                    record["first_reported_at"],
                    record["confirmed_at"],
                    classification,
                    record["status"],
                    trace.get("at", ""),
                    trace.get("hostname", ""),
                    " ".join(ip["ip"] for ip in trace.get("ips", [])),
                    trace.get("hosting_country", ""),
                    trace.get("hosting_asn", ""),
                    trace.get("hosting_network", ""),
                    trace.get("cdn", ""),
                    " ".join(trace.get("network_abuse_contacts", [])),
                    trace.get("registrar", ""),
                    record["removed_at"],
                    len(traces),
                )
            ]
        )
    return out.getvalue().encode()
