"""Synthetic test images drawn with numpy and Pillow: gradients, shapes, noise and photo-like scenes."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw


def gradient(width: int = 320, height: int = 240) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)
    r = np.tile(x, (height, 1))
    g = np.tile(y[:, None], (1, width))
    b = (r + g) / 2
    return Image.fromarray(np.stack([r, g, b], axis=2).astype(np.uint8))


def shapes(seed: int = 0, width: int = 400, height: int = 300) -> Image.Image:
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (width, height), tuple(int(v) for v in rng.integers(0, 255, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(15):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(width // 12, width // 3))
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x0 + size, y0 + size], fill=colour)
        else:
            draw.rectangle([x0, y0, x0 + size, y0 + size // 2], fill=colour)
    return image


def noise(seed: int = 0, width: int = 256, height: int = 256) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def photo_like(seed: int = 0, width: int = 640, height: int = 480) -> Image.Image:
    """Smooth noise at several scales plus a few shapes: PDQ sees it much as it sees a photograph."""
    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width, 3), np.float32)
    for cell, amp in ((128, 1.0), (32, 0.5), (8, 0.2)):
        small = (rng.random((height // cell + 2, width // cell + 2, 3)) * 255).astype(np.uint8)
        acc += amp * np.asarray(Image.fromarray(small).resize((width, height), Image.BICUBIC), np.float32)
    acc = acc / acc.max() * 255
    image = Image.fromarray(acc.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(8):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(width // 15, width // 4))
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        draw.ellipse([x0, y0, x0 + size, y0 + size], fill=colour)
    return image


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.save(buf, fmt, **options)
    return buf.getvalue()
