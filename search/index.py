"""The search index on disk: entries, their vectors (FAISS) and their tokens (BM25), kept together.

Layout of DATA/index/:
    meta.json       model, dimension, prompts, recipe, tokenizer + dictionary, and the graph state
                    it was built from (each document's named graph and source sha256)
    entries.jsonl   one Entry per line, with its integer id (the FAISS id)
    vectors.faiss   the dense index
    lexical/        the BM25 matrix (bm25s)

A save writes a sibling folder and swaps it in with renames, so a crash leaves either the old
index or the new one, never a mix; `load` finishes an interrupted swap.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from search.entries import Entry, Kind
from search.lexical import LexicalIndex
from search.tokenize import Tokenizer, make_tokenizer, user_dictionary
from search.vectors import VectorIndex

FORMAT = 1
Vectors = npt.NDArray[np.float32]


class IndexUnavailable(RuntimeError):
    """The index on disk is missing, unreadable, or was built for another model."""


@dataclass
class IndexMeta:
    model: str
    dimension: int
    query_prompt: str
    passage_prompt: str
    recipe: str
    tokenizer: str
    user_words: list[str] = field(default_factory=list)
    documents: dict[str, str] = field(default_factory=dict)  # graph IRI -> source sha256
    next_id: int = 0
    format: int = FORMAT


@dataclass(frozen=True)
class Columns:
    """Entry fields as arrays, so a filter over 100k entries is a few vectorised comparisons."""

    ids: npt.NDArray[np.int64]
    kind: npt.NDArray[np.str_]
    unit: npt.NDArray[np.str_]
    township: npt.NDArray[np.str_]
    project: npt.NDArray[np.str_]
    year: npt.NDArray[np.int64]
    level1: npt.NDArray[np.str_]
    level2: npt.NDArray[np.str_]
    target_type: npt.NDArray[np.str_]

    @classmethod
    def of(cls, ids: Sequence[int], entries: Sequence[Entry]) -> Columns:
        def col(values: Iterable[str]) -> npt.NDArray[np.str_]:
            return np.array(list(values), dtype=np.str_)

        return cls(
            ids=np.array(ids, dtype=np.int64),
            kind=col(e.kind.value for e in entries),
            unit=col(e.unit.iri if e.unit else "" for e in entries),
            township=col(e.township.iri if e.township else "" for e in entries),
            project=col(e.project.iri if e.project else "" for e in entries),
            year=np.array([e.year if e.year is not None else -1 for e in entries], dtype=np.int64),
            level1=col(e.level1.iri if e.level1 else "" for e in entries),
            level2=col(e.level2.iri if e.level2 else "" for e in entries),
            target_type=col(e.target.type if e.target else "" for e in entries),
        )


class SearchIndex:
    """Entries in row order; row i of the BM25 matrix and `ids[i]` in FAISS are the same entry."""

    def __init__(
        self,
        meta: IndexMeta,
        entries: dict[int, Entry],
        vectors: VectorIndex,
        lexical: LexicalIndex,
    ) -> None:
        self.meta = meta
        self._entries = entries
        self.vectors = vectors
        self.lexical = lexical
        self.tokenizer: Tokenizer = make_tokenizer(meta.tokenizer, meta.user_words)
        self._refresh()

    @classmethod
    def empty(cls, meta: IndexMeta, nprobe: int = 32) -> SearchIndex:
        return cls(meta, {}, VectorIndex.empty(meta.dimension, nprobe), LexicalIndex.build([]))

    def _refresh(self) -> None:
        self.row_ids = list(self._entries)
        self.rows = [self._entries[i] for i in self.row_ids]
        self.row_of = {entry_id: row for row, entry_id in enumerate(self.row_ids)}
        self.by_iri = {entry.iri: entry_id for entry_id, entry in self._entries.items()}
        self.columns = Columns.of(self.row_ids, self.rows)
        # Every unit and township once, for filters typed as a code or a name.
        self.units = {
            ref.iri: ref.label for e in self.rows for ref in (e.unit, e.township) if ref is not None
        }

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, entry_id: int) -> Entry:
        return self._entries[entry_id]

    def of_projects(self, projects: Collection[str], kind: Kind) -> list[Entry]:
        """The entries of `kind` (objectives, indicators) that belong to these projects, in row order."""
        c = self.columns
        mask = (c.kind == kind.value) & np.isin(c.project, list(projects))
        return [self.rows[row] for row in np.flatnonzero(mask)]

    def iris(self) -> set[str]:
        return set(self.by_iri)

    def replace(
        self,
        documents: dict[str, str],
        entries: Sequence[Entry],
        vectors: Vectors,
        exact_limit: int,
    ) -> None:
        """Drop everything from `documents`' graphs, then add `entries` (all from those graphs)."""
        if len(entries) != len(vectors):
            raise ValueError("one vector per entry")
        self._drop(set(documents))
        if not self._entries and not self.meta.user_words:
            # First fill: the dictionary comes from these entries. Later updates keep it (a new
            # dictionary would mean re-cutting every stored text); `jixiao reindex` renews it.
            self.meta.user_words = user_dictionary(e.label for e in entries if e.kind == Kind.INDICATOR)
            self.tokenizer = make_tokenizer(self.meta.tokenizer, self.meta.user_words)
        start = self.meta.next_id
        ids = np.arange(start, start + len(entries), dtype=np.int64)
        self.meta.next_id = start + len(entries)
        for entry_id, entry in zip(ids.tolist(), entries, strict=True):
            self._entries[entry_id] = _with_tokens(entry, self.tokenizer(entry.text))
        self.vectors.add(ids, vectors)
        self.vectors = self.vectors.resized(exact_limit)
        self.meta.documents.update(documents)
        self._rebuild_lexical()

    def remove_documents(self, graphs: Iterable[str]) -> int:
        graphs = set(graphs)
        removed = self._drop(graphs)
        for graph in graphs:
            self.meta.documents.pop(graph, None)
        self._rebuild_lexical()
        return removed

    def _drop(self, graphs: set[str]) -> int:
        doomed = [entry_id for entry_id, entry in self._entries.items() if entry.document in graphs]
        self.vectors.remove(np.array(doomed, dtype=np.int64))
        for entry_id in doomed:
            del self._entries[entry_id]
        return len(doomed)

    def _rebuild_lexical(self) -> None:
        self._refresh()
        self.lexical = LexicalIndex.build([entry.tokens for entry in self.rows])

    # --- persistence -------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        staging = folder.with_name(folder.name + ".new")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        (staging / "meta.json").write_text(
            json.dumps(asdict(self.meta), ensure_ascii=False, indent=1), "utf-8"
        )
        with (staging / "entries.jsonl").open("w", encoding="utf-8") as handle:
            for entry_id in self.row_ids:
                record = {"id": entry_id, **self._entries[entry_id].to_json()}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.vectors.save(staging / "vectors.faiss")
        self.lexical.save(staging / "lexical")
        _swap_in(staging, folder)

    @classmethod
    def load(cls, folder: Path, nprobe: int = 32) -> SearchIndex:
        _finish_swap(folder)
        meta_path = folder / "meta.json"
        if not meta_path.is_file():
            raise IndexUnavailable(f"no search index in {folder}: run `jixiao reindex`")
        try:
            meta = IndexMeta(**json.loads(meta_path.read_text("utf-8")))
            if meta.format != FORMAT:
                raise IndexUnavailable(f"{folder}: index format {meta.format}, this jixiao reads {FORMAT}")
            entries: dict[int, Entry] = {}
            with (folder / "entries.jsonl").open(encoding="utf-8") as handle:
                for line in handle:
                    record = json.loads(line)
                    entries[int(record.pop("id"))] = Entry.from_json(record)
            vectors = VectorIndex.load(folder / "vectors.faiss", meta.dimension, nprobe)
            lexical = LexicalIndex.load(folder / "lexical")
        except IndexUnavailable:
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
            raise IndexUnavailable(
                f"the search index in {folder} is unreadable ({error}): run `jixiao reindex`"
            ) from error
        if len(vectors) != len(entries) or len(lexical) != len(entries):
            raise IndexUnavailable(f"the search index in {folder} is inconsistent: run `jixiao reindex`")
        return cls(meta, entries, vectors, lexical)


def _with_tokens(entry: Entry, tokens: list[str]) -> Entry:
    return replace(entry, tokens=tuple(tokens))


def _swap_in(staging: Path, folder: Path) -> None:
    old = folder.with_name(folder.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _finish_swap(folder: Path) -> None:
    """After a crash between the two renames of `_swap_in`, put the complete folder in place."""
    staging = folder.with_name(folder.name + ".new")
    old = folder.with_name(folder.name + ".old")
    if not folder.exists() and old.exists():
        old.rename(folder)  # the new one may be half-written; the old one is complete
    if staging.exists() and folder.exists():
        shutil.rmtree(staging, ignore_errors=True)
