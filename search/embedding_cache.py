"""Passage vectors kept on disk, so an index build cut short (or run again) embeds nothing twice.

Embedding is the slow part of indexing (about 100 texts a second on a laptop CPU: hours for a
national corpus). `search.sync` looks every text up here first, sends only the misses to the
model, and appends each batch as it comes back; a run killed half-way resumes where it stopped,
and `jixiao reindex` (a new tokenizer, a lost index) reuses every vector.

Layout of DATA/embeddings/<identity>/ (one folder per model identity, so vectors of two models,
dimensions, passage prompts, backends or precisions are never mixed):

    identity.json   what the vectors are: model, backend identity, dimension, passage prompt, and
                    the precision the model ran in where it was not float32
    keys.bin        16 bytes per row: blake2b(passage prompt, text)
    vectors.f32     dimension x 4 bytes per row, little-endian float32 (L2-normalised)

Both files are append-only. A batch appends its vectors, fsyncs, then appends its keys and
fsyncs: a row exists when its key is there, and its vector was durable before the key was
written. A kill can leave a torn tail (part of a row in either file, or vectors without keys);
`open` cuts both files back to the last whole row, `inspect` reports it without writing.

Memory: the key -> row map holds about 125 bytes per cached text (1M texts: 125 MB); vectors are
read from the file (memory-mapped) only for the texts asked for.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from search.encoder import Encoder
from search.precision import FLOAT32

FORMAT = 1
KEY_BYTES = 16
READ_ROWS = 65_536  # cached vectors copied out per block
DTYPE = np.dtype("<f4")
IDENTITY = "identity.json"
KEYS = "keys.bin"
VECTORS = "vectors.f32"

Vectors = npt.NDArray[np.float32]
Advance = Callable[[int], None]


class CacheError(RuntimeError):
    """A cache folder that cannot be used (its identity file is missing or is another model's)."""


def model_identity(encoder: Encoder) -> dict[str, Any]:
    """What makes two encoders' passage vectors interchangeable. A backend (quantised, ONNX…)
    names itself in `identity`; without one, the model name stands for it. A model run in bfloat16
    (search.precision) adds `precision`; float32 adds nothing, so caches written before precisions
    existed keep their folder and their vectors."""
    prompts = getattr(encoder, "prompts", None)
    identity: dict[str, Any] = {
        "format": FORMAT,
        "model": encoder.name,
        "identity": str(getattr(encoder, "identity", encoder.name)),
        "dimension": int(encoder.dimension),
        "passage_prompt": str(getattr(prompts, "passage", "")),
    }
    precision = str(getattr(encoder, "precision", FLOAT32))
    if precision != FLOAT32:
        identity["precision"] = precision
    return identity


def identity_key(identity: dict[str, Any]) -> str:
    text = json.dumps(identity, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def text_key(prompt: str, text: str) -> bytes:
    return hashlib.blake2b(f"{prompt}\x00{text}".encode(), digest_size=KEY_BYTES).digest()


@dataclass(frozen=True)
class CacheState:
    """One cache folder as found on disk (`inspect` writes nothing)."""

    folder: Path
    rows: int  # whole rows: a key and its vector
    torn_bytes: int  # bytes past the last whole row, in either file (cut off by `open` or `repair`)
    problem: str | None = None  # the folder is unusable (no identity file, unreadable): removed by repair

    @property
    def torn(self) -> bool:
        return self.torn_bytes > 0


def inspect(folder: Path) -> CacheState:
    try:
        identity = json.loads((folder / IDENTITY).read_text("utf-8"))
        dimension = int(identity["dimension"])
        if dimension < 1:
            raise ValueError(f"dimension {dimension}")
    except (OSError, ValueError, KeyError, TypeError) as error:
        return CacheState(folder, 0, 0, f"no readable {IDENTITY} ({error})")
    keys_size = _size(folder / KEYS)
    vectors_size = _size(folder / VECTORS)
    rows = _whole_rows(folder, dimension, keys_size, vectors_size)
    torn = keys_size - rows * KEY_BYTES + vectors_size - rows * dimension * DTYPE.itemsize
    return CacheState(folder, rows, torn)


def inspect_all(root: Path) -> list[CacheState]:
    """Every cache folder under DATA/embeddings."""
    if not root.is_dir():
        return []
    return [inspect(folder) for folder in sorted(root.iterdir()) if folder.is_dir()]


def repair(state: CacheState) -> None:
    """Cut a torn tail off, or remove a folder without a readable identity (it holds no usable row)."""
    if state.problem is not None:
        shutil.rmtree(state.folder, ignore_errors=True)
        return
    if state.torn:
        dimension = int(json.loads((state.folder / IDENTITY).read_text("utf-8"))["dimension"])
        _truncate(state.folder, state.rows, dimension)


class EmbeddingCache:
    """The cache folder of one model identity, open for lookups and appends."""

    def __init__(self, folder: Path, identity: dict[str, Any], *, writable: bool = True) -> None:
        self.folder = folder
        self.identity = identity
        self.dimension = int(identity["dimension"])
        self.prompt = str(identity["passage_prompt"])
        self._lock: IO[bytes] | None = None
        self._mapped: np.memmap[Any, np.dtype[np.float32]] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        if writable:
            self._lock = _try_lock(folder / "lock")
        self.writable = self._lock is not None
        try:
            self._write_identity()
            state = inspect(folder)
            if state.problem is not None:
                raise CacheError(f"embedding cache {folder}: {state.problem}")
        except BaseException:
            self.close()
            raise
        if state.torn and self.writable:
            _truncate(folder, state.rows, self.dimension)
        self._rows = state.rows
        raw = b""
        if state.rows:
            with (folder / KEYS).open("rb") as handle:
                raw = handle.read(state.rows * KEY_BYTES)
        # A key written twice (not through `put`, but a copied folder could hold one) maps to its
        # last row, as good as the first.
        self._row = {raw[i : i + KEY_BYTES]: n for n, i in enumerate(range(0, len(raw), KEY_BYTES))}

    @classmethod
    def open(cls, root: Path, encoder: Encoder) -> EmbeddingCache:
        identity = model_identity(encoder)
        return cls(root / identity_key(identity), identity)

    def __len__(self) -> int:
        return self._rows

    def keys(self, texts: Sequence[str]) -> list[bytes]:
        return [text_key(self.prompt, text) for text in texts]

    def lookup(self, keys: Sequence[bytes]) -> npt.NDArray[np.int64]:
        """Each key's row, or -1 where the text is not cached."""
        return np.array([self._row.get(key, -1) for key in keys], dtype=np.int64)

    def vectors(self, rows: npt.NDArray[np.int64]) -> Vectors:
        if len(rows) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._mapped is None or len(self._mapped) <= int(rows.max()):
            self._mapped = np.memmap(
                self.folder / VECTORS, dtype=DTYPE, mode="r", shape=(self._rows, self.dimension)
            )
        return np.asarray(self._mapped[rows], dtype=np.float32)

    def put(self, keys: Sequence[bytes], vectors: Vectors) -> None:
        """Append rows (keys not yet cached), durably: vectors first, then the keys that commit them."""
        if not self.writable or not keys:
            return
        if vectors.shape != (len(keys), self.dimension):
            raise ValueError(f"{len(keys)} keys need {len(keys)} x {self.dimension} vectors")
        fresh = [i for i, key in enumerate(keys) if key not in self._row]
        if len(fresh) < len(keys):
            keys, vectors = [keys[i] for i in fresh], vectors[fresh]
        if not keys:
            return
        with (self.folder / VECTORS).open("ab") as handle:
            handle.write(np.ascontiguousarray(vectors, dtype=DTYPE).tobytes())
            _sync(handle)
        with (self.folder / KEYS).open("ab") as handle:
            handle.write(b"".join(keys))
            _sync(handle)
        for key in keys:
            self._row[key] = self._rows
            self._rows += 1

    def close(self) -> None:
        self._mapped = None
        if self._lock is not None:
            _unlock(self._lock)
            self._lock = None

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _write_identity(self) -> None:
        path = self.folder / IDENTITY
        if path.is_file():
            try:
                found = json.loads(path.read_text("utf-8"))
            except (OSError, ValueError):
                found = None
            if found == self.identity:
                return
            if found is not None or not self.writable:
                raise CacheError(f"embedding cache {self.folder} holds another model's vectors: {found}")
        if not self.writable:
            raise CacheError(f"embedding cache {self.folder} has no {IDENTITY}")
        # A new folder, or one whose identity file a kill left unwritten (then it holds no row
        # that could be trusted): start it empty, identity first, written whole by a rename.
        for name in (KEYS, VECTORS):
            (self.folder / name).unlink(missing_ok=True)
        staging = path.with_suffix(".tmp")
        with staging.open("w", encoding="utf-8") as handle:
            json.dump(self.identity, handle, ensure_ascii=False, indent=1)
            _sync(handle)
        staging.replace(path)


def embed_texts(
    encoder: Encoder,
    texts: Sequence[str],
    cache: EmbeddingCache | None,
    *,
    chunk: int,
    advance: Advance | None = None,
) -> tuple[Vectors, int]:
    """Vectors of distinct `texts` (row i for texts[i]) and how many were sent to the model.

    Cached texts are read from the cache; the rest go to the model in chunks of `chunk` texts,
    shortest first (batches pad little), each chunk appended to the cache before the next starts.
    `advance` moves over all texts: the cached ones at once, the others as they are embedded.
    """
    out = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    if not texts:
        return out, 0
    if cache is None:
        return encoder.encode_passages(texts, advance), len(texts)
    keys = cache.keys(texts)
    rows = cache.lookup(keys)
    hit = np.flatnonzero(rows >= 0)
    for start in range(0, len(hit), READ_ROWS):  # a block at a time: no second copy of them all
        block = hit[start : start + READ_ROWS]
        out[block] = cache.vectors(rows[block])
    if len(hit) and advance is not None:
        advance(len(hit))
    missing = sorted(np.flatnonzero(rows < 0).tolist(), key=lambda i: len(texts[i]))
    for part in _chunks(missing, max(1, chunk)):
        vectors = encoder.encode_passages([texts[i] for i in part], advance)
        cache.put([keys[i] for i in part], vectors)
        out[part] = vectors
    return out, len(missing)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _whole_rows(folder: Path, dimension: int, keys_size: int, vectors_size: int) -> int:
    rows = min(keys_size // KEY_BYTES, vectors_size // (dimension * DTYPE.itemsize))
    if rows == 0:
        return 0
    # A machine that lost power (not only a killed process) can leave a file longer than what
    # was written, padded with zeros; a zero key is never a blake2b digest: the rows end there.
    keys = np.fromfile(folder / KEYS, dtype="<u8", count=rows * 2).reshape(rows, 2)
    zero = np.flatnonzero((keys == 0).all(axis=1))
    return int(zero[0]) if len(zero) else rows


def _truncate(folder: Path, rows: int, dimension: int) -> None:
    for name, size in ((KEYS, rows * KEY_BYTES), (VECTORS, rows * dimension * DTYPE.itemsize)):
        path = folder / name
        if path.exists() and path.stat().st_size != size:
            with path.open("r+b") as handle:
                handle.truncate(size)
                _sync(handle)


def _sync(handle: IO[Any]) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _try_lock(path: Path) -> IO[bytes] | None:
    """An exclusive lock the OS releases when the process dies (so a kill leaves no stale lock);
    None when another process holds it (the cache is then read-only for this one)."""
    handle = path.open("a+b")
    try:
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _unlock(handle: IO[bytes]) -> None:
    with contextlib.suppress(OSError):
        if sys.platform == "win32":
            import msvcrt

            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    handle.close()
