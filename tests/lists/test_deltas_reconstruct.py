"""Property: for any sequence of additions, removals and publications, each published full list is exactly the
list at that moment, and applying the changes since version N to the full list at N gives the full list at M."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportal.lists import feeds, matcher, services
from reportal.lists.addresses import list_address

pytestmark = pytest.mark.django_db

SCOPES = ["url", "prefix", "domain"]
operation = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 7), st.sampled_from(SCOPES)),
    st.tuples(st.just("remove"), st.integers(0, 7), st.sampled_from(SCOPES)),
    st.tuples(st.just("publish"), st.just(0), st.just("")),
)


def _url(i: int) -> str:
    return f"http://h{i % 3}.example.test/p{i}"


def _simulate(ops) -> list[set[tuple[str, str]]]:
    """What each version must hold, computed without the database: snapshot[v] for v = 0, 1, 2, ..."""
    active: dict[str, tuple[str, str]] = {}
    snapshots: list[set[tuple[str, str]]] = [set()]
    for op, i, scope in ops:
        if op == "add":
            target = list_address(_url(i), scope)
            active[target.sha256] = (target.address, target.scope)
        elif op == "remove":
            target = list_address(_url(i), "domain" if scope == "domain" else "url")
            active.pop(target.sha256, None)
        else:
            snapshots.append(set(active.values()))
    return snapshots


def _json(version: int, since: int | None = None) -> dict:
    return json.loads(feeds.feed("urls", "json", version=version, since=since).body())


def _hashes(version: int, since: int | None = None) -> list[str]:
    return feeds.feed("urls", "sha256", version=version, since=since).body().decode().split()


def _csv(version: int, since: int | None = None) -> list[dict[str, str]]:
    text = feeds.feed("urls", "csv", version=version, since=since).body().decode()
    return list(csv.DictReader(io.StringIO(text)))


def _apply_csv(full: set[tuple[str, str]], rows: list[dict[str, str]]) -> set[tuple[str, str]]:
    removed = {(r["address"], r["scope"]) for r in rows if r["change"] == "removed"}
    assert removed <= full
    return (full - removed) | {(r["address"], r["scope"]) for r in rows if r["change"] == "added"}


def _apply_json(full: set[tuple[str, str]], delta: dict) -> set[tuple[str, str]]:
    removed = {(e["address"], e["scope"]) for e in delta["removed"]}
    assert removed <= full, "a removal names something the old list did not hold"
    return (full - removed) | {(e["address"], e["scope"]) for e in delta["added"]}


def _apply_hashes(full: set[str], lines: list[str]) -> set[str]:
    removed = {line[1:] for line in lines if line.startswith("-")}
    added = {line[1:] for line in lines if line.startswith("+")}
    assert removed <= full
    return (full - removed) | added


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(operation, max_size=30))
def test_deltas_rebuild_every_full_list(ops):
    with transaction.atomic():
        for op, i, scope in ops:
            if op == "add":
                services.add_entry(_url(i), scope, audit=False)
            elif op == "remove":
                services.remove_entry(_url(i), scope="domain" if scope == "domain" else "url", audit=False)
            else:
                services.publish()
        snapshots = _simulate(ops)
        latest = len(snapshots) - 1
        fulls = {v: {(e["address"], e["scope"]) for e in _json(v)["entries"]} for v in range(latest + 1)}
        hashed = {v: set(_hashes(v)) for v in range(latest + 1)}
        csv_fulls = {v: {(r["address"], r["scope"]) for r in _csv(v)} for v in range(latest + 1)}
        for v in range(latest + 1):
            assert fulls[v] == snapshots[v], f"version {v} does not hold what was listed when it was published"
            assert csv_fulls[v] == snapshots[v]
            assert hashed[v] == {list_address(a, s).sha256 for a, s in snapshots[v]}
        pairs = {(n, latest) for n in range(latest + 1)} | {(n, n + 1) for n in range(latest)}
        for n, m in pairs:
            assert _apply_json(fulls[n], _json(m, since=n)) == fulls[m]
            assert _apply_hashes(hashed[n], _hashes(m, since=n)) == hashed[m]
            assert _apply_csv(csv_fulls[n], _csv(m, since=n)) == csv_fulls[m]
        # The in-process matcher, advanced from any older version by applying changes, agrees with a fresh build.
        fresh = matcher.build(latest)
        for start in range(1, latest):
            matcher._state["matcher"] = matcher.build(start)
            matcher.invalidate()
            followed = matcher.current()
            assert followed.version == latest
            assert (followed.exact, followed.domains) == (fresh.exact, fresh.domains)
            assert {h: sorted(p) for h, p in followed.prefixes.items() if p} == {
                h: sorted(p) for h, p in fresh.prefixes.items()
            }
        transaction.set_rollback(True)
    matcher._state["matcher"] = None
