"""The matching service of one process: an in-memory index per signal type, kept in step with the database.

- On first use a process loads the newest persisted index (written by `reportal hashes build-index` or the
  periodic merge task) instead of rebuilding; without one it builds from the database.
- Every look-up compares the shared version counter (Redis in scale-out, the database otherwise); when it has
  moved, the rows newer than the index's high-water mark are added, so a new hash matches on the next call.
- Candidates are checked against the database before they are returned (entry enabled, bank switched on, the
  bank's PDQ threshold), so a disabled entry or bank stops matching at once in every process.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Min

from reportal.hashes import banks as bank_services
from reportal.hashes import vpdq_match
from reportal.hashes.bruteforce import BruteForcePDQIndex, DictCryptoHashIndex
from reportal.hashes.hashing import PDQ_MIN_QUALITY
from reportal.hashes.models import Bank, BankContent, IndexBuild
from reportal.hashes.protocols import DigestIndex, PDQHashIndex
from reportal.hashes.signals import CRYPTO_TYPES, MAX_PDQ_DISTANCE, PDQ, SIGNAL_TYPES, VPDQ, pdq_matrix
from reportal.hashes.video import parse_vpdq_signal

logger = logging.getLogger(__name__)

# Rows whose id was skipped (a transaction still open elsewhere) are looked for again for this long.
GAP_WAIT_SECONDS = 120.0
# A newer persisted index is looked for at most this often.
BUILD_CHECK_SECONDS = 30.0
# The persisted build covers rows older than this, so a slow transaction cannot leave a hole behind it.
BUILD_SETTLE_SECONDS = 60.0
_CHUNK = 20_000


def _pdq_index_class() -> type[PDQHashIndex]:
    try:
        from reportal.hashes.index import PDQIndex  # the fast exact multi-index hash (C)

        return PDQIndex
    except ImportError:
        return BruteForcePDQIndex


def _crypto_index(signal_type: str) -> DigestIndex:
    try:
        from reportal.hashes.index import CryptoHashIndex  # sorted runs of digests, mmap-friendly files

        return CryptoHashIndex(digest_size=_DIGEST_SIZE[signal_type])
    except ImportError:
        return DictCryptoHashIndex()


def _crypto_index_load(path: str) -> DigestIndex:
    try:
        from reportal.hashes.index import CryptoHashIndex

        return CryptoHashIndex.load(path)
    except ImportError:
        return DictCryptoHashIndex.load(path)


_DIGEST_SIZE = {"md5": 16, "sha1": 20, "sha256": 32}
_NO_IDS = np.zeros(0, dtype=np.int64)
_NO_HASHES = np.zeros((0, 32), dtype=np.uint8)


def _pairs(result: Any) -> list[tuple[int, int]]:
    """(id, distance) pairs from whatever shape an index's search returns."""
    if result is None:
        return []
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], np.ndarray):
        ids, dists = result
        return [(int(i), int(d)) for i, d in zip(ids.tolist(), dists.tolist(), strict=True)]
    out = []
    for item in result:
        if isinstance(item, tuple | list | np.ndarray):
            out.append((int(item[0]), int(item[1])))
        else:
            out.append((int(item.id), int(item.distance)))
    return out


@dataclass(frozen=True)
class Match:
    """A bank entry that matches a query signal."""

    content_id: int
    bank: str
    signal_type: str
    # For vPDQ: 100 minus the query match percent (0 when every frame of the query found its match).
    distance: int
    classification: str = ""
    query_match_percent: float | None = None
    compared_match_percent: float | None = None

    @property
    def distance_text(self) -> str:
        """The distance as HMA writes it: bits for PDQ, "query%[compared%]" for vPDQ."""
        if self.query_match_percent is not None and self.compared_match_percent is not None:
            return f"{self.query_match_percent:.0f}%[{self.compared_match_percent:.0f}%]"
        return str(self.distance)


def index_dir() -> Path:
    path = Path(settings.REPORTAL_HASH_INDEX_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _digest(value: str) -> bytes:
    return bytes.fromhex(value)


class ProcessMatcher:
    """Indexes of every signal type for this process; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._reset()

    def _reset(self) -> None:
        self.pdq_index: PDQHashIndex = _pdq_index_class().build(_NO_IDS, _NO_HASHES)
        # Frames of bank videos, under vpdq_match.frame_id ids.
        self.vpdq_index: PDQHashIndex = _pdq_index_class().build(_NO_IDS, _NO_HASHES)
        self.crypto: dict[str, DigestIndex] = {t: _crypto_index(t) for t in CRYPTO_TYPES}
        self.sizes: dict[str, int] = dict.fromkeys(SIGNAL_TYPES, 0)
        self.high_water = 0
        self.gaps: dict[int, float] = {}
        self.version = -1
        self.build_ids: dict[str, int] = {}
        self.build_hwm = 0
        self.built_to = -1
        self.loaded = False
        self.last_build_check = 0.0
        self.last_gap_check = 0.0
        # The lowest vPDQ query match percent of any bank: how few query frames a look-up must search.
        self.vpdq_min_query_percent = 0.0

    # --- keeping in step -----------------------------------------------------------------------------------

    def ensure_fresh(self) -> None:
        version = bank_services.current_version()
        with self._lock:
            now = time.monotonic()
            if not self.loaded or now - self.last_build_check > BUILD_CHECK_SECONDS:
                self.last_build_check = now
                self._load_newer_build()
            if version != self.version or (self.gaps and now - self.last_gap_check > 1.0):
                self.last_gap_check = now
                self._add_new_rows()
                if version != self.version:
                    lowest = Bank.objects.aggregate(m=Min("vpdq_query_match_percent"))["m"]
                    self.vpdq_min_query_percent = float(lowest) if lowest is not None else 0.0
                self.version = version

    def _load_newer_build(self) -> None:
        latest = {b.signal_type: b for b in IndexBuild.objects.filter(signal_type__in=SIGNAL_TYPES).order_by("id")}
        if self.loaded and all(self.build_ids.get(t) == b.pk for t, b in latest.items()):
            return
        if len(latest) == len(SIGNAL_TYPES) and all(Path(b.path).exists() for b in latest.values()):
            hwm = min(b.high_water_id for b in latest.values())
            try:
                pdq = _pdq_index_class().load(latest[PDQ].path)
                vpdq = _pdq_index_class().load(latest[VPDQ].path)
                crypto = {t: _crypto_index_load(latest[t].path) for t in CRYPTO_TYPES}
            except Exception as exc:  # a damaged or foreign file: the database is the truth, rebuild from it
                logger.warning("hash index files could not be loaded (%s); building from the database", exc)
            else:
                self._reset()
                self.pdq_index, self.vpdq_index, self.crypto = pdq, vpdq, crypto
                self.sizes = {t: int(b.size) for t, b in latest.items()}
                self.build_ids = {t: b.pk for t, b in latest.items()}
                self.high_water = self.build_hwm = hwm
                self.built_to = int(max(b.built_at.timestamp() for b in latest.values()))
                self.loaded = True
                self.version = -1
                return
        if not self.loaded:
            self._reset()
            self.loaded = True
            self.version = -1

    def _add_rows(self, rows: Sequence[tuple[int, str, int | None, str, str, str, str]]) -> None:
        pdq_ids, pdq_hex = [], []
        crypto_rows: dict[str, tuple[list[int], list[bytes]]] = {t: ([], []) for t in CRYPTO_TYPES}
        frame_ids, frame_hashes = vpdq_match.index_rows((r[0], r[6]) for r in rows)
        if frame_ids.size:
            self.vpdq_index.add(frame_ids, frame_hashes)
            self.sizes[VPDQ] += int(frame_ids.size)
        for cid, pdq, quality, md5, sha1, sha256, _vpdq in rows:
            if pdq and (quality is None or quality >= PDQ_MIN_QUALITY):
                pdq_ids.append(cid)
                pdq_hex.append(pdq)
            for name, value in (("md5", md5), ("sha1", sha1), ("sha256", sha256)):
                if value:
                    crypto_rows[name][0].append(cid)
                    crypto_rows[name][1].append(_digest(value))
        if pdq_ids:
            self.pdq_index.add(np.asarray(pdq_ids, dtype=np.int64), pdq_matrix(pdq_hex))
            self.sizes[PDQ] += len(pdq_ids)
        for name, (ids, digests) in crypto_rows.items():
            if ids:
                self.crypto[name].add(np.asarray(ids, dtype=np.int64), digests)
                self.sizes[name] += len(ids)

    def _add_new_rows(self) -> None:
        fields = ("id", "pdq", "pdq_quality", "md5", "sha1", "sha256", "vpdq")
        now = time.monotonic()
        gap_ids = list(self.gaps)
        seen: set[int] = set()
        last = self.high_water
        while True:
            chunk = list(BankContent.objects.filter(id__gt=last).order_by("id").values_list(*fields)[:_CHUNK])
            if not chunk:
                break
            self._add_rows(chunk)
            seen.update(r[0] for r in chunk)
            last = chunk[-1][0]
            if len(chunk) < _CHUNK:
                break
        for start in range(0, len(gap_ids), 500):
            late = list(BankContent.objects.filter(id__in=gap_ids[start : start + 500]).values_list(*fields))
            self._add_rows(late)
            for row in late:
                self.gaps.pop(row[0], None)
        if seen:
            expected = set(range(self.high_water + 1, last + 1))
            for missing in expected - seen:
                self.gaps[missing] = now
            self.high_water = last
        for gid, first in list(self.gaps.items()):
            if now - first > GAP_WAIT_SECONDS:
                del self.gaps[gid]

    # --- look-ups ------------------------------------------------------------------------------------------

    def candidates(self, queries: Sequence[tuple[str, str]]) -> list[list[tuple[int, int]]]:
        """(content id, distance) candidates per query, before enable/threshold checks."""
        self.ensure_fresh()
        out: list[list[tuple[int, int]]] = [[] for _ in queries]
        pdq_positions = [i for i, (t, _v) in enumerate(queries) if t == PDQ]
        with self._lock:
            # The indexes are safe to search while another thread adds to them; only swapping them needs the lock.
            pdq_index, crypto = self.pdq_index, self.crypto
        if pdq_positions:
            matrix = pdq_matrix([queries[i][1] for i in pdq_positions])
            if len(pdq_positions) > 1:
                results = pdq_index.search_batch(matrix, MAX_PDQ_DISTANCE)
            else:
                results = [pdq_index.search(matrix[0], MAX_PDQ_DISTANCE)]
            for pos, result in zip(pdq_positions, results, strict=True):
                out[pos] = _pairs(result)
        for i, (signal_type, value) in enumerate(queries):
            if signal_type in CRYPTO_TYPES:
                out[i] = [(cid, 0) for cid in crypto[signal_type].search(_digest(value))]
        return out

    def vpdq_candidates(self, frames_matrix: np.ndarray) -> set[int]:
        """Bank content ids of the videos with a frame within 31 bits of one of these query frames."""
        self.ensure_fresh()
        with self._lock:
            index = self.vpdq_index
        if not len(frames_matrix):
            return set()
        found: set[int] = set()
        for result in index.search_batch(frames_matrix, MAX_PDQ_DISTANCE):
            pairs = _pairs(result)
            if pairs:
                found.update(vpdq_match.content_of(np.fromiter((p[0] for p in pairs), dtype=np.int64)).tolist())
        return found

    def status(self) -> dict[str, dict[str, Any]]:
        self.ensure_fresh()
        with self._lock:
            present = bool(self.build_ids) or self.loaded
            return {
                t: {
                    "present": present,
                    "built_to": self.built_to if self.build_ids else (self.high_water and int(time.time())) or -1,
                    "size": int(self.sizes.get(t, 0)),
                }
                for t in SIGNAL_TYPES
            }


_matcher: ProcessMatcher | None = None
_matcher_lock = threading.Lock()


def get_matcher() -> ProcessMatcher:
    global _matcher
    with _matcher_lock:
        if _matcher is None:
            _matcher = ProcessMatcher()
        return _matcher


def reset_matcher() -> None:
    """Forget this process's indexes (tests; after a restore)."""
    global _matcher
    with _matcher_lock:
        _matcher = None


def _content_rows(ids: list[int]) -> list[tuple[int, str, float, int, int, str]]:
    """(id, bank name, bank ratio, bank PDQ threshold, disable_until_ts, classification) of these entries.

    Plain SQL: this runs on every look-up that has a candidate, and the ORM's query building would dominate it.
    """
    qn = connection.ops.quote_name
    content, bank = qn(BankContent._meta.db_table), qn(Bank._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        f"SELECT c.id, b.name, b.matching_enabled_ratio, b.pdq_threshold, c.disable_until_ts, c.classification "  # noqa: S608
        f"FROM {content} c JOIN {bank} b ON b.id = c.bank_id WHERE c.id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]


def lookup(
    queries: Sequence[tuple[str, str]],
    *,
    banks: Iterable[str] | None = None,
    seed: str | None = None,
    bypass_coinflip: bool = False,
    include_switched_off: bool = False,
) -> list[list[Match]]:
    """Matches per (signal_type, value) query: entries enabled, banks on, within each bank's PDQ threshold.

    A bank's matching_enabled_ratio works as in HMA: each look-up draws one coin in [0, 1) (seeded by `seed`, so
    one piece of content always gets the same answer), and a bank matches when its ratio reaches the coin;
    `bypass_coinflip` makes the coin 0. A switched-off bank (ratio 0) never matches unless
    `include_switched_off` (HMA's bypass_coinflip on /m/lookup lets it through).
    """
    if any(signal_type == VPDQ for signal_type, _v in queries):
        options: dict[str, Any] = {
            "banks": banks,
            "seed": seed,
            "bypass_coinflip": bypass_coinflip,
            "include_switched_off": include_switched_off,
        }
        others = iter(lookup([q for q in queries if q[0] != VPDQ], **options))
        return [
            lookup_vpdq(parse_vpdq_signal(value), **options) if signal_type == VPDQ else next(others)
            for signal_type, value in queries
        ]
    if not queries:
        return []
    matcher = get_matcher()
    found = matcher.candidates(queries)
    ids = {cid for cands in found for cid, _d in cands}
    if not ids:
        return [[] for _ in queries]
    wanted_banks = set(banks) if banks is not None else None
    rows: dict[int, tuple[str, float, int, int, str]] = {}
    id_list = sorted(ids)
    now = time.time()
    for start in range(0, len(id_list), 500):
        for cid, bank_name, ratio, threshold, disable_until, classification in _content_rows(
            id_list[start : start + 500]
        ):
            enabled = disable_until == BankContent.ENABLED or (disable_until > 1 and disable_until <= now)
            if enabled:
                rows[cid] = (bank_name, ratio, threshold, disable_until, classification)
    coin = 0.0 if bypass_coinflip else random.Random(seed).random()  # noqa: S311 (sampling, not security)
    results: list[list[Match]] = []
    for (signal_type, _value), cands in zip(queries, found, strict=True):
        matches = []
        for cid, distance in cands:
            row = rows.get(cid)
            if row is None:
                continue
            bank_name, ratio, threshold, _du, classification = row
            if wanted_banks is not None and bank_name not in wanted_banks:
                continue
            if signal_type == PDQ and distance > threshold:
                continue
            if ratio <= 0.0 and not include_switched_off:
                continue
            if ratio < coin:
                continue
            matches.append(Match(cid, bank_name, signal_type, distance, classification))
        matches.sort(key=lambda m: (m.distance, m.content_id))
        results.append(matches)
    return results


def _vpdq_content_rows(ids: list[int]) -> list[tuple[Any, ...]]:
    """(id, bank name, ratio, vPDQ distance, quality, query %, compared %, disable_until_ts, classification, vpdq)."""
    qn = connection.ops.quote_name
    content, bank = qn(BankContent._meta.db_table), qn(Bank._meta.db_table)
    placeholders = ", ".join(["%s"] * len(ids))
    sql = (
        "SELECT c.id, b.name, b.matching_enabled_ratio, b.vpdq_distance_threshold, b.vpdq_quality_threshold, "  # noqa: S608
        "b.vpdq_query_match_percent, b.vpdq_compared_match_percent, c.disable_until_ts, c.classification, c.vpdq "
        f"FROM {content} c JOIN {bank} b ON b.id = c.bank_id WHERE c.id IN ({placeholders})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        return [tuple(row) for row in cursor.fetchall()]


def lookup_vpdq(
    frames: Sequence[Any],
    *,
    banks: Iterable[str] | None = None,
    seed: str | None = None,
    bypass_coinflip: bool = False,
    include_switched_off: bool = False,
) -> list[Match]:
    """Bank videos that a video's vPDQ frames match under each bank's vPDQ settings, best first.

    The frame index finds the candidates; each is then scored against its stored signal exactly as
    threatexchange's brute-force matcher does (vpdq_match.score). Enabled entries, switched-on banks and the
    coin work as in lookup().
    """
    query = vpdq_match.prepare_frames(list(frames), vpdq_match.VPDQ_QUALITY_THRESHOLD)
    if not query:
        return []
    process_matcher = get_matcher()
    process_matcher.ensure_fresh()
    sample = vpdq_match.search_sample(query, process_matcher.vpdq_min_query_percent)
    candidates = process_matcher.vpdq_candidates(pdq_matrix([f.pdq_hex for f in sample]))
    if not candidates:
        return []
    wanted_banks = set(banks) if banks is not None else None
    coin = 0.0 if bypass_coinflip else random.Random(seed).random()  # noqa: S311 (sampling, not security)
    now = time.time()
    id_list = sorted(candidates)
    matches: list[Match] = []
    for start in range(0, len(id_list), 500):
        for row in _vpdq_content_rows(id_list[start : start + 500]):
            cid, bank_name, ratio, distance, quality, query_pct, compared_pct, disable_until, classification, signal = (
                row
            )
            if not (disable_until == BankContent.ENABLED or (disable_until > 1 and disable_until <= now)):
                continue
            if wanted_banks is not None and bank_name not in wanted_banks:
                continue
            if (ratio <= 0.0 and not include_switched_off) or ratio < coin:
                continue
            try:
                stored = parse_vpdq_signal(signal)
            except ValueError:
                continue
            result = vpdq_match.score(
                frames,
                stored,
                vpdq_match.VpdqSettings(int(distance), int(quality), float(query_pct), float(compared_pct)),
            )
            if result.matched:
                matches.append(
                    Match(
                        cid,
                        bank_name,
                        VPDQ,
                        round(100.0 - result.query_match_percent),
                        classification,
                        result.query_match_percent,
                        result.compared_match_percent,
                    )
                )
    matches.sort(key=lambda m: (m.distance, -(m.compared_match_percent or 0.0), m.content_id))
    return matches


# --- persisted index ----------------------------------------------------------------------------------------


def build_index(*, settle_seconds: float = BUILD_SETTLE_SECONDS, progress: Any = None) -> dict[str, Any]:
    """Write the index files of every signal type from the database and record them; returns a summary.

    Rows younger than `settle_seconds` are left to the processes' side buffers, so a transaction that commits
    late cannot leave a hole below the build's high-water mark.
    """
    started = time.monotonic()
    hwm = (
        BankContent.objects.filter(created_at__lte=_aware(time.time() - settle_seconds)).aggregate(m=Max("id"))["m"]
        or 0
    )
    pdq_ids: list[np.ndarray] = []
    pdq_rows: list[np.ndarray] = []
    crypto_parts: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {t: ([], []) for t in CRYPTO_TYPES}
    last = 0
    fields = ("id", "pdq", "pdq_quality", "md5", "sha1", "sha256", "vpdq")
    frame_ids: list[np.ndarray] = []
    frame_rows: list[np.ndarray] = []
    while last < hwm:
        chunk = list(
            BankContent.objects.filter(id__gt=last, id__lte=hwm).order_by("id").values_list(*fields)[: _CHUNK * 5]
        )
        if not chunk:
            break
        chunk_frame_ids, chunk_frames = vpdq_match.index_rows((r[0], r[6]) for r in chunk if r[6])
        if chunk_frame_ids.size:
            frame_ids.append(chunk_frame_ids)
            frame_rows.append(chunk_frames)
        matchable = [r for r in chunk if r[1] and (r[2] is None or r[2] >= PDQ_MIN_QUALITY)]
        if matchable:
            pdq_ids.append(np.fromiter((r[0] for r in matchable), dtype=np.int64, count=len(matchable)))
            pdq_rows.append(pdq_matrix([r[1] for r in matchable]))
        for position, name in ((3, "md5"), (4, "sha1"), (5, "sha256")):
            rows = [r for r in chunk if r[position]]
            if rows:
                crypto_parts[name][0].append(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
                crypto_parts[name][1].append(
                    np.frombuffer(bytes.fromhex("".join(r[position] for r in rows)), dtype=np.uint8).reshape(
                        len(rows), -1
                    )
                )
        last = chunk[-1][0]
        if progress:
            progress(last, hwm)
    ids = np.concatenate(pdq_ids) if pdq_ids else np.zeros(0, dtype=np.int64)
    hashes = np.concatenate(pdq_rows) if pdq_rows else np.zeros((0, 32), dtype=np.uint8)
    pdq_index = _pdq_index_class().build(ids, hashes)
    sizes = {PDQ: int(ids.size)}
    vpdq_index = _pdq_index_class().build(
        np.concatenate(frame_ids) if frame_ids else _NO_IDS, np.concatenate(frame_rows) if frame_rows else _NO_HASHES
    )
    sizes[VPDQ] = int(sum(p.size for p in frame_ids))
    crypto: dict[str, DigestIndex] = {}
    for name, (id_parts, digest_parts) in crypto_parts.items():
        crypto[name] = _crypto_index(name)
        if id_parts:
            digests = np.concatenate(digest_parts)
            crypto[name].add(np.concatenate(id_parts), [row.tobytes() for row in digests])
        sizes[name] = int(sum(p.size for p in id_parts))
    directory = index_dir()
    stamp = f"{int(time.time() * 1000)}"
    paths: dict[str, Path] = {}
    for signal_type in SIGNAL_TYPES:
        final = directory / f"{signal_type}-{stamp}.idx"
        tmp = directory / f".{signal_type}-{stamp}.tmp"
        if signal_type == PDQ:
            pdq_index.save(tmp)
        elif signal_type == VPDQ:
            vpdq_index.save(tmp)
        else:
            crypto[signal_type].save(tmp)
        tmp.replace(final)
        paths[signal_type] = final
    seconds = time.monotonic() - started
    with transaction.atomic():
        for signal_type, path in paths.items():
            IndexBuild.objects.create(
                signal_type=signal_type,
                path=str(path),
                high_water_id=hwm,
                size=sizes[signal_type],
                seconds=seconds,
            )
    _prune_old_builds(keep=2)
    summary = {"high_water_id": hwm, "sizes": sizes, "seconds": round(seconds, 3)}
    (directory / "latest.json").write_text(json.dumps({**summary, "stamp": stamp}))
    return summary


# An index file that no build records, older than this, was left by a process killed between writing it and
# recording it (a build of 10M hashes takes seconds); younger ones may belong to a build still under way.
STRAY_INDEX_GRACE_SECONDS = 3600


def _prune_old_builds(keep: int) -> None:
    for signal_type in SIGNAL_TYPES:
        old = list(IndexBuild.objects.filter(signal_type=signal_type).order_by("-id")[keep:])
        for build in old:
            Path(build.path).unlink(missing_ok=True)
            build.delete()
    prune_stray_index_files()


def prune_stray_index_files() -> int:
    """Delete index files (and temporary files) in the index folder that no build records and that are older
    than the grace period; returns how many went."""
    recorded = {Path(p).name for p in IndexBuild.objects.values_list("path", flat=True)}
    stray_before = time.time() - STRAY_INDEX_GRACE_SECONDS
    removed = 0
    for path in index_dir().iterdir():
        is_index = path.suffix == ".idx" and path.name not in recorded
        is_temporary = path.name.startswith(".") and path.suffix == ".tmp"
        if not (is_index or is_temporary):
            continue
        try:
            if path.stat().st_mtime > stray_before:
                continue
        except FileNotFoundError:
            continue
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def _aware(ts: float) -> Any:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ts, tz=UTC)
