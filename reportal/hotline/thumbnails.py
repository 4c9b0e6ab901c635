"""Thumbnails made in memory with Pillow: small, first frame only, with limits against decompression bombs."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageFilter, ImageOps

THUMBNAIL_SIZE = (320, 320)
# Refuse images whose header claims more pixels than this, before decoding a single one.
MAX_PIXELS = 40_000_000
ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "GIF", "WEBP", "BMP"})
BLUR_RADIUS = 14


class ThumbnailError(Exception):
    """The bytes are not an image this server will decode (unknown format, too many pixels, broken)."""


@dataclass(frozen=True)
class Thumbnail:
    jpeg: bytes  # the colour thumbnail, unveiled; shown only when the analyst reveals it
    width: int
    height: int
    source_format: str
    source_width: int
    source_height: int


def make_thumbnail(data: bytes) -> Thumbnail:
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit; treat the warning as the refusal it should be.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in ALLOWED_FORMATS:
                    raise ThumbnailError(f"image format {img.format} is not shown")
                source_width, source_height = img.size
                if source_width * source_height > MAX_PIXELS:
                    raise ThumbnailError(f"image of {source_width}x{source_height} pixels is too large to decode")
                source_format = img.format
                if source_format == "JPEG":
                    img.draft("RGB", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))  # decode at a reduced scale
                img.seek(0)  # first frame of an animation: nothing moves on the analyst's screen
                frame = ImageOps.exif_transpose(img.convert("RGBA") if img.mode in ("P", "LA", "PA") else img)
                frame = frame.convert("RGB")
                frame.thumbnail(THUMBNAIL_SIZE)
        except ThumbnailError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ThumbnailError("image is a decompression bomb") from exc
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise ThumbnailError(f"not a readable image: {exc}") from exc
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=80)
    return Thumbnail(out.getvalue(), frame.width, frame.height, source_format, source_width, source_height)


def veil(thumbnail_jpeg: bytes, *, blur: bool, greyscale: bool) -> bytes:
    """The thumbnail as the analyst first sees it: blurred and/or greyscale per their preference."""
    with Image.open(io.BytesIO(thumbnail_jpeg)) as img:
        frame = img.convert("L") if greyscale else img.convert("RGB")
        if blur:
            frame = frame.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
        out = io.BytesIO()
        frame.save(out, "JPEG", quality=70)
    return out.getvalue()
