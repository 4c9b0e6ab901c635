"""Synthetic test images drawn with Pillow: gradients, shapes and noise. Never anything else."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def drawn_image(fmt: str = "PNG", size: tuple[int, int] = (400, 300), seed: int = 1) -> bytes:
    rng = random.Random(seed)
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for x in range(0, size[0], 4):
        draw.rectangle([x, 0, x + 3, size[1]], fill=(x * 255 // size[0], 80, 255 - x * 255 // size[0]))
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        r = rng.randrange(10, 60)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        else:
            draw.rectangle([x - r, y - r, x + r, y + r], outline=(0, 0, 0), width=3, fill=colour)
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def huge_header_png(width: int = 8000, height: int = 8000) -> bytes:
    """A tiny file that claims many pixels: a decompression bomb in miniature."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    return out.getvalue()


def page_with_images(image_paths: list[str], *, og_image: str = "", video: str = "", poster: str = "") -> str:
    head = f'<meta property="og:image" content="{og_image}">' if og_image else ""
    imgs = "".join(f'<img src="{path}" alt="">' for path in image_paths)
    vid = f'<video autoplay src="{video}" poster="{poster}"></video>' if video else ""
    return (
        f"<!doctype html><html><head><title>Synthetic test page</title>{head}</head>"
        f'<body><h1>Shapes</h1>{imgs}<img src="data:image/png;base64,AAAA">{vid}</body></html>'
    )
