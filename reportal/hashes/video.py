"""In-memory hashing of video bytes: vPDQ (PDQ of one frame a second) as ThreatExchange's `vpdq` signal type,
MD5 and SHA-256 of the bytes, and a blurred greyscale contact sheet as the safe preview.

Decoding is PyAV's (its wheels carry FFmpeg, so nothing is needed from the system); frames are chosen exactly as
the reference `vpdq` does (every int(fps)-th decoded frame, timestamp = frame number / fps in single precision),
converted to RGB with the same swscale method and hashed at full size with the same PDQ code as images in exact
mode, so our frame hashes are bit-identical to the reference's (tests/hashes/test_video_hashing.py checks it).

Nothing is written to disk: the container is read from a BytesIO. Only the demuxers of common video files are
allowed (FFmpeg's playlist demuxers, HLS and concat, would open other addresses or files); bytes, duration,
frame size and the frames and pixels decoded are capped, and videos decode in slots of their own.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pdqhash
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageFilter

from reportal.hashes.hashing import (
    CorruptImageError,
    DecoderBusyError,
    ImageTooLargeError,
    UnsupportedImageError,
    bits_to_hex,
    max_decoded_pixels,
)

VPDQ = "vpdq"
# HMA's and python-threatexchange's vPDQ defaults (threatexchange/extensions/vpdq/vpdq_util.py).
VPDQ_QUALITY_THRESHOLD = 50
VPDQ_DISTANCE_THRESHOLD = 31
VPDQ_QUERY_MATCH_THRESHOLD_PERCENT = 80.0
VPDQ_INDEX_MATCH_THRESHOLD_PERCENT = 0.0
SECONDS_PER_HASH = 1.0
# threatexchange writes timestamps with `f"{t:.3}"` (three significant digits, so 123.0 is "1.23e+02").
_TIMESTAMP_FORMAT = ".3"
PDQ_HEX_LENGTH = 64

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_SECONDS = 1800.0
# Frames and pixels decoded (not only hashed) per video: bound the work whatever frame rate a file declares.
# The pixels are 30 minutes of 720p at 30 fps (about 2.5 minutes of one core, bench/README_video.md).
DEFAULT_MAX_DECODED_FRAMES = 200_000
DEFAULT_MAX_DECODED_VIDEO_PIXELS = 1800 * 30 * 1280 * 720
# Videos decoded at once per process; apart from the image decoders' slots, so a long video never holds up images.
DEFAULT_VIDEO_DECODE_CONCURRENCY = 1
# Demuxers allowed to read reported bytes: common video files only, nothing that opens other files or addresses.
ALLOWED_DEMUXERS = ("mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi", "flv", "mpegts", "ogg")
# How long a request waits for a video decode slot before it is told to try again.
VIDEO_WAIT_SECONDS = 30.0
CONTACT_SHEET_FRAMES = 6
CONTACT_SHEET_COLUMNS = 3
CONTACT_SHEET_TILE_WIDTH = 160
CONTACT_SHEET_BLUR_RADIUS = 6
# Decoding for the preview stops after this many seconds of video (or key frames) and thumbnails.
CONTACT_SHEET_MAX_SECONDS = 600.0
CONTACT_SHEET_MAX_TILES = 600


class VideoHashError(CorruptImageError):
    """A video that cannot be hashed; `message` is a translated sentence that says what to do next.

    A subclass of the image errors (hashing.ImageHashError), so callers that show image errors show these too.
    """

    code = "corrupt_video"


class VideoTooLargeError(ImageTooLargeError):
    code = "video_too_large"


class UnsupportedVideoError(UnsupportedImageError):
    code = "unsupported_video"


@dataclass(frozen=True)
class VpdqFrame:
    """One hashed frame: ThreatExchange's VpdqCompactFeature (pdq_hex, quality, timestamp)."""

    pdq_hex: str
    quality: int
    timestamp_s: float

    def __str__(self) -> str:
        """threatexchange's serialisation of one feature: `<pdq hex>,<quality>,<timestamp>`."""
        return f"{self.pdq_hex},{self.quality},{self.timestamp_s:{_TIMESTAMP_FORMAT}}"


@dataclass(frozen=True)
class VideoHashes:
    """The signals of one video: vPDQ frames at one a second, MD5 and SHA-256 of the bytes, and its shape."""

    md5: str
    sha256: str
    duration_s: float
    width: int
    height: int
    frames: list[VpdqFrame] = field(default_factory=list)
    # True when the video ran past the duration cap and only its beginning was hashed.
    truncated: bool = False

    @property
    def vpdq(self) -> str:
        """The vPDQ signal string (threatexchange's `vpdq` signal type)."""
        return vpdq_to_signal(self.frames)

    @property
    def matchable_frames(self) -> list[VpdqFrame]:
        """Distinct frames good enough to match (quality at or above 50), as threatexchange filters them."""
        return prepare_frames(self.frames)

    @property
    def vpdq_matchable(self) -> bool:
        return bool(self.matchable_frames)

    def signals(self) -> dict[str, str]:
        """HMA-style signal type name to signal (vPDQ left out when no frame is good enough to match)."""
        out = {"md5": self.md5, "sha256": self.sha256}
        if self.vpdq_matchable:
            out = {VPDQ: self.vpdq, **out}
        return out


# --- the signal string --------------------------------------------------------------------------------------


def vpdq_to_signal(frames: list[VpdqFrame]) -> str:
    """threatexchange's vpdq_to_json: a JSON list of `<pdq hex>,<quality>,<timestamp>` strings."""
    return json.dumps([str(_checked(f)) for f in frames])


def parse_vpdq_signal(signal: str) -> list[VpdqFrame]:
    """The inverse of vpdq_to_signal (threatexchange's json_to_vpdq); ValueError for anything malformed."""
    try:
        items = json.loads(signal or "[]")
    except (json.JSONDecodeError, RecursionError):
        raise ValueError("a vpdq signal is a JSON list of 'hash,quality,timestamp' strings") from None
    if not isinstance(items, list):
        raise ValueError("a vpdq signal is a JSON list of 'hash,quality,timestamp' strings")
    frames = []
    for item in items:
        if not isinstance(item, str):
            raise ValueError("a vpdq frame is a 'hash,quality,timestamp' string")
        parts = item.split(",")
        if len(parts) != 3:
            raise ValueError(f"invalid vpdq frame: {item[:100]}")
        pdq_hex, quality, timestamp = parts
        try:
            frame = VpdqFrame(pdq_hex.lower(), int(quality), float(timestamp))
        except ValueError:
            raise ValueError(f"invalid vpdq frame: {item[:100]}") from None
        frames.append(_checked(frame))
    return frames


def _checked(frame: VpdqFrame) -> VpdqFrame:
    if len(frame.pdq_hex) != PDQ_HEX_LENGTH or not all(c in "0123456789abcdef" for c in frame.pdq_hex.lower()):
        raise ValueError("malformed pdq hash in a vpdq frame")
    if not 0 <= frame.quality <= 100:
        raise ValueError("invalid vpdq quality")
    if not math.isfinite(frame.timestamp_s) or frame.timestamp_s < 0:
        raise ValueError("invalid vpdq timestamp")
    return frame


def prepare_frames(frames: list[VpdqFrame], quality_threshold: int = VPDQ_QUALITY_THRESHOLD) -> list[VpdqFrame]:
    """Frames as threatexchange matches them: good enough (quality >= threshold) and one per distinct hash."""
    seen: set[str] = set()
    out = []
    for frame in frames:
        if frame.quality >= quality_threshold and frame.pdq_hex not in seen:
            seen.add(frame.pdq_hex)
            out.append(frame)
    return out


# --- decoding -----------------------------------------------------------------------------------------------


def _setting(name: str, default: float) -> float:
    try:
        from django.conf import settings

        return float(getattr(settings, name, 0) or default)
    except Exception:  # settings not configured (a bare worker process or the bench): the module default
        return default


def max_video_bytes() -> int:
    return int(_setting("REPORTAL_VIDEO_MAX_BYTES", DEFAULT_MAX_BYTES))


def max_video_seconds() -> float:
    return _setting("REPORTAL_VIDEO_MAX_SECONDS", DEFAULT_MAX_SECONDS)


def max_decoded_video_pixels() -> int:
    return int(_setting("REPORTAL_VIDEO_MAX_DECODED_PIXELS", DEFAULT_MAX_DECODED_VIDEO_PIXELS))


_video_slots: threading.BoundedSemaphore | None = None
_video_slots_lock = threading.Lock()


@contextmanager
def video_decode_slot() -> Iterator[None]:
    """Bound the videos decoding at once in this process (REPORTAL_VIDEO_DECODE_CONCURRENCY); DecoderBusyError
    (503 with Retry-After on the API) when none frees up in time."""
    global _video_slots
    with _video_slots_lock:
        if _video_slots is None:
            _video_slots = threading.BoundedSemaphore(
                max(1, int(_setting("REPORTAL_VIDEO_DECODE_CONCURRENCY", DEFAULT_VIDEO_DECODE_CONCURRENCY)))
            )
        slots = _video_slots
    if not slots.acquire(timeout=VIDEO_WAIT_SECONDS):
        raise DecoderBusyError(str(_("The server is decoding other videos right now. Try again in a few minutes.")))
    try:
        yield
    finally:
        slots.release()


def _open(data: bytes) -> Any:
    """The container of video bytes, read from memory; raises the video errors for anything else."""
    import av

    limit = max_video_bytes()
    if not data:
        raise VideoHashError(str(_("The file is empty. Send the video file itself.")))
    if len(data) > limit:
        raise VideoTooLargeError(
            str(_("The video is larger than %(limit)d MB. Send a shorter or smaller copy."))
            % {"limit": limit // (1024 * 1024)}
        )
    try:
        container = av.open(
            io.BytesIO(data),
            mode="r",
            options={"format_whitelist": ",".join(ALLOWED_DEMUXERS), "protocol_whitelist": "pipe"},
            timeout=None,
        )
    except (av.FFmpegError, ValueError, OSError):
        raise UnsupportedVideoError(
            str(_("This is not a video file reportal can read. Send an MP4, WebM, Matroska, AVI, FLV or MPEG-TS file."))
        ) from None
    if not container.streams.video:
        container.close()
        raise UnsupportedVideoError(str(_("The file holds no video track. Send a file with a video in it.")))
    return container


def _set_threads(stream: Any) -> None:
    # One core per decode by default, so the decode slots bound the cores videos take; the frames and their
    # order are the same with any number of threads.
    try:
        from django.conf import settings

        threads = int(getattr(settings, "REPORTAL_VIDEO_DECODE_THREADS", 1))
    except Exception:  # settings not configured (a bare worker process or the bench): one thread
        threads = 1
    stream.codec_context.thread_count = threads
    if threads != 1:
        stream.codec_context.thread_type = "AUTO"


def _frame_rate(stream: Any) -> float:
    # The reference takes the average frame rate, or the real base frame rate when the container has none.
    for rate in (stream.average_rate, stream.base_rate, stream.guessed_rate):
        if rate and rate.numerator and rate.denominator:
            return float(rate.numerator) / float(rate.denominator)
    raise VideoHashError(str(_("The video has no frame rate and cannot be read. Send an intact copy.")))


def _duration(container: Any, stream: Any) -> float:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return float(container.duration) / 1_000_000.0
    return 0.0


def _check_size(width: int, height: int) -> None:
    if width <= 0 or height <= 0:
        raise VideoHashError(str(_("The video has no picture size and cannot be read. Send an intact copy.")))
    limit = max_decoded_pixels()
    if width * height > limit:
        raise VideoTooLargeError(
            str(
                _(
                    "The video is %(width)d x %(height)d pixels, more than the %(limit)d million pixels a frame "
                    "this server decodes. Send a copy with a smaller picture."
                )
            )
            % {"width": width, "height": height, "limit": max(1, limit // 1_000_000)}
        )


class _Sampler:
    """Every frame the reference hashes, (frame number, frame): every int(fps * 1 s)-th decoded frame, until the
    end, the duration cap or the decoding budget. `cut_short` says whether a cap ended it.

    A stream that breaks after its first frame ends there (the frames before it are hashed); one that breaks
    before any frame is a VideoHashError.
    """

    def __init__(self, container: Any, stream: Any, fps: float, max_seconds: float) -> None:
        self.container, self.stream, self.fps, self.max_seconds = container, stream, fps, max_seconds
        self.cut_short = False
        self.decoded = 0

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        import av

        every = max(1, int(SECONDS_PER_HASH * self.fps))
        # Decoding cost bounds: frames and pixels, whatever frame rate the file declares.
        pixel_budget = max_decoded_video_pixels()
        frames = self.container.decode(self.stream)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                return
            except (av.FFmpegError, ValueError):
                if self.decoded == 0:
                    raise VideoHashError(
                        str(_("The video file is damaged and cannot be read. Send an intact copy."))
                    ) from None
                return
            number = self.decoded
            self.decoded += 1
            pixel_budget -= frame.width * frame.height
            over_time = float(np.float32(number) / np.float32(self.fps)) > self.max_seconds
            if over_time or pixel_budget < 0 or number >= DEFAULT_MAX_DECODED_FRAMES:
                self.cut_short = True
                return
            if number % every == 0:
                yield number, frame


def frame_pdq(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ hex and quality of one RGB frame (an h x w x 3 uint8 array), at full size as the reference does."""
    vector, quality = pdqhash.compute(rgb)
    return bits_to_hex(vector), int(quality)


def _frame_pdq_of(frame: Any) -> tuple[str, int]:
    import av

    try:
        # The reference converts with swscale's area method at the frame's own size.
        rgb = frame.to_ndarray(format="rgb24", interpolation="AREA")
    except (av.FFmpegError, ValueError):
        raise VideoHashError(str(_("The video file is damaged and cannot be read. Send an intact copy."))) from None
    return frame_pdq(rgb)


def hash_video(data: bytes, *, max_seconds: float | None = None) -> VideoHashes:
    """vPDQ frames (one a second), MD5 and SHA-256 of one video's bytes, in memory.

    Only the first `max_seconds` (setting REPORTAL_VIDEO_MAX_SECONDS by default) are hashed; the result says
    when the video ran past it. Raises VideoHashError subclasses (hashing.ImageHashError too) for bad input.
    """
    limit_seconds = max_video_seconds() if max_seconds is None else float(max_seconds)
    container = _open(data)
    try:
        stream = container.streams.video[0]
        _set_threads(stream)
        width, height = int(stream.codec_context.width), int(stream.codec_context.height)
        _check_size(width, height)
        fps = _frame_rate(stream)
        duration = _duration(container, stream)
        frames: list[VpdqFrame] = []
        with video_decode_slot():
            sampler = _Sampler(container, stream, fps, limit_seconds)
            for number, frame in sampler:
                _check_size(frame.width, frame.height)  # a stream may change its size midway
                frames.append(VpdqFrame(*_frame_pdq_of(frame), float(np.float32(number) / np.float32(fps))))
        if not frames:
            raise VideoHashError(str(_("No frame of the video could be decoded. Send an intact copy.")))
        truncated = sampler.cut_short
    finally:
        container.close()
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()  # shared lists name videos by MD5
    return VideoHashes(
        md5=md5,
        sha256=hashlib.sha256(data).hexdigest(),
        duration_s=round(duration or sampler.decoded / fps, 3),
        width=width,
        height=height,
        frames=frames,
        truncated=truncated,
    )


# --- safe preview -------------------------------------------------------------------------------------------


def contact_sheet(data: bytes, *, frames: int = CONTACT_SHEET_FRAMES) -> bytes:
    """A PNG of a few frames spread over the video, greyscale and blurred: the analyst's safe preview.

    Key frames only are decoded when the video has enough of them (fast); otherwise one frame a second of the
    first minutes. Frames are reduced to greyscale thumbnails and blurred before they leave this function.
    """
    return _sheet_png(_chosen_frames(data, frames, colour=False))


def frame_sheet(data: bytes, *, frames: int = CONTACT_SHEET_FRAMES) -> bytes:
    """The same frames as contact_sheet, sharp and in colour (JPEG), for the workbench's in-memory preview store,
    which veils it exactly as it veils an image until the analyst reveals it. Never send this to a browser as is."""
    tiles = _chosen_frames(data, frames, colour=True)
    out = io.BytesIO()
    _sheet(tiles, mode="RGB", blur=0).save(out, format="JPEG", quality=85)
    return out.getvalue()


def _chosen_frames(data: bytes, frames: int, *, colour: bool) -> list[Image.Image]:
    thumbs = _thumbnails(data, key_frames_only=True, colour=colour)
    if len(thumbs) < frames:
        thumbs = _thumbnails(data, key_frames_only=False, colour=colour) or thumbs
    if not thumbs:
        raise VideoHashError(str(_("No frame of the video could be decoded. Send an intact copy.")))
    return [thumbs[round(i * (len(thumbs) - 1) / max(1, frames - 1))] for i in range(min(frames, len(thumbs)))]


def _thumbnails(data: bytes, *, key_frames_only: bool, colour: bool = False) -> list[Image.Image]:
    container = _open(data)
    thumbs: list[Image.Image] = []
    try:
        stream = container.streams.video[0]
        _check_size(int(stream.codec_context.width), int(stream.codec_context.height))
        _set_threads(stream)
        if key_frames_only:
            stream.codec_context.skip_frame = "NONKEY"
            sampled = _Sampler(container, stream, 1.0, CONTACT_SHEET_MAX_SECONDS * 10)
        else:
            sampled = _Sampler(container, stream, _frame_rate(stream), CONTACT_SHEET_MAX_SECONDS)
        with video_decode_slot():
            for _number, frame in sampled:
                _check_size(frame.width, frame.height)
                thumbs.append(_thumbnail(frame.to_image(), colour=colour))
                if len(thumbs) >= CONTACT_SHEET_MAX_TILES:
                    break
    finally:
        container.close()
    return thumbs


def _thumbnail(image: Image.Image, *, colour: bool = False) -> Image.Image:
    small = image.convert("RGB" if colour else "L")
    height = max(1, round(small.height * CONTACT_SHEET_TILE_WIDTH / max(1, small.width)))
    return small.resize((CONTACT_SHEET_TILE_WIDTH, min(height, CONTACT_SHEET_TILE_WIDTH * 2)), Image.Resampling.BOX)


def _sheet(tiles: list[Image.Image], *, mode: str, blur: float) -> Image.Image:
    columns = min(CONTACT_SHEET_COLUMNS, len(tiles))
    rows = math.ceil(len(tiles) / columns)
    tile_height = max(t.height for t in tiles)
    gap = 4
    size = (columns * CONTACT_SHEET_TILE_WIDTH + (columns - 1) * gap, rows * tile_height + (rows - 1) * gap)
    sheet = Image.new(mode, size, 128 if mode == "L" else (128, 128, 128))
    for i, tile in enumerate(tiles):
        shown = tile.filter(ImageFilter.GaussianBlur(blur)) if blur else tile
        sheet.paste(shown, ((i % columns) * (CONTACT_SHEET_TILE_WIDTH + gap), (i // columns) * (tile_height + gap)))
    return sheet


def _sheet_png(tiles: list[Image.Image]) -> bytes:
    out = io.BytesIO()
    _sheet(tiles, mode="L", blur=CONTACT_SHEET_BLUR_RADIUS).save(out, format="PNG", optimize=True)
    return out.getvalue()
