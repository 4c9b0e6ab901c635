"""The police referral package as bytes: sealing (sign, encrypt) and checking. No database, no Django models, so
`reportal cases verify` runs anywhere with nothing but the archive and the hotline's public key.

One case, one file, a plain POSIX tar that standard tools open (format "reportal-police-package/1"):

    GT-0000012-police-package.tar
      MANIFEST.json          reference, time, signing key fingerprint, recipients, sha256 and size of every other file,
                             and the sha256 of the encrypted contents' own manifest
      MANIFEST.json.sig      Ed25519 signature of MANIFEST.json (base64 on one line, as the lists' .sig files)
      README.txt             how to check and open the package with reportal or with openssl, sha256sum and age
      case.tar.age           the case, encrypted with age (age-encryption.org/v1, X25519) to the police recipients:
        manifest.json / manifest.json.sig    the same again for the files inside, so the opened case stands alone
        case.json, case.html, evidence/<sha256>.<ext>

Both tars are written the same way every time (ustar, fixed owner and mode, mtime from the signed creation time), so
the checker rebuilds them from what it read and compares byte for byte: a change to any byte of the file, padding
and headers included, fails.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "reportal-police-package/1"
CONTENTS_FORMAT = "reportal-police-package-contents/1"
MANIFEST = "MANIFEST.json"
SIGNATURE = "MANIFEST.json.sig"
README = "README.txt"
PAYLOAD = "case.tar.age"
INNER_MANIFEST = "manifest.json"
INNER_SIGNATURE = "manifest.json.sig"
OUTER_NAMES = (MANIFEST, SIGNATURE, README, PAYLOAD)
FRESH_COPY = "Ask the hotline for a fresh copy of the package."

Recipient: TypeAlias = pyrage.x25519.Recipient | pyrage.ssh.Recipient
Identity: TypeAlias = pyrage.x25519.Identity | pyrage.ssh.Identity


class PackageError(Exception):
    """The package cannot be made (bad recipient key, no signing key); the message says what to do."""


class PackageInvalid(Exception):
    """The package failed a check; the message says which, why that matters, and what to do next."""


@dataclass(frozen=True)
class PackageFile:
    name: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Signer:
    """Signs with the hotline's Ed25519 key: `sign` returns the detached signature as base64 text."""

    sign: Callable[[bytes], bytes]
    public_key_pem: bytes


@dataclass(frozen=True)
class ListedFile:
    name: str
    sha256: str
    size: int
    content_type: str = ""


@dataclass
class Verified:
    """What a successful check established. `contents` holds the decrypted files (in memory) when an identity was
    given; otherwise only the signature and the encrypted payload's hash were checked."""

    reference: str
    created_at: str
    signing_key: str
    recipients: list[str]
    files: list[ListedFile]
    contents: dict[str, bytes] | None = None
    contents_files: list[ListedFile] = field(default_factory=list)


# --- keys ---------------------------------------------------------------------------------------------------------


def key_fingerprint(public_key_pem: bytes) -> str:
    """SHA256:<base64> of the raw 32-byte Ed25519 public key (the style of ssh-keygen -l)."""
    raw = load_public_key(public_key_pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise PackageError(
            "The public key is not a PEM public key. Give the hotline's signing key as published "
            "(a file that starts with -----BEGIN PUBLIC KEY-----)."
        ) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise PackageError(f"The public key is a {type(key).__name__}; police packages are signed with Ed25519.")
    return key


def parse_recipients(values: Iterable[str]) -> list[Recipient]:
    """age recipients (age1...) or SSH public keys (ssh-ed25519 / ssh-rsa ...), one per value; '#' lines skipped."""
    found: list[Recipient] = []
    for value in values:
        text = value.strip()
        if not text or text.startswith("#"):
            continue
        try:
            if text.startswith("ssh-"):
                found.append(pyrage.ssh.Recipient.from_str(text))
            else:
                found.append(pyrage.x25519.Recipient.from_str(text))
        except pyrage.RecipientError as exc:
            shown = text if len(text) <= 80 else text[:77] + "..."
            raise PackageError(
                f"{shown!r} is not a recipient key ({exc}). Give the police unit's age public key (age1..., made by "
                "age-keygen; share only the public line) or an SSH public key."
            ) from exc
    return found


def parse_identities(text: str) -> list[Identity]:
    """An age identity file (AGE-SECRET-KEY-1... lines, as age-keygen writes it) or an OpenSSH private key."""
    if "-----BEGIN OPENSSH PRIVATE KEY-----" in text:
        try:
            return [pyrage.ssh.Identity.from_buffer(text.encode())]
        except pyrage.IdentityError as exc:
            raise PackageError(f"The SSH private key cannot be read ({exc}); give it without a passphrase.") from exc
    found: list[Identity] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            found.append(pyrage.x25519.Identity.from_str(line))
        except pyrage.IdentityError as exc:
            raise PackageError(
                f"The identity is not an age secret key ({exc}). Give the file age-keygen wrote "
                "(a line that starts with AGE-SECRET-KEY-1)."
            ) from exc
    if not found:
        raise PackageError("The identity file holds no key. Give the file age-keygen wrote for the police unit.")
    return found


# --- sealing ------------------------------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(value: object) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False).encode() + b"\n"


def _tar(members: list[tuple[str, bytes]], mtime: int) -> bytes:
    """A ustar archive with no room for choice: fixed owner, mode and time, members in the given order."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = mtime
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def seal(
    reference: str,
    files: list[PackageFile],
    *,
    recipients: list[Recipient],
    recipient_names: list[str],
    signer: Signer,
    created_at: datetime,
    readme: str,
    hotline: str = "",
) -> bytes:
    """The package for one case, as bytes: the files signed, encrypted to `recipients`, the whole signed again."""
    if not recipients:
        raise PackageError("No recipient key: the package would be readable by no one. Give the police unit's key.")
    stamp = created_at.replace(microsecond=0)
    mtime = int(stamp.timestamp())
    fingerprint = key_fingerprint(signer.public_key_pem)
    listed = [
        {"name": f.name, "sha256": _sha256(f.data), "size": len(f.data), "content_type": f.content_type} for f in files
    ]
    inner_manifest = _json(
        {
            "format": CONTENTS_FORMAT,
            "reference": reference,
            "created_at": stamp.isoformat(),
            "hotline": hotline,
            "signing_key": fingerprint,
            "files": listed,
        }
    )
    inner = _tar(
        [(INNER_MANIFEST, inner_manifest), (INNER_SIGNATURE, signer.sign(inner_manifest))]
        + [(f.name, f.data) for f in files],
        mtime,
    )
    payload = pyrage.encrypt(inner, recipients)
    readme_bytes = readme.encode()
    manifest = _json(
        {
            "format": FORMAT,
            "reference": reference,
            "created_at": stamp.isoformat(),
            "hotline": hotline,
            "signing_key": fingerprint,
            "recipients": recipient_names,
            "contents_manifest_sha256": _sha256(inner_manifest),
            "files": [
                {"name": README, "sha256": _sha256(readme_bytes), "size": len(readme_bytes)},
                {"name": PAYLOAD, "sha256": _sha256(payload), "size": len(payload)},
            ],
        }
    )
    return _tar(
        [(MANIFEST, manifest), (SIGNATURE, signer.sign(manifest)), (README, readme_bytes), (PAYLOAD, payload)],
        mtime,
    )


# --- checking -----------------------------------------------------------------------------------------------------


def _members(data: bytes, what: str) -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for info in tar:
                handle = tar.extractfile(info) if info.isreg() else None
                if handle is None:
                    raise PackageInvalid(f"{what} holds {info.name!r}, which is not a plain file. {FRESH_COPY}")
                found.append((info.name, handle.read()))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise PackageInvalid(
            f"{what} cannot be read as a tar archive ({exc}): it is damaged, cut short or not a police package. "
            f"{FRESH_COPY}"
        ) from exc
    return found


def _expect_names(members: list[tuple[str, bytes]], names: tuple[str, ...], what: str) -> None:
    got = tuple(name for name, _data in members)
    if got[: len(names)] != names:
        raise PackageInvalid(
            f"{what} should hold {', '.join(names)} (in that order) but holds {', '.join(got) or 'nothing'}: it was "
            f"changed, or it is not a police package made by reportal. {FRESH_COPY}"
        )


def _check_signature(data: bytes, signature: bytes, key: Ed25519PublicKey, given: str, what: str) -> None:
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
        # Only the one spelling sealing writes: base64 leaves spare bits that decoding would otherwise ignore.
        if base64.b64encode(raw) + b"\n" == signature:
            key.verify(raw, data)
            return
    except (binascii.Error, ValueError, InvalidSignature):
        pass
    try:
        named = str(json.loads(data).get("signing_key", "?"))
    except (ValueError, AttributeError):
        named = "unreadable"
    raise PackageInvalid(
        f"The signature of {what} does not match the public key you gave ({given}; the package names {named}). "
        "Either the package was changed after it was signed, or it was signed with another key. Check that you have "
        f"the hotline's published signing key. {FRESH_COPY}"
    )


def _manifest(data: bytes, expected_format: str, what: str) -> dict[str, object]:
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise PackageInvalid(f"{what} is signed but is not JSON ({exc}). {FRESH_COPY}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != expected_format:
        raise PackageInvalid(
            f"{what} is not a {expected_format} manifest: this version of reportal cannot check it. "
            "Use the reportal release the hotline names, or ask the hotline."
        )
    return manifest


def _as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _listed(manifest: dict[str, object]) -> list[ListedFile]:
    rows = _as_list(manifest.get("files"))
    return [
        ListedFile(str(r["name"]), str(r["sha256"]), int(r["size"]), str(r.get("content_type", "")))
        for r in rows
        if isinstance(r, dict)
    ]


def _check_files(listed: list[ListedFile], members: dict[str, bytes], what: str) -> None:
    for entry in listed:
        data = members.get(entry.name)
        if data is None:
            raise PackageInvalid(f"{entry.name} is listed in {what} but missing from the package. {FRESH_COPY}")
        if len(data) != entry.size or _sha256(data) != entry.sha256:
            raise PackageInvalid(
                f"{entry.name} does not match its SHA-256 in the signed {what} (expected {entry.sha256}, found "
                f"{_sha256(data)}): it was changed or damaged after signing. {FRESH_COPY}"
            )


def _check_framing(original: bytes, members: list[tuple[str, bytes]], mtime: int, what: str) -> None:
    rebuilt = _tar(members, mtime)
    if rebuilt == original:
        return
    offset = next(
        (i for i, (a, b) in enumerate(zip(original, rebuilt, strict=False)) if a != b), min(len(original), len(rebuilt))
    )
    raise PackageInvalid(
        f"{what} differs from the archive that was signed at byte {offset} (a tar header, padding or added data, "
        f"outside the signed files): it was changed after signing. {FRESH_COPY}"
    )


def _mtime(manifest: dict[str, object]) -> int:
    try:
        return int(datetime.fromisoformat(str(manifest.get("created_at"))).timestamp())
    except ValueError as exc:
        raise PackageInvalid(f"The signed manifest has no readable creation time ({exc}). {FRESH_COPY}") from exc


def verify(archive: bytes, public_key_pem: bytes, identities: list[Identity] | None = None) -> Verified:
    """Check a package: the signature, the hash of every file, and the archive byte for byte; with identities, also
    decrypt (in memory) and check the signed contents. Raises PackageInvalid with what failed and what to do."""
    key = load_public_key(public_key_pem)
    given = key_fingerprint(public_key_pem)
    members = _members(archive, "The package")
    _expect_names(members, OUTER_NAMES, "The package")
    if len(members) != len(OUTER_NAMES):
        extra = ", ".join(name for name, _data in members[len(OUTER_NAMES) :])
        raise PackageInvalid(f"The package holds files that were not signed ({extra}). {FRESH_COPY}")
    by_name = dict(members)
    _check_signature(by_name[MANIFEST], by_name[SIGNATURE], key, given, MANIFEST)
    manifest = _manifest(by_name[MANIFEST], FORMAT, MANIFEST)
    listed = _listed(manifest)
    if sorted(f.name for f in listed) != sorted((README, PAYLOAD)):
        raise PackageInvalid(f"{MANIFEST} does not list {README} and {PAYLOAD}. {FRESH_COPY}")
    _check_files(listed, by_name, MANIFEST)
    mtime = _mtime(manifest)
    _check_framing(archive, members, mtime, "The package")
    result = Verified(
        reference=str(manifest.get("reference", "")),
        created_at=str(manifest.get("created_at", "")),
        signing_key=str(manifest.get("signing_key", "")),
        recipients=[str(r) for r in _as_list(manifest.get("recipients"))],
        files=listed,
    )
    if identities:
        _open_contents(result, by_name[PAYLOAD], manifest, identities, key, given, mtime)
    return result


def _open_contents(
    result: Verified,
    payload: bytes,
    manifest: dict[str, object],
    identities: list[Identity],
    key: Ed25519PublicKey,
    given: str,
    mtime: int,
) -> None:
    try:
        inner = pyrage.decrypt(payload, identities)
    except pyrage.DecryptError as exc:
        raise PackageInvalid(
            f"The identity you gave cannot open {PAYLOAD} ({exc}). It was encrypted for: "
            f"{', '.join(result.recipients) or 'recipients not named'}. Give the secret key that belongs to one of "
            "them (the file age-keygen wrote for the police unit)."
        ) from exc
    what = f"The encrypted contents ({PAYLOAD})"
    members = _members(inner, what)
    _expect_names(members, (INNER_MANIFEST, INNER_SIGNATURE), what)
    by_name = dict(members)
    if len(by_name) != len(members):
        raise PackageInvalid(f"{what} holds a file name twice. {FRESH_COPY}")
    if _sha256(by_name[INNER_MANIFEST]) != manifest.get("contents_manifest_sha256"):
        raise PackageInvalid(f"{what} hold a manifest other than the one {MANIFEST} signs. {FRESH_COPY}")
    _check_signature(by_name[INNER_MANIFEST], by_name[INNER_SIGNATURE], key, given, INNER_MANIFEST)
    contents_manifest = _manifest(by_name[INNER_MANIFEST], CONTENTS_FORMAT, INNER_MANIFEST)
    listed = _listed(contents_manifest)
    unlisted = set(by_name) - {INNER_MANIFEST, INNER_SIGNATURE} - {f.name for f in listed}
    if unlisted:
        raise PackageInvalid(f"{what} hold files that were not signed ({', '.join(sorted(unlisted))}). {FRESH_COPY}")
    _check_files(listed, by_name, INNER_MANIFEST)
    _check_framing(inner, members, mtime, what)
    result.contents = {f.name: by_name[f.name] for f in listed}
    result.contents_files = listed
