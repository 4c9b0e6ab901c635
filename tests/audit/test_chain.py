"""The audit log: each entry carries the SHA-256 of the one before; `reportal audit verify` passes on an untouched
log and names the first entry that was changed or removed by hand in the database (and exits non-zero)."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from reportal.accounts.testing import make_staff
from reportal.audit.models import AppendOnlyError, AuditEntry
from reportal.audit.services import record, verify_chain
from reportal.portals.models import Portal


def _verify() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def _fill(count: int = 5) -> list[AuditEntry]:
    portal = Portal.objects.create(slug="gt", name="Guatemala", display_name="Guatemala", languages=["es"])
    user, *_ = make_staff("ana", "analyst")
    entries = [record(user, "hotline.item.viewed", portal, item=i, note="ñ and 😀 survive") for i in range(count)]
    return entries


@pytest.mark.django_db
def test_entries_link_and_verify_passes():
    entries = _fill()
    assert entries[-1].prev_hash == entries[-2].entry_hash
    assert entries[0].actor_name == "ana" and entries[0].actor_role == "analyst"
    assert entries[0].object_type == "portals.portal" and entries[0].portal_id == Portal.objects.get().pk
    assert "intact" in _verify()
    assert record(None, "system.tick").actor_role == "system"


@pytest.mark.django_db
def test_an_edited_row_is_named():
    entries = _fill()
    target = entries[2]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = %s WHERE seq = %s", ["hotline.nothing", target.seq])
    with pytest.raises(CommandError, match=rf"broken at entry #{target.seq}: entry #{target.seq} changed"):
        _verify()


@pytest.mark.django_db
def test_an_edited_row_with_a_recomputed_hash_is_still_named():
    entries = _fill()
    target = entries[1]
    from reportal.audit import chain

    target.details = {"item": 99}
    new_hash = chain.hash_of(target)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET details = %s, entry_hash = %s WHERE seq = %s",
            ['{"item": 99}', new_hash, target.seq],
        )
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == target.seq


@pytest.mark.django_db
def test_a_deleted_row_is_named():
    entries = _fill()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [entries[3].seq])
    with pytest.raises(CommandError, match=rf"entry #{entries[3].seq} removed"):
        _verify()


@pytest.mark.django_db
def test_deleting_the_newest_rows_is_noticed():
    entries = _fill()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq >= %s", [entries[-2].seq])
    report = verify_chain()
    assert not report.ok and report.first_bad_seq == entries[-2].seq


@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_delete_entries():
    entry = _fill(1)[0]
    entry.action = "other"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


WRITER = """
from reportal.audit.services import record
for i in range(15):
    record("writer-{n}", "test.concurrent", None, i=i)
"""


def test_concurrent_writer_processes_do_not_fork_the_chain(tmp_path):
    """Four processes append at once to one database file (SQLite here; PostgreSQL locks the chain head row)."""
    env = {**os.environ, "REPORTAL_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "reportal.settings"}
    env.pop("DATABASE_URL", None)
    reportal = [sys.executable, "-m", "reportal.cli"]
    subprocess.run([*reportal, "migrate", "-v0"], env=env, check=True, capture_output=True)
    writers = [
        subprocess.Popen([*reportal, "shell", "-c", WRITER.format(n=n)], env=env, stderr=subprocess.PIPE)
        for n in range(4)
    ]
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read().decode()[-2000:]
    verify = subprocess.run([*reportal, "audit", "verify"], env=env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr
    assert "60 entries" in verify.stdout


@pytest.mark.django_db
def test_show_prints_an_objects_history_with_hashes():
    import json

    entries = _fill(3)
    record("someone-else", "other.thing")
    out = StringIO()
    call_command("audit", "show", "--object", f"portals.portal:{entries[0].object_id}", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["seq"] for line in lines] == [e.seq for e in entries]
    assert lines[1]["prev_hash"] == lines[0]["entry_hash"] and lines[0]["actor"] == "ana"
    out = StringIO()
    call_command("audit", "show", "--actor", "someone-else", stdout=out)
    assert [json.loads(line)["action"] for line in out.getvalue().splitlines()] == ["other.thing"]
    out = StringIO()
    call_command("audit", "show", "--action", "hotline.", stdout=out)
    assert len(out.getvalue().splitlines()) == 3
