"""BM25 over tokens, by bm25s (scores precomputed into a sparse matrix, so a query is a few column
sums over the whole corpus: a filter is then a mask, not a second search)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import numpy.typing as npt

Scores = npt.NDArray[np.float32]


class LexicalIndex:
    """BM25 scores for the rows 0..n-1 of the search index, in the same order."""

    def __init__(self, retriever: bm25s.BM25 | None, size: int) -> None:
        self._retriever = retriever
        self._size = size

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]]) -> LexicalIndex:
        if not any(documents):
            # bm25s cannot build from an empty vocabulary; every score is zero then anyway.
            return cls(None, len(documents))
        # Lucene's BM25 variant with the usual k1/b; bm25s adds an empty token so a document
        # with no tokens still has a row.
        retriever = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
        retriever.index([list(tokens) for tokens in documents], show_progress=False)
        return cls(retriever, len(documents))

    def __len__(self) -> int:
        return self._size

    def scores(self, tokens: Sequence[str]) -> Scores:
        """One BM25 score per row; zeros when no query token is in the vocabulary."""
        if self._retriever is None:
            return np.zeros(self._size, dtype=np.float32)
        vocabulary = self._retriever.vocab_dict
        known = [token for token in tokens if token in vocabulary and token != ""]
        if not known:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        state = {"rows": self._size, "empty": self._retriever is None}
        (folder / "size.json").write_text(json.dumps(state), encoding="utf-8")
        if self._retriever is not None:
            self._retriever.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        state = json.loads((folder / "size.json").read_text(encoding="utf-8"))
        size = int(state["rows"])
        if state.get("empty", size == 0):
            return cls(None, size)
        retriever = bm25s.BM25.load(str(folder), show_progress=False, mmap=False)
        return cls(retriever, size)
