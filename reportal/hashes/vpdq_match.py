"""vPDQ matching as python-threatexchange and HMA do it, on top of the PDQ index.

The frames of every bank video (quality 50 and up, one per distinct hash) go into a PDQ index of their own,
under an id that carries the bank content id and the frame's position (`frame_id`). A look-up searches the
query's frames there to find candidate videos, then scores each candidate against its stored signal exactly as
threatexchange's brute-force matcher does, with its bank's settings: the share of the query's frames that have a
frame of the candidate within the distance threshold (query match), and the share of the candidate's frames that
have one of the query's (compared match). HMA's defaults: distance 31, quality 50, query match 80 %, compared 0 %.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from reportal.hashes.signals import MAX_VPDQ_FRAMES, hamming_rows, pdq_matrix
from reportal.hashes.video import VPDQ_QUALITY_THRESHOLD, VpdqFrame, parse_vpdq_signal, prepare_frames

# Frame ids: content id times FRAME_SLOTS plus the frame's position among the content's indexed frames.
FRAME_SLOTS = 1 << 16
assert FRAME_SLOTS > MAX_VPDQ_FRAMES


def frame_id(content_id: int, position: int) -> int:
    return content_id * FRAME_SLOTS + position


def content_of(frame_ids: np.ndarray) -> np.ndarray:
    return np.asarray(frame_ids, dtype=np.int64) // FRAME_SLOTS


def indexed_frames(signal: str) -> list[VpdqFrame]:
    """The frames of a stored signal that go into the index (an unreadable signal gives none)."""
    try:
        return prepare_frames(parse_vpdq_signal(signal), VPDQ_QUALITY_THRESHOLD)
    except ValueError:
        return []


def index_rows(rows: Iterable[tuple[int, str]]) -> tuple[np.ndarray, np.ndarray]:
    """(frame ids, n x 32 hash matrix) of the (content id, vpdq signal) rows, for PDQHashIndex.add/build."""
    ids: list[int] = []
    hexes: list[str] = []
    for content_id, signal in rows:
        if not signal:
            continue
        for position, frame in enumerate(indexed_frames(signal)):
            ids.append(frame_id(content_id, position))
            hexes.append(frame.pdq_hex)
    return np.asarray(ids, dtype=np.int64), pdq_matrix(hexes)


def search_sample(query: list[VpdqFrame], min_query_percent: float) -> list[VpdqFrame]:
    """The query frames whose index search finds every video that can reach `min_query_percent`.

    A video that matches p % of the query's frames leaves at most floor(n (100 - p) / 100) of them unmatched, so
    any one more than that includes a matched frame. The frames of highest quality are taken: a bank that leaves
    out more frames (a quality threshold above 50) leaves out the lowest first, so the sample stays inside what
    it scores, or holds all of it. With HMA's 80 %, 13 of 60 frames are searched instead of 60.
    """
    if min_query_percent <= 0.0:
        return query
    may_miss = math.floor(len(query) * (100.0 - min_query_percent) / 100.0 + 1e-9)
    by_quality = sorted(query, key=lambda f: -f.quality)
    return by_quality[: min(len(query), may_miss + 1)]


@dataclass(frozen=True)
class VpdqSettings:
    distance: int
    quality: int
    query_match_percent: float
    compared_match_percent: float


@dataclass(frozen=True)
class VpdqScore:
    query_match_percent: float
    compared_match_percent: float
    matched: bool

    def pretty_str(self) -> str:
        """threatexchange's VPDQSimilarityInfo.pretty_str(), which HMA returns as the match's distance."""
        return f"{self.query_match_percent:.0f}%[{self.compared_match_percent:.0f}%]"


def score(query: Sequence[VpdqFrame], candidate: Sequence[VpdqFrame], settings: VpdqSettings) -> VpdqScore:
    """threatexchange's match_VPDQ_hash_brute with the bank's settings (frames filtered, then de-duplicated)."""
    q = prepare_frames(list(query), settings.quality)
    c = prepare_frames(list(candidate), settings.quality)
    if not q or not c:
        return VpdqScore(0.0, 0.0, False)
    q_matrix = pdq_matrix([f.pdq_hex for f in q])
    c_matrix = pdq_matrix([f.pdq_hex for f in c])
    # The smaller side is looped over; both shares come from one pass.
    if len(q) <= len(c):
        q_hit = np.zeros(len(q), dtype=bool)
        c_hit = np.zeros(len(c), dtype=bool)
        for i in range(len(q)):
            near = hamming_rows(c_matrix, q_matrix[i]) <= settings.distance
            if near.any():
                q_hit[i] = True
                c_hit |= near
    else:
        q_hit = np.zeros(len(q), dtype=bool)
        c_hit = np.zeros(len(c), dtype=bool)
        for j in range(len(c)):
            near = hamming_rows(q_matrix, c_matrix[j]) <= settings.distance
            if near.any():
                c_hit[j] = True
                q_hit |= near
    query_pct = float(q_hit.sum()) * 100.0 / len(q)
    compared_pct = float(c_hit.sum()) * 100.0 / len(c)
    return VpdqScore(
        query_pct,
        compared_pct,
        query_pct >= settings.query_match_percent and compared_pct >= settings.compared_match_percent,
    )
