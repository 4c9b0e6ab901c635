"""Intake on PostgreSQL in one statement: the report, its queue items (joined or created), their events and the
links, as one INSERT ... ON CONFLICT with data-modifying CTEs.

One round trip instead of about ten matters under load, when every round trip waits for the database process to
be scheduled. ON CONFLICT on the partial unique index (one open item per address) makes joining an open item
race-free without savepoints: a concurrent insert of the same address waits and then updates. Rows are built
from the models' own fields and defaults, so a field added to a model is filled here too.

services.submit_report uses this on PostgreSQL and the ORM path (one transaction, savepoints) elsewhere.
"""

# ruff: noqa: S608  -- identifiers come from model metadata (quoted), every value is a bound parameter.

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Field, Model

from reportal.reports.models import ItemEvent, Report, ReportedUrl, ReportUrl


@dataclass(frozen=True)
class Address:
    """One distinct canonical address of a report, with the first form and position it was given in."""

    canonical_url: str
    url_sha256: str
    host: str
    submitted_url: str
    position: int


def _fields(model: type[Model]) -> list[Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _values(obj: Model, fields: Sequence[Field]) -> list[Any]:
    """What Django's INSERT would send for `obj` (defaults and auto_now_add applied)."""
    return [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]


def _q(name: str | None) -> str:
    if name is None:  # a concrete field always has a column; None would be a model definition error
        raise ValueError("A field without a database column cannot be inserted.")
    return connection.ops.quote_name(name)


# Columns that the statement fills from other rows of the same statement, not from parameters.
_EVENT_FROM_STATEMENT = {"item": "item.id"}
_LINK_FROM_STATEMENT = {"report": "report.id", "item": "item.id", "submitted_url": "input.submitted_url",
                        "position": "input.position"}


@functools.lru_cache(maxsize=32)
def _statement(count: int) -> str:
    """The SQL for a report with `count` distinct addresses (built once per count: it depends on nothing else)."""
    report_fields = _fields(Report)
    report_sql = (
        f"INSERT INTO {_q(Report._meta.db_table)} ({', '.join(_q(f.column) for f in report_fields)}) "
        f"VALUES ({', '.join(['%s'] * len(report_fields))}) RETURNING {_q('id')}"
    )
    input_sql = "VALUES " + ", ".join(["(%s, %s, %s::integer)"] * count)

    item_fields = _fields(ReportedUrl)
    table = _q(ReportedUrl._meta.db_table)
    row = f"({', '.join(['%s'] * len(item_fields))})"
    item_sql = (
        f"INSERT INTO {table} ({', '.join(_q(f.column) for f in item_fields)}) VALUES {', '.join([row] * count)} "
        f"ON CONFLICT ({_q('url_sha256')}) WHERE {_q('is_open')} DO UPDATE SET "
        f"{_q('report_count')} = {table}.{_q('report_count')} + 1, "
        f"{_q('last_reported_at')} = EXCLUDED.{_q('last_reported_at')} "
        f"RETURNING {_q('id')} AS id, {_q('url_sha256')} AS url_sha256, (xmax = 0) AS created"
    )

    event_fields = _fields(ItemEvent)
    event_sql = (
        f"INSERT INTO {_q(ItemEvent._meta.db_table)} ({', '.join(_q(f.column) for f in event_fields)}) "
        f"SELECT {', '.join(_EVENT_FROM_STATEMENT.get(f.name, '%s') for f in event_fields)} "
        "FROM item WHERE item.created"
    )

    link_fields = _fields(ReportUrl)
    link_sql = (
        f"INSERT INTO {_q(ReportUrl._meta.db_table)} ({', '.join(_q(f.column) for f in link_fields)}) "
        f"SELECT {', '.join(_LINK_FROM_STATEMENT.get(f.name, '%s') for f in link_fields)} "
        "FROM report, item JOIN input ON input.url_sha256 = item.url_sha256"
    )
    return (
        f"WITH report AS ({report_sql}), "
        f"input (url_sha256, submitted_url, position) AS ({input_sql}), "
        f"item AS ({item_sql}), "
        f"event AS ({event_sql}), "
        f"link AS ({link_sql}) "
        "SELECT report.id, item.url_sha256, item.id FROM report, item"
    )


def _params_except(obj: Model, skip: dict[str, str]) -> list[Any]:
    fields = _fields(type(obj))
    return [v for f, v in zip(fields, _values(obj, fields), strict=True) if f.name not in skip]


def store_report(report: Report, portal_id: int, addresses: Sequence[Address]) -> tuple[int, dict[str, int]]:
    """Insert `report` (unsaved) and link it to the open item of each address.

    Returns (report id, sha256 -> item id)."""
    params = _values(report, _fields(Report))
    for a in addresses:
        params += [a.url_sha256, a.submitted_url, a.position]
    item_fields = _fields(ReportedUrl)
    for a in addresses:
        item = ReportedUrl(canonical_url=a.canonical_url, url_sha256=a.url_sha256, host=a.host[:253],
                           portal_id=portal_id, report_count=1)
        params += _values(item, item_fields)
    params += _params_except(ItemEvent(item_id=0, from_status="", to_status="new", reason="reported"),
                             _EVENT_FROM_STATEMENT)
    params += _params_except(ReportUrl(report_id=0, item_id=0, submitted_url="", position=0), _LINK_FROM_STATEMENT)
    with connection.cursor() as cursor:
        cursor.execute(_statement(len(addresses)), params)
        rows = cursor.fetchall()
    return rows[0][0], {sha: item_id for _report_id, sha, item_id in rows}
