"""Exact look-up of cryptographic digests (MD5, SHA-1, SHA-256) to the ids of the entries that carry them.

Entries live in a few sorted runs (a log-structured layout): each add() sorts its batch into a new run and
neighbouring runs of similar size are merged, so bulk loading stays O(n log n) and a look-up is a binary
search per run. Runs are sorted by the first 8 bytes of the digest as a big-endian integer (numpy sorts and
searches those natively); equal prefixes are told apart by the full digest.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reportal.hashes.index.storage import IndexFileError, read_arrays, write_arrays

FILE_KIND = "reportal-crypto-1"
_MAX_RUNS = 12


@dataclass
class _Run:
    keys: np.ndarray  # (n,) uint64, sorted
    digests: np.ndarray  # (n, size) uint8, in key order
    ids: np.ndarray  # (n,) int64
    dead: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        if self.dead.size != self.ids.size:
            self.dead = np.zeros(self.ids.size, dtype=bool)

    @property
    def size(self) -> int:
        return int(self.ids.size)


def _prefix_keys(digests: np.ndarray) -> np.ndarray:
    width = min(8, digests.shape[1])
    padded = np.zeros((digests.shape[0], 8), dtype=np.uint8)
    padded[:, :width] = digests[:, :width]
    return padded.view(">u8").reshape(-1).astype(np.uint64)


def _sorted_run(ids: np.ndarray, digests: np.ndarray, dead: np.ndarray | None = None) -> _Run:
    keys = _prefix_keys(digests)
    # Stable sort: concatenated sorted runs are merged in linear time by numpy's timsort.
    order = np.argsort(keys, kind="stable")
    return _Run(keys[order], digests[order], ids[order], dead[order] if dead is not None else np.zeros(0, bool))


def _merge_runs(runs: list[_Run]) -> _Run:
    alive = [~r.dead for r in runs]
    ids = np.concatenate([r.ids[a] for r, a in zip(runs, alive, strict=True)])
    digests = np.concatenate([r.digests[a] for r, a in zip(runs, alive, strict=True)])
    return _sorted_run(ids, digests)


class CryptoHashIndex:
    """Digest -> ids, exact. Same shape as PDQIndex where it makes sense.

    - ``add(ids, digests)``: ids int64 (n,); digests a list of raw digests (bytes) or an (n, size) uint8 array.
      All digests of one index have one size (16 for MD5, 20 for SHA-1, 32 for SHA-256).
    - ``remove(ids)``: entries with these ids stop matching at once.
    - ``search(digest) -> list[int]`` ids, ascending; ``digest`` is raw bytes or hex.
    - ``search_batch(digests) -> list[list[int]]``.
    - ``save(path, meta=None)`` / ``CryptoHashIndex.load(path)`` (one mmap-friendly file); ``len()``;
      ``high_water_id``; ``meta``.
    """

    def __init__(self, digest_size: int | None = None) -> None:
        self.digest_size = digest_size
        self.meta: dict[str, Any] = {}
        self._runs: list[_Run] = []
        self._lock = threading.RLock()
        self._high_water = 0

    # --- changing --------------------------------------------------------------------------------------

    def add(self, ids: Any, digests: Any) -> None:
        """Add entries; they match from the next search on."""
        ids_arr = np.ascontiguousarray(ids, dtype=np.int64).reshape(-1)
        matrix = self._matrix(digests)
        if ids_arr.size != matrix.shape[0]:
            raise ValueError(f"{ids_arr.size} ids were given for {matrix.shape[0]} digests; give one id per digest.")
        if not ids_arr.size:
            return
        run = _sorted_run(ids_arr, matrix)
        with self._lock:
            runs = [*self._runs, run]
            # Merge the newest runs while they are at least half the size of the one before (binary-counter
            # style), so there are O(log n) runs and each entry is re-sorted O(log n) times.
            while len(runs) >= 2 and (runs[-1].size * 2 >= runs[-2].size or len(runs) > _MAX_RUNS):
                runs[-2:] = [_merge_runs(runs[-2:])]
            self._runs = runs
            self._high_water = max(self._high_water, int(ids_arr.max()))

    def remove(self, ids: Any) -> int:
        """Stop every entry with these ids from matching (at once); returns how many entries were removed."""
        gone = np.unique(np.asarray(ids, dtype=np.int64).reshape(-1))
        removed = 0
        with self._lock:
            for run in self._runs:
                hit = np.isin(run.ids, gone) & ~run.dead
                if hit.any():
                    dead = run.dead.copy()  # copy-on-write: searches never see a half-written array
                    dead[hit] = True
                    run.dead = dead
                    removed += int(hit.sum())
        return removed

    # --- searching -------------------------------------------------------------------------------------

    def search(self, digest: bytes | str) -> list[int]:
        """Ids of the live entries with exactly this digest, ascending."""
        return self.search_batch([digest])[0]

    def search_batch(self, digests: Iterable[bytes | str] | np.ndarray) -> list[list[int]]:
        rows = digests if isinstance(digests, np.ndarray) else [_raw(d) for d in digests]
        with self._lock:
            runs = list(self._runs)
        if not runs or len(rows) == 0:
            return [[] for _ in range(len(rows))]
        if isinstance(rows, list) and self.digest_size and any(len(r) != self.digest_size for r in rows):
            # A digest of another size cannot match; keep its slot empty.
            return [[] if len(r) != self.digest_size else self.search_batch([r])[0] for r in rows]
        matrix = self._matrix(rows)
        keys = _prefix_keys(matrix)
        out: list[list[int]] = [[] for _ in range(matrix.shape[0])]
        for run in runs:
            lo = np.searchsorted(run.keys, keys, side="left")
            hi = np.searchsorted(run.keys, keys, side="right")
            for q in np.nonzero(hi > lo)[0].tolist():
                for p in range(int(lo[q]), int(hi[q])):
                    if not run.dead[p] and np.array_equal(run.digests[p], matrix[q]):
                        out[q].append(int(run.ids[p]))
        for found in out:
            found.sort()
        return out

    def __len__(self) -> int:
        with self._lock:
            return sum(r.size - int(r.dead.sum()) for r in self._runs)

    @property
    def high_water_id(self) -> int:
        return self._high_water

    # --- files -----------------------------------------------------------------------------------------

    def save(self, path: str | Path, meta: dict[str, Any] | None = None) -> None:
        """Write the live entries to one file (atomically), as one sorted run."""
        with self._lock:
            run = _merge_runs(self._runs) if self._runs else _sorted_run(*self._empty())
            self._runs = [run] if run.size else []
            if meta is not None:
                self.meta = dict(meta)
            header = {
                "digest_size": self.digest_size or (run.digests.shape[1] if run.size else 0),
                "high_water_id": self._high_water,
                "user": self.meta,
            }
        write_arrays(path, FILE_KIND, {"keys": run.keys, "digests": run.digests, "ids": run.ids}, header)

    @classmethod
    def load(cls, path: str | Path) -> CryptoHashIndex:
        """Map a file written by save() read-only; raises IndexFileError if it is unusable."""
        arrays, meta = read_arrays(path, FILE_KIND)
        try:
            keys, digests, ids = arrays["keys"], arrays["digests"], arrays["ids"]
        except KeyError as exc:
            raise IndexFileError(f"{path} lacks part of a digest index; rebuild the index.") from exc
        if not (keys.size == ids.size == digests.shape[0]):
            raise IndexFileError(f"The parts of {path} do not fit together; rebuild the index.")
        index = cls(int(meta.get("digest_size") or 0) or None)
        if ids.size:
            index._runs = [_Run(keys, digests, ids)]
        index._high_water = int(meta.get("high_water_id", 0))
        index.meta = dict(meta.get("user", {}))
        return index

    # --- internals -------------------------------------------------------------------------------------

    def _empty(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(0, dtype=np.int64), np.zeros((0, self.digest_size or 0), dtype=np.uint8)

    def _matrix(self, digests: Any) -> np.ndarray:
        if isinstance(digests, np.ndarray):
            matrix = np.ascontiguousarray(digests, dtype=np.uint8)
            if matrix.ndim == 1:  # one digest
                matrix = matrix.reshape(1, -1)
        else:
            raws = [_raw(d) for d in digests]
            if not raws:
                return np.zeros((0, self.digest_size or 0), dtype=np.uint8)
            sizes = {len(r) for r in raws}
            if len(sizes) != 1:
                raise ValueError("All digests of one index must have the same size.")
            matrix = np.frombuffer(b"".join(raws), dtype=np.uint8).reshape(len(raws), -1)
        if matrix.ndim != 2:
            raise ValueError("Digests are given as a list of byte strings or an (n, size) array.")
        if self.digest_size is None and matrix.shape[0]:
            self.digest_size = int(matrix.shape[1])
        if matrix.shape[0] and matrix.shape[1] != self.digest_size:
            raise ValueError(f"This index holds {self.digest_size}-byte digests, not {matrix.shape[1]}-byte ones.")
        return matrix


def _raw(digest: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(digest, str):
        try:
            return bytes.fromhex(digest)
        except ValueError as exc:
            raise ValueError("A digest in hex must be hexadecimal digits only.") from exc
    return bytes(digest)
