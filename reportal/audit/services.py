"""What other apps call: `record` appends to the audit log; `verify_chain` checks it end to end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

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
