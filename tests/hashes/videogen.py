"""Synthetic test videos, drawn with numpy and encoded with PyAV in memory: a smooth random background with
coloured discs and a bar moving slowly over it. Nothing but shapes; a seed decides the scene.

A scene is a function of time, so a trimmed copy is the same scene from a later start, a resized copy is the same
frames scaled, and a re-encoded copy is the same frames through another codec, container and frame rate.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np
from PIL import Image

BASE_WIDTH, BASE_HEIGHT = 480, 270


@dataclass(frozen=True)
class Scene:
    background: np.ndarray  # BASE_HEIGHT x BASE_WIDTH x 3, uint8
    discs: list[tuple[float, float, float, float, float, tuple[int, int, int]]]  # x, y, radius, speed, phase, rgb
    bar_colour: tuple[int, int, int]


def scene(seed: int) -> Scene:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(6, 9, 3), dtype=np.uint8)
    background = np.asarray(
        Image.fromarray(coarse, "RGB").resize((BASE_WIDTH, BASE_HEIGHT), Image.Resampling.BICUBIC), dtype=np.uint8
    )
    discs = [
        (
            float(rng.uniform(0.2, 0.8)),
            float(rng.uniform(0.2, 0.8)),
            float(rng.uniform(0.04, 0.08)),
            float(rng.uniform(0.004, 0.012)),
            float(rng.uniform(0, 2 * np.pi)),
            tuple(int(c) for c in rng.integers(0, 256, 3)),
        )
        for _ in range(3)
    ]
    return Scene(background, discs, tuple(int(c) for c in rng.integers(0, 256, 3)))  # type: ignore[arg-type]


_YY, _XX = np.mgrid[0:BASE_HEIGHT, 0:BASE_WIDTH]


def render(s: Scene, t: float) -> np.ndarray:
    """The scene at time `t` seconds, BASE_WIDTH x BASE_HEIGHT RGB."""
    frame = s.background.copy()
    for x, y, radius, speed, phase, rgb in s.discs:
        cx = (x + 0.15 * np.sin(2 * np.pi * speed * t + phase)) * BASE_WIDTH
        cy = (y + 0.15 * np.cos(2 * np.pi * speed * t + phase)) * BASE_HEIGHT
        mask = (_XX - cx) ** 2 + (_YY - cy) ** 2 < (radius * BASE_HEIGHT) ** 2
        frame[mask] = rgb
    top = int((0.1 + 0.01 * t) % 0.8 * BASE_HEIGHT)
    frame[top : top + BASE_HEIGHT // 10, BASE_WIDTH // 12 : BASE_WIDTH // 12 + BASE_WIDTH // 4] = s.bar_colour
    return frame


def frames(
    seed: int, *, seconds: float, fps: float | Fraction, start: float = 0.0, size: tuple[int, int] | None = None
) -> Iterator[np.ndarray]:
    s = scene(seed)
    for n in range(round(seconds * fps)):
        frame = render(s, start + n / fps)
        if size is not None and size != (BASE_WIDTH, BASE_HEIGHT):
            frame = np.asarray(Image.fromarray(frame, "RGB").resize(size, Image.Resampling.BILINEAR))
        yield frame


def encode(
    rgb_frames: Iterator[np.ndarray],
    *,
    fps: int | Fraction,
    codec: str = "libx264",
    container: str = "mp4",
    options: dict[str, str] | None = None,
    pix_fmt: str = "yuv420p",
) -> bytes:
    """The frames encoded as a video file, in memory (codec "rawvideo" with pix_fmt "rgb24": lossless, so any
    decoder gives back exactly these frames)."""
    out = io.BytesIO()
    with av.open(out, "w", format=container) as muxer:
        stream = None
        for frame in rgb_frames:
            if stream is None:
                stream = muxer.add_stream(codec, rate=fps, options=options or {})
                stream.height, stream.width = frame.shape[:2]
                stream.pix_fmt = pix_fmt
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                muxer.mux(packet)
        assert stream is not None
        for packet in stream.encode():
            muxer.mux(packet)
    return out.getvalue()


def video(
    seed: int = 1,
    *,
    seconds: float = 10.0,
    fps: int | Fraction = 30,
    start: float = 0.0,
    size: tuple[int, int] | None = None,
    codec: str = "libx264",
    container: str = "mp4",
    options: dict[str, str] | None = None,
    pix_fmt: str = "yuv420p",
) -> bytes:
    return encode(
        frames(seed, seconds=seconds, fps=fps, start=start, size=size),
        fps=fps,
        codec=codec,
        container=container,
        options=options,
        pix_fmt=pix_fmt,
    )
