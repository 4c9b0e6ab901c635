"""Ed25519 signatures on every export, so a member can prove a download came from this hotline unchanged."""

from __future__ import annotations

import base64
import binascii
import os
import threading
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_lock = threading.Lock()
_cache: dict[tuple[str, str], Ed25519PrivateKey] = {}


def _configured() -> str:
    return str(getattr(settings, "REPORTAL_LIST_SIGNING_KEY", "") or "")


def _demo_key_file() -> Path:
    return Path(settings.DATA_DIR) / "list-signing-key.pem"


def private_key() -> Ed25519PrivateKey:
    """The signing key: REPORTAL_LIST_SIGNING_KEY (a PEM text or a path to one), else one generated for the demo."""
    source = _configured()
    cache_key = (source, str(settings.DATA_DIR))
    with _lock:
        if cache_key not in _cache:
            _cache[cache_key] = _load(source)
        return _cache[cache_key]


def _load(source: str) -> Ed25519PrivateKey:
    if source.lstrip().startswith("-----BEGIN"):
        pem = source.encode()
        origin = "REPORTAL_LIST_SIGNING_KEY"
    elif source:
        path = Path(source)
        if not path.is_file():
            raise ImproperlyConfigured(
                f"REPORTAL_LIST_SIGNING_KEY points to {source}, which is not a file; give a PEM file or the PEM text."
            )
        pem = path.read_bytes()
        origin = source
    else:
        path = _demo_key_file()
        if not path.exists():
            _generate(path)
        pem = path.read_bytes()
        origin = str(path)
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{origin} is not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{origin} holds a {type(key).__name__}; the list signing key must be Ed25519.")
    return key


def _generate(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    # Two processes may generate at once; the first rename wins and both then read the same file.
    if not path.exists():
        os.replace(tmp, path)
    else:
        tmp.unlink(missing_ok=True)


def public_key_pem() -> bytes:
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def sign(data: bytes) -> bytes:
    """The detached signature of `data`, base64 on one line (what the signature endpoints serve)."""
    return base64.b64encode(private_key().sign(data)) + b"\n"


def decode_signature(signature: bytes) -> bytes:
    """A signature as downloaded: base64 text (what the endpoints serve), or the raw 64 bytes."""
    if len(signature) == 64:
        return signature  # base64 of 64 bytes is 88 characters, so 64 bytes can only be raw
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("The signature is neither base64 text nor 64 raw bytes.") from exc
    if len(raw) != 64:
        raise ValueError(f"An Ed25519 signature has 64 bytes; this one has {len(raw)}.")
    return raw


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("The public key is not an Ed25519 key.")
    return key


def verify(data: bytes, signature: bytes, public_pem: bytes | None = None) -> bool:
    """True when `signature` (base64 or raw) is this key's signature of exactly `data`."""
    key = load_public_key(public_pem) if public_pem else private_key().public_key()
    try:
        key.verify(decode_signature(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True
