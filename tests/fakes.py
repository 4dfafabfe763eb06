"""A fake encoder for unit tests: deterministic, instant, and similar texts get similar vectors.

Character unigrams and bigrams are hashed into a small vector (the "hashing trick"), so texts
that share characters score higher than texts that do not: enough for the index, ranking and
CLI tests to assert real orderings without loading a model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from search.encoder import Prompts

Vectors = npt.NDArray[np.float32]


class FakeEncoder:
    def __init__(self, name: str = "intfloat/multilingual-e5-small", dimension: int = 64) -> None:
        self._name = name
        self._dimension = dimension
        self.prompts = Prompts("query: ", "passage: ")
        self.calls = 0  # texts encoded, so tests can check what was (not) re-embedded

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        vectors = self._encode(texts)
        if progress is not None:
            progress(len(texts))
        return vectors

    def _encode(self, texts: Sequence[str]) -> Vectors:
        self.calls += len(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self._dimension] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
            if not norm:
                out[row, 0] = 1.0
        return out
