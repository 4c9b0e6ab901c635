"""Hashing throughput: reportal's PDQ hasher (exact and fast modes) against python-threatexchange's, one run.

Corpus: synthetic photo-like JPEGs (smooth noise at several scales plus shapes) of mixed sizes, long side from
640 px to 4000 px, generated in memory. Every hasher sees the same bytes on the same cores. For the fast mode
it prints the Hamming distance of each hash to the reference (threatexchange = pdqhash on the full image).

    python bench/bench_hashing.py            # 48 images
    python bench/bench_hashing.py --quick    # 12 images, for a smoke run
    python bench/bench_hashing.py --seed 99 --short-side 800   # another corpus; fast mode keeping more pixels
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from threatexchange.signal_type.pdq.pdq_hasher import pdq_from_bytes  # noqa: E402

from reportal.hashes import hashing  # noqa: E402
from reportal.hashes.hashing import HashWorkerPool, default_workers, hash_image_bytes  # noqa: E402


def photo_like_jpeg(rng: np.random.Generator, long_side: int, grain: bool = False) -> bytes:
    """Smooth noise at three scales relative to the picture (a scene looks the same at any resolution) and shapes;
    with `grain`, a layer of 6-pixel noise too (sensor grain: detail PDQ's filters barely pass)."""
    aspect = float(rng.choice([4 / 3, 3 / 2, 16 / 9, 1.0]))
    width, height = long_side, max(16, int(long_side / aspect))
    if rng.random() < 0.3:
        width, height = height, width
    acc = np.zeros((height, width, 3), np.float32)
    octaves = [(max(8, long_side // 8), 1.0), (max(4, long_side // 40), 0.5), (max(3, long_side // 160), 0.25)]
    if grain:
        octaves.append((6, 0.15))
    for cell, amp in octaves:
        small = (rng.random((height // cell + 2, width // cell + 2, 3)) * 255).astype(np.uint8)
        acc += amp * np.asarray(Image.fromarray(small).resize((width, height), Image.BILINEAR), np.float32)
    acc *= 255.0 / acc.max()
    image = Image.fromarray(acc.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(4, 14))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        size = int(rng.integers(long_side // 30, long_side // 4))
        colour = tuple(int(v) for v in rng.integers(0, 255, 3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape([x0, y0, x0 + size, y0 + int(size * rng.uniform(0.4, 1.0))], fill=colour)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=int(rng.integers(70, 95)))
    return buf.getvalue()


def corpus(count: int, seed: int = 2024, grain: bool = False) -> list[bytes]:
    rng = np.random.default_rng(seed)
    sides = np.linspace(640, 4000, count).astype(int)
    rng.shuffle(sides)
    return [photo_like_jpeg(rng, int(s), grain) for s in sides]


def tx_hash(data: bytes) -> tuple[str, int]:
    return pdq_from_bytes(data)


def fast_hash(data: bytes) -> str:
    return hash_image_bytes(data, mode="fast").pdq


def timed(label: str, fn: Callable[[], list[str]], n: int) -> tuple[str, float, list[str]]:
    start = time.perf_counter()
    hashes = fn()
    seconds = time.perf_counter() - start
    return label, n / seconds, hashes


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="12 images instead of 48")
    parser.add_argument("--images", type=int, default=None)
    parser.add_argument("--workers", type=int, default=None, help="processes per pool (default: the cores)")
    parser.add_argument("--grain", action="store_true", help="add fixed 6-pixel sensor-grain noise to every image")
    parser.add_argument("--seed", type=int, default=2024, help="corpus seed (default 2024)")
    parser.add_argument("--short-side", type=int, default=hashing.FAST_SHORT_SIDE,
                        help=f"fast mode's smallest short side before PDQ (default {hashing.FAST_SHORT_SIDE})")
    args = parser.parse_args(argv)
    count = args.images or (12 if args.quick else 48)
    workers = args.workers or default_workers()

    t0 = time.perf_counter()
    hashing.FAST_SHORT_SIDE = args.short_side  # the pools fork after this, so their workers see it too
    images = corpus(count, seed=args.seed, grain=args.grain)
    sizes = [Image.open(io.BytesIO(d)).size for d in images]
    megapixels = sum(w * h for w, h in sizes) / 1e6
    long_sides = [max(s) for s in sizes]
    kind = "JPEGs with sensor grain" if args.grain else "JPEGs"
    print(f"corpus: {count} {kind}, {min(long_sides)}-{max(long_sides)} px long side, {megapixels:.0f} Mpixel, "
          f"{sum(map(len, images)) / 1e6:.1f} MB (generated in {time.perf_counter() - t0:.0f}s)")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {workers} usable here; "
          f"seed {args.seed}, fast mode short side >= {args.short_side} px")
    print()

    results = []
    # python-threatexchange: its hasher as a user calls it (one process), then spread over the same cores.
    label, rate, tx_single = timed(
        "threatexchange pdq_from_bytes, 1 process", lambda: [tx_hash(d)[0] for d in images], count
    )
    results.append((label, rate))
    reference = tx_single
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(tx_hash, images[:workers]))  # start the workers before timing
        label, rate, _h = timed(f"threatexchange pdq_from_bytes, {workers} processes",
                                lambda: [h for h, _q in pool.map(tx_hash, images)], count)
    results.append((label, rate))
    tx_pool_rate = rate

    with HashWorkerPool(workers) as pool:
        pool.map(images[:workers], mode="exact")
        label, rate, exact = timed(f"reportal exact, {workers} processes",
                                   lambda: [o.hashes.pdq for o in pool.map(images, mode="exact")], count)
        results.append((label, rate))
        label, rate, fast_pool = timed(f"reportal fast, {workers} processes",
                                       lambda: [o.hashes.pdq for o in pool.map(images, mode="fast")], count)
        results.append((label, rate))
        fast_pool_rate = rate
    label, rate, fast_single = timed("reportal fast, 1 process", lambda: [fast_hash(d) for d in images], count)
    results.append((label, rate))
    with ThreadPoolExecutor(workers) as threads:
        label, rate, _h = timed(f"reportal fast, {workers} threads (one process)",
                                lambda: list(threads.map(fast_hash, images)), count)
    results.append((label, rate))

    tx_single_rate = results[0][1]
    print(f"{'hasher':48} {'images/s':>9} {'vs tx 1 proc':>13} {'vs tx pool':>11}")
    for label, rate in results:
        print(f"{label:48} {rate:9.2f} {rate / tx_single_rate:12.2f}x {rate / tx_pool_rate:10.2f}x")
    print()

    identical = sum(a == b for a, b in zip(exact, reference, strict=True))
    dist = np.array([hamming(a, b) for a, b in zip(fast_pool, reference, strict=True)])
    same_fast = sum(a == b for a, b in zip(fast_pool, fast_single, strict=True))
    print(f"exact mode: {identical}/{count} hashes bit-identical to threatexchange's")
    print(f"fast mode vs reference, Hamming distance: mean {dist.mean():.2f}, p99 {np.percentile(dist, 99):.1f}, "
          f"max {dist.max()}, within 8: {(dist <= 8).mean() * 100:.1f}%  (pool and single-process hashes equal: "
          f"{same_fast}/{count})")
    print()
    ok_speed = fast_pool_rate >= 4 * tx_single_rate
    ok_close = (dist <= 8).mean() >= 0.99
    print(f"target: fast >= 4x threatexchange's images/s: {'met' if ok_speed else 'NOT met'} "
          f"({fast_pool_rate / tx_single_rate:.2f}x one process, {fast_pool_rate / tx_pool_rate:.2f}x its pool); "
          f">= 99% within distance 8: {'met' if ok_close else 'NOT met'}; exact bit-identical: "
          f"{'met' if identical == count else 'NOT met'}")


if __name__ == "__main__":
    main()
