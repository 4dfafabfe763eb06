"""The dense index on random unit vectors: exact and IVF agree on what they store and return."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from search.vectors import APPROXIMATE, EXACT, Ids, VectorIndex, Vectors, build_index, nlist_for

DIM = 16


def unit(rows: npt.NDArray[np.float64]) -> Vectors:
    return np.asarray(rows / np.linalg.norm(rows, axis=1, keepdims=True), dtype=np.float32)


def random_vectors(count: int, seed: int = 0) -> tuple[Ids, Vectors]:
    """(ids, vectors): ids are sparse (multiples of 7) so an id is never mistaken for a row number."""
    rng = np.random.default_rng(seed)
    return np.arange(count, dtype=np.int64) * 7, unit(rng.normal(size=(count, DIM)))


def assert_same_content(index: VectorIndex, ids: Ids, vectors: Vectors) -> None:
    got_ids, got_vectors = index.all_vectors()
    assert sorted(got_ids.tolist()) == sorted(ids.tolist())
    expected = dict(zip(ids.tolist(), vectors, strict=True))
    for entry_id, vector in zip(got_ids.tolist(), got_vectors, strict=True):
        np.testing.assert_allclose(vector, expected[entry_id], atol=1e-6)


Stored = tuple[VectorIndex, Ids, Vectors]


@pytest.fixture(params=[EXACT, APPROXIMATE])
def index_of_300(request: pytest.FixtureRequest) -> Stored:
    ids, vectors = random_vectors(300)
    index = build_index(ids, vectors, DIM, request.param)
    assert index.kind == request.param
    return index, ids, vectors


def test_a_stored_vector_finds_itself_first(index_of_300: Stored) -> None:
    index, ids, vectors = index_of_300
    for row in (0, 150, 299):
        scores, found = index.search(vectors[row], 5)
        assert found[0] == ids[row]
        assert scores[0] == pytest.approx(1.0, abs=1e-5)  # inner product of a unit vector with itself
        assert list(scores) == sorted(scores, reverse=True)


def test_allowed_restricts_results(index_of_300: Stored) -> None:
    index, ids, vectors = index_of_300
    allowed = ids[[3, 40, 41, 200]]
    _scores, found = index.search(vectors[0], 10, allowed=allowed)
    # k > len(allowed): only the allowed ids come back, none padded with -1
    assert sorted(found.tolist()) == sorted(allowed.tolist())


def test_many_reads_the_vectors_of_ids_in_their_order(index_of_300: Stored) -> None:
    index, ids, vectors = index_of_300
    rows = [299, 0, 150, 0]
    many = index.many(ids[rows])
    assert many.shape == (4, DIM) and many.dtype == np.float32
    np.testing.assert_allclose(many, vectors[rows], atol=1e-6)
    for got, row in zip(many, rows, strict=True):
        np.testing.assert_array_equal(got, index.vector(int(ids[row])))
    assert index.many(np.zeros(0, dtype=np.int64)).shape == (0, DIM)


def test_remove_and_reconstruct(index_of_300: Stored) -> None:
    index, ids, vectors = index_of_300
    gone = ids[::3]
    assert index.remove(gone) == len(gone)
    assert len(index) == 200
    _scores, found = index.search(vectors[0], 300)
    assert not set(found.tolist()) & set(gone.tolist())
    np.testing.assert_allclose(index.vector(int(ids[1])), vectors[1], atol=1e-6)
    assert_same_content(index, np.delete(ids, np.s_[::3]), np.delete(vectors, np.s_[::3], axis=0))


def test_save_and_load(index_of_300: Stored, tmp_path: Path) -> None:
    index, ids, vectors = index_of_300
    index.save(tmp_path / "dense.faiss")
    loaded = VectorIndex.load(tmp_path / "dense.faiss", DIM)
    assert loaded.kind == index.kind and len(loaded) == len(index)
    for row in (0, 7):
        np.testing.assert_array_equal(loaded.search(vectors[row], 10)[1], index.search(vectors[row], 10)[1])
    np.testing.assert_allclose(loaded.vector(int(ids[5])), vectors[5], atol=1e-6)
    with pytest.raises(ValueError, match="dimension"):
        VectorIndex.load(tmp_path / "dense.faiss", DIM + 1)


def test_resized_with_hysteresis() -> None:
    ids, vectors = random_vectors(300)
    limit = 150
    flat = build_index(ids, vectors, DIM, EXACT)
    assert flat.resized(300) is flat
    ivf = flat.resized(limit)
    assert ivf.kind == APPROXIMATE
    assert_same_content(ivf, ids, vectors)

    ivf.remove(ids[:220])  # 80 left: below the limit, above half of it
    assert ivf.resized(limit) is ivf
    ivf.remove(ids[220:225])  # 75 left: exactly half is not below it
    assert ivf.resized(limit) is ivf
    ivf.remove(ids[225:230])  # 70 left: below half
    back = ivf.resized(limit)
    assert back.kind == EXACT
    assert_same_content(back, ids[230:], vectors[230:])
    assert back.resized(limit) is back


def test_ivf_recall_against_exact() -> None:
    # Clustered like real embeddings (k-means lists on uniform noise would make recall meaningless).
    rng = np.random.default_rng(42)
    centres = unit(rng.normal(size=(50, DIM)))
    vectors = unit(centres[rng.integers(0, 50, 5000)] + 0.3 * rng.normal(size=(5000, DIM)))
    queries = unit(centres[rng.integers(0, 50, 100)] + 0.3 * rng.normal(size=(100, DIM)))
    ids = np.arange(5000, dtype=np.int64)
    exact = build_index(ids, vectors, DIM, EXACT)
    ivf = build_index(ids, vectors, DIM, APPROXIMATE, nprobe=nlist_for(5000) // 4)
    assert ivf.kind == APPROXIMATE
    hits = [len(set(exact.search(q, 10)[1].tolist()) & set(ivf.search(q, 10)[1].tolist())) for q in queries]
    assert sum(hits) / (10 * len(queries)) >= 0.9


def test_wrong_dimension_is_refused() -> None:
    index = VectorIndex.empty(DIM)
    with pytest.raises(ValueError, match="dimension"):
        index.add(np.array([1], dtype=np.int64), np.zeros((1, DIM + 1), dtype=np.float32))
    assert len(index) == 0


def test_empty_index_search() -> None:
    scores, found = VectorIndex.empty(DIM).search(random_vectors(1)[1][0], 5)
    assert scores.shape == (0,) and found.shape == (0,)
    assert found.dtype == np.int64


@pytest.mark.parametrize(
    ("size", "nlist"),
    [
        (0, 1),
        (38, 1),
        (78, 2),  # at least 39 training points per list
        (1_000, 25),
        (10_000, 256),
        (100_000, 1_264),  # 4·sqrt(n) caps it
    ],
)
def test_nlist_for(size: int, nlist: int) -> None:
    assert nlist_for(size) == nlist


@pytest.mark.parametrize("size", [39, 100, 4_321, 50_000, 1_000_000])
def test_nlist_bounds(size: int) -> None:
    nlist = nlist_for(size)
    assert 1 <= nlist <= 4 * size**0.5
    assert size // nlist >= 39  # enough points to train every list
