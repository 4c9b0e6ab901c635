"""The canonical form of an audit entry and its hash; both the writer and `reportal audit verify` use these."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=DjangoJSONEncoder)


def _stable(value: Any) -> Any:
    # PostgreSQL's jsonb rewrites numbers with fractions (1e16 comes back as 10000000000000000) and refuses NUL
    # characters; as text both read back exactly as written, on every database.
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def normalise_details(details: dict[str, Any]) -> dict[str, Any]:
    """What the database will give back: JSON types only (fractions as text), so the hash holds when read again."""
    return _stable(json.loads(canonical_json(details)))


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    actor_role: str,
    action: str,
    object_type: str,
    object_id: str,
    portal_id: int | None,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": timestamp(at),
            "actor_id": actor_id,
            "actor_name": actor_name,
            "actor_role": actor_role,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "portal_id": portal_id,
            "details": details,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


def hash_of(entry: Any) -> str:
    """The hash an AuditEntry row should carry, recomputed from its stored fields."""
    return entry_hash(
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        actor_role=entry.actor_role,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        portal_id=entry.portal_id,
        details=entry.details,
        prev_hash=entry.prev_hash,
    )
