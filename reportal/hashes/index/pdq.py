"""Exact PDQ range search: multi-index hashing in C, a side buffer for new hashes, tombstones for removals.

How it stays exact: each 256-bit hash is cut into 11 chunks; two hashes within distance d agree to within
floor(d / 11) bits on at least one chunk, so probing every chunk key within that radius finds every stored
hash within d, and each candidate is then checked on all 256 bits (see _mih.c). Distances above 43 fall back
to a full scan in C, which is exact as well.

Layout: a *main* part (hashes, ids and 11 CSR chunk tables, built in one pass or mapped read-only from a
file) plus a *side buffer* of hashes added since, scanned in full on every search until a merge folds them
into a new main part. Removed entries are marked in a tombstone bitmap that every search checks, so they stop
matching as soon as remove() returns; merges and save() drop them for good.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reportal.hashes.index import _mih  # type: ignore[attr-defined]
from reportal.hashes.index.storage import IndexFileError, read_arrays, write_arrays

NCHUNKS = 11
MAX_CHUNK_BITS = 23
HASH_BYTES = 32
MAX_DISTANCE = 256
DEFAULT_MAX_DISTANCE = 31
FILE_KIND = "reportal-pdq-mih-1"
# Side entries beyond this many start a background merge at the next search (a scan of 16k hashes is ~0.1 ms).
DEFAULT_MERGE_THRESHOLD = 16_384

Query = bytes | bytearray | memoryview | str | np.ndarray


def default_threads() -> int:
    """The cores this process may run on (the batched search and the build use all of them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def chunk_width(n: int) -> int:
    """Bits per chunk key for n stored hashes: about one stored hash per key, at most 23 (11 x 23 <= 256)."""
    return int(min(MAX_CHUNK_BITS, max(4, int(np.ceil(np.log2(max(n, 2)))))))


def as_hash_matrix(hashes: Any) -> np.ndarray:
    """(n, 32) uint8 from an array, a list of 32-byte strings or a list of 64-digit hex strings."""
    if isinstance(hashes, np.ndarray):
        arr = np.ascontiguousarray(hashes, dtype=np.uint8)
        if arr.size % HASH_BYTES:
            raise ValueError("PDQ hashes are 32 bytes (256 bits) each.")
        return arr.reshape(-1, HASH_BYTES)
    rows = [as_hash(h) for h in hashes]
    return np.stack(rows) if rows else np.zeros((0, HASH_BYTES), dtype=np.uint8)


def as_hash(query: Query) -> np.ndarray:
    """One hash as a (32,) uint8 array; accepts 32 raw bytes, 64 hex digits or an array."""
    if isinstance(query, str):
        try:
            raw = bytes.fromhex(query)
        except ValueError as exc:
            raise ValueError("A PDQ hash in hex must be 64 hexadecimal digits.") from exc
        arr = np.frombuffer(raw, dtype=np.uint8)
    elif isinstance(query, bytes | bytearray | memoryview):
        arr = np.frombuffer(bytes(query), dtype=np.uint8)
    else:
        arr = np.ascontiguousarray(query, dtype=np.uint8).reshape(-1)
    if arr.size != HASH_BYTES:
        raise ValueError("A PDQ hash is 32 bytes (256 bits, 64 hexadecimal digits).")
    return arr


@dataclass(frozen=True)
class _Main:
    """An immutable built part; may be views into a read-only file mapping."""

    hashes: np.ndarray  # (n, 32) uint8
    ids: np.ndarray  # (n,) int64
    width: int
    offsets: np.ndarray  # (11 * (2**width + 1),) uint32
    tables: np.ndarray  # (11 * n,) uint32

    @property
    def size(self) -> int:
        return int(self.ids.size)


_EMPTY_MAIN = _Main(
    np.zeros((0, HASH_BYTES), np.uint8), np.zeros(0, np.int64), 0, np.zeros(0, np.uint32), np.zeros(0, np.uint32)
)


def build_main(ids: np.ndarray, hashes: np.ndarray, threads: int | None = None, chunk_bits: int | None = None) -> _Main:
    """Build the chunk tables for these entries (releases the GIL; uses `threads` cores)."""
    n = int(ids.size)
    if n == 0:
        return _EMPTY_MAIN
    width = chunk_bits or chunk_width(n)
    offsets = np.empty(NCHUNKS * ((1 << width) + 1), dtype=np.uint32)
    tables = np.empty(NCHUNKS * n, dtype=np.uint32)
    hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
    _mih.build(hashes, n, width, offsets, tables, threads or default_threads())
    return _Main(hashes, np.ascontiguousarray(ids, dtype=np.int64), width, offsets, tables)


@dataclass(frozen=True)
class _Snapshot:
    main: _Main
    side_hashes: np.ndarray
    side_ids: np.ndarray
    n_side: int
    dead: np.ndarray
    n_dead: int


class PDQIndex:
    """Exact Hamming range search over PDQ hashes, keyed by int64 ids (a bank content's primary key).

    Interface (what reportal.hashes.matcher relies on):

    - ``PDQIndex()`` an empty index; ``PDQIndex.build(ids, hashes)`` a built one in one pass.
    - ``add(ids, hashes)``: ids int64 (n,), hashes uint8 (n, 32). They match from the next search on (they go
      to the side buffer; no rebuild). Adding an id again adds a second entry; remove() it first to replace.
    - ``remove(ids)``: every entry with these ids stops matching as soon as this returns.
    - ``search(hash, max_distance=31) -> list[(id, distance)]``, nearest first, every live entry within the
      distance (0..256), nothing beyond it. ``hash`` is 32 bytes, 64 hex digits or a (32,) uint8 array.
    - ``search_batch(hashes (m, 32), max_distance) -> list of such lists``, one per query, on all cores.
    - ``save(path, meta=None)`` writes one file (merging the side buffer and dropping removed entries);
      ``PDQIndex.load(path)`` maps it read-only: several processes share one copy in the page cache.
    - ``len(index)`` live entries; ``high_water_id`` the largest id ever added (or loaded); ``meta`` the dict
      saved with the file (e.g. the database high-water mark the file was built to).
    - ``merge(wait=True)`` folds the side buffer into a new main part now; searches go on meanwhile.

    Thread-safe: searches run without the GIL and without a lock held, on a consistent snapshot.
    """

    def __init__(
        self,
        *,
        merge_threshold: int = DEFAULT_MERGE_THRESHOLD,
        threads: int | None = None,
        chunk_bits: int | None = None,
    ) -> None:
        if chunk_bits is not None and not 1 <= chunk_bits <= MAX_CHUNK_BITS:
            raise ValueError(f"chunk_bits must be between 1 and {MAX_CHUNK_BITS}.")
        self.merge_threshold = merge_threshold
        self.threads = threads or default_threads()
        # Bits per chunk key; None picks about log2(n) at each build (tests pin it to cover every width).
        self.chunk_bits = chunk_bits
        self.meta: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._main = _EMPTY_MAIN
        self._side_hashes = np.zeros((0, HASH_BYTES), dtype=np.uint8)
        self._side_ids = np.zeros(0, dtype=np.int64)
        self._n_side = 0
        self._dead = np.zeros(0, dtype=np.uint8)
        self._n_dead = 0
        self._high_water = 0
        self._merge_thread: threading.Thread | None = None
        self._removed_during_merge: list[np.ndarray] | None = None

    # --- building and loading ---------------------------------------------------------------------------

    @classmethod
    def build(cls, ids: Any, hashes: Any, **kwargs: Any) -> PDQIndex:
        """An index holding these entries, built in one pass (the fastest way to index many hashes)."""
        index = cls(**kwargs)
        ids_arr, hashes_arr = _check_entries(ids, hashes)
        index._main = build_main(ids_arr, hashes_arr, index.threads, index.chunk_bits)
        index._dead = np.zeros(_bitmap_bytes(index._main.size), dtype=np.uint8)
        index._high_water = int(ids_arr.max()) if ids_arr.size else 0
        return index

    @classmethod
    def load(cls, path: str | Path, **kwargs: Any) -> PDQIndex:
        """Map a file written by save() read-only (no parsing, no rebuild); raises IndexFileError if unusable."""
        arrays, meta = read_arrays(path, FILE_KIND)
        try:
            hashes, ids, offsets, tables = arrays["hashes"], arrays["ids"], arrays["offsets"], arrays["tables"]
            width = int(meta["width"])
        except (KeyError, TypeError, ValueError) as exc:
            raise IndexFileError(f"{path} lacks part of a PDQ index; rebuild the index.") from exc
        n = int(ids.size)
        expected_offsets = NCHUNKS * ((1 << width) + 1) if n else 0
        if hashes.shape != (n, HASH_BYTES) or tables.size != NCHUNKS * n or offsets.size != expected_offsets:
            raise IndexFileError(f"The parts of {path} do not fit together; rebuild the index.")
        if n and not all(int(offsets[(c + 1) * ((1 << width) + 1) - 1]) == n for c in range(NCHUNKS)):
            raise IndexFileError(f"The chunk tables of {path} are damaged; rebuild the index.")
        index = cls(**kwargs)
        index._main = _Main(hashes, ids, width, offsets, tables) if n else _EMPTY_MAIN
        index._dead = np.zeros(_bitmap_bytes(n), dtype=np.uint8)
        index._high_water = int(meta.get("high_water_id", int(ids.max()) if n else 0))
        index.meta = dict(meta.get("user", {}))
        return index

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> None:
        """Write the live entries to one mmap-friendly file (atomically: a temporary file, then a rename)."""
        self.merge(wait=True)
        with self._lock:
            if self._n_side or self._n_dead:
                self._merge_now()
            main = self._main
            if meta is not None:
                self.meta = dict(meta)
            header = {"width": main.width, "count": main.size, "high_water_id": self._high_water, "user": self.meta}
        write_arrays(
            path,
            FILE_KIND,
            {"hashes": main.hashes, "ids": main.ids, "offsets": main.offsets, "tables": main.tables},
            header,
        )

    # --- changing --------------------------------------------------------------------------------------

    def add(self, ids: Any, hashes: Any) -> None:
        """Add entries; they match from the next search on."""
        ids_arr, hashes_arr = _check_entries(ids, hashes)
        k = int(ids_arr.size)
        if not k:
            return
        with self._lock:
            need = self._n_side + k
            if need > self._side_ids.size:
                cap = max(need, 2 * self._side_ids.size, 1024)
                side_hashes = np.zeros((cap, HASH_BYTES), dtype=np.uint8)
                side_ids = np.zeros(cap, dtype=np.int64)
                side_hashes[: self._n_side] = self._side_hashes[: self._n_side]
                side_ids[: self._n_side] = self._side_ids[: self._n_side]
                # New arrays, so searches running on the old snapshot are not disturbed.
                self._side_hashes, self._side_ids = side_hashes, side_ids
                self._grow_dead(self._main.size + cap)
            self._side_hashes[self._n_side : need] = hashes_arr
            self._side_ids[self._n_side : need] = ids_arr
            self._n_side = need
            self._high_water = max(self._high_water, int(ids_arr.max()))

    def remove(self, ids: Any) -> int:
        """Stop every entry with these ids from matching (at once); returns how many entries were removed."""
        gone = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
        if not gone.size:
            return 0
        with self._lock:
            main = self._main
            positions = [np.nonzero(np.isin(main.ids, gone))[0]] if main.size else []
            if self._n_side:
                side_pos = np.nonzero(np.isin(self._side_ids[: self._n_side], gone))[0]
                positions.append(side_pos + main.size)
            pos = np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64)
            removed = self._mark_dead(pos)
            if self._removed_during_merge is not None:
                self._removed_during_merge.append(gone)
            return removed

    def merge(self, *, wait: bool = True) -> None:
        """Fold the side buffer into a new main part (in a background thread unless `wait`)."""
        with self._lock:
            thread = self._merge_thread
            if thread is None and (self._n_side or self._n_dead):
                thread = threading.Thread(target=self._merge_now, name="pdq-index-merge", daemon=True)
                self._merge_thread = thread
                thread.start()
        if wait and thread is not None:
            thread.join()

    # --- searching -------------------------------------------------------------------------------------

    def search(self, query: Query, max_distance: int = DEFAULT_MAX_DISTANCE) -> list[tuple[int, int]]:
        """(id, distance) of every live entry within `max_distance` bits of `query`, nearest first."""
        return self._search(as_hash(query).reshape(1, HASH_BYTES), max_distance, threads=1)[0]

    def search_batch(
        self, queries: Any, max_distance: int = DEFAULT_MAX_DISTANCE, *, threads: int | None = None
    ) -> list[list[tuple[int, int]]]:
        """search() for each row of an (m, 32) array (or list of hashes), split over all cores."""
        return self._search(as_hash_matrix(queries), max_distance, threads=threads or self.threads)

    def __len__(self) -> int:
        with self._lock:
            return self._main.size + self._n_side - self._n_dead

    @property
    def high_water_id(self) -> int:
        """The largest id ever added to (or saved in) this index; 0 when empty."""
        return self._high_water

    @property
    def side_size(self) -> int:
        """Entries waiting in the side buffer for the next merge."""
        return self._n_side

    # --- internals -------------------------------------------------------------------------------------

    def _snapshot(self) -> _Snapshot:
        with self._lock:
            return _Snapshot(self._main, self._side_hashes, self._side_ids, self._n_side, self._dead, self._n_dead)

    def _search(self, queries: np.ndarray, max_distance: int, threads: int) -> list[list[tuple[int, int]]]:
        if not 0 <= int(max_distance) <= MAX_DISTANCE:
            raise ValueError(f"max_distance must be between 0 and {MAX_DISTANCE}.")
        snap = self._snapshot()
        if snap.n_side > self.merge_threshold and self._merge_thread is None:
            self.merge(wait=False)
        m = int(queries.shape[0])
        main = snap.main
        raw_counts, raw_pos, raw_dist = _mih.search(
            main.hashes,
            main.size,
            main.width,
            main.offsets,
            main.tables,
            snap.side_hashes,
            snap.n_side,
            snap.dead,
            (main.size + snap.n_side) if snap.n_dead else 0,
            queries,
            m,
            int(max_distance),
            threads,
        )
        counts = np.frombuffer(raw_counts, dtype=np.int64)
        pos = np.frombuffer(raw_pos, dtype=np.int64)
        if not pos.size:
            return [[] for _ in range(m)]
        dist = np.frombuffer(raw_dist, dtype=np.uint8)
        in_main = pos < main.size
        ids = np.where(in_main, main.ids[np.where(in_main, pos, 0)] if main.size else 0, 0)
        if snap.n_side:
            ids = np.where(in_main, ids, snap.side_ids[np.where(in_main, 0, pos - main.size)])
        out: list[list[tuple[int, int]]] = []
        start = 0
        ids_list, dist_list = ids.tolist(), dist.tolist()
        for c in counts.tolist():
            pairs = list(zip(ids_list[start : start + c], dist_list[start : start + c], strict=True))
            pairs.sort(key=lambda p: (p[1], p[0]))
            out.append(pairs)
            start += c
        return out

    def _grow_dead(self, bits: int) -> None:
        size = _bitmap_bytes(bits)
        if size > self._dead.size:
            dead = np.zeros(size, dtype=np.uint8)
            dead[: self._dead.size] = self._dead
            self._dead = dead

    def _mark_dead(self, positions: np.ndarray) -> int:
        if not positions.size:
            return 0
        self._grow_dead(int(positions.max()) + 1)
        byte, bit = positions >> 3, (positions & 7).astype(np.uint8)
        already = (self._dead[byte] >> bit) & 1
        fresh = positions[already == 0]
        np.bitwise_or.at(self._dead, fresh >> 3, (np.uint8(1) << (fresh & 7).astype(np.uint8)))
        self._n_dead += int(fresh.size)
        return int(fresh.size)

    def _merge_now(self) -> None:
        """Build a main part from the live entries of a snapshot, then swap it in (searches continue)."""
        try:
            with self._lock:
                snap = self._snapshot()
                self._removed_during_merge = []
            main = snap.main
            total = main.size + snap.n_side
            alive = np.ones(total, dtype=bool)
            if snap.n_dead:
                bits = np.unpackbits(snap.dead, bitorder="little")[:total]
                alive[: bits.size] = bits == 0
            hashes = np.concatenate([main.hashes, snap.side_hashes[: snap.n_side]])[alive]
            ids = np.concatenate([main.ids, snap.side_ids[: snap.n_side]])[alive]
            built = build_main(ids, hashes, self.threads, self.chunk_bits)
            with self._lock:
                # Entries added while building stay in the side buffer, with their tombstones.
                rest = self._n_side - snap.n_side
                old_base = main.size + snap.n_side
                rest_dead = np.zeros(rest, dtype=bool)
                if self._n_dead and rest:
                    bits = np.unpackbits(self._dead, bitorder="little")
                    chunk = bits[old_base : old_base + rest]
                    rest_dead[: chunk.size] = chunk == 1
                rest_hashes = self._side_hashes[snap.n_side : self._n_side].copy()
                rest_ids = self._side_ids[snap.n_side : self._n_side].copy()
                removed = self._removed_during_merge or []
                self._main = built
                cap = max(1024, rest * 2)
                self._side_hashes = np.zeros((cap, HASH_BYTES), dtype=np.uint8)
                self._side_ids = np.zeros(cap, dtype=np.int64)
                self._side_hashes[:rest] = rest_hashes
                self._side_ids[:rest] = rest_ids
                self._n_side = rest
                self._dead = np.zeros(_bitmap_bytes(built.size + cap), dtype=np.uint8)
                self._n_dead = 0
                self._mark_dead(np.nonzero(rest_dead)[0] + built.size)
                if removed and built.size:
                    # Removed after the snapshot was taken: those entries were copied into the new main part.
                    self._mark_dead(np.nonzero(np.isin(built.ids, np.concatenate(removed)))[0])
        finally:
            with self._lock:
                self._removed_during_merge = None
                if self._merge_thread is threading.current_thread():
                    self._merge_thread = None


def _bitmap_bytes(bits: int) -> int:
    return (bits + 7) // 8


def _check_entries(ids: Any, hashes: Any) -> tuple[np.ndarray, np.ndarray]:
    ids_arr = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)
    hashes_arr = as_hash_matrix(hashes)
    if ids_arr.size != hashes_arr.shape[0]:
        raise ValueError(f"{ids_arr.size} ids were given for {hashes_arr.shape[0]} hashes; give one id per hash.")
    return ids_arr, hashes_arr


__all__: Sequence[str] = ["PDQIndex", "IndexFileError", "as_hash", "as_hash_matrix"]
