"""The matching index answers exactly what an exhaustive scan answers: every stored hash within the radius, with
its distance, and nothing beyond it; removed entries stop matching at once, added ones match at once."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportal.hashes.index import CryptoHashIndex, IndexFileError, PDQIndex
from reportal.hashes.index.pdq import chunk_width

HYPOTHESIS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def exhaustive(ids: np.ndarray, hashes: np.ndarray, query: np.ndarray, max_distance: int) -> list[tuple[int, int]]:
    """The reference: distance to every stored hash, bit by bit."""
    bits = np.unpackbits(np.bitwise_xor(hashes, query), axis=1)
    dist = bits.sum(axis=1)
    hit = np.nonzero(dist <= max_distance)[0]
    return sorted(((int(ids[i]), int(dist[i])) for i in hit), key=lambda p: (p[1], p[0]))


def flip_bits(rng: np.random.Generator, hash_: np.ndarray, count: int) -> np.ndarray:
    """A copy of `hash_` at exactly `count` bits from it."""
    out = hash_.copy()
    for bit in rng.choice(256, size=count, replace=False):
        out[bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


def spread_bits(rng: np.random.Generator, hash_: np.ndarray, count: int, width: int) -> np.ndarray:
    """A copy at exactly `count` bits, the flips dealt evenly over the index's 11 chunks of `width` bits.

    That is the hardest case for a multi-index hash: at distance 31 no chunk differs in fewer than 2 bits.
    """
    out = hash_.copy()
    free = [list(rng.permutation(np.arange(c * width, (c + 1) * width))) for c in range(11)]
    rest = list(rng.permutation(np.arange(11 * width, 256)))
    for j in range(count):
        pool = free[j % 11] or rest or next(p for p in free if p)
        bit = int(pool.pop())
        out[bit // 8] ^= np.uint8(0x80 >> (bit % 8))  # bit 0 is the first byte's top bit, as the index counts
    return out


def planted_set(
    seed: int, n_random: int, near: list[int], spread_width: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random hashes plus, for one centre, stored neighbours at each distance in `near`; returns ids, hashes, centre."""
    rng = np.random.default_rng(seed)
    centre = rng.integers(0, 256, 32, dtype=np.uint8)
    rows = [rng.integers(0, 256, 32, dtype=np.uint8) for _ in range(n_random)]
    if spread_width:
        rows += [spread_bits(rng, centre, d, spread_width) for d in near]
    else:
        rows += [flip_bits(rng, centre, d) for d in near]
    hashes = np.stack(rows)
    ids = rng.permutation(np.arange(10, 10 + len(rows), dtype=np.int64) * 7)
    return ids, hashes, centre


@HYPOTHESIS
@given(
    seed=st.integers(0, 2**32 - 1),
    n_random=st.integers(0, 300),
    near=st.lists(st.integers(0, 40), min_size=1, max_size=40),
    max_distance=st.one_of(st.just(31), st.integers(0, 40), st.integers(41, 256)),
    chunk_bits=st.one_of(st.none(), st.integers(1, 16)),
    spread=st.booleans(),
)
def test_range_search_returns_exactly_what_the_exhaustive_scan_returns(
    seed, n_random, near, max_distance, chunk_bits, spread
):
    width = chunk_bits or chunk_width(n_random + len(near))
    ids, hashes, centre = planted_set(seed, n_random, near, width if spread else None)
    index = PDQIndex.build(ids, hashes, chunk_bits=chunk_bits)
    assert index.search(centre, max_distance) == exhaustive(ids, hashes, centre, max_distance)
    # The stored neighbours themselves as queries: each finds itself at distance 0 and its neighbours.
    queries = hashes[-len(near) :]
    expected = [exhaustive(ids, hashes, q, max_distance) for q in queries]
    assert index.search_batch(queries, max_distance) == expected


@HYPOTHESIS
@given(seed=st.integers(0, 2**32 - 1), near=st.lists(st.integers(0, 40), min_size=1, max_size=30))
def test_entries_in_the_side_buffer_and_the_main_part_answer_alike(seed, near):
    ids, hashes, centre = planted_set(seed, 200, near)
    split = len(ids) // 2
    index = PDQIndex.build(ids[:split], hashes[:split])
    index.add(ids[split:], hashes[split:])
    expected = exhaustive(ids, hashes, centre, 31)
    assert index.search(centre) == expected
    index.merge(wait=True)
    assert index.side_size == 0
    assert index.search(centre) == expected


@pytest.mark.parametrize("spread", [False, True])
def test_widest_chunks_used_at_ten_million_are_exact(spread):
    ids, hashes, centre = planted_set(7, 2000, list(range(0, 41)) * 2, 23 if spread else None)
    index = PDQIndex.build(ids, hashes, chunk_bits=23)
    for d in (0, 10, 11, 21, 22, 31, 32, 33, 40):
        assert index.search(centre, d) == exhaustive(ids, hashes, centre, d)


def test_nothing_beyond_the_radius_is_returned():
    ids, hashes, centre = planted_set(3, 0, [30, 31, 32, 33])
    index = PDQIndex.build(ids, hashes)
    assert [d for _id, d in index.search(centre, 31)] == [30, 31]
    assert [d for _id, d in index.search(centre, 32)] == [30, 31, 32]


def test_an_added_hash_matches_on_the_next_search():
    ids, hashes, centre = planted_set(11, 500, [])
    index = PDQIndex.build(ids, hashes)
    assert index.search(centre) == []
    index.add([99], flip_bits(np.random.default_rng(1), centre, 5)[None, :])
    assert index.search(centre) == [(99, 5)]
    assert len(index) == 501
    assert index.high_water_id == max(99, int(ids.max()))


def test_a_removed_entry_stops_matching_at_once_wherever_it_lives():
    ids, hashes, centre = planted_set(5, 300, [3, 4])
    index = PDQIndex.build(ids, hashes)
    index.add([1, 2], np.stack([centre, flip_bits(np.random.default_rng(2), centre, 7)]))
    main_ids = [i for i, _d in index.search(centre) if i not in (1, 2)]
    assert len(main_ids) == 2

    assert index.remove([main_ids[0], 1]) == 2
    found = [i for i, _d in index.search(centre)]
    assert main_ids[0] not in found and 1 not in found
    assert sorted(found) == sorted([main_ids[1], 2])
    assert len(index) == 300 + 2 + 2 - 2
    # Removing again changes nothing; adding the id again makes it match again.
    assert index.remove([1]) == 0
    index.add([1], centre[None, :])
    assert index.search(centre)[0] == (1, 0)


def test_removals_made_while_a_merge_runs_are_kept():
    ids, hashes, centre = planted_set(9, 3000, [2, 6, 9])
    index = PDQIndex(merge_threshold=100)
    index.add(ids, hashes)
    near = [i for i, _d in index.search(centre)]  # starts a background merge: the side buffer is over 100
    index.remove([near[0]])
    index.merge(wait=True)
    assert [i for i, _d in index.search(centre)] == near[1:]
    assert index.side_size == 0


def test_searches_from_many_threads_agree_with_the_scan():
    ids, hashes, centre = planted_set(13, 2000, list(range(0, 35, 3)))
    index = PDQIndex.build(ids, hashes)
    expected = exhaustive(ids, hashes, centre, 31)
    results: list[list[tuple[int, int]]] = []

    def worker() -> None:
        for _ in range(20):
            results.append(index.search(centre))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected] * 80
    assert index.search_batch(np.stack([centre] * 50), 31, threads=3) == [expected] * 50


def test_save_and_load_round_trip(tmp_path):
    ids, hashes, centre = planted_set(17, 1000, [1, 12, 31, 32])
    index = PDQIndex.build(ids, hashes)
    index.add([5_000_000], centre[None, :])
    index.remove([int(ids[0])])
    path = tmp_path / "pdq.idx"
    index.save(path, meta={"high_water_id": 5_000_000, "built_by": "test"})

    loaded = PDQIndex.load(path)
    assert loaded.search(centre) == index.search(centre)
    assert loaded.search(centre)[0] == (5_000_000, 0)
    assert len(loaded) == len(index) == 1000 + 4
    assert loaded.meta == {"high_water_id": 5_000_000, "built_by": "test"}
    assert loaded.high_water_id == 5_000_000
    q = hashes[-2]
    assert loaded.search(q) == exhaustive(np.append(ids[1:], 5_000_000), np.vstack([hashes[1:], centre]), q, 31)
    # A loaded (read-only, mapped) index still takes additions and removals.
    loaded.add([6_000_000], centre[None, :])
    loaded.remove([5_000_000])
    assert [i for i, d in loaded.search(centre) if d == 0] == [6_000_000]


def test_an_empty_index_saves_loads_and_finds_nothing(tmp_path):
    index = PDQIndex()
    assert index.search(bytes(32)) == []
    index.save(tmp_path / "empty.idx")
    loaded = PDQIndex.load(tmp_path / "empty.idx")
    assert len(loaded) == 0 and loaded.search("00" * 32) == []


def test_a_damaged_or_foreign_file_is_refused(tmp_path):
    ids, hashes, _ = planted_set(1, 100, [])
    path = tmp_path / "pdq.idx"
    PDQIndex.build(ids, hashes).save(path)
    data = path.read_bytes()
    (tmp_path / "short.idx").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.idx").write_bytes(b"not an index at all")
    for name in ("short.idx", "junk.idx", "missing.idx"):
        with pytest.raises(IndexFileError):
            PDQIndex.load(tmp_path / name)
    CryptoHashIndex().save(tmp_path / "crypto.idx")
    with pytest.raises(IndexFileError):
        PDQIndex.load(tmp_path / "crypto.idx")


def test_queries_are_accepted_as_bytes_hex_or_arrays_and_checked():
    ids, hashes, _ = planted_set(2, 50, [])
    index = PDQIndex.build(ids, hashes)
    expected = [(int(ids[4]), 0)]
    assert index.search(hashes[4]) == index.search(hashes[4].tobytes()) == index.search(hashes[4].tobytes().hex())
    assert index.search(hashes[4], 0) == expected
    with pytest.raises(ValueError):
        index.search(b"\x00" * 31)
    with pytest.raises(ValueError):
        index.search("zz" * 32)
    with pytest.raises(ValueError):
        index.search(hashes[4], 257)
    with pytest.raises(ValueError):
        index.add([1, 2], hashes[:1])


# --- cryptographic digests ------------------------------------------------------------------------------


def digests(seed: int, n: int, size: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, size, dtype=np.uint8).tobytes() for _ in range(n)]


@pytest.mark.parametrize("size", [16, 20, 32])
def test_digest_lookup_is_exact_across_many_additions(size):
    index = CryptoHashIndex()
    all_digests = digests(size, 3000, size)
    # Digests that share their first 8 bytes must still be told apart.
    twin = all_digests[0][:8] + bytes(size - 8)
    for start in range(0, 3000, 100):  # many small batches, as the database streams them
        index.add(np.arange(start, start + 100), all_digests[start : start + 100])
    index.add([7000, 7001], [twin, all_digests[5]])
    assert index.search(all_digests[0]) == [0]
    assert index.search(twin) == [7000]
    assert index.search(all_digests[5]) == [5, 7001]
    assert index.search(all_digests[2999].hex()) == [2999]
    assert index.search(bytes(size)) == []
    assert index.search_batch([all_digests[1], bytes(size), all_digests[2]]) == [[1], [], [2]]
    as_array = np.frombuffer(all_digests[1] + all_digests[2], dtype=np.uint8).reshape(2, size)
    assert index.search_batch(as_array) == [[1], [2]]
    assert len(index) == 3002


def test_digest_removal_is_immediate_and_survives_saving(tmp_path):
    found = digests(1, 500, 20)
    index = CryptoHashIndex()
    index.add(np.arange(500), found)
    assert index.remove([3, 4]) == 2
    assert index.search(found[3]) == []
    index.add([3], [found[3]])
    assert index.search(found[3]) == [3]
    index.save(tmp_path / "sha1.idx", meta={"high_water_id": 499})
    loaded = CryptoHashIndex.load(tmp_path / "sha1.idx")
    assert loaded.search(found[4]) == []
    assert loaded.search(found[3]) == [3]
    assert loaded.search_batch(found[:3]) == [[0], [1], [2]]
    assert len(loaded) == 499
    assert loaded.meta == {"high_water_id": 499}
    loaded.add([900], [found[4]])
    loaded.remove([0])
    assert loaded.search(found[4]) == [900] and loaded.search(found[0]) == []


def test_a_digest_of_another_size_is_refused_or_never_matches():
    index = CryptoHashIndex()
    index.add([1], [bytes(range(16))])
    with pytest.raises(ValueError):
        index.add([2], [bytes(20)])
    assert index.search(bytes(range(16)) + b"\x00\x00\x00\x00") == []


def test_additions_and_removals_racing_background_merges_end_exact():
    rng = np.random.default_rng(21)
    centre = rng.integers(0, 256, 32, dtype=np.uint8)
    index = PDQIndex(merge_threshold=64)
    model: dict[int, np.ndarray] = {}
    stop = threading.Event()

    def searcher() -> None:
        while not stop.is_set():
            index.search(centre)  # also starts background merges once the side buffer is over 64

    threads = [threading.Thread(target=searcher) for _ in range(2)]
    for t in threads:
        t.start()
    next_id = 1
    for round_ in range(60):
        batch = [rng.integers(0, 256, 32, dtype=np.uint8) for _ in range(40)]
        batch += [flip_bits(rng, centre, int(rng.integers(0, 40))) for _ in range(5)]
        ids = list(range(next_id, next_id + len(batch)))
        next_id += len(batch)
        index.add(ids, np.stack(batch))
        model.update(zip(ids, batch, strict=True))
        gone = [int(i) for i in rng.choice(list(model), size=8, replace=False)]
        index.remove(gone)
        for i in gone:
            del model[i]
        if round_ % 10 == 0:  # a removed id comes back with a new hash
            index.add([gone[0]], centre[None, :])
            model[gone[0]] = centre.copy()
    stop.set()
    for t in threads:
        t.join()
    ids = np.array(sorted(model), dtype=np.int64)
    hashes = np.stack([model[i] for i in ids.tolist()])
    assert index.search(centre) == exhaustive(ids, hashes, centre, 31)
    index.merge(wait=True)
    assert index.search(centre) == exhaustive(ids, hashes, centre, 31)
    assert len(index) == len(model)
