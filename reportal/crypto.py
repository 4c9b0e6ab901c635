"""Encryption at rest for what reporters choose to give us (their e-mail address): Fernet from `cryptography`.

The key comes from REPORTAL_ENCRYPTION_KEY: one Fernet key, or several separated by commas to rotate (the first
encrypts, all decrypt). Without it, the demo generates one into DATA_DIR/encryption_key. Losing the key loses
the addresses, never the reports.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "encryption_key"


class DecryptionFailed(Exception):
    """The token was not made with any configured key (the key changed or the value was tampered with)."""


def _key_file(data_dir: Path) -> str:
    path = Path(data_dir) / KEY_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)  # first use in a fresh install (settings create nothing)
        # O_EXCL: two workers starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
    return path.read_text().strip()


@functools.lru_cache(maxsize=4)
def _cipher(configured: str, data_dir: str) -> MultiFernet:
    keys = [k.strip() for k in (configured or _key_file(Path(data_dir))).split(",") if k.strip()]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "REPORTAL_ENCRYPTION_KEY must be one or more Fernet keys separated by commas (make one with: "
            'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
        ) from None


def cipher() -> MultiFernet:
    return _cipher(settings.REPORTAL_ENCRYPTION_KEY, str(settings.DATA_DIR))


def encrypt(text: str) -> str:
    """A Fernet token (ASCII) for `text`; empty stays empty."""
    if not text:
        return ""
    return cipher().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """The text inside a token from `encrypt`; raises DecryptionFailed if no configured key opens it."""
    if not token:
        return ""
    try:
        return cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as exc:
        raise DecryptionFailed("This value cannot be decrypted with the configured keys.") from exc


def rotate(token: str) -> str:
    """Re-encrypt a token under the current first key (after adding a new key in front)."""
    return cipher().rotate(token.encode("ascii")).decode("ascii") if token else ""
