"""Reference codes: 100 random bits in 20 Crockford base-32 characters, read aloud in five groups of four.

Only the SHA-256 of the normalised code is stored. A plain hash is enough: the code itself carries 100 random
bits, so nobody can guess one from its hash, and no key is needed that a key rotation could invalidate.
"""

from __future__ import annotations

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
LENGTH = 20  # 20 x 5 bits = 100 random bits
GROUP = 4
# What people type for the characters the alphabet leaves out.
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.\t\u00a0\u2010\u2011\u2012\u2013\u2014")


def new_reference() -> str:
    """A fresh code such as 7KQ2-M9XD-0B4T-HV3R-E8ZN."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalise_reference(text: str) -> str | None:
    """The 20 characters of a code as typed (any case, with or without dashes or spaces), or None if it is not one."""
    code = text.translate(_SEPARATORS).upper().translate(_CONFUSABLE)
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def reference_hash(text: str) -> str | None:
    """The stored form of a code, or None when the text cannot be a code."""
    code = normalise_reference(text)
    if code is None:
        return None
    return hashlib.sha256(code.encode("ascii")).hexdigest()
