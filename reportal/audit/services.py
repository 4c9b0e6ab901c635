"""What other apps call: `record` appends to the audit log; `verify_chain` checks it end to end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reportal.audit import chain
from reportal.audit.models import GENESIS_HASH, AuditEntry, AuditHead


def _actor_fields(actor: Any) -> tuple[int | None, str, str]:
    """(user id, name, role) for a staff user, a member organisation, a plain name, or nobody (the system)."""
    if actor is None:
        return None, "", "system"
    if isinstance(actor, str):
        return None, actor[:200], ""
    audit_name = getattr(actor, "audit_name", None)
    if audit_name is not None and not hasattr(actor, "get_username"):
        return None, str(audit_name)[:200], "member"
    if not getattr(actor, "is_authenticated", False):
        return None, "", "anonymous"
    role = ""
    try:
        role = actor.staff_profile.role
    except Exception:  # a user without a staff profile
        role = ""
    return actor.pk, actor.get_username()[:200], role


def _object_fields(obj: Any) -> tuple[str, str, int | None]:
    if obj is None:
        return "", "", None
    meta = getattr(obj, "_meta", None)
    object_type = meta.label_lower if meta is not None else type(obj).__name__.lower()
    portal_id = getattr(obj, "portal_id", None)
    if portal_id is None and meta is not None and meta.label_lower == "portals.portal":
        portal_id = obj.pk
    return object_type[:100], str(getattr(obj, "pk", "") or "")[:64], portal_id


def _head_for_update() -> AuditHead:
    head = AuditHead.objects.select_for_update().filter(pk=1).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            AuditHead.objects.create(pk=1, seq=0, entry_hash=GENESIS_HASH)
    except IntegrityError:
        pass  # another writer created it first
    return AuditHead.objects.select_for_update().get(pk=1)


def record(actor: Any, action: str, obj: Any = None, *, portal_id: int | None = None, **details: Any) -> AuditEntry:
    """Append one entry: who (`actor`: a user, a Member, or None for the system), what, on which object, details.

    Call it for every staff view or change of a report, login, failed login, role change and export.
    """
    actor_id, actor_name, actor_role = _actor_fields(actor)
    object_type, object_id, obj_portal = _object_fields(obj)
    clean_details = chain.normalise_details(details)
    with transaction.atomic():
        # The head row lock (or SQLite's one writer) makes this read-then-append atomic across processes.
        head = _head_for_update()
        seq = head.seq + 1
        at = timezone.now()
        fields: dict[str, Any] = {
            "seq": seq,
            "at": at,
            "actor_id": actor_id,
            "actor_name": actor_name,
            "actor_role": actor_role,
            "action": action.replace("\x00", "")[:100],  # PostgreSQL text refuses NUL
            "object_type": object_type,
            "object_id": object_id,
            "portal_id": portal_id if portal_id is not None else obj_portal,
            "details": clean_details,
            "prev_hash": head.entry_hash,
        }
        digest = chain.entry_hash(**fields)
        entry = AuditEntry.objects.create(entry_hash=digest, **fields)
        AuditHead.objects.filter(pk=1).update(seq=seq, entry_hash=digest)
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    problem: str = ""
    first_bad_seq: int | None = None


def verify_chain(batch_size: int = 5000) -> ChainReport:
    """Recompute every hash in order; name the first entry that was changed or removed."""
    head = AuditHead.objects.filter(pk=1).first()
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last_seq = 0
    queryset = AuditEntry.objects.order_by("seq")
    while True:
        batch = list(queryset.filter(seq__gt=last_seq)[:batch_size])
        if not batch:
            break
        for entry in batch:
            if entry.seq != expected_seq:
                gap_end = entry.seq - 1
                missing = f"entry #{expected_seq}" if gap_end == expected_seq else f"entries #{expected_seq}-#{gap_end}"
                return ChainReport(
                    False,
                    checked,
                    f"{missing} removed (the chain jumps from #{expected_seq - 1} to #{entry.seq})",
                    expected_seq,
                )
            if entry.prev_hash != expected_prev:
                return ChainReport(
                    False,
                    checked,
                    f"entry #{entry.seq - 1} changed or replaced (entry #{entry.seq} no longer links to it)",
                    entry.seq - 1,
                )
            if chain.hash_of(entry) != entry.entry_hash:
                return ChainReport(
                    False, checked, f"entry #{entry.seq} changed (its contents no longer match its hash)", entry.seq
                )
            expected_prev = entry.entry_hash
            expected_seq += 1
            last_seq = entry.seq
            checked += 1
    head_seq = head.seq if head is not None else 0
    if head_seq > last_seq:
        return ChainReport(False, checked, f"entries after #{last_seq} removed (the log had {head_seq})", last_seq + 1)
    if head is not None and head_seq and head.entry_hash != expected_prev:
        return ChainReport(
            False, checked, f"entry #{last_seq} changed or replaced (the chain head no longer matches it)", last_seq
        )
    return ChainReport(True, checked)


# --- the staff audit page -----------------------------------------------------------------------------------------

# Readable names of the objects most entries are about; others show their technical name.
OBJECT_LABELS: dict[str, Any] = {
    "reports.reportedurl": gettext_lazy("Item"),
    "reports.report": gettext_lazy("Report"),
    "hotline.review": gettext_lazy("Second opinion"),
    "hotline.assessment": gettext_lazy("Decision"),
    "actions.notice": gettext_lazy("Notice"),
    "lists.listentry": gettext_lazy("URL list entry"),
    "lists.keyword": gettext_lazy("Keyword"),
    "portals.portal": gettext_lazy("Portal"),
    "auth.user": gettext_lazy("Account"),
    "accounts.memberorganisation": gettext_lazy("Member"),
}


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters; empty ones do not filter."""

    actor: str = ""
    object_type: str = ""
    object_id: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None


def parse_filters(params: Any) -> tuple[AuditFilters, list[str]]:
    """Filters from the page's query; a date that cannot be read is left out and named in the errors."""
    errors: list[str] = []
    dates: dict[str, date | None] = {}
    for name, label in (("since", _("From")), ("until", _("To"))):
        text = str(params.get(name, "") or "").strip()
        try:
            dates[name] = date.fromisoformat(text) if text else None
        except ValueError:
            dates[name] = None
            errors.append(
                _("%(field)s: %(value)s is not a date. Use the form 2026-01-31.") % {"field": label, "value": text}
            )
    filters = AuditFilters(
        actor=str(params.get("actor", "") or "").strip()[:200],
        object_type=str(params.get("object_type", "") or "").strip()[:100],
        object_id=str(params.get("object_id", "") or "").strip()[:64],
        action=str(params.get("action", "") or "").strip()[:100],
        since=dates["since"],
        until=dates["until"],
    )
    return filters, errors


def search(filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Entries newest first, narrowed by actor name, object, action (its start) and day (inclusive, local time)."""
    entries = AuditEntry.objects.order_by("-seq")
    if filters.actor:
        entries = entries.filter(actor_name__iexact=filters.actor)
    if filters.object_type:
        entries = entries.filter(object_type=filters.object_type)
    if filters.object_id:
        entries = entries.filter(object_id=filters.object_id)
    if filters.action:
        entries = entries.filter(action__startswith=filters.action)
    zone = timezone.get_current_timezone()
    if filters.since:
        entries = entries.filter(at__gte=datetime.combine(filters.since, time.min, tzinfo=zone))
    if filters.until:
        entries = entries.filter(at__lt=datetime.combine(filters.until + timedelta(days=1), time.min, tzinfo=zone))
    return entries


def object_choices() -> list[tuple[str, str]]:
    """The kinds of object the log holds, with readable names, for the page's menu."""
    types = AuditEntry.objects.exclude(object_type="").values_list("object_type", flat=True).distinct()
    return sorted(((t, str(OBJECT_LABELS.get(t, t))) for t in types), key=lambda choice: choice[1])


def object_label(object_type: str) -> str:
    return str(OBJECT_LABELS.get(object_type, object_type))


def _readable(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_readable(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_readable(v)}" for k, v in value.items()) or "—"
    if value is None or value == "":
        return "—"
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    return str(value)


def detail_fields(details: dict[str, Any]) -> list[tuple[str, str]]:
    """An entry's details as (name, value) pairs a person can read: `source_url` -> ("Source url", "...")."""
    return [(str(key).replace("_", " ").capitalize(), _readable(value)) for key, value in (details or {}).items()]
