"""Signal types reportal stores and matches, their names (HMA's where HMA has one) and validation."""

from __future__ import annotations

import re

import numpy as np
from django.utils.translation import gettext as _

PDQ = "pdq"
MD5 = "md5"
SHA1 = "sha1"
SHA256 = "sha256"
# ThreatExchange's video signal: PDQ of one frame a second, as a JSON list of "hash,quality,timestamp" strings.
VPDQ = "vpdq"
SIGNAL_TYPES = (PDQ, MD5, SHA1, SHA256, VPDQ)
CRYPTO_TYPES = (MD5, SHA1, SHA256)
# Frames one vPDQ signal may carry (ten hours at one frame a second): bounds what a look-up or an import costs.
MAX_VPDQ_FRAMES = 36_000
# Names other tools use for the same signals (python-threatexchange, HMA, StopNCII, NCMEC).
ALIASES = {
    "video_md5": MD5,
    "photo_md5": MD5,
    "video_sha256": SHA256,
    "video_vpdq": VPDQ,
    "photo_sha256": SHA256,
    "photo_pdq": PDQ,
    "pdq_hash": PDQ,
    "imagepdq": PDQ,
    "sha-1": SHA1,
    "sha-256": SHA256,
}
_HEX_LENGTH = {PDQ: 64, MD5: 32, SHA1: 40, SHA256: 64}
# HMA allows distances up to 31 bits for PDQ; reportal keeps that as the ceiling for every bank.
MAX_PDQ_DISTANCE = 31
DEFAULT_PDQ_DISTANCE = 31
BANK_NAME_RE = re.compile(r"[A-Z_][A-Z0-9_]*")


class InvalidSignal(ValueError):
    """A signal type or value that cannot be used; str() is a translated sentence."""


def canonical_type(name: str) -> str:
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in SIGNAL_TYPES:
        raise InvalidSignal(
            _("Unknown signal type %(name)s. Use one of: pdq, md5, sha1, sha256, vpdq.") % {"name": repr(name)[:80]}
        )
    return key


def validate_signal(signal_type: str, value: str) -> str:
    """The normalised signal (lowercase hex; vPDQ in threatexchange's own serialisation), or InvalidSignal."""
    if signal_type == VPDQ:
        return validate_vpdq(value)
    value = (value or "").strip().lower()
    length = _HEX_LENGTH[signal_type]
    if len(value) != length or not all(c in "0123456789abcdef" for c in value):
        raise InvalidSignal(
            _("A %(type)s signal must be %(length)d hexadecimal digits.") % {"type": signal_type, "length": length}
        )
    return value


def validate_vpdq(value: str) -> str:
    """A vPDQ signal rewritten as threatexchange writes it (so equal frames store equal text), or InvalidSignal."""
    from reportal.hashes.video import parse_vpdq_signal, vpdq_to_signal

    try:
        frames = parse_vpdq_signal(str(value or "").strip())
    except ValueError:
        raise InvalidSignal(
            _(
                'A vpdq signal must be a JSON list of "hash,quality,timestamp" strings, each with a PDQ hash of 64 '
                "hexadecimal digits, a quality from 0 to 100 and a timestamp in seconds."
            )
        ) from None
    if not frames:
        raise InvalidSignal(_("A vpdq signal must hold at least one frame."))
    if len(frames) > MAX_VPDQ_FRAMES:
        raise InvalidSignal(
            _("A vpdq signal may hold at most %(limit)d frames. Send a shorter video's signal.")
            % {"limit": MAX_VPDQ_FRAMES}
        )
    return vpdq_to_signal(frames)


def parse_signal(signal_type: str, value: str) -> tuple[str, str]:
    st = canonical_type(signal_type)
    return st, validate_signal(st, value)


def validate_bank_name(name: str) -> str:
    if not isinstance(name, str) or not BANK_NAME_RE.fullmatch(name) or len(name) > 100:
        raise InvalidSignal(
            _(
                "Bank names are written in CAPITALS_AND_UNDERSCORES (letters, digits and _), "
                "for example HOTLINE_CONFIRMED."
            )
        )
    return name


def pdq_bytes(hex_hash: str) -> np.ndarray:
    """A PDQ hex hash as the (32,) uint8 vector the index stores."""
    return np.frombuffer(bytes.fromhex(hex_hash), dtype=np.uint8)


def pdq_matrix(hex_hashes: list[str]) -> np.ndarray:
    """Many PDQ hex hashes as an (n, 32) uint8 matrix."""
    if not hex_hashes:
        return np.zeros((0, 32), dtype=np.uint8)
    return np.frombuffer(bytes.fromhex("".join(hex_hashes)), dtype=np.uint8).reshape(-1, 32)


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def hamming_hex(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def hamming_rows(matrix: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Hamming distance of each (32,) row of `matrix` to `query`."""
    return _POPCOUNT[np.bitwise_xor(matrix, query)].sum(axis=1, dtype=np.int32)
