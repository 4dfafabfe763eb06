"""The dense index: FAISS, keyed by each entry's integer id, inner product on normalised vectors.

Up to `exact_limit` vectors it is exact (`IndexFlatIP`: at 127k × 384 a query is a 195 MB scan,
10-11 ms here on one thread, see bench/RESULTS.md). Above it, `IndexIVFFlat`: k-means lists,
`nprobe` of them searched per query. IVF rather than HNSW because documents are removed and re-ingested, and
FAISS's HNSW cannot remove vectors; IVF can, and it keeps a direct map so a stored vector can be
read back (for "similar to this indicator").
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from search.openmp import passive_threads

passive_threads()  # before faiss loads its OpenMP runtime
import faiss as _faiss  # noqa: E402

# faiss's SWIG stubs miss most of what is used here (SearchParameters keywords, DirectMap,
# InvertedLists access), so the module is used untyped.
faiss: Any = _faiss

Vectors = npt.NDArray[np.float32]
Ids = npt.NDArray[np.int64]

EXACT = "flat"
APPROXIMATE = "ivf"


class VectorIndex:
    def __init__(self, index: Any, dimension: int, nprobe: int = 32) -> None:
        self._index = index
        self.dimension = dimension
        self.nprobe = nprobe

    @classmethod
    def empty(cls, dimension: int, nprobe: int = 32) -> VectorIndex:
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)), dimension, nprobe)

    @property
    def kind(self) -> str:
        return APPROXIMATE if isinstance(self._index, faiss.IndexIVF) else EXACT

    def __len__(self) -> int:
        return int(self._index.ntotal)

    def add(self, ids: Ids, vectors: Vectors) -> None:
        if len(ids) == 0:
            return
        if vectors.shape[1] != self.dimension:
            raise ValueError(f"vectors have dimension {vectors.shape[1]}, the index {self.dimension}")
        self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: Ids) -> int:
        if len(ids) == 0:
            return 0
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        # IVF's hashtable direct map accepts only an IDSelectorArray; the flat index takes either.
        return int(self._index.remove_ids(faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))))

    def vector(self, entry_id: int) -> Vectors:
        return np.asarray(self._index.reconstruct(int(entry_id)), dtype=np.float32)

    def all_vectors(self) -> tuple[Ids, Vectors]:
        """Every stored (id, vector), for rebuilding the index as the other kind."""
        if isinstance(self._index, faiss.IndexIDMap2):
            flat = faiss.downcast_index(self._index.index)
            ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            vectors = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * self.dimension)
            return ids, np.array(vectors, dtype=np.float32).reshape(-1, self.dimension)
        ivf = self._ivf()
        invlists = ivf.invlists
        id_parts, vector_parts = [], []
        for list_no in range(ivf.nlist):
            size = invlists.list_size(list_no)
            if size == 0:
                continue
            id_parts.append(faiss.rev_swig_ptr(invlists.get_ids(list_no), size).copy())
            codes = faiss.rev_swig_ptr(invlists.get_codes(list_no), size * ivf.code_size).copy()
            vector_parts.append(codes.view(np.float32).reshape(size, self.dimension))
        if not id_parts:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(id_parts).astype(np.int64), np.concatenate(vector_parts)

    def search(self, query: Vectors, k: int, allowed: Ids | None = None) -> tuple[Vectors, Ids]:
        """Top-k (scores, ids) for one query vector; `allowed` restricts to those ids."""
        if len(self) == 0 or k <= 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        selector = faiss.IDSelectorBatch(allowed.astype(np.int64)) if allowed is not None else None
        params: faiss.SearchParameters
        if self.kind == APPROXIMATE:
            # A narrow filter leaves few candidates in the probed lists: probe them all then.
            ivf = self._ivf()
            narrow = allowed is not None and len(allowed) < 0.05 * len(self)
            params = faiss.SearchParametersIVF(sel=selector, nprobe=ivf.nlist if narrow else self.nprobe)
        else:
            params = faiss.SearchParameters(sel=selector)
        # One query scans faster on one OpenMP thread than split over two (bench/RESULTS.md: hybrid
        # p50 48 -> 37 ms at 127k entries); training and bulk adds keep every thread.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self._index.search(
                query.reshape(1, -1).astype(np.float32), min(k, len(self)), params=params
            )
        finally:
            faiss.omp_set_num_threads(threads)
        keep = ids[0] >= 0
        return scores[0][keep], ids[0][keep].astype(np.int64)

    def resized(self, exact_limit: int) -> VectorIndex:
        """This index, or a rebuild as the other kind when the size crossed the limit.

        Hysteresis (back to exact only below half the limit) keeps a store near the limit from
        retraining on every ingest.
        """
        size = len(self)
        if self.kind == EXACT and size > exact_limit:
            return self.rebuilt(APPROXIMATE)
        if self.kind == APPROXIMATE and size < exact_limit // 2:
            return self.rebuilt(EXACT)
        return self

    def rebuilt(self, kind: str) -> VectorIndex:
        ids, vectors = self.all_vectors()
        return build_index(ids, vectors, self.dimension, kind, self.nprobe)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, dimension: int, nprobe: int = 32) -> VectorIndex:
        index = faiss.read_index(str(path))
        if index.d != dimension:
            raise ValueError(f"{path}: vectors of dimension {index.d}, expected {dimension}")
        return cls(index, dimension, nprobe)

    def _ivf(self) -> Any:
        return faiss.extract_index_ivf(self._index)


def nlist_for(size: int) -> int:
    # FAISS's guideline is 4·sqrt(n) to 16·sqrt(n) lists with at least 39 training points each.
    return max(1, min(int(4 * math.sqrt(size)), size // 39))


def build_index(ids: Ids, vectors: Vectors, dimension: int, kind: str, nprobe: int = 32) -> VectorIndex:
    if kind == EXACT or len(ids) < 2 * 39:
        index = VectorIndex.empty(dimension, nprobe)
        index.add(ids, vectors)
        return index
    nlist = nlist_for(len(ids))
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.seed = 1234  # a rebuild of the same vectors gives the same lists
    ivf.train(np.ascontiguousarray(vectors, dtype=np.float32))
    # A hashtable direct map lets FAISS both reconstruct a vector by id and remove ids.
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
    result = VectorIndex(ivf, dimension, nprobe)
    result.add(ids, vectors)
    return result
