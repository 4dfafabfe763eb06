"""The dense index: FAISS, keyed by each entry's integer id, inner product on normalised vectors.

Up to `exact_limit` vectors it is exact (`IndexFlatIP`: at 127k × 384 a query is a 195 MB scan,
10-11 ms here on one thread, see bench/RESULTS.md). Above it, IVF with 8-bit scalar quantisation
(`IndexIVFScalarQuantizer`, QT_8bit: 1 byte per dimension in memory, a quarter of float32): k-means
lists, `nprobe` of them searched per query, and the best candidates re-ranked with their full
float32 vectors, which stay on disk (memory-mapped, `FullVectors`): the scores returned are exact
inner products, only the candidate set is approximate. k-means trains on a sample of
`TRAIN_PER_LIST` points per list (FAISS's default 256 made the build at 1M indicators take 13
minutes, bench/RESULTS.md). IVF rather than HNSW because documents are removed and re-ingested,
and FAISS's HNSW cannot remove vectors; IVF can. A stored vector is read back (for "similar to
this indicator") from the flat index, or from the full vectors.
"""

from __future__ import annotations

import math
import mmap as mmap_module
import os
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


TRAIN_PER_LIST = 64  # k-means sample per list (FAISS warns below 39, samples 256 by default)
TRAIN_ITERATIONS = 10  # k-means rounds (FAISS's default 25; the lists move little after 10)
# Lists probed per query (the default of settings.nprobe too). bench/index_scale.py at 1M indicators
# (2,257 lists): recall@10 0.974 at 32, 0.983 at 64 for about 2 ms more; re-ranking deeper (200
# candidates rather than 74) changed nothing, so the misses are lists not probed, not quantisation.
NPROBE = 64
RERANK = 2  # candidates re-ranked with full vectors: this many times k (at least k + RERANK_MIN)
RERANK_MIN = 64
ADD_BLOCK = 65_536  # vectors per add: bounds FAISS's temporary assignment buffers


def _load_array(path: Path, mmap: bool, random: bool = False) -> Any:
    # A plain ndarray over the mapping: np.memmap's own indexing costs microseconds per call.
    loaded = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    mapping = getattr(loaded, "_mmap", None)
    if random and mapping is not None and hasattr(mmap_module, "MADV_RANDOM"):
        # Rows are read a few at a time, anywhere: without this the kernel maps the pages around
        # each one too (readahead, fault-around), and RSS grows towards the whole file
        # (bench/index_scale.py at 1M: 3.2 GB after 400 searches).
        mapping.madvise(mmap_module.MADV_RANDOM)
    return np.asarray(loaded)


class RowFile:
    """The rows of a .npy matrix on disk, read with pread: no mapping, so nothing counts in RSS.

    Memory-mapped, a few hundred rows read per query mapped the whole file within a few queries
    (the kernel maps a file's cached pages in large folios around each fault, MADV_RANDOM or not:
    3.2 GB RSS at 1M indicators, bench/index_scale.py)."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as handle:
            version = np.lib.format.read_magic(handle)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape, fortran, dtype = read(handle)
            self._offset = handle.tell()
        if fortran or dtype != np.float32 or len(shape) != 2:
            raise ValueError(f"{path}: not a C-ordered float32 matrix")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self._row = self.shape[1] * 4
        self._fd = os.open(path, os.O_RDONLY)

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: Any) -> Vectors:
        positions = np.arange(self.shape[0])[rows] if isinstance(rows, slice) else np.asarray(rows)
        if positions.dtype == bool:
            positions = np.flatnonzero(positions)
        out = np.empty((len(positions), self.shape[1]), dtype=np.float32)
        if len(positions) == 0:
            return out
        first = int(positions[0])
        if int(positions[-1]) - first + 1 == len(positions) and np.all(np.diff(positions) == 1):
            chunk = os.pread(self._fd, self._row * len(positions), self._offset + first * self._row)
            out[:] = np.frombuffer(chunk, dtype=np.float32).reshape(out.shape)
            return out
        for n, row in enumerate(positions.tolist()):
            out[n] = np.frombuffer(os.pread(self._fd, self._row, self._offset + row * self._row), np.float32)
        return out


class FullVectors:
    """Full float32 vectors by id, in blocks (a loaded file, then what was added since).

    A removal only marks rows dead; `save` writes the live rows as one file (or links the loaded
    file when nothing changed), which `load` memory-maps: a query reads only its candidates' rows.
    """

    def __init__(self, dimension: int) -> None:
        self.dimension = dimension
        self._blocks: list[tuple[Ids, Any, npt.NDArray[np.bool_]]] = []  # (ids ascending, matrix, alive)
        self._source: Path | None = None  # the file of the one block loaded, while unchanged

    @classmethod
    def of(cls, ids: Ids, vectors: Vectors) -> FullVectors:
        full = cls(vectors.shape[1])
        full.add(ids, vectors)
        return full

    def __len__(self) -> int:
        return sum(int(alive.sum()) for _, _, alive in self._blocks)

    def add(self, ids: Ids, vectors: Vectors) -> None:
        if len(ids) == 0:
            return
        order = np.argsort(ids, kind="stable")
        ids = np.asarray(ids, dtype=np.int64)
        if np.any(order != np.arange(len(ids))):
            ids, vectors = ids[order], vectors[order]
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        self._blocks.append((ids, matrix, np.ones(len(ids), dtype=bool)))
        self._source = None

    def _find(
        self, block: tuple[Ids, Any, npt.NDArray[np.bool_]], wanted: Ids
    ) -> tuple[Ids, npt.NDArray[np.bool_]]:
        ids, _, alive = block
        position = np.minimum(np.searchsorted(ids, wanted), max(len(ids) - 1, 0))
        found = (ids[position] == wanted) & alive[position] if len(ids) else np.zeros(len(wanted), dtype=bool)
        return position, found

    def remove(self, wanted: Ids) -> None:
        for block in self._blocks:
            position, found = self._find(block, wanted)
            block[2][position[found]] = False
        self._source = None

    def gather(self, wanted: Ids) -> Vectors:
        """The vectors of these ids (every one of them stored), in their order."""
        out = np.zeros((len(wanted), self.dimension), dtype=np.float32)
        for block in self._blocks:
            position, found = self._find(block, wanted)
            if found.any():
                out[found] = block[1][position[found]]
        return out

    def all(self) -> tuple[Ids, Vectors]:
        ids = [b[0][b[2]] for b in self._blocks]
        vectors = [np.asarray(b[1][b[2]], dtype=np.float32) for b in self._blocks]
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(ids), np.concatenate(vectors)

    def save(self, path: Path) -> None:
        ids_path = path.with_name(path.name + ".ids.npy")
        matrix_path = path.with_name(path.name + ".npy")
        if self._source is not None:
            try:  # unchanged since loaded: the same bytes, without reading them
                os.link(self._source.with_name(self._source.name + ".npy"), matrix_path)
                np.save(ids_path, self._blocks[0][0])
                return
            except OSError:
                matrix_path.unlink(missing_ok=True)
        total = len(self)
        matrix = np.lib.format.open_memmap(
            matrix_path, mode="w+", dtype=np.float32, shape=(total, self.dimension)
        )
        ids = np.zeros(total, dtype=np.int64)
        row = 0
        for block_ids, block, alive in self._blocks:
            # Block by block, a slice at a time: the live rows are never all in memory at once.
            for start in range(0, len(block_ids), ADD_BLOCK):
                keep = np.flatnonzero(alive[start : start + ADD_BLOCK]) + start
                matrix[row : row + len(keep)] = block[keep]
                ids[row : row + len(keep)] = block_ids[keep]
                row += len(keep)
        matrix.flush()
        del matrix
        np.save(ids_path, ids)

    @classmethod
    def load(cls, path: Path, dimension: int, mmap: bool = True) -> FullVectors:
        ids = _load_array(path.with_name(path.name + ".ids.npy"), mmap)
        matrix_path = path.with_name(path.name + ".npy")
        matrix: Any = RowFile(matrix_path) if mmap else _load_array(matrix_path, mmap)
        if matrix.shape != (len(ids), dimension):
            raise ValueError(
                f"{path}: full vectors of shape {matrix.shape}, expected ({len(ids)}, {dimension})"
            )
        full = cls(dimension)
        full._blocks.append((np.asarray(ids, dtype=np.int64), matrix, np.ones(len(ids), dtype=bool)))
        full._source = path if mmap else None
        return full


class VectorIndex:
    def __init__(
        self, index: Any, dimension: int, nprobe: int = NPROBE, full: FullVectors | None = None
    ) -> None:
        self._index = index
        self.dimension = dimension
        self.nprobe = nprobe
        self.full = full  # full vectors of a quantised index; None when FAISS holds them itself

    @classmethod
    def empty(cls, dimension: int, nprobe: int = NPROBE) -> VectorIndex:
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
        ids = ids.astype(np.int64)
        for start in range(0, len(ids), ADD_BLOCK):
            block = np.ascontiguousarray(vectors[start : start + ADD_BLOCK], dtype=np.float32)
            self._index.add_with_ids(block, ids[start : start + ADD_BLOCK])
        if self.full is not None:
            self.full.add(ids, vectors)

    def remove(self, ids: Ids) -> int:
        if len(ids) == 0:
            return 0
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if self.full is not None:
            # No direct map (it would cost a hash table of every id): a batch selector's hash set
            # is tested against each stored id.
            selector = faiss.IDSelectorBatch(len(ids), faiss.swig_ptr(ids))
            self.full.remove(ids)
        else:
            # IVF's hashtable direct map accepts only an IDSelectorArray; the flat index takes either.
            selector = faiss.IDSelectorArray(len(ids), faiss.swig_ptr(ids))
        return int(self._index.remove_ids(selector))

    def vector(self, entry_id: int) -> Vectors:
        if self.full is not None:
            return np.asarray(self.full.gather(np.array([entry_id], dtype=np.int64))[0], dtype=np.float32)
        return np.asarray(self._index.reconstruct(int(entry_id)), dtype=np.float32)

    def many(self, entry_ids: Any) -> Vectors:
        """The vectors of these stored ids as rows, in their order (one read of the full vectors)."""
        ids = np.asarray(entry_ids, dtype=np.int64)
        if self.full is not None:
            return np.asarray(self.full.gather(ids), dtype=np.float32)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([np.asarray(self._index.reconstruct(int(i)), dtype=np.float32) for i in ids])

    def all_vectors(self) -> tuple[Ids, Vectors]:
        """Every stored (id, vector), for rebuilding the index as the other kind."""
        if self.full is not None:
            return self.full.all()
        if isinstance(self._index, faiss.IndexIDMap2):
            flat = faiss.downcast_index(self._index.index)
            ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
            vectors = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * self.dimension)
            return ids, np.array(vectors, dtype=np.float32).reshape(-1, self.dimension)
        # An IndexIVFFlat (index format 1) stores its vectors in its lists.
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
        bitmap = None
        selector = None
        if allowed is not None:
            # A bitmap over the id space: built in one vectorised pass, tested in O(1) per id
            # (a batch selector hashes every allowed id first: 1M of them is tens of ms).
            ids = np.asarray(allowed, dtype=np.int64)
            bits = np.zeros(int(ids.max()) + 1 if len(ids) else 1, dtype=bool)
            bits[ids] = True
            bitmap = np.packbits(bits, bitorder="little")
            selector = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))
        params: faiss.SearchParameters
        depth = min(k, len(self))
        if self.kind == APPROXIMATE:
            # A filter leaves only its share of each probed list: probe as many more lists as keep
            # the allowed candidates about what `nprobe` lists give unfiltered (at 5% or less,
            # every list). bench/index_scale.py: 7% allowed at nprobe 32 gave recall@10 0.90.
            ivf = self._ivf()
            nprobe = self.nprobe
            if allowed is not None:
                share = max(len(allowed), 1) / len(self)
                nprobe = ivf.nlist if share < 0.05 else min(ivf.nlist, math.ceil(self.nprobe / share))
            params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
            if self.full is not None:
                depth = min(len(self), max(RERANK * k, k + RERANK_MIN))
        else:
            params = faiss.SearchParameters(sel=selector)
        # One query scans faster on one OpenMP thread than split over two (bench/RESULTS.md: hybrid
        # p50 48 -> 37 ms at 127k entries); training and bulk adds keep every thread.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, found = self._index.search(query.reshape(1, -1).astype(np.float32), depth, params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        keep = found[0] >= 0
        scores, found = scores[0][keep], found[0][keep].astype(np.int64)
        if self.full is not None and len(found):
            # The quantised scores chose the candidates; their full vectors rank them.
            exact = self.full.gather(found) @ query.reshape(-1).astype(np.float32)
            order = np.argsort(-exact, kind="stable")[:k]
            return exact[order].astype(np.float32), found[order]
        return scores, found

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
        if self.full is not None:
            self.full.save(path)

    @classmethod
    def load(cls, path: Path, dimension: int, nprobe: int = NPROBE) -> VectorIndex:
        index = faiss.read_index(str(path))
        if index.d != dimension:
            raise ValueError(f"{path}: vectors of dimension {index.d}, expected {dimension}")
        full = None
        if isinstance(index, faiss.IndexIVFScalarQuantizer):
            full = FullVectors.load(path, dimension)
            if len(full) != index.ntotal:
                raise ValueError(f"{path}: {index.ntotal} quantised vectors, {len(full)} full ones")
        return cls(index, dimension, nprobe, full)

    def _ivf(self) -> Any:
        return faiss.extract_index_ivf(self._index)


def nlist_for(size: int) -> int:
    # FAISS's guideline is 4·sqrt(n) to 16·sqrt(n) lists with at least 39 training points each.
    return max(1, min(int(4 * math.sqrt(size)), size // 39))


def build_index(ids: Ids, vectors: Vectors, dimension: int, kind: str, nprobe: int = NPROBE) -> VectorIndex:
    if kind == EXACT or len(ids) < 2 * 39:
        index = VectorIndex.empty(dimension, nprobe)
        index.add(ids, vectors)
        return index
    # Half FAISS's lower guideline: k-means costs lists x sample (= lists² x TRAIN_PER_LIST), and at
    # 1M indicators 4,514 lists took 578 CPU s to build; a probed list is still only ~600 codes.
    nlist = max(1, nlist_for(len(ids)) // 2)
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFScalarQuantizer(
        quantizer, dimension, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    ivf.cp.seed = 1234  # a rebuild of the same vectors gives the same lists
    ivf.cp.niter = TRAIN_ITERATIONS
    ivf.cp.max_points_per_centroid = TRAIN_PER_LIST
    # The sample drawn here (not by FAISS from a copy of everything): the same rows every time.
    sample_size = min(len(ids), nlist * TRAIN_PER_LIST)
    sample = np.sort(np.random.default_rng(1234).choice(len(ids), size=sample_size, replace=False))
    ivf.train(np.ascontiguousarray(vectors[sample], dtype=np.float32))
    result = VectorIndex(ivf, dimension, nprobe, FullVectors(dimension))
    result.add(ids, vectors)
    return result
