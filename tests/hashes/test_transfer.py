"""Import and export of hash lists: round trips in every format, threatexchange's local_file format both ways,
and an interrupted import that resumes without losing or doubling a row."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from django.core.management import call_command
from threatexchange.exchanges.impl.file_api import FileCollaborationConfig, LocalFileSignalExchangeAPI
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal

from reportal.hashes import banks as bank_services
from reportal.hashes import matcher, transfer
from reportal.hashes.banks import ContentSignals
from reportal.hashes.models import BankContent, HashImport

pytestmark = pytest.mark.django_db


def _filled_bank(name: str = "SOURCE", n: int = 30):
    rng = np.random.default_rng(9)
    bank = bank_services.create_bank(name)
    for i in range(n):
        b = rng.integers(0, 256, 84, dtype=np.uint8).tobytes().hex()
        bank_services.add_content(
            bank,
            ContentSignals(
                pdq=b[:64], pdq_quality=int(rng.integers(50, 101)), md5=b[64:96], sha1=b[:40], sha256=b[40:104],
                classification="A1" if i % 2 else "B", source="analyst", external_id=f"item:{i}",
            ),
        )
    disabled = bank.contents.first()
    bank_services.set_content_enabled(disabled, False)
    return bank


def _signal_set(bank, *, enabled_only: bool = False):
    qs = BankContent.objects.filter(bank=bank)
    return {
        (c.pdq, c.pdq_quality, c.md5, c.sha1, c.sha256, c.classification, c.external_id)
        for c in qs
        if c.enabled or not enabled_only
    }


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_round_trip_keeps_signals_and_metadata(fmt, tmp_path):
    source = _filled_bank()
    path = tmp_path / f"export.{fmt}"
    with path.open("w") as out:
        written = transfer.export_bank(source, out, file_format=fmt, include_disabled=True)
    assert written == 30
    target = bank_services.create_bank("TARGET")
    job = transfer.import_file(path, target)
    assert job.finished and job.rows_added == 30 and job.rows_skipped == 0
    assert _signal_set(target) == _signal_set(source)
    # The disabled entry stays disabled.
    assert BankContent.objects.filter(bank=target, disable_until_ts=0).count() == 1


def test_export_leaves_out_disabled_entries_by_default():
    source = _filled_bank()
    lines = transfer.export_to_string(source, "jsonl").splitlines()
    assert len(lines) == 29
    record = json.loads(lines[0])
    assert {"id", "bank", "signals", "pdq_quality", "classification", "source", "external_id", "created_at",
            "enabled"} <= set(record)
    assert set(record["signals"]) == {"pdq", "md5", "sha1", "sha256"}


def test_local_file_export_is_read_by_threatexchange(tmp_path):
    source = _filled_bank()
    path = tmp_path / "signals.txt"
    path.write_text(transfer.export_to_string(source, "local_file"))
    api = LocalFileSignalExchangeAPI.for_collab(FileCollaborationConfig(name="test", api="local_file",
                                                                       enabled=True, filename=str(path)))
    fetched: dict = {}
    for delta in api.fetch_iter([PdqSignal, VideoMD5Signal], None):
        fetched.update(delta.updates)
    by_type = LocalFileSignalExchangeAPI.naive_convert_to_signal_type([PdqSignal, VideoMD5Signal], api.collab, fetched)
    enabled = [c for c in BankContent.objects.filter(bank=source) if c.enabled]
    assert set(by_type[PdqSignal]) == {c.pdq for c in enabled}
    assert set(by_type[VideoMD5Signal]) == {c.md5 for c in enabled}


def test_local_file_read_as_threatexchange_reads_it(tmp_path):
    # Lines as LocalFileSignalExchangeAPI.report_opinion writes them: "<signal type name> <signal>".
    pdq = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    md5 = "d41d8cd98f00b204e9800998ecf8427e"
    path = tmp_path / "tx.txt"
    path.write_text(f"{PdqSignal.get_name()} {pdq}\n{VideoMD5Signal.get_name()} {md5}\n")
    api = LocalFileSignalExchangeAPI.for_collab(FileCollaborationConfig(name="t", api="local_file", enabled=True,
                                                                       filename=str(path)))
    theirs = {key for delta in api.fetch_iter([PdqSignal, VideoMD5Signal], None) for key in delta.updates}
    assert theirs == {("pdq", pdq), ("video_md5", md5)}
    bank = bank_services.create_bank("FROM_TX")
    job = transfer.import_file(path, bank, file_format="local_file")
    assert job.rows_added == 2
    assert set(BankContent.objects.filter(bank=bank).values_list("pdq", "md5")) == {(pdq, ""), ("", md5)}
    assert [m.content_id for m in matcher.lookup([("pdq", pdq)])[0]] == [bank.contents.get(md5="").pk]


def test_local_file_with_bare_signals_and_a_given_type(tmp_path):
    path = tmp_path / "bare.txt"
    path.write_text("d41d8cd98f00b204e9800998ecf8427e\n\nnot-a-hash\n")
    bank = bank_services.create_bank("BARE")
    job = transfer.import_file(path, bank, file_format="local_file", signal_type="video_md5")
    assert (job.rows_added, job.rows_skipped) == (1, 1)


def test_csv_with_signal_type_columns(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("signal_type,signal,classification\npdq," + "a" * 64 + ",A1\nvideo_md5," + "b" * 32 + ",B\n")
    bank = bank_services.create_bank("CSV_LONG")
    transfer.import_file(path, bank)
    assert set(bank.contents.values_list("pdq", "md5", "classification")) == {("a" * 64, "", "A1"),
                                                                              ("", "b" * 32, "B")}


def test_interrupted_import_resumes_where_it_stopped(tmp_path):
    rng = np.random.default_rng(4)
    path = tmp_path / "big.jsonl"
    rows = [rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex() for _ in range(2500)]
    with path.open("w") as out:
        for i, h in enumerate(rows):
            out.write(json.dumps({"signals": {"pdq": h}, "pdq_quality": 90, "external_id": f"r{i}"}) + "\n")
            if i == 1200:
                out.write("{broken json\n")
    bank = bank_services.create_bank("BIG")
    seen = []

    def crash_after_two_batches(progress):
        seen.append(progress)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        transfer.import_file(path, bank, progress=crash_after_two_batches, batch_rows=500)
    job = HashImport.objects.get()
    assert not job.finished and job.rows_added == 1000 and bank.contents.count() == 1000
    assert 0 < job.offset < path.stat().st_size

    resumed = []
    job = transfer.import_file(path, bank, progress=resumed.append, batch_rows=500)
    assert job.finished and job.rows_added == 2500 and job.rows_skipped == 1
    assert resumed[0].resumed_from > 0
    assert bank.contents.count() == 2500
    assert sorted(bank.contents.values_list("external_id", flat=True)) == sorted(f"r{i}" for i in range(2500))
    # Importing the finished file again starts a new import (a new list version), it does not resume.
    assert HashImport.objects.filter(finished=True).count() == 1


def test_cli_import_export_round_trip(tmp_path, capsys):
    source = _filled_bank("CLI_SOURCE")
    out = tmp_path / "out.csv"
    call_command("hashes", "export", "--bank", "CLI_SOURCE", "--format", "csv", "--output", str(out))
    call_command("hashes", "import", str(out), "--bank", "CLI_TARGET")
    target = bank_services.get_bank("CLI_TARGET")
    assert _signal_set(target) == _signal_set(source, enabled_only=True)
    buf = io.StringIO()
    call_command("hashes", "export", "--bank", "CLI_TARGET", "--format", "local_file", stdout=buf)
    assert len(buf.getvalue().splitlines()) == 29 * 3  # pdq, video_md5, video_sha256 per entry
