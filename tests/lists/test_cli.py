"""`reportal lists ...` as an operator uses it: add, import, remove, publish, export and verify."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reportal.lists import feeds, services
from reportal.lists.models import ListEntry

pytestmark = pytest.mark.django_db


def _full() -> set[tuple[str, str]]:
    return {(e["address"], e["scope"]) for e in json.loads(feeds.feed("urls", "json").body())["entries"]}


def test_add_remove_publish(capsys):
    call_command("lists", "add", "http://Bad.example.test/x", "--scope", "url", "--category", "A")
    call_command("lists", "add", "whole.example.test", "--scope", "domain")
    call_command("lists", "publish")
    assert "version 1: 2 entries" in capsys.readouterr().out
    assert _full() == {("http://bad.example.test/x", "url"), ("whole.example.test", "domain")}
    call_command("lists", "remove", "whole.example.test")
    call_command("lists", "publish", "--list", "urls")
    assert _full() == {("http://bad.example.test/x", "url")}
    with pytest.raises(CommandError, match="not on the list"):
        call_command("lists", "remove", "http://never.example.test/")


def test_add_refuses_what_is_not_an_address():
    with pytest.raises(CommandError):
        call_command("lists", "add", "javascript:alert(1)")
    with pytest.raises(CommandError, match="IP address"):
        call_command("lists", "add", "http://93.184.216.34/", "--scope", "domain")


def test_import_csv_streams_with_progress_and_is_audited(tmp_path, capsys):
    from reportal.audit.models import AuditEntry

    source = tmp_path / "old-list.csv"
    lines = ["url,scope,category"] + [f"http://h{i}.example.test/p,url,A" for i in range(4500)]
    lines += ["whole.example.test,domain,B", "not a url at all,url,A", "http://h1.example.test/p,url,A"]
    source.write_text("\n".join(lines) + "\n")
    call_command("lists", "import", str(source))
    captured = capsys.readouterr()
    assert "4501 added, 1 already listed, 1 rejected" in captured.out
    assert "line 4503" in captured.err  # the bad line is named
    assert "2,000 lines" in captured.err  # progress while it runs
    assert ListEntry.objects.filter(active=True, source="old-list.csv").count() == 4501
    assert ListEntry.objects.get(scope="domain").address == "whole.example.test"
    batches = AuditEntry.objects.filter(action="lists.import_batch")
    assert sum(b.details["added"] for b in batches) == 4501
    assert AuditEntry.objects.filter(action="lists.imported").count() == 1


def test_import_plain_list_with_a_default_scope(tmp_path, capsys):
    source = tmp_path / "domains.txt"
    source.write_text("# exported from the old system\nfirst.example.test\n\nsecond.example.test\n")
    call_command("lists", "import", str(source), "--scope", "domain", "--category", "C")
    assert "2 added" in capsys.readouterr().out
    assert set(ListEntry.objects.values_list("address", "scope", "category")) == {
        ("first.example.test", "domain", "C"),
        ("second.example.test", "domain", "C"),
    }


def test_export_and_verify_a_download(tmp_path, capsys):
    services.add_entry("whole.example.test", "domain")
    services.publish()
    out = tmp_path / "list.rpz"
    call_command("lists", "export", "--format", "rpz", "--output", str(out))
    call_command("lists", "verify", str(out), f"{out}.sig")
    assert "OK" in capsys.readouterr().out
    public = tmp_path / "public.pem"
    from reportal.lists import signing

    public.write_bytes(signing.public_key_pem())
    call_command("lists", "verify", str(out), f"{out}.sig", "--public-key", str(public))
    data = bytearray(out.read_bytes())
    data[-3] ^= 0x20
    out.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="BAD signature"):
        call_command("lists", "verify", str(out), f"{out}.sig", "--public-key", str(public))


def test_verify_through_the_reportal_command(tmp_path, settings):
    """The installed `reportal` command, in its own process, with nothing but the files and a public key."""
    services.add_entry("whole.example.test", "domain")
    services.publish()
    feed = feeds.feed("urls", "sha256")
    body, sig, pem = tmp_path / "list.txt", tmp_path / "list.txt.sig", tmp_path / "public.pem"
    body.write_bytes(feed.body())
    sig.write_bytes(feed.signature())
    from reportal.lists import signing

    pem.write_bytes(signing.public_key_pem())
    env = {"REPORTAL_DATA_DIR": str(tmp_path / "other"), "PATH": "/usr/bin:/bin"}
    argv = [sys.executable, "-m", "reportal.cli", "lists", "verify", str(body), str(sig), "--public-key", str(pem)]
    ok = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert ok.returncode == 0, ok.stderr
    body.write_bytes(feed.body() + b"0" * 64 + b"\n")
    bad = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    assert bad.returncode != 0 and "BAD signature" in bad.stderr


def test_status(capsys):
    services.add_entry("http://a.example.test/", "url")
    call_command("lists", "status")
    out = capsys.readouterr().out
    assert "urls: never published; changes waiting." in out
