"""Matching through the service layer: near copies match, unrelated images do not, changes take effect at once,
several processes stay in step, and a restart loads the persisted index."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command

from reportal.hashes import banks as bank_services
from reportal.hashes import matcher, services
from reportal.hashes.banks import ContentSignals
from reportal.hashes.hashing import hash_image_bytes
from reportal.hashes.matcher import ProcessMatcher
from reportal.hashes.models import IndexBuild
from tests.hashes import imagegen

pytestmark = pytest.mark.django_db


def bank_image(bank_name: str, image, **provenance) -> int:
    bank = bank_services.get_or_create_bank(bank_name)
    h = hash_image_bytes(imagegen.encode(image, "PNG"))
    content = bank_services.add_content(
        bank,
        ContentSignals(pdq=h.pdq, pdq_quality=h.pdq_quality, md5=h.md5, sha1=h.sha1, sha256=h.sha256, **provenance),
    )
    return content.pk


def matched_ids(data: bytes) -> set[int]:
    return {m.content_id for m in services.lookup_bytes(data)}


def test_entry_matches_its_jpeg_reencodings_and_resizes_but_not_unrelated_images():
    original = imagegen.photo_like(11, 800, 600)
    cid = bank_image("HOTLINE_CONFIRMED", original)
    variants = [
        imagegen.encode(original, "JPEG", quality=95),
        imagegen.encode(original, "JPEG", quality=60),
        imagegen.encode(original, "JPEG", quality=30),
        imagegen.encode(original.resize((400, 300)), "JPEG", quality=80),
        imagegen.encode(original.resize((1600, 1200)), "JPEG", quality=80),
        imagegen.encode(original.resize((200, 150)), "PNG"),
        imagegen.encode(original, "WEBP", quality=70),
    ]
    for data in variants:
        found = services.lookup_bytes(data)
        assert [m.content_id for m in found] == [cid]
        assert found[0].bank == "HOTLINE_CONFIRMED" and found[0].signal_type == "pdq"
    unrelated = [imagegen.photo_like(s, 800, 600) for s in range(20, 30)] + [imagegen.shapes(5), imagegen.gradient()]
    for image in unrelated:
        assert matched_ids(imagegen.encode(image, "JPEG", quality=80)) == set()


def test_identical_bytes_match_by_cryptographic_hash_first():
    image = imagegen.shapes(3)
    data = imagegen.encode(image, "PNG")
    cid = bank_image("OWN", image)
    found = services.lookup_bytes(data)
    assert [(m.content_id, m.distance) for m in found] == [(cid, 0)]
    assert found[0].signal_type in ("md5", "sha1", "sha256")


def test_new_entry_matches_on_the_next_lookup():
    image = imagegen.photo_like(12)
    data = imagegen.encode(image, "JPEG")
    assert matched_ids(data) == set()  # the matcher is now loaded
    cid = bank_image("OWN", image)
    assert matched_ids(data) == {cid}


def test_disabled_entry_and_switched_off_bank_stop_matching_at_once():
    image = imagegen.photo_like(13)
    data = imagegen.encode(image, "JPEG")
    cid = bank_image("OWN", image)
    assert matched_ids(data) == {cid}
    content = bank_services.get_content(cid)
    bank_services.set_content_enabled(content, False)
    assert matched_ids(data) == set()
    bank_services.set_content_enabled(content, True)
    assert matched_ids(data) == {cid}
    bank_services.update_bank(content.bank, matching_enabled_ratio=0.0)
    assert matched_ids(data) == set()
    bank_services.update_bank(content.bank, matching_enabled_ratio=1.0)
    bank_services.delete_content(content.bank, cid)
    assert matched_ids(data) == set()


def test_disable_until_a_time_in_the_future_then_matches_again(monkeypatch):
    image = imagegen.photo_like(14)
    data = imagegen.encode(image, "JPEG")
    cid = bank_image("OWN", image)
    import time as time_module

    now = time_module.time()
    bank_services.set_content_disabled_until(bank_services.get_content(cid), int(now) + 3600)
    assert matched_ids(data) == set()
    monkeypatch.setattr(matcher.time, "time", lambda: now + 7200)
    assert matched_ids(data) == {cid}


def test_bank_threshold_limits_pdq_distance():
    rng = np.random.default_rng(1)
    base = rng.integers(0, 2, 256)
    bank = bank_services.create_bank("STRICT", pdq_threshold=4)
    loose = bank_services.create_bank("LOOSE")
    hex_of = lambda bits: np.packbits(bits.astype(np.uint8)).tobytes().hex()  # noqa: E731
    bank_services.add_content(bank, ContentSignals(pdq=hex_of(base), pdq_quality=100))
    bank_services.add_content(loose, ContentSignals(pdq=hex_of(base), pdq_quality=100))
    query = base.copy()
    query[:10] ^= 1  # 10 bits away
    found = matcher.lookup([("pdq", hex_of(query))])[0]
    assert [(m.bank, m.distance) for m in found] == [("LOOSE", 10)]
    query = base.copy()
    query[:32] ^= 1  # 32 bits away: beyond every bank's threshold
    assert matcher.lookup([("pdq", hex_of(query))])[0] == []


def test_low_quality_pdq_is_kept_but_never_matches():
    bank = bank_services.create_bank("WEAK")
    pdq = "f" * 64
    content = bank_services.add_content(bank, ContentSignals(pdq=pdq, pdq_quality=10, md5="a" * 32))
    assert content.pdq == pdq
    assert matcher.lookup([("pdq", pdq)])[0] == []
    assert [m.content_id for m in matcher.lookup([("md5", "a" * 32)])[0]] == [content.pk]


def test_two_processes_stay_in_step():
    """Two matchers (as two web or matcher processes would hold) see each other's writes through the counter."""
    first, second = ProcessMatcher(), ProcessMatcher()
    image = imagegen.photo_like(15)
    h = hash_image_bytes(imagegen.encode(image, "PNG"))
    assert first.candidates([("pdq", h.pdq)]) == [[]]
    assert second.candidates([("pdq", h.pdq)]) == [[]]
    cid = bank_image("OWN", image)
    assert [c for c, _d in first.candidates([("pdq", h.pdq)])[0]] == [cid]
    assert [c for c, _d in second.candidates([("pdq", h.pdq)])[0]] == [cid]


def test_restart_loads_the_persisted_index(tmp_path):
    image = imagegen.photo_like(16)
    cid = bank_image("OWN", image)
    call_command("hashes", "build-index", "--settle-seconds", "0")
    builds = {b.signal_type: b for b in IndexBuild.objects.all()}
    assert set(builds) == {"pdq", "md5", "sha1", "sha256", "vpdq"}
    assert builds["pdq"].high_water_id == cid and builds["pdq"].size == 1
    matcher.reset_matcher()  # a restarted process
    fresh = matcher.get_matcher()
    status = fresh.status()
    assert status["pdq"]["present"] is True and status["pdq"]["size"] == 1
    assert fresh.high_water == cid and fresh.build_ids["pdq"] == builds["pdq"].pk
    assert matched_ids(imagegen.encode(image, "JPEG")) == {cid}
    # Entries added after the build come from the database rows above the high-water mark.
    later = bank_image("OWN", imagegen.photo_like(17))
    assert matched_ids(imagegen.encode(imagegen.photo_like(17), "JPEG")) == {later}


def test_add_confirmed_images_banks_into_the_own_bank(settings):
    settings.REPORTAL_OWN_BANK = "TEST_OWN"
    images = [imagegen.encode(imagegen.photo_like(s), "JPEG") for s in (30, 31)] + [b"not an image"]
    assert services.add_confirmed_images(None, images, classification="A1") == 2
    # The same images again are not added twice.
    assert services.add_confirmed_images(None, images, classification="A1") == 0
    found = services.lookup_bytes(images[0])
    assert len(found) == 1 and found[0].bank == "TEST_OWN" and found[0].classification == "A1"


def test_a_row_committed_late_below_the_high_water_mark_is_still_found():
    """On PostgreSQL ids can commit out of order: a row with a smaller id may appear after a larger one was read."""
    bank = bank_services.create_bank("LATE")
    first = bank_services.add_content(bank, ContentSignals(md5="1" * 32))
    placeholder = bank_services.add_content(bank, ContentSignals(md5="2" * 32))
    last = bank_services.add_content(bank, ContentSignals(md5="3" * 32))
    placeholder_id = placeholder.pk
    placeholder.delete()  # as if its transaction had not committed yet
    assert matcher.lookup([("md5", "3" * 32)])[0][0].content_id == last.pk
    assert matcher.get_matcher().high_water == last.pk and placeholder_id in matcher.get_matcher().gaps
    # The late transaction commits now, with its (smaller) id.
    from reportal.hashes.models import BankContent

    BankContent.objects.create(pk=placeholder_id, bank=bank, md5="4" * 32)
    bank_services.bump_version()
    assert [m.content_id for m in matcher.lookup([("md5", "4" * 32)])[0]] == [placeholder_id]
    assert first.pk < placeholder_id < last.pk


def test_merge_task_writes_a_build_that_processes_load(settings):
    from reportal.hashes.tasks import merge_index

    cid = bank_image("OWN", imagegen.shapes(9))
    summary = merge_index.delay().get()
    # Rows younger than the settle time are left to the side buffers; the build is recorded all the same.
    assert summary["high_water_id"] in (0, cid)
    assert IndexBuild.objects.filter(signal_type="pdq").count() == 1
    matcher.reset_matcher()
    assert matched_ids(imagegen.encode(imagegen.shapes(9), "PNG")) == {cid}


def test_matching_ratio_is_a_seeded_coinflip_as_in_hma():
    bank = bank_services.create_bank("HALF", matching_enabled_ratio=0.5)
    content = bank_services.add_content(bank, ContentSignals(md5="c" * 32))
    answers = {seed: bool(matcher.lookup([("md5", "c" * 32)], seed=str(seed))[0]) for seed in range(40)}
    assert set(answers.values()) == {True, False}  # some look-ups match, some do not
    assert all(bool(matcher.lookup([("md5", "c" * 32)], seed=str(s))[0]) == a for s, a in answers.items())
    assert [m.content_id for m in matcher.lookup([("md5", "c" * 32)], bypass_coinflip=True)[0]] == [content.pk]
