"""PDQ from luminance with numpy, following the reference (facebook/ThreatExchange pdq/cpp) step by step.

The reference blurs the full-resolution luminance with two passes of a Jarosz box filter along each axis (a tent),
keeps 64 x 64 samples of it, takes 16 x 16 DCT coefficients and sets a bit where a coefficient exceeds their
median. Blurring and sampling are linear and separable, so the 64 x 64 buffer is ``R @ luma @ C.T`` with two
64-row matrices that depend only on the image's height and width (`jarosz_matrix`): the same numbers as the
reference, from a few matrix products instead of four passes over every pixel.

A JPEG decoded at 1/2, 1/4 or 1/8 scale (libjpeg's reduced IDCT) gives the mean of each 2x2, 4x4 or 8x8 block of
the full-size picture. Summing the reference's weights over each block and applying them to those means leaves
only the error of a weight that varies inside a block (`jarosz_matrix(..., block=s)`); the blocks are kept small
against the filter's window (see reportal.hashes.hashing.reduction_for), which keeps the hash within a few bits
of the full-size one (bench/README_hashing.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

# The reference's luma weights, applied to R, G, B as floats.
LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114], dtype=np.float32)
# Rows of a 64-row product taken at once when the input is large: bounds the float copy made of the pixels.
_BAND_PIXELS = 1 << 20
# The reference hashes nothing smaller than this on either side (hash of zeros, quality 0).
MIN_HASHABLE_DIM = 5


_blas: ThreadpoolController | None = None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run numpy's matrix products on this thread only. BLAS would spread each small product over every core, which
    costs more than it gains here and fights the other workers (one process or thread per core) for the cores."""
    global _blas
    if _blas is None:
        _blas = ThreadpoolController()
    with _blas.limit(limits=1, user_api="blas"):
        yield


def jarosz_window(length: int) -> int:
    """The reference's box width for a side of `length` pixels reduced to 64: ceil(length / 128)."""
    return (length + 2 * 64 - 1) // (2 * 64)


@lru_cache(maxsize=512)
def jarosz_matrix(length: int, block: int = 1) -> np.ndarray:
    """64 x ceil(length / block) weights: row i gives sample i of the reference's two box passes and decimation
    along a side of `length` pixels, with the weights of each run of `block` pixels summed (for block means)."""
    full = jarosz_window(length)
    half = (full + 2) // 2
    idx = np.arange(length)
    # Box window of output j: [j - (full - half), j + half - 1], clipped to the side; the mean over what remains.
    lo = np.maximum(idx - (full - half), 0)
    hi = np.minimum(idx + half - 1, length - 1)
    inv = 1.0 / (hi - lo + 1)
    centres = (((np.arange(64) + 0.5) * length) / 64).astype(np.int64)
    # Second pass at each centre c averages first-pass outputs j in window(c); each spreads 1/|window(j)| over
    # window(j). Accumulate those ranges as +v at lo[j] and -v at hi[j] + 1, then a running sum.
    rows, js = [], []
    for i, c in enumerate(centres):
        span = np.arange(lo[c], hi[c] + 1)
        rows.append(np.full(span.size, i))
        js.append(span)
    row = np.concatenate(rows)
    j = np.concatenate(js)
    value = inv[centres][row] * inv[j]
    diff = np.zeros((64, length + 1))
    np.add.at(diff, (row, lo[j]), value)
    np.add.at(diff, (row, hi[j] + 1), -value)
    weights = np.cumsum(diff[:, :length], axis=1)
    # The running sum leaves rounding residue where the weights should be exactly zero: clear outside the support.
    outside = (idx[None, :] < lo[lo[centres]][:, None]) | (idx[None, :] > hi[hi[centres]][:, None])
    weights[outside] = 0.0
    if block > 1:
        blocks = -(-length // block)
        padded = np.zeros((64, blocks * block))
        padded[:, :length] = weights
        weights = padded.reshape(64, blocks, block).sum(axis=2)
    out = weights.astype(np.float32)
    out.setflags(write=False)
    return out


def _row_span(weights: np.ndarray) -> list[tuple[int, int]]:
    nonzero = weights != 0
    first = nonzero.argmax(axis=1)
    last = weights.shape[1] - nonzero[:, ::-1].argmax(axis=1)
    return list(zip(first.tolist(), last.tolist(), strict=True))


def downsample_64(pixels: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """rows @ luma @ cols.T for a 2-D luma or an H x W x 3 RGB array (luma taken after the column product,
    which is the same linear map), without a full-size float copy of a large input."""
    height, width = pixels.shape[:2]
    rgb = pixels.ndim == 3
    flat = pixels.reshape(height, -1) if rgb else pixels
    if height * width <= _BAND_PIXELS:
        partial = rows @ flat.astype(np.float32, copy=False)
    else:
        # Each of the 64 rows weighs a band of about height / 64 input rows: one band in float at a time.
        partial = np.empty((64, flat.shape[1]), np.float32)
        for i, (start, stop) in enumerate(_row_span(rows)):
            partial[i] = rows[i, start:stop] @ flat[start:stop].astype(np.float32)
    if rgb:
        partial = partial.reshape(64, width, pixels.shape[2])[:, :, :3] @ LUMA_WEIGHTS
    return partial @ cols.T


@lru_cache(maxsize=1)
def _dct_matrix() -> np.ndarray:
    i = np.arange(1, 17, dtype=np.float64)[:, None]
    j = np.arange(64, dtype=np.float64)[None, :]
    return (np.sqrt(2.0 / 64) * np.cos((np.pi / 2.0 / 64) * i * (2 * j + 1))).astype(np.float32)


def quality_of(buffer64: np.ndarray) -> int:
    """The reference's image-domain quality: quantised gradients summed, scaled, capped at 100."""
    b = buffer64.astype(np.float32, copy=False)
    scale = np.float32(100)
    down = np.trunc((b[:-1, :] - b[1:, :]) * scale / np.float32(255))
    across = np.trunc((b[:, :-1] - b[:, 1:]) * scale / np.float32(255))
    return min(100, int(np.abs(down).sum() + np.abs(across).sum()) // 90)


def _bits_hex(dct: np.ndarray) -> str:
    flat = dct.reshape(-1)
    median = np.partition(flat, 127)[127]  # the reference's Torben median of 256 values: the 128th smallest
    # Bit k (row-major i * 16 + j) of the 256-bit number; hex is most significant first, as threatexchange writes it.
    return np.packbits((flat > median)[::-1]).tobytes().hex()


# Sign patterns and transposes that turn the original's DCT into that of each dihedral variant (reference order).
_ODD_I = (np.arange(16)[:, None] % 2 == 1) & np.ones((16, 16), bool)
_ODD_J = (np.arange(16)[None, :] % 2 == 1) & np.ones((16, 16), bool)
_ODD_IJ = _ODD_I ^ _ODD_J


def _dihedral_dcts(a: np.ndarray) -> list[np.ndarray]:
    return [
        a,
        np.where(_ODD_J, a, -a).T,  # rotate90
        np.where(_ODD_IJ, -a, a),  # rotate180
        np.where(_ODD_I, a, -a).T,  # rotate270
        np.where(_ODD_I, a, -a),  # flipx
        np.where(_ODD_J, a, -a),  # flipy
        a.T,  # flipplus1
        np.where(_ODD_IJ, -a, a).T,  # flipminus1
    ]


@dataclass(frozen=True)
class PdqResult:
    """Hex hash (and with dihedral, all eight variants, original first) and quality."""

    hashes: list[str]
    quality: int

    @property
    def pdq(self) -> str:
        return self.hashes[0]


def dct16(buffer64: np.ndarray) -> np.ndarray:
    """The reference's 16 x 16 DCT coefficients (frequencies 1-16 on both axes) of the 64 x 64 buffer."""
    d = _dct_matrix()
    return d @ buffer64.astype(np.float32, copy=False) @ d.T


def near_median(dct: np.ndarray, margin: float) -> int:
    """How many coefficients lie within `margin` of the threshold between the 128 that set a bit and the 128 that
    do not. An error under margin / 2 on every coefficient can only swap bits among these: a hash with few of
    them stays close to the exact one whatever small error its input had."""
    flat = np.sort(dct.reshape(-1))
    threshold = (flat[127] + flat[128]) / 2
    return int(np.count_nonzero(np.abs(flat - threshold) < margin))


def pdq_from_buffer64(buffer64: np.ndarray, *, dihedral: bool = False, dct: np.ndarray | None = None) -> PdqResult:
    """Hash and quality of the reference's 64 x 64 blurred and decimated luminance."""
    coefficients = dct16(buffer64) if dct is None else dct
    dcts = _dihedral_dcts(coefficients) if dihedral else [coefficients]
    return PdqResult([_bits_hex(x) for x in dcts], quality_of(buffer64))


def buffer64_of(pixels: np.ndarray, *, full_size: tuple[int, int] | None = None, block: int = 1) -> np.ndarray:
    """The reference's 64 x 64 buffer from luma (H x W) or RGB(A) (H x W x 3|4) pixels; with `block` > 1 the
    pixels are the means of block x block squares of a picture whose (height, width) is `full_size`."""
    height, width = full_size or pixels.shape[:2]
    rows, cols = jarosz_matrix(height, block), jarosz_matrix(width, block)
    if rows.shape[1] != pixels.shape[0] or cols.shape[1] != pixels.shape[1]:
        raise ValueError(f"{pixels.shape[:2]} is not {height} x {width} reduced by {block}")
    return downsample_64(pixels, rows, cols)


def pdq_from_pixels(
    pixels: np.ndarray,
    *,
    full_size: tuple[int, int] | None = None,
    block: int = 1,
    dihedral: bool = False,
) -> PdqResult:
    """PDQ of a luma (H x W) or RGB(A) (H x W x 3|4) uint8 or float array (see buffer64_of for `block`)."""
    height, width = full_size or pixels.shape[:2]
    if height < MIN_HASHABLE_DIM or width < MIN_HASHABLE_DIM:
        return PdqResult(["0" * 64] * (8 if dihedral else 1), 0)
    with one_blas_thread():
        return pdq_from_buffer64(buffer64_of(pixels, full_size=full_size, block=block), dihedral=dihedral)
