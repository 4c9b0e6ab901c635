"""Whatever details a caller passes, the entry reads back with the hash it was written with (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportal.audit.models import AuditEntry
from reportal.audit.services import record, verify_chain

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**62), max_value=2**62)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
details = st.dictionaries(
    st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True).filter(lambda k: k not in {"portal_id"}),
    json_values | st.datetimes(timezones=st.just(dt.UTC)),
    max_size=5,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(details=details, action=st.text(min_size=1, max_size=40))
def test_any_details_verify_after_a_round_trip(details, action):
    entry = record("someone", action, None, **details)
    stored = AuditEntry.objects.get(pk=entry.pk)
    from reportal.audit import chain

    assert chain.hash_of(stored) == stored.entry_hash
    assert verify_chain().ok
