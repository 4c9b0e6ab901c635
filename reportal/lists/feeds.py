"""Member feeds: each (list, version, format, since) is rendered and signed once, then served from a file."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from reportal.lists import formats, publishing, signing
from reportal.lists.models import ListKind, Publication


class FeedError(ValueError):
    """A request for a feed that cannot be served; the message says what to ask for instead."""


@dataclass(frozen=True)
class Feed:
    kind: str
    fmt: str
    version: int
    since: int | None
    path: Path
    signature_path: Path

    @property
    def content_type(self) -> str:
        return formats.CONTENT_TYPES[self.fmt]

    @property
    def filename(self) -> str:
        since = f"-since-{self.since}" if self.since is not None else ""
        return f"reportal-{self.kind}-v{self.version}{since}.{formats.EXTENSIONS[self.fmt]}"

    def body(self) -> bytes:
        return self.path.read_bytes()

    def signature(self) -> bytes:
        return self.signature_path.read_bytes()


def cache_dir() -> Path:
    path = Path(settings.DATA_DIR) / "lists" / "feeds"
    path.mkdir(parents=True, exist_ok=True)
    return path


def feed(kind: str, fmt: str, *, since: int | None = None, version: int | None = None) -> Feed:
    """The rendered, signed export; raises FeedError for a format, version or since that cannot be served."""
    if kind not in (ListKind.URLS, ListKind.KEYWORDS):
        raise FeedError(_("Unknown list."))
    if fmt not in formats.formats_for(kind):
        raise FeedError(
            _("Unknown format %(format)s; use one of: %(formats)s.")
            % {"format": fmt, "formats": ", ".join(formats.formats_for(kind))}
        )
    latest = publishing.latest(kind)
    latest_version = latest.version if latest else 0
    target = latest
    if version is not None and version != latest_version:
        if version < 0 or version > latest_version:
            raise FeedError(
                _("Version %(version)s does not exist; the latest is %(latest)s.")
                % {"version": version, "latest": latest_version}
            )
        target = publishing.publication(kind, version) if version else None
    target_version = target.version if target else 0
    since_pub: Publication | None = None
    if since is not None:
        if fmt == "rpz":
            raise FeedError(_("A response policy zone is always the full list; ask without since."))
        if since < 0 or since > target_version:
            raise FeedError(
                _("You asked for changes since version %(since)s, but the latest is %(latest)s; fetch the full list.")
                % {"since": since, "latest": target_version}
            )
        since_pub = publishing.publication(kind, since) if since else None
    name = f"{kind}-v{target_version}-{target.token if target else '0'}-{fmt}"
    if since is not None:
        name += f"-since{since}-{since_pub.token if since_pub else '0'}"
    path = cache_dir() / f"{name}.{formats.EXTENSIONS[fmt]}"
    signature_path = path.with_name(path.name + ".sig")
    if not path.exists():
        _render(path, signature_path, kind, fmt, target, since)
    return Feed(kind=kind, fmt=fmt, version=target_version, since=since, path=path, signature_path=signature_path)


def _render(
    path: Path, signature_path: Path, kind: str, fmt: str, target: Publication | None, since: int | None
) -> None:
    # Write to temporary names, then rename the signature before the body: a body on disk always has its signature.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".render-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            formats.render(out, kind, fmt, target, since)
        signature = signing.sign(tmp.read_bytes())
        fd_sig, tmp_sig = tempfile.mkstemp(dir=path.parent, prefix=".render-")
        with os.fdopen(fd_sig, "wb") as out:
            out.write(signature)
        os.replace(tmp_sig, signature_path)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# A temporary file older than this was left by a process killed while rendering (a render of 1M entries takes
# seconds), so it can go; younger ones may still be written by another process.
STRAY_GRACE_SECONDS = 3600


def prune(keep_versions: int = 4) -> int:
    """Delete cached files of versions older than the latest few, and temporary files that a killed render left
    behind; returns how many files went."""
    keep: set[str] = set()
    for kind in (ListKind.URLS, ListKind.KEYWORDS):
        for pub in Publication.objects.filter(kind=kind).order_by("-version")[:keep_versions]:
            keep.add(f"{kind}-v{pub.version}-{pub.token}-")
    removed = 0
    stray_before = time.time() - STRAY_GRACE_SECONDS
    for path in cache_dir().iterdir():
        if path.name.startswith("."):
            if not path.name.startswith(".render-") or _mtime(path) > stray_before:
                continue
        elif any(path.name.startswith(prefix) for prefix in keep):
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:  # renamed or removed by the process that wrote it
        return time.time()


def warm(kind: str) -> list[Feed]:
    """Render the full exports of the latest version now, so the first member after a publication does not wait."""
    return [feed(kind, fmt) for fmt in formats.formats_for(kind)]
