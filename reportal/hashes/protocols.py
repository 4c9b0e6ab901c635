"""The interfaces the matcher (hashes/matcher.py) needs of an index, whichever implementation backs it.

PDQ: the exact multi-index hash in C (hashes/index/pdq.py, PDQIndex) or the exhaustive scan it is checked against
and falls back to (hashes/bruteforce.py, BruteForcePDQIndex). Cryptographic digests: sorted runs
(hashes/index/crypto.py, CryptoHashIndex) or a dict (DictCryptoHashIndex). mypy checks each against these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, Self

import numpy as np


class PDQHashIndex(Protocol):
    """Exact range search over 256-bit PDQ hashes by Hamming distance; ids are bank content ids (int64)."""

    @classmethod
    def build(cls, ids: np.ndarray, hashes: np.ndarray) -> Self:
        """An index of `hashes` (an n x 32 uint8 matrix) under `ids`, built in one go."""
        ...

    @classmethod
    def load(cls, path: str | Path) -> Self: ...

    def save(self, path: str | Path) -> None: ...

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, hashes: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> object: ...

    def search(self, query: np.ndarray, max_distance: int) -> list[tuple[int, int]]:
        """(id, distance) of every stored hash within `max_distance` bits of `query`."""
        ...

    def search_batch(self, queries: np.ndarray, max_distance: int) -> list[list[tuple[int, int]]]: ...


class DigestIndex(Protocol):
    """Exact look-up of cryptographic digests (MD5, SHA-1, SHA-256) as raw bytes; ids are bank content ids."""

    @classmethod
    def load(cls, path: str | Path) -> Self: ...

    def save(self, path: str | Path) -> None: ...

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, digests: list[bytes]) -> None: ...

    def remove(self, ids: np.ndarray) -> object: ...

    def search(self, digest: bytes) -> list[int]: ...

    def search_batch(self, digests: list[bytes]) -> list[list[int]]: ...
