"""The matching index: exact PDQ range search (multi-index hashing in C) and exact digest look-up.

    from reportal.hashes.index import PDQIndex, CryptoHashIndex

See PDQIndex and CryptoHashIndex for the interface. Importing this package raises ImportError when the C
extension was not built (no compiler at install time); reportal.hashes.matcher then falls back to its
exhaustive scan, which gives the same answers, slower.
"""

from reportal.hashes.index.crypto import CryptoHashIndex
from reportal.hashes.index.pdq import DEFAULT_MAX_DISTANCE, MAX_DISTANCE, PDQIndex, as_hash, as_hash_matrix
from reportal.hashes.index.storage import IndexFileError

__all__ = [
    "DEFAULT_MAX_DISTANCE",
    "MAX_DISTANCE",
    "CryptoHashIndex",
    "IndexFileError",
    "PDQIndex",
    "as_hash",
    "as_hash_matrix",
]
