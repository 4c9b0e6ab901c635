"""Fast-mode PDQ against the reference implementation (pdqhash on the full decoded image), on drawn images.

The numpy PDQ (reportal.hashes.pdq_linear) must give the reference's bits and quality at full size; fast mode
(JPEG decoded reduced, luminance only, exact fallback for fragile hashes) must stay within distance 8 of the
reference on every kind of picture the bench draws: scenes, grain, text-heavy screens, dim noisy scenes, heavy JPEG.
"""

from __future__ import annotations

import io

import numpy as np
import pdqhash
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from reportal.hashes import hashing, pdq_linear
from reportal.hashes.hashing import DIHEDRAL_NAMES, bits_to_hex, hash_image_bytes, reduction_for
from reportal.hashes.signals import hamming_hex
from tests.hashes import imagegen

WITHIN = 8


def reference(data: bytes) -> tuple[str, int]:
    """pdqhash on the full decoded RGB image, as python-threatexchange's hasher calls it."""
    vector, quality = pdqhash.compute(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    return bits_to_hex(vector), int(quality)


def jpeg(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def scene(rng: np.random.Generator, width: int, height: int, grain: bool = False) -> np.ndarray:
    """Smooth noise at three scales of the picture, plus shapes; with `grain`, fine noise as a sensor gives."""
    acc = np.zeros((height, width, 3), np.float32)
    long_side = max(width, height)
    octaves = [(max(8, long_side // 8), 1.0), (max(4, long_side // 40), 0.5), (max(3, long_side // 160), 0.25)]
    for cell, amp in octaves + ([(6, 0.15)] if grain else []):
        small = (rng.random((height // cell + 2, width // cell + 2, 3)) * 255).astype(np.uint8)
        acc += amp * np.asarray(Image.fromarray(small).resize((width, height), Image.BILINEAR), np.float32)
    image = Image.fromarray((acc * 255 / acc.max()).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(3, 10))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(long_side // 30, long_side // 4))
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x0 + size, y0 + size // 2], fill=colour)
    return np.asarray(image)


def screen(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A text-heavy screen: a coloured bar, then cards of text lines on a light or dark background."""
    dark = rng.random() < 0.4
    image = Image.new("RGB", (width, height), (24, 26, 30) if dark else (246, 246, 250))
    draw = ImageDraw.Draw(image)
    text_px = max(9, width // 60)
    font = ImageFont.load_default(size=text_px)
    draw.rectangle([0, 0, width, text_px * 3], fill=tuple(int(v) for v in rng.integers(30, 220, 3)))
    words = "report hotline analyst bank match hash review queue video notice partner takedown status".split()
    y = text_px * 4
    while y < height - text_px * 2:
        line = " ".join(str(w) for w in rng.choice(words, int(rng.integers(3, 12))))
        draw.text((text_px, y), line, fill=(220, 220, 220) if dark else (20, 20, 24), font=font)
        y += int(text_px * rng.uniform(1.4, 2.6))
    return np.asarray(image)


def dim(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A dim scene under per-pixel night noise."""
    pixels = scene(rng, width, height).astype(np.float32) * rng.uniform(0.08, 0.35)
    pixels += rng.normal(0, rng.uniform(3, 10), (height, width, 1))
    return np.clip(pixels, 0, 255).astype(np.uint8)


KINDS = {
    "scene": (scene, (70, 95)),
    "grain": (lambda rng, w, h: scene(rng, w, h, grain=True), (70, 95)),
    "screen": (screen, (60, 93)),
    "dim": (dim, (70, 93)),
    "heavy": (scene, (10, 21)),
}


@st.composite
def drawn_jpegs(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(sorted(KINDS)))
    seed = draw(st.integers(0, 2**32 - 1))
    long_side = draw(st.integers(300, 2600))
    aspect = draw(st.sampled_from([1.0, 4 / 3, 3 / 2, 16 / 9, 9 / 16, 3 / 4]))
    width, height = (long_side, int(long_side / aspect)) if aspect >= 1 else (int(long_side * aspect), long_side)
    make, (q_low, q_high) = KINDS[kind]
    rng = np.random.default_rng(seed)
    return kind, jpeg(Image.fromarray(make(rng, width, height)), int(rng.integers(q_low, q_high)))


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn_jpegs())
def test_fast_mode_stays_within_8_of_the_reference(drawn):
    kind, data = drawn
    expected, quality = reference(data)
    fast = hash_image_bytes(data, mode="fast")
    assert hamming_hex(fast.pdq, expected) <= WITHIN, kind
    # The fast quality is the reference's or one off, and never on the wrong side of the matching threshold.
    assert abs(fast.pdq_quality - quality) <= 1
    assert (fast.pdq_quality >= hashing.PDQ_MIN_QUALITY) == (quality >= hashing.PDQ_MIN_QUALITY)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_of_picture_at_photo_sizes(kind):
    """Larger pictures than the property test draws, where the decoder reduces by 4 or 8."""
    make, (q_low, _q_high) = KINDS[kind]
    rng = np.random.default_rng(sorted(KINDS).index(kind))
    for width, height in ((3400, 2300), (1600, 2900)):
        data = jpeg(Image.fromarray(make(rng, width, height)), q_low)
        assert hamming_hex(hash_image_bytes(data, mode="fast").pdq, reference(data)[0]) <= WITHIN


@pytest.mark.parametrize(
    "name, image",
    [
        ("photo", imagegen.photo_like(3)),
        ("shapes", imagegen.shapes(1, 901, 333)),
        ("noise", imagegen.noise(2, 130, 257)),
        ("64x64", imagegen.shapes(3, 64, 64)),
        ("tiny", imagegen.photo_like(5, 40, 70)),
        ("large", imagegen.photo_like(6, 2500, 1700)),
    ],
)
def test_numpy_pdq_gives_the_reference_bits_and_quality(name, image):
    # (A pure gradient is left out: its DCT has exact ties at the median, which float rounding breaks either way.)
    rgb = np.asarray(image.convert("RGB"))
    vectors, quality = pdqhash.compute_dihedral(rgb)
    ours = pdq_linear.pdq_from_pixels(rgb, dihedral=True)
    assert ours.hashes == [bits_to_hex(v) for v in vectors]
    assert ours.quality == quality


def test_jarosz_rows_are_weighted_means_over_the_right_pixels():
    for length in (5, 64, 100, 777, 4000):
        rows = pdq_linear.jarosz_matrix(length)
        assert rows.shape == (64, length)
        assert np.allclose(rows.sum(axis=1), 1.0, atol=1e-5) and (rows >= 0).all()
        # Row i is centred on the pixel the reference samples: int((i + 0.5) * length / 64).
        centres = (rows * np.arange(length)).sum(axis=1)
        expected = ((np.arange(64) + 0.5) * length / 64).astype(int)
        interior = slice(2, 62)  # the box shrinks at the edges, which moves the first and last centres
        assert np.abs(centres[interior] - expected[interior]).max() <= 1.0
        for block in (2, 4, 8):
            blocks = pdq_linear.jarosz_matrix(length, block)
            assert blocks.shape == (64, -(-length // block))
            assert np.allclose(blocks.sum(axis=1), 1.0, atol=1e-5)


def test_block_weights_on_block_means_equal_full_weights_on_constant_blocks():
    """When every block x block square is flat, the block path is exact: the reduction loses nothing."""
    rng = np.random.default_rng(4)
    means = rng.integers(0, 256, (96, 160)).astype(np.uint8)
    full = np.repeat(np.repeat(means, 8, axis=0), 8, axis=1)
    exact = pdq_linear.pdq_from_pixels(full)
    reduced = pdq_linear.pdq_from_pixels(means, full_size=full.shape, block=8)
    assert reduced.pdq == exact.pdq and reduced.quality == exact.quality


def test_reduction_keeps_the_short_side():
    assert reduction_for(640, 480, 512) == 1
    assert reduction_for(4000, 3000, 512) == 4
    assert reduction_for(4200, 4100, 512) == 8
    assert reduction_for(4000, 3000, 256) == 8
    assert reduction_for(1100, 2000, 512) == 2


def dim_noisy_jpeg() -> bytes:
    rng = np.random.default_rng(11)
    pixels = np.clip(scene(rng, 2400, 1800).astype(np.float32) * 0.06 + rng.normal(0, 6, (1800, 2400, 1)), 0, 255)
    return jpeg(Image.fromarray(pixels.astype(np.uint8)), 85)


def test_fragile_hash_is_redone_exactly_when_it_could_match(monkeypatch):
    """A dim, noisy picture has many DCT coefficients next to the median: fast mode hashes it again at full size,
    unless its quality is too low for it ever to match (then its close hash is kept)."""
    data = dim_noisy_jpeg()
    scale = reduction_for(2400, 1800, hashing.FAST_SHORT_SIDE)
    image = Image.open(io.BytesIO(data))
    image.draft("L", (2400 // scale, 1800 // scale))
    buffer = pdq_linear.buffer64_of(np.asarray(image), full_size=(1800, 2400), block=scale)
    assert pdq_linear.near_median(pdq_linear.dct16(buffer), hashing.FRAGILE_MARGIN) >= hashing.FRAGILE_COUNT
    expected, quality = reference(data)
    assert quality < hashing.FRAGILE_MIN_QUALITY
    kept = hash_image_bytes(data, mode="fast")
    assert hamming_hex(kept.pdq, expected) <= WITHIN and not kept.pdq_matchable
    monkeypatch.setattr(hashing, "FRAGILE_MIN_QUALITY", 0)
    redone = hash_image_bytes(data, mode="fast")
    assert (redone.pdq, redone.pdq_quality) == (expected, quality)
    # Callers that pass only an opened image (no `source`) get the same: the bytes are read from the image.
    hexes, pdq_quality = hashing.pdq_of_image(Image.open(io.BytesIO(data)), mode="fast")
    assert (hexes[0], pdq_quality) == (expected, quality)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF", "BMP"])
def test_other_formats_are_hashed_at_full_size_in_fast_mode(fmt):
    data = imagegen.encode(imagegen.photo_like(9, 900, 700), fmt)
    assert hamming_hex(hash_image_bytes(data, mode="fast").pdq, reference(data)[0]) <= 2


def test_fast_dihedral_variants_follow_the_reference():
    data = jpeg(imagegen.photo_like(12, 2600, 1900), 88)
    vectors, _quality = pdqhash.compute_dihedral(np.asarray(Image.open(io.BytesIO(data)).convert("RGB")))
    fast = hash_image_bytes(data, mode="fast", dihedral=True)
    for name, vector in zip(DIHEDRAL_NAMES, vectors, strict=True):
        assert hamming_hex(fast.dihedral[name], bits_to_hex(vector)) <= WITHIN, name


def test_large_jpeg_over_the_decoded_pixel_cap_is_reduced_not_refused(settings):
    settings.REPORTAL_HASH_MAX_DECODED_PIXELS = 1_000_000
    data = jpeg(imagegen.photo_like(13, 2400, 1800), 90)
    fast = hash_image_bytes(data, mode="fast")
    assert hamming_hex(fast.pdq, reference(data)[0]) <= WITHIN


def test_damaged_jpeg_is_refused_in_fast_mode_too():
    data = jpeg(imagegen.photo_like(14, 2400, 1600), 90)
    with pytest.raises(hashing.CorruptImageError):
        hash_image_bytes(data[: len(data) // 3], mode="fast")


def test_greyscale_and_cmyk_jpegs_in_fast_mode():
    photo = imagegen.photo_like(15, 2200, 1500)
    for image in (photo.convert("L"), photo.convert("CMYK")):
        data = jpeg(image, 90)
        assert hamming_hex(hash_image_bytes(data, mode="fast").pdq, reference(data)[0]) <= WITHIN, image.mode
