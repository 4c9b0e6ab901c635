"""Exhaustive-scan indexes with the same interface as reportal.hashes.index (PDQIndex, CryptoHashIndex): the
protocols in reportal.hashes.protocols.

They are the reference that the fast index is checked against, and the fallback when it is not installed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reportal.hashes.signals import hamming_rows


class BruteForcePDQIndex:
    """PDQ range search by scanning every stored hash (exact by construction)."""

    def __init__(self) -> None:
        # One tuple, replaced whole, so a search running beside add() never sees ids and hashes out of step.
        self._data: tuple[np.ndarray, np.ndarray] = (np.zeros(0, dtype=np.int64), np.zeros((0, 32), dtype=np.uint8))

    def __len__(self) -> int:
        return int(self._data[0].size)

    @classmethod
    def build(cls, ids: np.ndarray, hashes: np.ndarray) -> BruteForcePDQIndex:
        index = cls()
        index.add(ids, hashes)
        return index

    def add(self, ids: np.ndarray | list[int], hashes: np.ndarray) -> None:
        ids_arr = np.asarray(ids, dtype=np.int64).reshape(-1)
        hashes_arr = np.asarray(hashes, dtype=np.uint8).reshape(-1, 32)
        if ids_arr.size != hashes_arr.shape[0]:
            raise ValueError("ids and hashes differ in length")
        ids, hashes = self._data
        self._data = (np.concatenate([ids, ids_arr]), np.concatenate([hashes, hashes_arr]))

    def remove(self, ids: np.ndarray | list[int]) -> None:
        stored_ids, stored_hashes = self._data
        keep = ~np.isin(stored_ids, np.asarray(ids, dtype=np.int64).reshape(-1))
        self._data = (stored_ids[keep], stored_hashes[keep])

    def search(self, query: np.ndarray, max_distance: int) -> list[tuple[int, int]]:
        """(id, distance) of every stored hash within `max_distance` bits of `query`."""
        ids, hashes = self._data
        if not ids.size:
            return []
        dist = hamming_rows(hashes, np.asarray(query, dtype=np.uint8).reshape(32))
        hit = np.nonzero(dist <= max_distance)[0]
        return [(int(ids[i]), int(dist[i])) for i in hit]

    def search_batch(self, queries: np.ndarray, max_distance: int) -> list[list[tuple[int, int]]]:
        return [self.search(q, max_distance) for q in np.asarray(queries, dtype=np.uint8).reshape(-1, 32)]

    def save(self, path: str | Path) -> None:
        with open(path, "wb") as fh:
            np.savez(fh, ids=self._data[0], hashes=self._data[1])

    @classmethod
    def load(cls, path: str | Path) -> BruteForcePDQIndex:
        index = cls()
        with np.load(path) as data:
            index._data = (data["ids"], data["hashes"])
        return index


class DictCryptoHashIndex:
    """Exact look-up of cryptographic digests (bytes) to the ids that carry them."""

    def __init__(self) -> None:
        self._by_digest: dict[bytes, list[int]] = {}

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_digest.values())

    def add(self, ids: np.ndarray | list[int], digests: list[bytes]) -> None:
        for i, digest in zip(np.asarray(ids).reshape(-1), digests, strict=True):
            bucket = self._by_digest.setdefault(bytes(digest), [])
            if int(i) not in bucket:
                bucket.append(int(i))

    def remove(self, ids: np.ndarray | list[int]) -> None:
        gone = {int(i) for i in np.asarray(ids).reshape(-1)}
        for digest in list(self._by_digest):
            kept = [i for i in self._by_digest[digest] if i not in gone]
            if kept:
                self._by_digest[digest] = kept
            else:
                del self._by_digest[digest]

    def search(self, digest: bytes) -> list[int]:
        return list(self._by_digest.get(bytes(digest), ()))

    def search_batch(self, digests: list[bytes]) -> list[list[int]]:
        return [self.search(d) for d in digests]

    def save(self, path: str | Path) -> None:
        ids = np.array([i for v in self._by_digest.values() for i in v], dtype=np.int64)
        digests = [d for d, v in self._by_digest.items() for _ in v]
        width = max((len(d) for d in digests), default=0)
        blob = np.frombuffer(b"".join(digests), dtype=np.uint8).reshape(-1, width) if width else np.zeros((0, 0))
        with open(path, "wb") as fh:
            np.savez(fh, ids=ids, digests=blob)

    @classmethod
    def load(cls, path: str | Path) -> DictCryptoHashIndex:
        index = cls()
        with np.load(path) as data:
            ids, blob = data["ids"], data["digests"]
        index.add(ids, [row.tobytes() for row in blob])
        return index
