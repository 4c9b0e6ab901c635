"""In-memory hashing of image bytes: PDQ (reference `pdqhash`) with quality, and MD5, SHA-1, SHA-256 of the bytes.

Two modes:
- ``exact``: PDQ of the full decoded image, bit-identical to the reference implementation (and to
  python-threatexchange's hasher for RGB, greyscale and RGBA images);
- ``fast``: a JPEG is decoded at 1/2, 1/4 or 1/8 scale, luminance only (the JPEG's own Y plane), keeping its
  short side at 512 px or more; the reference's tent filter, summed over each decoded block, turns those block
  means into the reference's 64 x 64 buffer (reportal.hashes.pdq_linear). When that hash is fragile (many DCT
  coefficients next to the median, as in dark or flat pictures) or its quality is next to the matching threshold,
  the image is decoded again at full size and hashed exactly (unless its quality is too low ever to match). Other
  formats are decoded at full size and hashed with the same numpy code. The hash stays within a few bits of the
  exact one (bench/README_hashing.md).

Nothing is written to disk. Decoding is guarded: byte cap, pixel cap (decompression bombs), and typed errors
whose messages are translated and say what to do next.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pdqhash
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from reportal.hashes import pdq_linear

HashMode = Literal["exact", "fast"]

# Formats reportal hashes; anything else is refused with UnsupportedImageError.
SUPPORTED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP", "BMP"})
# PDQ hashes below this quality are stored but never used to match (ThreatExchange's threshold too).
PDQ_MIN_QUALITY = 50
# Fast mode decodes a JPEG reduced by 2, 4 or 8 only while its short side keeps at least this many pixels: the
# blocks then stay a quarter of the reference filter's box or less (REPORTAL_HASH_FAST_SHORT_SIDE overrides it;
# bench/README_hashing.md shows the speed/distance trade-off).
FAST_SHORT_SIDE = 512
# A fast-mode hash is fragile when FRAGILE_COUNT or more of its 256 DCT coefficients lie within FRAGILE_MARGIN of the
# median (bench/README_hashing.md: the reduced decode's error is about 0.05-0.3 on a coefficient); such an image is
# decoded again and hashed exactly. So is one whose quality could be on either side of PDQ_MIN_QUALITY (the fast
# quality is the exact one or one off: 49 and 50 are checked).
FRAGILE_MARGIN = 0.2
FRAGILE_COUNT = 10
QUALITY_GUARD = 1
# A fragile hash whose quality is under this is kept as it is: it can never match (its quality is at most one off,
# and under PDQ_MIN_QUALITY a PDQ is not used), so a second, full-size decode would buy nothing. Such pictures are
# nearly flat (dark, foggy, blank) and decode slowly when noisy: this is what keeps them fast.
FRAGILE_MIN_QUALITY = 40
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_MAX_PIXELS = 100_000_000
# Pixels decoded at full size per image. Decoding and PDQ take about 31 bytes a pixel at their peak (the RGB
# array, and pdqhash's luma computed through float64 temporaries): 9 MP stays under ~300 MB per request. A JPEG
# above it is decoded reduced (Image.draft: 1/2, 1/4, 1/8 while decoding; its PDQ hash then lies within a few
# bits of the full-size one); any other format above it is refused before a pixel is decoded
# (bench/bench_large_images.py). REPORTAL_HASH_MAX_DECODED_PIXELS overrides it.
DEFAULT_MAX_DECODED_PIXELS = 9_000_000
# Decodes at once per process (threads of a gunicorn worker share it); REPORTAL_HASH_DECODE_CONCURRENCY.
DEFAULT_DECODE_CONCURRENCY = 2
# How long a request waits for a decode slot before it is told to try again.
DECODE_WAIT_SECONDS = 20.0
# Names of the eight dihedral variants, in the order pdqhash returns them.
DIHEDRAL_NAMES = ("original", "rotate90", "rotate180", "rotate270", "flipx", "flipy", "flipplus1", "flipminus1")


class ImageHashError(Exception):
    """Base of the errors a caller can show: `message` is a translated sentence that says what to do next."""

    code = "image_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ImageTooLargeError(ImageHashError):
    code = "image_too_large"


class UnsupportedImageError(ImageHashError):
    code = "unsupported_image"


class CorruptImageError(ImageHashError):
    code = "corrupt_image"


class DecoderBusyError(ImageHashError):
    """Every decode slot of this process stayed taken for DECODE_WAIT_SECONDS: the caller should try again."""

    code = "decoder_busy"


@dataclass(frozen=True)
class ImageHashes:
    """The signals of one image, as lowercase hex strings."""

    pdq: str
    pdq_quality: int
    md5: str
    sha1: str
    sha256: str
    width: int
    height: int
    format: str
    mode: HashMode = "exact"
    dihedral: dict[str, str] = field(default_factory=dict)

    @property
    def pdq_matchable(self) -> bool:
        return self.pdq_quality >= PDQ_MIN_QUALITY

    def signals(self) -> dict[str, str]:
        """HMA-style mapping of signal type name to signal (PDQ left out when its quality is too low to match)."""
        out = {"md5": self.md5, "sha1": self.sha1, "sha256": self.sha256}
        if self.pdq_matchable:
            out = {"pdq": self.pdq, **out}
        return out


def bits_to_hex(bits: np.ndarray) -> str:
    """pdqhash's 256-element bit vector (most significant bit first) as 64 hex digits, like threatexchange."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def crypto_hashes(data: bytes) -> tuple[str, str, str]:
    # MD5 and SHA-1 identify files in shared hash lists; they protect nothing here.
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
    sha1 = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    return md5, sha1, hashlib.sha256(data).hexdigest()


def _limits(max_bytes: int | None, max_pixels: int | None) -> tuple[int, int]:
    if max_bytes is None or max_pixels is None:
        try:
            from django.conf import settings

            max_bytes = max_bytes or getattr(settings, "REPORTAL_HASH_MAX_BYTES", DEFAULT_MAX_BYTES)
            max_pixels = max_pixels or getattr(settings, "REPORTAL_HASH_MAX_PIXELS", DEFAULT_MAX_PIXELS)
        except Exception:  # settings not configured (a bare worker process): the defaults apply
            max_bytes = max_bytes or DEFAULT_MAX_BYTES
            max_pixels = max_pixels or DEFAULT_MAX_PIXELS
    return int(max_bytes), int(max_pixels)  # type: ignore[arg-type]


def _setting(name: str, default: int) -> int:
    try:
        from django.conf import settings

        return int(getattr(settings, name, 0) or default)
    except Exception:  # settings not configured (a bare worker process or the bench): the module default
        return default


def max_decoded_pixels() -> int:
    return _setting("REPORTAL_HASH_MAX_DECODED_PIXELS", DEFAULT_MAX_DECODED_PIXELS)


_decode_slots: threading.BoundedSemaphore | None = None
_decode_slots_lock = threading.Lock()


def _slots() -> threading.BoundedSemaphore:
    global _decode_slots
    with _decode_slots_lock:
        if _decode_slots is None:
            _decode_slots = threading.BoundedSemaphore(
                max(1, _setting("REPORTAL_HASH_DECODE_CONCURRENCY", DEFAULT_DECODE_CONCURRENCY))
            )
        return _decode_slots


@contextmanager
def decode_slot() -> Iterator[None]:
    """Bound the decodes running at once in this process, so a burst of large images cannot add up."""
    slots = _slots()
    if not slots.acquire(timeout=DECODE_WAIT_SECONDS):
        raise DecoderBusyError(str(_("The server is decoding other images right now. Try again in a minute.")))
    try:
        yield
    finally:
        slots.release()


def reduce_for_decoding(image: Image.Image, limit: int | None = None) -> None:
    """Keep the pixels decoded under `limit`: a JPEG decodes reduced (by 2, 4 or 8 while decoding); an image of
    another format that is too large is refused before any pixel is decoded (ImageTooLargeError)."""
    limit = limit or max_decoded_pixels()
    width, height = image.size
    if width * height <= limit:
        return
    if image.format == "JPEG":
        for scale in (2, 4, 8):
            if math.ceil(width / scale) * math.ceil(height / scale) <= limit:
                # Pillow picks the largest scale that keeps the result at least the requested size.
                image.draft("L" if image.mode == "L" else "RGB", (max(1, width // scale), max(1, height // scale)))
                return
    raise ImageTooLargeError(
        str(
            _(
                "The image is %(width)d x %(height)d pixels, more than the %(limit)d million pixels this server "
                "decodes. Send a copy with fewer pixels (a JPEG of any size is reduced for you)."
            )
        )
        % {"width": width, "height": height, "limit": max(1, limit // 1_000_000)}
    )


def open_image(data: bytes, *, max_bytes: int | None = None, max_pixels: int | None = None) -> Image.Image:
    """Open image bytes lazily after checking size, format and pixel count; raises ImageHashError subclasses."""
    max_bytes, max_pixels = _limits(max_bytes, max_pixels)
    if not data:
        raise CorruptImageError(str(_("The file is empty. Send the image file itself.")))
    if len(data) > max_bytes:
        raise ImageTooLargeError(
            str(_("The file is larger than %(limit)d MB. Send a smaller copy of the image."))
            % {"limit": max_bytes // (1024 * 1024)}
        )
    try:
        with warnings.catch_warnings():
            # Our own pixel cap below decides; Pillow's error at twice its default limit still applies.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(SUPPORTED_FORMATS))
    except UnidentifiedImageError:
        raise UnsupportedImageError(
            str(_("This is not a JPEG, PNG, GIF, WebP or BMP image. Send the image in one of those formats."))
        ) from None
    except Image.DecompressionBombError:
        raise ImageTooLargeError(
            str(_("The image has too many pixels to be decoded safely. Send a smaller copy of the image."))
        ) from None
    except (OSError, ValueError, SyntaxError):
        raise CorruptImageError(str(_("The image file is damaged and cannot be read. Send an intact copy."))) from None
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise ImageTooLargeError(
            str(_("The image has too many pixels to be decoded safely. Send a smaller copy of the image."))
        )
    return image


def _rgb_array(image: Image.Image) -> np.ndarray:
    if image.mode != "RGB":
        converted = image.convert("RGB")
        image.close()
        image = converted
    try:
        return np.asarray(image)
    finally:
        image.close()


def _load(image: Image.Image) -> None:
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError):
        raise CorruptImageError(
            str(_("The image file is damaged or cut short and cannot be read. Send an intact copy."))
        ) from None


def fast_short_side() -> int:
    try:
        from django.conf import settings

        return int(getattr(settings, "REPORTAL_HASH_FAST_SHORT_SIDE", 0) or FAST_SHORT_SIDE)
    except Exception:  # settings not configured (a bare worker process or the bench): the module default
        return FAST_SHORT_SIDE


def reduction_for(width: int, height: int, short_side: int) -> int:
    """The largest JPEG decode scale (8, 4, 2 or 1) that keeps the short side at `short_side` pixels or more."""
    scale = 8
    while scale > 1 and min(width, height) < short_side * scale:
        scale //= 2
    return scale


def _decoded_scale(image: Image.Image, width: int, height: int) -> int:
    """By how much the JPEG decoder reduced a `width` x `height` image (1 when it was not)."""
    for scale in (1, 2, 4, 8):
        if image.size == (-(-width // scale), -(-height // scale)):
            return scale
    raise CorruptImageError(str(_("The image file is damaged and cannot be read. Send an intact copy.")))


def _pixels(image: Image.Image) -> np.ndarray:
    """Luma (L) or RGB pixels, as the reference sees them (other modes through RGB, alpha dropped)."""
    if image.mode not in ("L", "RGB"):
        converted = image.convert("RGB")
        image.close()
        image = converted
    try:
        return np.asarray(image)
    finally:
        image.close()


def _source_of(image: Image.Image) -> bytes | None:
    """The bytes an unloaded image reads from, to decode it once more (None when they cannot be read again)."""
    fp = getattr(image, "fp", None)
    if isinstance(fp, io.BytesIO):
        return fp.getvalue()
    return None


def _pdq_exact_numpy(image: Image.Image, dihedral: bool) -> pdq_linear.PdqResult:
    """The full-size hash with our numpy PDQ (a JPEG over the decoded-pixel cap is still decoded reduced)."""
    width, height = image.size
    reduce_for_decoding(image)
    _load(image)
    scale = _decoded_scale(image, width, height)
    return pdq_linear.pdq_from_pixels(_pixels(image), full_size=(height, width), block=scale, dihedral=dihedral)


def _pdq_fast(image: Image.Image, *, dihedral: bool, short_side: int, source: bytes | None) -> pdq_linear.PdqResult:
    width, height = image.size
    if image.format != "JPEG" or image.mode not in ("RGB", "L"):
        return _pdq_exact_numpy(image, dihedral)
    source = source if source is not None else _source_of(image)
    scale, limit = reduction_for(width, height, short_side), max_decoded_pixels()
    while scale < 8 and -(-width // scale) * -(-height // scale) > limit:  # the decoded-pixel cap
        scale *= 2
    if -(-width // scale) * -(-height // scale) > limit:
        reduce_for_decoding(image, limit)  # too large even at 1/8: refused with its message
    # The JPEG's own luminance (Y) is the reference's luma up to rounding and the clipping of out-of-range RGB; it
    # saves decoding and converting the colour planes.
    image.draft("L", (max(1, width // scale), max(1, height // scale)))
    _load(image)
    scale = _decoded_scale(image, width, height)
    if min(width, height) < pdq_linear.MIN_HASHABLE_DIM:
        return pdq_linear.pdq_from_pixels(_pixels(image), full_size=(height, width), block=scale, dihedral=dihedral)
    with pdq_linear.one_blas_thread():
        buffer = pdq_linear.buffer64_of(_pixels(image), full_size=(height, width), block=scale)
        dct = pdq_linear.dct16(buffer)
        result = pdq_linear.pdq_from_buffer64(buffer, dihedral=dihedral, dct=dct)
        fragile = pdq_linear.near_median(dct, FRAGILE_MARGIN) >= FRAGILE_COUNT
    borderline = PDQ_MIN_QUALITY - QUALITY_GUARD <= result.quality < PDQ_MIN_QUALITY + QUALITY_GUARD
    if source is None or not (borderline or (fragile and result.quality >= FRAGILE_MIN_QUALITY)):
        return result
    return _pdq_exact_numpy(open_image(source, max_bytes=len(source), max_pixels=width * height), dihedral)


def pdq_of_image(
    image: Image.Image,
    *,
    mode: HashMode = "exact",
    dihedral: bool = False,
    short_side: int | None = None,
    source: bytes | None = None,
) -> tuple[list[str], int]:
    """PDQ hex hash(es) and quality of an opened image; with `dihedral`, all eight variants (original first).
    `source` (the image's bytes) lets fast mode decode a fragile image once more at full size."""
    if mode == "fast":
        result = _pdq_fast(image, dihedral=dihedral, short_side=short_side or fast_short_side(), source=source)
        image.close()
        return result.hashes, result.quality
    reduce_for_decoding(image)
    _load(image)
    array = _rgb_array(image)
    image.close()  # PDQ reads the array: free the decoder's copy (4 bytes a pixel) before its float buffers
    if dihedral:
        vectors, quality = pdqhash.compute_dihedral(array)
        return [bits_to_hex(v) for v in vectors], int(quality)
    vector, quality = pdqhash.compute(array)
    return [bits_to_hex(vector)], int(quality)


def hash_image_bytes(
    data: bytes,
    *,
    mode: HashMode = "exact",
    dihedral: bool = False,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    short_side: int | None = None,
) -> ImageHashes:
    """All signals of one image's bytes, in memory. Raises ImageHashError subclasses for bad input."""
    image = open_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    fmt = image.format or ""
    width, height = image.size
    try:
        with decode_slot():
            hexes, quality = pdq_of_image(
                image, mode=mode, dihedral=dihedral, short_side=short_side, source=data if mode == "fast" else None
            )
    finally:
        image.close()
    md5, sha1, sha256 = crypto_hashes(data)
    return ImageHashes(
        pdq=hexes[0],
        pdq_quality=quality,
        md5=md5,
        sha1=sha1,
        sha256=sha256,
        width=width,
        height=height,
        format=fmt,
        mode=mode,
        dihedral=dict(zip(DIHEDRAL_NAMES, hexes, strict=True)) if dihedral else {},
    )


@dataclass(frozen=True)
class HashOutcome:
    """One entry of a batch: the hashes, or the error code and message for that image."""

    hashes: ImageHashes | None
    error_code: str = ""
    error: str = ""


def _hash_one(args: tuple[bytes, HashMode, bool, int, int, int]) -> HashOutcome:
    data, mode, dihedral, max_bytes, max_pixels, short_side = args
    try:
        return HashOutcome(
            hash_image_bytes(
                data, mode=mode, dihedral=dihedral, max_bytes=max_bytes, max_pixels=max_pixels, short_side=short_side
            )
        )
    except ImageHashError as exc:
        return HashOutcome(None, exc.code, exc.message)


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class HashWorkerPool:
    """Hashes batches on every core: pdqhash keeps the GIL while it runs, so the workers are processes."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> HashWorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def map(
        self, images: Iterable[bytes], *, mode: HashMode = "fast", dihedral: bool = False, chunksize: int = 4
    ) -> list[HashOutcome]:
        max_bytes, max_pixels = _limits(None, None)
        side = fast_short_side()  # read here: a worker process may not have the settings
        jobs = [(data, mode, dihedral, max_bytes, max_pixels, side) for data in images]
        if self.workers <= 1 or len(jobs) <= 1:
            return [_hash_one(job) for job in jobs]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
        return list(self._pool.map(_hash_one, jobs, chunksize=chunksize))


def hash_many(images: Sequence[bytes], *, mode: HashMode = "fast", workers: int | None = None) -> list[HashOutcome]:
    """Hash a batch on all cores (a pool per call; keep a HashWorkerPool for repeated batches)."""
    with HashWorkerPool(workers) as pool:
        return pool.map(images, mode=mode)
