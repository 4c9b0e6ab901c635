"""`reportal hashes hash` and `reportal hashes match` on image files."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from reportal.hashes import services
from reportal.hashes.hashing import hash_image_bytes
from tests.hashes import imagegen

pytestmark = pytest.mark.django_db


def test_hash_prints_signals_per_file(tmp_path):
    image = tmp_path / "a.png"
    image.write_bytes(imagegen.encode(imagegen.shapes(2), "PNG"))
    out = io.StringIO()
    call_command("hashes", "hash", str(image), "--dihedral", stdout=out)
    row = json.loads(out.getvalue())
    expected = hash_image_bytes(image.read_bytes())
    assert row["pdq"] == expected.pdq and row["pdq_quality"] == expected.pdq_quality
    assert row["sha256"] == expected.sha256 and len(row["dihedral"]) == 8


def test_hash_reports_files_it_cannot_read(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("hashes", "hash", str(bad), stderr=err)
    assert "bad.jpg" in err.getvalue()


def test_match_finds_banked_images(tmp_path, settings):
    settings.REPORTAL_OWN_BANK = "CLI_OWN"
    photo = imagegen.photo_like(50)
    services.add_confirmed_images(None, [imagegen.encode(photo, "PNG")])
    copy = tmp_path / "copy.jpg"
    copy.write_bytes(imagegen.encode(photo.resize((320, 240)), "JPEG", quality=75))
    other = tmp_path / "other.jpg"
    other.write_bytes(imagegen.encode(imagegen.photo_like(51), "JPEG"))
    out = io.StringIO()
    call_command("hashes", "match", str(copy), str(other), stdout=out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert [m["bank"] for m in first["matches"]] == ["CLI_OWN"]
    assert second["matches"] == []


def test_hash_many_files_on_all_cores(tmp_path):
    names = []
    for seed in range(5):
        path = tmp_path / f"{seed}.jpg"
        path.write_bytes(imagegen.encode(imagegen.photo_like(seed, 500, 400), "JPEG"))
        names.append(str(path))
    out = io.StringIO()
    call_command("hashes", "hash", *names, stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["file"] for r in rows] == names
    assert [r["pdq"] for r in rows] == [hash_image_bytes(open(n, "rb").read()).pdq for n in names]
