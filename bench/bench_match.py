"""PDQ matching at 1M and 10M stored hashes: reportal's index against python-threatexchange's PDQIndex, one run.

Stored set: uniform random 256-bit hashes plus planted clusters (a centre that is not stored, with stored
neighbours at distances 0 to 40 from it). Queries: half the cluster centres (each has true matches at <= 31 and
decoys at 32..40 that must not come back), half fresh random hashes (no match, the common case). Every engine
runs in its own process, one after the other, on the same cores, with the same data (same seed).

Figures per engine and size: build time; load time of the persisted form (reportal maps its file; threatexchange
unpickles, which is how HMA restores it); resident memory growth per stored hash (RSS delta over the data the
harness holds anyway); single look-up latency (median, p99) and rate; batched rate (all queries in one call);
recall and extra results against an exhaustive numpy scan on a sample of queries; time from add() to the hash
matching.

    python bench/bench_match.py                      # 1M and 10M, threatexchange capped at --te-timeout
    python bench/bench_match.py --quick              # 20k hashes, a few seconds, for CI
    python bench/bench_match.py --sizes 1000000 --no-te
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RADIUS = 31


# --- data ----------------------------------------------------------------------------------------------------


def make_data(n: int, n_queries: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stored hashes (n, 32), queries (n_queries, 32) and how many queries are cluster centres."""
    rng = np.random.default_rng(seed)
    n_centres = n_queries // 2
    per_centre = 12
    planted = min(n_centres * per_centre, n // 2)
    n_centres = planted // per_centre
    hashes = np.empty((n, 32), dtype=np.uint8)
    step = 1 << 20
    for start in range(0, n, step):  # in slices, to keep the generator's temporaries small
        stop = min(n, start + step)
        hashes[start:stop] = rng.integers(0, 256, (stop - start, 32), dtype=np.uint8)
    centres = rng.integers(0, 256, (n_centres, 32), dtype=np.uint8)
    slots = rng.choice(n, size=n_centres * per_centre, replace=False)
    bits = np.unpackbits(centres, axis=1)
    for c in range(n_centres):
        for j in range(per_centre):
            distance = int(rng.integers(0, 41))
            flipped = bits[c].copy()
            flipped[rng.choice(256, size=distance, replace=False)] ^= 1
            hashes[slots[c * per_centre + j]] = np.packbits(flipped)
    randoms = rng.integers(0, 256, (n_queries - n_centres, 32), dtype=np.uint8)
    queries = np.concatenate([centres, randoms])
    return hashes, queries[rng.permutation(len(queries))], np.array([n_centres])


def exhaustive(hashes: np.ndarray, queries: np.ndarray) -> list[set[tuple[int, int]]]:
    """(position, distance) of every stored hash within RADIUS of each query, by popcount over the whole set.

    The set is walked in cache-sized blocks with every query against each block, so it is read from memory once.
    """
    hashes64, queries64 = hashes.view(np.uint64), np.ascontiguousarray(queries).view(np.uint64)
    found: list[set[tuple[int, int]]] = [set() for _ in range(len(queries))]
    block = 1 << 15
    for start in range(0, len(hashes64), block):
        part = hashes64[start : start + block]
        for q, query in enumerate(queries64):
            dist = np.bitwise_count(part ^ query).sum(axis=1, dtype=np.int32)
            for i in np.nonzero(dist <= RADIUS)[0].tolist():
                found[q].add((start + i, int(dist[i])))
    return found


def rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def peak_rss_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def recall_of(results: list[set[tuple[int, int]]], truths: list[set[tuple[int, int]]]) -> tuple[float, int, int]:
    """(recall, expected matches, results that are not true matches)."""
    expected = sum(len(t) for t in truths)
    found = sum(len(r & t) for r, t in zip(results, truths, strict=True))
    extra = sum(len(r - t) for r, t in zip(results, truths, strict=True))
    return (found / expected if expected else 1.0), expected, extra


def timed_singles(search: Any, queries: list[Any]) -> tuple[float, float, float]:
    """(median ms, p99 ms, look-ups per second) of one-at-a-time searches."""
    times = []
    start = time.perf_counter()
    for q in queries:
        t0 = time.perf_counter()
        search(q)
        times.append(time.perf_counter() - t0)
    total = time.perf_counter() - start
    return float(np.median(times) * 1e3), float(np.percentile(times, 99) * 1e3), len(queries) / total


# --- workers (one process each) ------------------------------------------------------------------------------


def worker_reportal(args: argparse.Namespace) -> dict[str, Any]:
    from reportal.hashes.index import PDQIndex

    hashes, queries, _ = make_data(args.size, args.queries, args.seed)
    ids = np.arange(1, args.size + 1, dtype=np.int64)
    out: dict[str, Any] = {}
    base = rss_bytes()
    t0 = time.perf_counter()
    # Copies, so that the index's own storage shows in the RSS delta (the harness keeps the originals).
    index = PDQIndex.build(ids.copy(), hashes.copy())
    out["build_s"] = time.perf_counter() - t0
    out["bytes_per_hash"] = (rss_bytes() - base) / args.size
    out["peak_bytes_per_hash"] = (peak_rss_bytes() - base) / args.size
    single = queries[: args.single]
    out["single_median_ms"], out["single_p99_ms"], out["single_per_s"] = timed_singles(index.search, list(single))
    t0, c0 = time.perf_counter(), time.process_time()
    batch = index.search_batch(queries, RADIUS)
    out["batch_per_s"] = len(queries) / (time.perf_counter() - t0)
    out["batch_cpu_us"] = (time.process_time() - c0) / len(queries) * 1e6
    sample = range(min(args.recall_sample, len(queries)))
    t0 = time.perf_counter()
    truths = exhaustive(hashes, queries[: len(sample)])
    out["scan_per_s"] = len(truths) / (time.perf_counter() - t0)
    results = [{(int(i) - 1, int(d)) for i, d in batch[q]} for q in sample]
    out["recall"], out["expected"], out["extra"] = recall_of(results, truths)
    out["add_to_match_ms"] = add_to_match(
        lambda h, i: index.add([i], h[None, :]), lambda h, i: any(x == i for x, _d in index.search(h))
    )
    t0 = time.perf_counter()
    index.save(args.index_file)
    out["save_s"] = time.perf_counter() - t0
    out["file_bytes_per_hash"] = os.path.getsize(args.index_file) / args.size
    return out


def worker_reportal_load(args: argparse.Namespace) -> dict[str, Any]:
    """A restarted matcher process: map the saved file, then serve."""
    from reportal.hashes.index import PDQIndex

    _, queries, _ = make_data(min(args.size, 1000), args.queries, args.seed + 1)  # fresh queries; data not needed
    out: dict[str, Any] = {}
    base = rss_bytes()
    t0 = time.perf_counter()
    index = PDQIndex.load(args.index_file)
    out["load_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    index.search(queries[0])
    out["first_lookup_ms"] = (time.perf_counter() - t0) * 1e3
    index.search_batch(queries, RADIUS)  # warm: the pages a serving process would have touched
    out["single_median_ms"], out["single_p99_ms"], out["single_per_s"] = timed_singles(
        index.search, list(queries[: args.single])
    )
    t0, c0 = time.perf_counter(), time.process_time()
    index.search_batch(queries, RADIUS)
    out["batch_per_s"] = len(queries) / (time.perf_counter() - t0)
    out["batch_cpu_us"] = (time.process_time() - c0) / len(queries) * 1e6
    out["bytes_per_hash"] = (rss_bytes() - base) / args.size
    out["add_to_match_ms"] = add_to_match(
        lambda h, i: index.add([i], h[None, :]), lambda h, i: any(x == i for x, _d in index.search(h))
    )
    return out


def worker_threatexchange(args: argparse.Namespace) -> dict[str, Any]:
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    hashes, queries, _ = make_data(args.size, args.queries, args.seed)
    out: dict[str, Any] = {}
    base = rss_bytes()
    t0 = time.perf_counter()
    blob = hashes.tobytes().hex()
    entries = [(blob[i * 64 : (i + 1) * 64], i) for i in range(args.size)]  # its input: (hex, entry) pairs
    del blob
    out["prepare_s"] = time.perf_counter() - t0
    print(json.dumps({"progress": "building", **out}), flush=True)
    t0 = time.perf_counter()
    index = PDQIndex(entries)
    out["build_s"] = time.perf_counter() - t0
    del entries
    out["bytes_per_hash"] = (rss_bytes() - base) / args.size
    out["peak_bytes_per_hash"] = (peak_rss_bytes() - base) / args.size
    print(json.dumps({"progress": "built", **out}), flush=True)
    hex_queries = [q.tobytes().hex() for q in queries]
    out["single_median_ms"], out["single_p99_ms"], out["single_per_s"] = timed_singles(
        index.query, hex_queries[: args.te_single]
    )
    print(json.dumps({"progress": "singles", **out}), flush=True)
    t0, c0 = time.perf_counter(), time.process_time()
    batch_queries = hex_queries[: max(args.te_queries, args.recall_sample)]  # fewer: it is ~20x slower
    found = index.index.search_with_distance_in_result(batch_queries, RADIUS)  # its batched call (faiss)
    out["batch_per_s"] = len(batch_queries) / (time.perf_counter() - t0)
    out["batch_cpu_us"] = (time.process_time() - c0) / len(batch_queries) * 1e6
    sample = range(min(args.recall_sample, len(queries)))
    truths = exhaustive(hashes, queries[: len(sample)])
    results = [{(int(i), int(d)) for i, _h, d in found[hex_queries[q]]} for q in sample]
    out["recall"], out["expected"], out["extra"] = recall_of(results, truths)
    print(json.dumps({"progress": "batched", **out}), flush=True)
    next_id = [args.size]

    def te_add(h: np.ndarray, _i: int) -> None:
        index.add(h.tobytes().hex(), next_id[0])

    def te_found(h: np.ndarray, _i: int) -> bool:
        return any(m.metadata == next_id[0] for m in index.query(h.tobytes().hex()))

    out["add_to_match_ms"] = add_to_match(te_add, te_found, trials=3)
    print(json.dumps({"progress": "added", **out}), flush=True)
    if args.size <= args.te_load_max:
        data = pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)  # how HMA persists and restores it
        del index
        t0 = time.perf_counter()
        pickle.loads(data)
        out["load_s"] = time.perf_counter() - t0
    return out


def add_to_match(add: Any, found: Any, trials: int = 20) -> float:
    """Median ms from add() of a new hash until a search returns it."""
    rng = np.random.default_rng(99)
    times = []
    for t in range(trials):
        h = rng.integers(0, 256, 32, dtype=np.uint8)
        new_id = 10**12 + t
        t0 = time.perf_counter()
        add(h, new_id)
        ok = found(h, new_id)
        times.append(time.perf_counter() - t0)
        if not ok:
            return float("nan")
    return float(np.median(times) * 1e3)


WORKERS = {"reportal": worker_reportal, "reportal-load": worker_reportal_load, "threatexchange": worker_threatexchange}


# --- driver --------------------------------------------------------------------------------------------------


def run_worker(engine: str, size: int, args: argparse.Namespace, index_file: str, timeout: float) -> dict[str, Any]:
    cmd = [
        sys.executable, __file__, "--worker", engine, "--size", str(size), "--queries", str(args.queries),
        "--single", str(args.single), "--recall-sample", str(args.recall_sample), "--seed", str(args.seed),
        "--index-file", index_file, "--te-load-max", str(args.te_load_max), "--te-queries", str(args.te_queries),
        "--te-single", str(args.te_single),
    ]  # fmt: skip
    started = time.perf_counter()
    last: dict[str, Any] = {}
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        stdout = proc.stdout
        if proc.returncode:
            last["error"] = (proc.stderr.strip().splitlines() or ["failed"])[-1][:200]
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        last["error"] = f"stopped after {timeout:.0f} s (time cap)"
    for line in stdout.splitlines():
        if line.startswith("{"):
            last.update(json.loads(line))
    last["wall_s"] = time.perf_counter() - started
    return last


def fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        width = "".join(ch for ch in spec.split(".")[0] if ch.isdigit())
        return format("-", f">{width or 1}")
    return format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--queries", type=int, default=20000, help="queries for the batched rate")
    parser.add_argument("--single", type=int, default=2000, help="queries timed one at a time")
    parser.add_argument("--recall-sample", type=int, default=200, help="queries checked against the full scan")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="20k hashes, few queries (seconds; for CI)")
    parser.add_argument("--no-te", action="store_true", help="skip python-threatexchange")
    parser.add_argument("--te-timeout", type=float, default=900.0, help="time cap per threatexchange run (s)")
    parser.add_argument("--te-queries", type=int, default=1000, help="queries in threatexchange's batched call")
    parser.add_argument("--te-single", type=int, default=300, help="threatexchange queries timed one at a time")
    parser.add_argument("--te-load-max", type=int, default=1_000_000, help="largest size to time its unpickling")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--index-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)), flush=True)
        return
    if args.quick:
        args.sizes, args.queries, args.single, args.recall_sample = "20000", 400, 200, 100
        args.te_single, args.te_queries = 200, 400
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"# load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows: list[tuple[int, str, dict[str, Any]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-match-") as tmp:
        for size in sizes:
            index_file = str(Path(tmp) / f"pdq-{size}.idx")
            engines = ["reportal", "reportal-load"] + ([] if args.no_te else ["threatexchange"])
            for engine in engines:
                timeout = args.te_timeout if engine == "threatexchange" else 1800.0
                print(f"# {engine} at {size:,} ...", file=sys.stderr, flush=True)
                rows.append((size, engine, run_worker(engine, size, args, index_file, timeout)))
            Path(index_file).unlink(missing_ok=True)
    print(f"# load average at end:   {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    header = (
        f"| {'stored':>10} | {'engine':<22} | {'build s':>7} | {'load s':>7} | {'B/hash':>6} | {'median ms':>9} | "
        f"{'p99 ms':>7} | {'single/s':>8} | {'batched/s':>9} | {'recall':>7} | {'extra':>5} | {'add->match ms':>13} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    names = {"reportal": "reportal (built)", "reportal-load": "reportal (mmap load)"}
    names["threatexchange"] = "threatexchange"
    for size, engine, r in rows:
        print(
            f"| {size:>10,} | {names[engine]:<22} | {fmt(r.get('build_s'), '7.1f')} | {fmt(r.get('load_s'), '7.2f')} | "
            f"{fmt(r.get('bytes_per_hash'), '6.0f')} | {fmt(r.get('single_median_ms'), '9.3f')} | "
            f"{fmt(r.get('single_p99_ms'), '7.2f')} | {fmt(r.get('single_per_s'), '8.0f')} | "
            f"{fmt(r.get('batch_per_s'), '9.0f')} | {fmt(r.get('recall'), '7.4f')} | {fmt(r.get('extra'), '5d')} | "
            f"{fmt(r.get('add_to_match_ms'), '13.3f')} |"
        )
    for size, engine, r in rows:
        if "batch_cpu_us" in r:
            print(
                f"# {names[engine]} at {size:,}: batched search used {r['batch_cpu_us']:.0f} CPU-us per look-up "
                f"(= {1e6 / r['batch_cpu_us']:.0f}/s per fully available core)"
            )
        if "scan_per_s" in r:
            print(f"# exhaustive numpy scan at {size:,}: {r['scan_per_s']:.1f} look-ups/s (one core)")
        if engine == "reportal":
            print(
                f"# reportal at {size:,}: build peak {fmt(r.get('peak_bytes_per_hash'), '.0f')} B/hash, "
                f"file {fmt(r.get('file_bytes_per_hash'), '.0f')} B/hash, save {fmt(r.get('save_s'), '.1f')} s"
            )
        if engine == "reportal-load":
            print(f"# reportal mmap load at {size:,}: first look-up {fmt(r.get('first_lookup_ms'), '.1f')} ms")
        if engine == "threatexchange" and "peak_bytes_per_hash" in r:
            print(
                f"# threatexchange at {size:,}: build peak {r['peak_bytes_per_hash']:.0f} B/hash, "
                f"input preparation {fmt(r.get('prepare_s'), '.1f')} s (not in build)"
            )
        if "error" in r:
            print(f"# {engine} at {size:,}: {r['error']}")
    if args.json:
        Path(args.json).write_text(json.dumps([{"size": s, "engine": e, **r} for s, e, r in rows], indent=1))


if __name__ == "__main__":
    main()
