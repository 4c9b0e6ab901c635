"""Hashing image bytes in memory: bit-identical PDQ in exact mode, close PDQ in fast mode, safe decoding."""

from __future__ import annotations

import hashlib
import io
import pathlib

import numpy as np
import pdqhash
import pytest
from PIL import Image
from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes

from reportal.hashes import hashing
from reportal.hashes.hashing import (
    DIHEDRAL_NAMES,
    CorruptImageError,
    HashWorkerPool,
    ImageTooLargeError,
    UnsupportedImageError,
    bits_to_hex,
    hash_image_bytes,
)
from reportal.hashes.signals import hamming_hex
from tests.hashes import imagegen

IMAGES = {
    "gradient": imagegen.gradient(),
    "shapes": imagegen.shapes(1),
    "noise": imagegen.noise(2),
    "photo": imagegen.photo_like(3),
    "photo_portrait": imagegen.photo_like(4, 300, 500),
}
FORMATS = ["JPEG", "PNG", "GIF", "WEBP", "BMP"]


def reference_pdq(data: bytes) -> tuple[str, int]:
    """The reference implementation on the full decoded image (RGB), as pdqhash's own README shows."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    vector, quality = pdqhash.compute(np.asarray(image))
    return bits_to_hex(vector), int(quality)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(IMAGES))
def test_exact_pdq_is_bit_identical_to_reference(name, fmt):
    data = imagegen.encode(IMAGES[name], fmt)
    hashes = hash_image_bytes(data, mode="exact")
    assert (hashes.pdq, hashes.pdq_quality) == reference_pdq(data)
    assert hashes.format == fmt
    assert (hashes.width, hashes.height) == IMAGES[name].size


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_exact_pdq_equals_threatexchange_hasher(name):
    data = imagegen.encode(IMAGES[name], "JPEG", quality=90)
    assert (hash_image_bytes(data).pdq, hash_image_bytes(data).pdq_quality) == pdq_from_bytes(data)


def test_crypto_hashes_are_of_the_bytes():
    data = imagegen.encode(IMAGES["shapes"], "PNG")
    hashes = hash_image_bytes(data)
    assert hashes.md5 == hashlib.md5(data).hexdigest()
    assert hashes.sha1 == hashlib.sha1(data).hexdigest()
    assert hashes.sha256 == hashlib.sha256(data).hexdigest()


def test_dihedral_variants_match_reference_and_rotated_images():
    image = IMAGES["photo"]
    data = imagegen.encode(image, "PNG")
    hashes = hash_image_bytes(data, dihedral=True)
    vectors, _quality = pdqhash.compute_dihedral(np.asarray(image))
    assert list(hashes.dihedral) == list(DIHEDRAL_NAMES)
    assert [hashes.dihedral[n] for n in DIHEDRAL_NAMES] == [bits_to_hex(v) for v in vectors]
    assert hashes.dihedral["original"] == hashes.pdq
    # The rotate180 variant matches the image turned upside down (PDQ's filters are not exactly symmetric).
    turned = hash_image_bytes(imagegen.encode(image.rotate(180), "PNG"))
    assert hamming_hex(turned.pdq, hashes.dihedral["rotate180"]) <= 20
    assert hamming_hex(turned.pdq, hashes.pdq) > 64


def test_gif_hashes_first_frame():
    first, second = IMAGES["shapes"], IMAGES["photo"].resize(IMAGES["shapes"].size)
    buf = io.BytesIO()
    first.save(buf, "GIF", save_all=True, append_images=[second])
    data = buf.getvalue()
    frame = Image.open(io.BytesIO(data)).convert("RGB")
    vector, _q = pdqhash.compute(np.asarray(frame))
    assert hash_image_bytes(data).pdq == bits_to_hex(vector)


@pytest.mark.parametrize("size", [(640, 480), (1500, 1000), (2600, 1700)])
def test_fast_mode_stays_close_to_exact(size):
    data = imagegen.encode(imagegen.photo_like(7, *size), "JPEG", quality=88)
    exact = hash_image_bytes(data, mode="exact")
    fast = hash_image_bytes(data, mode="fast")
    assert hamming_hex(exact.pdq, fast.pdq) <= 8
    assert fast.md5 == exact.md5 and (fast.width, fast.height) == size


def test_small_images_are_identical_in_fast_mode():
    data = imagegen.encode(IMAGES["photo"], "PNG")
    assert hash_image_bytes(data, mode="fast").pdq == hash_image_bytes(data, mode="exact").pdq


def test_flat_image_has_low_quality_and_no_matchable_pdq():
    flat = imagegen.encode(Image.new("RGB", (200, 200), (120, 120, 120)), "PNG")
    hashes = hash_image_bytes(flat)
    assert hashes.pdq_quality < 50
    assert not hashes.pdq_matchable
    assert "pdq" not in hashes.signals() and set(hashes.signals()) == {"md5", "sha1", "sha256"}


def test_corrupt_image_is_refused_with_a_clear_message():
    data = imagegen.encode(IMAGES["photo"], "JPEG")
    with pytest.raises(CorruptImageError) as exc:
        hash_image_bytes(data[: len(data) // 3])
    assert "damaged" in exc.value.message


def test_unsupported_format_is_refused():
    buf = io.BytesIO()
    IMAGES["shapes"].save(buf, "TIFF")
    with pytest.raises(UnsupportedImageError) as exc:
        hash_image_bytes(buf.getvalue())
    assert "JPEG, PNG, GIF, WebP or BMP" in exc.value.message
    with pytest.raises(UnsupportedImageError):
        hash_image_bytes(b"%PDF-1.4 not an image")


def test_empty_file_is_refused():
    with pytest.raises(CorruptImageError):
        hash_image_bytes(b"")


def test_byte_cap(settings):
    data = imagegen.encode(IMAGES["noise"], "PNG")
    with pytest.raises(ImageTooLargeError):
        hash_image_bytes(data, max_bytes=len(data) - 1)


def test_decompression_bomb_is_refused_before_decoding():
    # A tiny PNG that claims 20000 x 20000 pixels.
    bomb = imagegen.encode(Image.new("L", (20000, 20000)), "PNG", optimize=True)
    assert len(bomb) < 2_000_000
    with pytest.raises(ImageTooLargeError) as exc:
        hash_image_bytes(bomb, max_pixels=50_000_000)
    assert "too many pixels" in exc.value.message


def test_worker_pool_hashes_a_batch_on_several_processes():
    batch = [imagegen.encode(imagegen.photo_like(s, 700, 500), "JPEG") for s in range(4)] + [b"junk"]
    with HashWorkerPool(workers=2) as pool:
        out = pool.map(batch, mode="exact")
    assert [o.hashes.pdq for o in out[:4]] == [hash_image_bytes(d).pdq for d in batch[:4]]
    assert out[4].hashes is None and out[4].error_code == "unsupported_image"


def test_nothing_is_written_to_disk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    hash_image_bytes(imagegen.encode(IMAGES["photo"], "WEBP"), dihedral=True)
    assert list(pathlib.Path(tmp_path).iterdir()) == []


def test_pixel_cap_from_settings(settings):
    settings.REPORTAL_HASH_MAX_PIXELS = 10_000
    with pytest.raises(ImageTooLargeError):
        hash_image_bytes(imagegen.encode(IMAGES["shapes"], "PNG"))  # 400 x 300
    settings.REPORTAL_HASH_MAX_PIXELS = 200_000
    assert hash_image_bytes(imagegen.encode(IMAGES["shapes"], "PNG")).width == 400


def test_fast_short_side_setting(settings, monkeypatch):
    data = imagegen.encode(imagegen.photo_like(8, 2400, 1800), "JPEG", quality=90)
    exact = hash_image_bytes(data, mode="exact").pdq
    decoded: list[tuple[int, int]] = []
    original = hashing._pixels
    monkeypatch.setattr(hashing, "_pixels", lambda image: decoded.append(image.size) or original(image))
    settings.REPORTAL_HASH_FAST_SHORT_SIDE = 1800  # no reduction: the JPEG's luminance at full size
    assert hamming_hex(hash_image_bytes(data, mode="fast").pdq, exact) <= 2
    settings.REPORTAL_HASH_FAST_SHORT_SIDE = 225  # reduced by 8 while decoding, still close
    assert hamming_hex(hash_image_bytes(data, mode="fast").pdq, exact) <= 8
    assert decoded == [(2400, 1800), (300, 225)]
