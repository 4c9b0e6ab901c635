"""vPDQ and video MD5 in hash list files: threatexchange's local_file format both ways (read and written by
python-threatexchange's own LocalFileSignalExchangeAPI), and CSV and JSON lines round trips."""

from __future__ import annotations

import functools
import json

import pytest
from threatexchange.exchanges.impl.file_api import FileCollaborationConfig, LocalFileSignalExchangeAPI
from threatexchange.signal_type.md5 import VideoMD5Signal

from reportal.hashes import banks as bank_services
from reportal.hashes import matcher, transfer
from reportal.hashes.banks import ContentSignals
from reportal.hashes.exchanges import vpdq_signal_type
from reportal.hashes.models import BankContent
from reportal.hashes.video import VideoHashes, hash_video
from tests.hashes import videogen

pytestmark = pytest.mark.django_db


@functools.cache
def clips() -> list[VideoHashes]:
    return [hash_video(videogen.video(seed, seconds=4, fps=10, size=(240, 136))) for seed in (21, 22)]


def _video_bank(name: str = "VIDEO_SOURCE"):
    bank = bank_services.create_bank(name)
    for i, clip in enumerate(clips()):
        bank_services.add_content(
            bank,
            ContentSignals(md5=clip.md5, sha256=clip.sha256, vpdq=clip.vpdq, classification="A1", external_id=f"v{i}"),
        )
    return bank


def _local_file_api(path) -> LocalFileSignalExchangeAPI:
    return LocalFileSignalExchangeAPI.for_collab(
        FileCollaborationConfig(name="videos", api="local_file", enabled=True, filename=str(path))
    )


def test_local_file_export_is_read_by_threatexchange(tmp_path):
    bank = _video_bank()
    path = tmp_path / "videos.txt"
    path.write_text(transfer.export_to_string(bank, "local_file"))
    vpdq_type = vpdq_signal_type()
    api = _local_file_api(path)
    fetched: dict = {}
    for delta in api.fetch_iter([vpdq_type, VideoMD5Signal], None):
        fetched.update(delta.updates)
    by_type = LocalFileSignalExchangeAPI.naive_convert_to_signal_type([vpdq_type, VideoMD5Signal], api.collab, fetched)
    assert set(by_type[vpdq_type]) == {c.vpdq for c in clips()}
    assert set(by_type[VideoMD5Signal]) == {c.md5 for c in clips()}
    for signal in by_type[vpdq_type]:
        assert vpdq_type.validate_signal_str(signal) == signal


def test_local_file_written_by_threatexchange_is_imported_and_matches(tmp_path):
    path = tmp_path / "from-tx.txt"
    # Lines as LocalFileSignalExchangeAPI.report_opinion writes them (its "wta" file mode fails on Python 3.11).
    vpdq_type = vpdq_signal_type()
    lines = [f"{t.get_name()} {s}" for c in clips() for t, s in ((vpdq_type, c.vpdq), (VideoMD5Signal, c.md5))]
    path.write_text("\n".join(lines) + "\n")
    theirs = {
        key for delta in _local_file_api(path).fetch_iter([vpdq_type, VideoMD5Signal], None) for key in delta.updates
    }
    assert theirs == {("vpdq", c.vpdq) for c in clips()} | {("video_md5", c.md5) for c in clips()}
    bank = bank_services.create_bank("FROM_TX")
    job = transfer.import_file(path, bank, file_format="local_file")
    assert job.rows_added == 4 and job.rows_skipped == 0
    assert {c.vpdq for c in BankContent.objects.filter(bank=bank) if c.vpdq} == {c.vpdq for c in clips()}
    # A re-encoded copy of the first clip matches its imported vPDQ.
    copy = hash_video(videogen.video(21, seconds=4, fps=25, size=(240, 136), codec="mpeg4", container="avi"))
    found = matcher.lookup_vpdq(copy.frames, bypass_coinflip=True)
    assert [m.content_id for m in found] == [bank.contents.get(vpdq=clips()[0].vpdq).pk]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_round_trip_keeps_vpdq(fmt, tmp_path):
    source = _video_bank()
    path = tmp_path / f"videos.{fmt}"
    with path.open("w") as out:
        assert transfer.export_bank(source, out, file_format=fmt) == 2
    target = bank_services.create_bank("VIDEO_TARGET")
    job = transfer.import_file(path, target)
    assert job.rows_added == 2 and job.rows_skipped == 0
    assert set(BankContent.objects.filter(bank=target).values_list("vpdq", "md5", "sha256", "classification")) == {
        (c.vpdq, c.md5, c.sha256, "A1") for c in clips()
    }


def test_jsonl_takes_the_frame_list_itself(tmp_path):
    clip = clips()[0]
    path = tmp_path / "list.jsonl"
    path.write_text(json.dumps({"signals": {"vpdq": json.loads(clip.vpdq)}, "classification": "B"}) + "\n")
    bank = bank_services.create_bank("LISTS")
    assert transfer.import_file(path, bank).rows_added == 1
    assert bank.contents.get().vpdq == clip.vpdq


def test_a_malformed_vpdq_line_is_skipped_not_stored(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text(f'vpdq ["{"ab" * 32},100"]\nvpdq {clips()[0].vpdq}\n')
    bank = bank_services.create_bank("SKIPS")
    job = transfer.import_file(path, bank, file_format="local_file")
    assert (job.rows_added, job.rows_skipped) == (1, 1)


def test_without_the_vpdq_package_the_signal_type_is_threatexchanges_too(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "threatexchange.extensions.vpdq.vpdq", None)  # as where vpdq cannot build
    compat = vpdq_signal_type()
    assert compat.__module__ == "reportal.hashes.exchanges"
    assert compat.get_name() == "vpdq"
    assert compat.validate_signal_str(clips()[0].vpdq) == clips()[0].vpdq
    with pytest.raises(ValueError):
        compat.validate_signal_str('["not,a,frame"]')


def test_cli_hashes_and_matches_video_files(tmp_path, settings):
    from io import StringIO

    from django.core.management import call_command

    from reportal.hashes import services

    settings.REPORTAL_OWN_BANK = "CLI_VIDEOS"
    original = tmp_path / "original.mp4"
    original.write_bytes(videogen.video(23, seconds=4, fps=10, size=(240, 136)))
    copy = tmp_path / "copy.mkv"
    copy.write_bytes(videogen.video(23, seconds=4, fps=25, size=(160, 90), codec="mpeg4", container="matroska"))
    out = StringIO()
    call_command("hashes", "hash-video", str(original), stdout=out)
    row = json.loads(out.getvalue())
    expected = hash_video(original.read_bytes())
    assert (row["vpdq"], row["md5"], row["frames"], row["truncated"]) == (expected.vpdq, expected.md5, 4, False)
    content_id = services.add_confirmed_video(None, expected, classification="B")
    out = StringIO()
    call_command("hashes", "match-video", str(copy), stdout=out)
    match = json.loads(out.getvalue())["matches"]
    assert [(m["content_id"], m["signal_type"], m["distance"]) for m in match] == [(content_id, "vpdq", "100%[100%]")]
