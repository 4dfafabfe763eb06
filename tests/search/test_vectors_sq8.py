"""IVF-SQ8 with full-vector re-ranking: near-exact recall, exact scores, full vectors on disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from search.vectors import APPROXIMATE, EXACT, FullVectors, Vectors, build_index

DIM = 32


def unit(rows: npt.NDArray[np.float64]) -> Vectors:
    return np.asarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


def clustered(count: int, queries: int, seed: int = 7) -> tuple[Vectors, Vectors]:
    # Clustered like real embeddings (k-means lists on uniform noise would make recall meaningless).
    rng = np.random.default_rng(seed)
    centres = unit(rng.normal(size=(60, DIM)))
    vectors = unit(centres[rng.integers(0, 60, count)] + 0.2 * rng.normal(size=(count, DIM)))
    asked = unit(centres[rng.integers(0, 60, queries)] + 0.2 * rng.normal(size=(queries, DIM)))
    return vectors, asked


@pytest.fixture(scope="module")
def pair() -> tuple[object, object, Vectors, Vectors]:
    vectors, queries = clustered(6000, 100)
    ids = np.arange(len(vectors), dtype=np.int64) * 3
    return (
        build_index(ids, vectors, DIM, EXACT),
        build_index(ids, vectors, DIM, APPROXIMATE),
        vectors,
        queries,
    )


def test_recall_against_exact(pair: tuple) -> None:  # type: ignore[type-arg]
    exact, sq8, _, queries = pair
    assert sq8.kind == APPROXIMATE and sq8.full is not None
    found = [len(set(exact.search(q, 10)[1].tolist()) & set(sq8.search(q, 10)[1].tolist())) for q in queries]
    assert sum(found) / (10 * len(queries)) >= 0.98


def test_scores_are_full_precision(pair: tuple) -> None:  # type: ignore[type-arg]
    _, sq8, vectors, queries = pair
    for query in queries[:10]:
        scores, ids = sq8.search(query, 20)
        # The quantised codes only pick candidates: the scores are the float32 inner products.
        np.testing.assert_allclose(scores, vectors[ids // 3] @ query, rtol=1e-6, atol=1e-6)
        assert list(scores) == sorted(scores, reverse=True)


def test_every_list_probed_is_exact(pair: tuple) -> None:  # type: ignore[type-arg]
    exact, sq8, _, queries = pair
    sq8.nprobe = sq8._ivf().nlist
    try:
        for query in queries[:20]:
            assert sq8.search(query, 10)[1].tolist() == exact.search(query, 10)[1].tolist()
    finally:
        sq8.nprobe = 32


def test_filters_and_removal(pair: tuple) -> None:  # type: ignore[type-arg]
    _, sq8, vectors, queries = pair
    allowed = np.arange(0, 6000 * 3, 3 * 50, dtype=np.int64)  # 120 ids: a narrow filter
    _, found = sq8.search(queries[0], 10, allowed)
    assert len(found) == 10 and set(found.tolist()) <= set(allowed.tolist())
    exact_best = allowed[np.argsort(-(vectors[allowed // 3] @ queries[0]))[:10]]
    assert found.tolist() == exact_best.tolist()  # every list is probed for a narrow filter


def test_save_load_keeps_the_full_vectors_on_disk(tmp_path: Path) -> None:
    vectors, queries = clustered(3000, 5, seed=3)
    ids = np.arange(3000, dtype=np.int64) + 100
    index = build_index(ids, vectors, DIM, APPROXIMATE)
    index.remove(ids[:500])
    index.save(tmp_path / "vectors.faiss")
    loaded = type(index).load(tmp_path / "vectors.faiss", DIM)
    assert loaded.full is not None and len(loaded) == 2500 == len(loaded.full)
    stored_ids, stored = loaded.all_vectors()
    assert stored_ids.tolist() == ids[500:].tolist()
    np.testing.assert_array_equal(stored, vectors[500:])
    for query in queries:
        np.testing.assert_array_equal(loaded.search(query, 10)[1], index.search(query, 10)[1])
    # Saved again unchanged, the full vectors are linked, not rewritten; still the same bytes.
    (tmp_path / "again").mkdir()
    loaded.save(tmp_path / "again" / "vectors.faiss")
    again = type(index).load(tmp_path / "again" / "vectors.faiss", DIM)
    np.testing.assert_array_equal(again.all_vectors()[1], vectors[500:])


def test_full_vectors_blocks() -> None:
    rng = np.random.default_rng(0)
    first, second = unit(rng.normal(size=(5, DIM))), unit(rng.normal(size=(3, DIM)))
    full = FullVectors.of(np.array([9, 1, 5, 7, 3], dtype=np.int64), first)
    full.add(np.array([20, 21, 22], dtype=np.int64), second)
    full.remove(np.array([5, 21, 99], dtype=np.int64))
    assert len(full) == 6
    np.testing.assert_array_equal(
        full.gather(np.array([22, 9, 1], dtype=np.int64)), [second[2], first[0], first[1]]
    )
    assert sorted(full.all()[0].tolist()) == [1, 3, 7, 9, 20, 22]


@pytest.mark.parametrize("every", [2, 7, 15])  # 50%, 14% and 7% of the ids allowed
def test_filtered_recall_against_exact(pair: tuple, every: int) -> None:  # type: ignore[type-arg]
    _, sq8, vectors, queries = pair
    allowed = np.arange(0, 6000 * 3, 3 * every, dtype=np.int64)
    hits = 0
    for query in queries:
        truth = allowed[np.argsort(-(vectors[allowed // 3] @ query))[:10]]
        hits += len(set(sq8.search(query, 10, allowed)[1].tolist()) & set(truth.tolist()))
    assert hits / (10 * len(queries)) >= 0.98
