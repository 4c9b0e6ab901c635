"""Video: vPDQ hashing speed (reportal's PyAV path beside the reference `vpdq`) and vPDQ look-up of a 60-frame video
against millions of stored frame hashes (reportal's frame index beside python-threatexchange's VPDQIndex).

Hashing: a synthetic 720p clip (shapes on a smooth background with film grain, so the encoder spends bits as on
real footage) encoded with x264, hashed at one frame a second. Every frame is decoded (H.264 needs them all);
one a second is converted to RGB and hashed with PDQ at full size. Figures: video frames decoded per second,
frames hashed per second, seconds per minute of video and times real time, wall and CPU (one core: reportal
decodes with one thread by default; the reference lets FFmpeg choose its slice threads).

Look-up: random 256-bit frame hashes grouped into 60-frame bank videos, plus planted videos whose query copies
have each frame 0..12 bits away. reportal: PDQIndex over frame ids (hashes/vpdq_match.py), search of the query's
frames, then each candidate scored against its stored frames as threatexchange's brute-force matcher does
(in production the candidates' frames come from the database by primary key; here from memory, timed
separately below on SQLite with --db-videos). threatexchange: its VPDQIndex (faiss), at the size given by
--te-frames (it is far slower to build).

    python bench/bench_video.py                         # 60 s of 720p; 10M frame hashes
    python bench/bench_video.py --quick                 # 10 s of 360p; 200k frames (seconds, for CI)
    python bench/bench_video.py --frames 1000000 --te-frames 100000 --db-videos 2000
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportal.hashes import vpdq_match  # noqa: E402
from reportal.hashes.video import VpdqFrame, hash_video, vpdq_to_signal  # noqa: E402

FRAMES_PER_VIDEO = 60


# --- hashing --------------------------------------------------------------------------------------------------


def grainy_frames(seconds: float, fps: int, size: tuple[int, int], seed: int = 1) -> Iterator[np.ndarray]:
    from PIL import Image

    from tests.hashes import videogen

    rng = np.random.default_rng(seed)
    grain = [rng.normal(0, 6, (size[1], size[0], 1)).astype(np.int16) for _ in range(8)]
    scene = videogen.scene(seed)
    for n in range(int(seconds * fps)):
        frame = np.asarray(Image.fromarray(videogen.render(scene, n / fps)).resize(size, Image.Resampling.BILINEAR))
        yield np.clip(frame.astype(np.int16) + grain[n % len(grain)], 0, 255).astype(np.uint8)


def make_clip(seconds: float, fps: int, size: tuple[int, int]) -> bytes:
    from tests.hashes import videogen

    return videogen.encode(grainy_frames(seconds, fps, size), fps=fps, options={"preset": "veryfast", "crf": "23"})


def timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def decode_only(data: bytes) -> int:
    import av

    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_count = 1
        return sum(1 for _ in container.decode(stream))


def hashing_rows(data: bytes, seconds: float, fps: int, size: tuple[int, int]) -> list[str]:
    rows = []
    header = (
        "| engine | frames decoded/s | frames hashed/s | wall s / min of video | x real time (wall) | "
        "CPU s / min of video | x real time (CPU) |"
    )
    rows += [header, "|---|---|---|---|---|---|---|"]
    total_frames = int(seconds * fps)
    per_min = 60.0 / seconds

    def row(name: str, hashed: int, wall: float, cpu: float) -> str:
        return (
            f"| {name} | {total_frames / wall:,.0f} | {hashed / wall:,.1f} | {wall * per_min:.2f} | "
            f"{seconds / wall:.1f} | {cpu * per_min:.2f} | {seconds / cpu:.1f} |"
        )

    hashes, wall, cpu = timed(hash_video, data)
    rows.append(row("reportal (PyAV, 1 decode thread)", len(hashes.frames), wall, cpu))
    _n, wall_d, cpu_d = timed(decode_only, data)
    rows.append(row("  of which decoding alone", 0, wall_d, cpu_d))
    try:
        import vpdq
    except ImportError:
        rows.append("| reference vpdq | not installed (needs Debian's FFmpeg development packages) | | | | | |")
        return rows
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        path.write_bytes(data)  # the reference reads a file; synthetic content, deleted at once
        reference, wall_r, cpu_r = timed(vpdq.computeHash, str(path), seconds_per_hash=1.0, thread_count=1)
    rows.append(row("reference vpdq 0.2.5 (FFmpeg picks slice threads)", len(reference), wall_r, cpu_r))
    same = [(f.hex, f.quality) for f in reference] == [(f.pdq_hex, f.quality) for f in hashes.frames]
    rows.append(f"# frames identical to the reference: {same} ({len(hashes.frames)} frames, {size[0]}x{size[1]})")
    return rows


# --- look-up --------------------------------------------------------------------------------------------------


def flip_bits(matrix: np.ndarray, rng: np.random.Generator, max_bits: int) -> np.ndarray:
    out = matrix.copy()
    for row in range(len(out)):
        bits = rng.choice(256, size=int(rng.integers(0, max_bits + 1)), replace=False)
        for bit in bits:
            out[row, bit // 8] ^= np.uint8(1 << (7 - bit % 8))
    return out


def frames_of(matrix: np.ndarray) -> list[VpdqFrame]:
    return [VpdqFrame(row.tobytes().hex(), 100, float(i)) for i, row in enumerate(matrix)]


def make_bank(n_frames: int, n_queries: int, seed: int) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """All stored frames (videos x 60 x 32), the planted videos' query copies, and random non-matching queries."""
    rng = np.random.default_rng(seed)
    videos = max(n_queries, n_frames // FRAMES_PER_VIDEO)
    stored = rng.integers(0, 256, size=(videos, FRAMES_PER_VIDEO, 32), dtype=np.uint8)
    planted = rng.choice(videos, size=n_queries, replace=False)
    matching = [flip_bits(stored[v], rng, 12) for v in planted]
    unrelated = [rng.integers(0, 256, size=(FRAMES_PER_VIDEO, 32), dtype=np.uint8) for _ in range(n_queries)]
    return stored, matching, unrelated


def reportal_lookup_rows(stored: np.ndarray, matching: list[np.ndarray], unrelated: list[np.ndarray]) -> list[str]:
    from reportal.hashes.index import PDQIndex

    videos = len(stored)
    ids = (np.arange(videos, dtype=np.int64)[:, None] * vpdq_match.FRAME_SLOTS + np.arange(FRAMES_PER_VIDEO)).ravel()
    index, build_s, _cpu = timed(PDQIndex.build, ids, stored.reshape(-1, 32))
    settings = vpdq_match.VpdqSettings(31, 50, 80.0, 0.0)

    def lookup(query: np.ndarray, threads: int | None, sample: bool) -> list[int]:
        frames = frames_of(query)
        searched = vpdq_match.search_sample(frames, 80.0) if sample else frames
        matrix = np.stack([np.frombuffer(bytes.fromhex(f.pdq_hex), dtype=np.uint8) for f in searched])
        candidates: set[int] = set()
        for result in index.search_batch(matrix, 31, threads=threads):
            candidates.update(int(i) // vpdq_match.FRAME_SLOTS for i, _d in result)
        return [c for c in sorted(candidates) if vpdq_match.score(frames, frames_of(stored[c]), settings).matched]

    out = []
    variants = (
        ("reportal frame index, all 60 frames, 1 thread", 1, False),
        ("reportal frame index, 13 of 60 frames (80 %), 1 thread", 1, True),
        ("reportal frame index, 13 of 60 frames (80 %), all cores", None, True),
    )
    for engine, threads, sample in variants:
        for name, queries in (("matching video", matching), ("unrelated video", unrelated)):
            times, cpu_times, found = [], [], 0
            for query in queries:
                result, wall, cpu = timed(lookup, query, threads, sample)
                times.append(wall * 1000)
                cpu_times.append(cpu * 1000)
                found += bool(result)
            times.sort()
            out.append(
                f"| {engine} | {len(stored) * FRAMES_PER_VIDEO:,} | {build_s:.1f} | {name} | "
                f"{statistics.median(times):.2f} | {times[max(0, int(len(times) * 0.99) - 1)]:.2f} | "
                f"{statistics.median(cpu_times):.2f} | {found}/{len(queries)} |"
            )
    return out


def threatexchange_lookup_rows(
    stored: np.ndarray, matching: list[np.ndarray], unrelated: list[np.ndarray], te_frames: int
) -> list[str]:
    try:
        from threatexchange.extensions.vpdq.vpdq_index import VPDQIndex
    except ImportError:
        return ["| threatexchange VPDQIndex | - | - | needs the vpdq package | | | | |"]
    videos = max(len(matching), te_frames // FRAMES_PER_VIDEO)
    # The planted videos are the first ones of the sample, so the matching queries have their originals in it.
    planted = np.stack([flip_bits(m, np.random.default_rng(0), 0) for m in matching])
    sample = np.concatenate([planted, stored[: videos - len(planted)]]) if videos > len(planted) else planted
    entries = [(vpdq_to_signal(frames_of(v)), i) for i, v in enumerate(sample)]
    index, build_s, _cpu = timed(VPDQIndex.build, entries)
    out = []
    for name, queries in (("matching video", matching), ("unrelated video", unrelated)):
        times, cpu_times, found = [], [], 0
        for query in queries:
            signal = vpdq_to_signal(frames_of(query))
            result, wall, cpu = timed(index.query, signal)
            times.append(wall * 1000)
            cpu_times.append(cpu * 1000)
            found += bool(result)
        times.sort()
        out.append(
            f"| threatexchange VPDQIndex (faiss) | {len(sample) * FRAMES_PER_VIDEO:,} | {build_s:.1f} | {name} | "
            f"{statistics.median(times):.2f} | {times[max(0, int(len(times) * 0.99) - 1)]:.2f} | "
            f"{statistics.median(cpu_times):.2f} | {found}/{len(queries)} |"
        )
    return out


def database_rows(db_videos: int, seed: int) -> list[str]:
    """The whole matcher path (frame index, candidate rows from SQLite, scoring) on a smaller bank."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from reportal.hashes import banks, matcher

    stored, matching, unrelated = make_bank(db_videos * FRAMES_PER_VIDEO, 20, seed)
    bank = banks.create_bank("BENCH_VIDEOS")
    started = time.perf_counter()
    for start in range(0, len(stored), 2000):
        banks.add_contents_bulk(
            bank,
            (banks.ContentSignals(vpdq=vpdq_to_signal(frames_of(v))) for v in stored[start : start + 2000]),
        )
    load_s = time.perf_counter() - started
    _r, warm_s, _c = timed(matcher.get_matcher().ensure_fresh)
    out = []
    for name, queries in (("matching video", matching), ("unrelated video", unrelated)):
        times, cpu_times, found = [], [], 0
        for query in queries:
            result, wall, cpu = timed(matcher.lookup_vpdq, frames_of(query), bypass_coinflip=True)
            times.append(wall * 1000)
            cpu_times.append(cpu * 1000)
            found += bool(result)
        times.sort()
        out.append(
            f"| reportal matcher.lookup_vpdq (SQLite) | {len(stored) * FRAMES_PER_VIDEO:,} | {warm_s:.1f} | {name} | "
            f"{statistics.median(times):.2f} | {times[-2]:.2f} | {statistics.median(cpu_times):.2f} | "
            f"{found}/{len(queries)} |"
        )
    out.append(
        f"# SQLite bank of {len(stored):,} videos loaded in {load_s:.1f} s; index built from it in {warm_s:.1f} s"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the 720p clip")
    parser.add_argument("--frames", type=int, default=10_000_000, help="stored frame hashes for the look-up")
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--te-frames", type=int, default=200_000, help="stored frames for threatexchange's index")
    parser.add_argument("--db-videos", type=int, default=2000, help="bank videos for the SQLite path (0: skip)")
    parser.add_argument("--quick", action="store_true", help="10 s of 360p, 200k frames: a smoke run")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    # Django before anything reads a setting: a throwaway SQLite database for the matcher path.
    os.environ["DJANGO_SETTINGS_MODULE"] = "reportal.settings"
    os.environ["REPORTAL_DATA_DIR"] = tempfile.mkdtemp(prefix="bench-video-")
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    import django

    django.setup()
    size = (1280, 720)
    if args.quick:
        args.seconds, args.frames, args.te_frames, args.db_videos, args.queries = 10.0, 200_000, 20_000, 200, 10
        size = (640, 360)
    print(f"# {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    fps = 30
    clip, make_s, _c = timed(make_clip, args.seconds, fps, size)
    print(f"\n## vPDQ hashing: {args.seconds:.0f} s of {size[0]}x{size[1]} H.264 at {fps} fps ({len(clip):,} bytes,")
    print(f"## made in {make_s:.0f} s); one frame a second hashed\n")
    for line in hashing_rows(clip, args.seconds, fps, size):
        print(line)

    print(f"\n## vPDQ look-up: one {FRAMES_PER_VIDEO}-frame video, HMA's defaults (31 bits, 80 % of the query)\n")
    print("| engine | stored frames | build s | query | median ms | p99 ms | median CPU ms | matched |")
    print("|---|---|---|---|---|---|---|---|")
    stored, matching, unrelated = make_bank(args.frames, args.queries, args.seed)
    for line in reportal_lookup_rows(stored, matching, unrelated):
        print(line, flush=True)
    te_rows = threatexchange_lookup_rows(stored, matching, unrelated, args.te_frames)
    del stored
    for line in te_rows:
        print(line, flush=True)
    if args.db_videos:
        for line in database_rows(args.db_videos, args.seed):
            print(line, flush=True)
    print(f"# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
