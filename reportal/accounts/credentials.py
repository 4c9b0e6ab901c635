"""Member keys and staff tokens as reportal.access checks them: found by lookup id, compared by hash, marked used.

accounts imports access (roles, decorators), so access may not import accounts; AccountsConfig.ready hands these
look-ups to access (access.use_credentials) when Django starts.
"""

from __future__ import annotations

import hmac
import json
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from reportal.access import Credentials
from reportal.accounts.models import ApiKey, Member, StaffToken

# Liveness in SQL, so one indexed query answers; accounts_member / accounts_apikey are the models' tables.
_MEMBER_KEY_SQL = (
    "SELECT m.*, k.id AS key_pk, k.secret_hash AS key_hash, k.scopes AS key_scopes, "
    "CASE WHEN k.last_used_at IS NULL OR k.last_used_at < %s THEN 1 ELSE 0 END AS key_use_stale "
    "FROM accounts_member m JOIN accounts_apikey k ON k.member_id = m.id "
    "WHERE k.prefix = %s AND m.active = %s AND (k.revoked_at IS NULL OR k.revoked_at > %s) "
    "AND (k.expires_at IS NULL OR k.expires_at > %s)"
)


def live_member_key(lookup: str, secret_hash: str) -> tuple[Member, ApiKey] | None:
    """The member and key of a live (active, unexpired, unrevoked) key with this lookup id and secret hash."""
    # One raw query: the matching API authenticates thousands of calls a second, and building ORM queries cost
    # more than running them. Liveness is decided in SQL; the table and column names are Django's own.
    now = timezone.now()
    # Each backend's own datetime form (SQLite compares text), as the ORM would send it.
    db_now = connection.ops.adapt_datetimefield_value(now)
    db_now_minute = connection.ops.adapt_datetimefield_value(now - timedelta(minutes=1))
    rows = list(Member.objects.raw(_MEMBER_KEY_SQL, [db_now_minute, lookup, True, db_now, db_now]))
    if not rows:
        return None
    member = rows[0]
    key_columns: dict[str, Any] = vars(member)  # the key_* columns of the query ride on the member row
    if not hmac.compare_digest(key_columns["key_hash"], secret_hash):
        return None
    scopes = key_columns["key_scopes"]
    scopes = json.loads(scopes) if isinstance(scopes, str) else list(scopes or [])
    api_key = ApiKey(pk=key_columns["key_pk"], member=member, prefix=lookup, secret_hash=secret_hash, scopes=scopes)
    if key_columns["key_use_stale"]:  # one write a minute at most
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    return member, api_key


def live_staff_token(lookup: str, secret_hash: str) -> StaffToken | None:
    """The live staff token with this lookup id and secret hash, its user and staff profile loaded."""
    row = StaffToken.objects.select_related("user", "user__staff_profile").filter(prefix=lookup).first()
    if row is None or not hmac.compare_digest(row.token_hash, secret_hash):
        return None
    now = timezone.now()
    if not row.is_live(now):
        return None
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        StaffToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row


CREDENTIALS = Credentials(member_key=live_member_key, staff_token=live_staff_token)
