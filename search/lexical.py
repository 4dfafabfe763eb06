"""BM25 over tokens, updated in place: each row's tokens are kept, postings live in segments.

What it computes is bm25s's Lucene variant as the index used before (k1 1.2, b 0.75,
idf = log(1 + (N - df + 0.5) / (df + 0.5)), tf / (tf + k1 (1 - b + b dl / avgdl))), with the same
float32 rounding, so the scores are the ones a full bm25s rebuild over the current rows gives
(tests/search/test_lexical.py checks both). Only the moment differs: bm25s fixes N, df and avgdl
when it builds; here they are read at query time from what is live, so an update never rebuilds.

- The tokens of every row, as term ids (CSR: `offsets`, `terms`), in row order, give a row's
  length and its tokens back (Entry.tokens, match evidence).
- Postings (term -> rows with their term frequency) are in segments. An update adds one segment
  for the new rows; removed rows stay in their segment, masked, until the segment is merged.
  Segments are merged LSM-style (a new one into the previous while they are of similar size), so
  there are O(log n) of them and a row is re-sorted O(log n) times over its life.

Rows are identified by entry id (ascending), as in the search index; row i is the i-th live id.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Scores = npt.NDArray[np.float32]
Ids = npt.NDArray[np.int64]

K1, B = 1.2, 0.75
MAX_SEGMENTS = 12
SEGMENT_FILES = ("ids", "ptr", "local", "tf")


def _load(path: Path, mmap: bool) -> Any:
    # A plain ndarray over the mapping: np.memmap's own indexing costs microseconds per call.
    return np.asarray(np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False))


def _gather(offsets: npt.NDArray[np.int64], values: Any, rows: Ids) -> tuple[Any, npt.NDArray[np.int64]]:
    """values[offsets[r]:offsets[r+1]] for each r in rows, concatenated, and the new offsets."""
    starts = offsets[rows]
    lengths = offsets[rows + 1] - starts
    new = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=new[1:])
    source = np.repeat(starts - new[:-1], lengths) + np.arange(new[-1], dtype=np.int64)
    return np.asarray(values[source]), new


@dataclass
class Segment:
    """Postings of some rows: for term t, local[ptr[t]:ptr[t+1]] index `ids`, `tf` alongside."""

    ids: Ids  # entry ids of the segment's rows, ascending
    ptr: npt.NDArray[np.int64]
    local: npt.NDArray[np.int32]
    tf: npt.NDArray[np.float32]
    source: Path | None = None  # the folder it was loaded from (its files are immutable)
    rows: Ids = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # local -> current row, -1 gone

    @property
    def live(self) -> int:
        return int((self.rows >= 0).sum())

    def postings(self, term: int) -> tuple[Ids, npt.NDArray[np.float32]]:
        if term + 1 >= len(self.ptr):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        start, end = int(self.ptr[term]), int(self.ptr[term + 1])
        rows = self.rows[self.local[start:end]]
        keep = rows >= 0
        return rows[keep], np.asarray(self.tf[start:end][keep], dtype=np.float32)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        for name in SEGMENT_FILES:
            target = folder / f"{name}.npy"
            if self.source is not None and (self.source / f"{name}.npy").is_file():
                try:  # unchanged since loaded: the same bytes, without reading them
                    os.link(self.source / f"{name}.npy", target)
                    continue
                except OSError:
                    shutil.copyfile(self.source / f"{name}.npy", target)
                    continue
            np.save(target, getattr(self, name))

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> Segment:
        parts = {name: _load(folder / f"{name}.npy", mmap) for name in SEGMENT_FILES}
        return cls(parts["ids"], parts["ptr"], parts["local"], parts["tf"], folder if mmap else None)


class LexicalIndex:
    """BM25 scores for the live rows (ids ascending), in the same order as the search index."""

    def __init__(
        self,
        vocabulary: list[str],
        ids: Ids,
        offsets: npt.NDArray[np.int64],
        terms: npt.NDArray[np.int32],
        segments: list[Segment],
    ) -> None:
        self.vocabulary = vocabulary
        self._term_of = {token: term for term, token in enumerate(vocabulary)}
        self.ids = ids
        self.offsets = offsets
        self.terms = terms
        self.segments = segments
        self._refresh()

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], ids: Ids | None = None) -> LexicalIndex:
        index = cls.empty()
        index.add(np.arange(len(documents), dtype=np.int64) if ids is None else ids, documents)
        return index

    @classmethod
    def empty(cls) -> LexicalIndex:
        zero = np.zeros(1, dtype=np.int64)
        return cls([], np.zeros(0, dtype=np.int64), zero, np.zeros(0, dtype=np.int32), [])

    def __len__(self) -> int:
        return len(self.ids)

    def _refresh(self) -> None:
        lengths = np.diff(self.offsets)
        self._lengths = lengths.astype(np.float64)
        self._total = int(lengths.sum())
        for segment in self.segments:
            position = np.searchsorted(self.ids, segment.ids)
            inside = position < len(self.ids)
            found = np.zeros(len(segment.ids), dtype=bool)
            found[inside] = self.ids[position[inside]] == segment.ids[inside]
            segment.rows = np.where(found, position, -1).astype(np.int64)

    # --- updates -------------------------------------------------------------------------------

    def add(self, ids: Ids, documents: Sequence[Sequence[str]]) -> None:
        """Append rows; ids must be above every id held (the search index hands them out in order)."""
        if len(ids) != len(documents):
            raise ValueError("one token list per id")
        if len(ids) == 0:
            return
        ids = np.asarray(ids, dtype=np.int64)
        if (len(self.ids) and int(ids.min()) <= int(self.ids[-1])) or np.any(np.diff(ids) <= 0):
            raise ValueError("ids must ascend, above the ids already held")
        term_of, vocabulary = self._term_of, self.vocabulary
        # Rows with the same text share one token list (the index cuts each distinct text once):
        # each list is mapped to term ids once, as a small array, and the arrays are concatenated.
        mapped: dict[int, npt.NDArray[np.int32]] = {}
        parts: list[npt.NDArray[np.int32]] = []
        for tokens in documents:
            terms = mapped.get(id(tokens))
            if terms is None:
                row_terms = []
                for token in tokens:
                    term = term_of.get(token)
                    if term is None:
                        term = term_of[token] = len(vocabulary)
                        vocabulary.append(token)
                    row_terms.append(term)
                terms = mapped[id(tokens)] = np.array(row_terms, dtype=np.int32)
            parts.append(terms)
        lengths = np.array([len(part) for part in parts], dtype=np.int64)
        start = len(self.ids)
        self.ids = np.concatenate([self.ids, ids])
        self.offsets = np.concatenate([self.offsets, self.offsets[-1] + np.cumsum(lengths)])
        self.terms = np.concatenate([self.terms, *parts]).astype(np.int32)
        self.segments.append(self._segment(np.arange(start, len(self.ids), dtype=np.int64)))
        self._refresh()
        self._merge()

    def remove(self, ids: Ids) -> int:
        """Drop these ids' rows (unknown ids are ignored); their postings are masked, not rewritten."""
        gone = np.isin(self.ids, ids)
        if not gone.any():
            return 0
        kept = np.flatnonzero(~gone).astype(np.int64)
        self.terms, self.offsets = _gather(self.offsets, self.terms, kept)
        self.terms = self.terms.astype(np.int32)
        self.ids = np.asarray(self.ids[kept], dtype=np.int64)
        self._refresh()
        # A segment mostly removed is rebuilt from its live rows (or dropped when none is left).
        for n, segment in enumerate(self.segments):
            if segment.live * 2 < len(segment.ids):
                self.segments[n] = self._segment(np.sort(segment.rows[segment.rows >= 0]))
        self.segments = [s for s in self.segments if len(s.ids)]
        self._refresh()
        return int(gone.sum())

    def _segment(self, rows: Ids) -> Segment:
        """Postings of these current rows (ascending)."""
        size = len(self.vocabulary)
        terms, offsets = _gather(self.offsets, self.terms, rows)
        local = np.repeat(np.arange(len(rows), dtype=np.int64), np.diff(offsets))
        # One posting per (row, term) with its count, then ordered by term (rows ascending within).
        pairs, counts = np.unique(local * max(size, 1) + terms.astype(np.int64), return_counts=True)
        pair_terms = pairs % max(size, 1)
        order = np.argsort(pair_terms, kind="stable")
        ptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(pair_terms, minlength=size), out=ptr[1:])
        return Segment(
            ids=np.asarray(self.ids[rows], dtype=np.int64),
            ptr=ptr,
            local=(pairs[order] // max(size, 1)).astype(np.int32),
            tf=counts[order].astype(np.float32),
        )

    def _merge(self) -> None:
        segments = self.segments
        while len(segments) > 1 and (
            len(segments) > MAX_SEGMENTS or segments[-2].live <= 4 * max(segments[-1].live, 1)
        ):
            last, previous = segments.pop(), segments.pop()
            rows = np.concatenate([previous.rows[previous.rows >= 0], last.rows[last.rows >= 0]])
            segments.append(self._segment(np.sort(rows)))
            self._refresh()

    # --- queries -------------------------------------------------------------------------------

    def scores(self, tokens: Sequence[str]) -> Scores:
        """One BM25 score per row; zeros when no query token is in the vocabulary.

        A repeated query token counts as often as it is repeated, as in bm25s."""
        size = len(self.ids)
        scores = np.zeros(size, dtype=np.float32)
        known = [self._term_of[t] for t in tokens if t != "" and t in self._term_of]
        if not known or size == 0:
            return scores
        average = self._total / size
        for term in known:
            parts = [segment.postings(term) for segment in self.segments]
            rows = np.concatenate([p[0] for p in parts])
            if len(rows) == 0:
                continue
            tf = np.concatenate([p[1] for p in parts]).astype(np.float64)
            df = len(rows)
            idf = np.float32(math.log(1 + (size - df + 0.5) / (df + 0.5)))
            # The operations and their order are bm25s's (float64, stored as float32), so a row's
            # score is the same number, not just close.
            norm = K1 * ((1 - B) + B * self._lengths[rows] / average)
            scores[rows] += (np.float64(idf) * (tf / (norm + tf))).astype(np.float32)
        return scores

    def tokens(self, row: int) -> list[str]:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return [self.vocabulary[t] for t in self.terms[start:end].tolist()]

    def document_frequencies(self) -> dict[str, int]:
        """Live rows per token (tokens no live row has left out)."""
        counts = np.zeros(len(self.vocabulary), dtype=np.int64)
        for segment in self.segments:
            live = segment.rows[np.asarray(segment.local, dtype=np.int64)] >= 0
            per_term = np.diff(np.asarray(segment.ptr, dtype=np.int64)).astype(np.int64)
            terms = np.repeat(np.arange(len(per_term), dtype=np.int64), per_term)
            counts[: len(per_term)] += np.bincount(terms[live], minlength=len(per_term))
        return {self.vocabulary[t]: int(counts[t]) for t in np.flatnonzero(counts).tolist()}

    # --- persistence ---------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        state = {"rows": len(self.ids), "segments": len(self.segments)}
        (folder / "state.json").write_text(json.dumps(state), encoding="utf-8")
        # ASCII escapes: any token (a lone surrogate too) reads back as it was.
        (folder / "vocabulary.json").write_text(json.dumps(self.vocabulary), "utf-8")
        np.save(folder / "ids.npy", self.ids)
        np.save(folder / "offsets.npy", self.offsets)
        np.save(folder / "terms.npy", self.terms)
        for n, segment in enumerate(self.segments):
            segment.save(folder / f"segment-{n}")

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> LexicalIndex:
        state = json.loads((folder / "state.json").read_text(encoding="utf-8"))
        vocabulary = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        ids = _load(folder / "ids.npy", mmap)
        offsets = _load(folder / "offsets.npy", mmap)
        terms = _load(folder / "terms.npy", mmap)
        if len(ids) != int(state["rows"]) or len(offsets) != len(ids) + 1:
            raise ValueError(f"{folder}: {len(ids)} rows, the state says {state['rows']}")
        segments = [Segment.load(folder / f"segment-{n}", mmap) for n in range(int(state["segments"]))]
        return cls(list(vocabulary), ids, offsets, terms, segments)
