"""The search index on disk: entries as columns, their vectors (FAISS) and their tokens (BM25), kept together.

Layout of DATA/index/ (format 2):
    meta.json           model, dimension, prompts, recipe, tokenizer + dictionary, the graph state
                        it was built from (each document's named graph and source sha256), format
    entries/            one numpy array per field, rows in id order (search.entry_table): strings as
                        UTF-8 bytes + offsets, repeated values as codes into (IRI, label) lists
    vectors.faiss       the dense index: exact, or IVF-SQ8 with its full vectors beside it
                        (vectors.faiss.npy + vectors.faiss.ids.npy, memory-mapped, for re-ranking)
    lexical/            every row's tokens (term ids) and the BM25 postings in segments (search.lexical)

Everything but the FAISS index is memory-mapped on load: a search reads the filter columns, the
postings of its words and the rows it returns. An `Entry` is built only for a row asked for.

Format 1 (entries.jsonl, an IVFFlat or flat FAISS index, bm25s's matrix) is read and converted in
memory, with a warning; the next save writes format 2. A format this code does not know is
`IndexUnavailable` (sync then rebuilds from the store).

A save writes a sibling folder and swaps it in with renames, so a crash leaves either the old
index or the new one, never a mix; `load` finishes an interrupted swap.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import overload

import numpy as np
import numpy.typing as npt

from search.entries import Entry, Kind, Ref
from search.entry_table import Columns, EntryTable, IriLookup, projects_mask, units_of
from search.lexical import LexicalIndex
from search.tokenize import Tokenizer, make_tokenizer, user_dictionary
from search.vectors import APPROXIMATE, NPROBE, FullVectors, VectorIndex

FORMAT = 2
BUILT_ENTRIES = 20_000  # entries kept once built (a few MB; a search touches a few hundred)
Vectors = npt.NDArray[np.float32]
log = logging.getLogger(__name__)

__all__ = ["FORMAT", "Columns", "IndexMeta", "IndexUnavailable", "SearchIndex"]


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
    # What the model computed the vectors in (search.precision): an index written before issue 22
    # has no such field, and its vectors are float32.
    precision: str = "float32"


class EntryRows(Sequence[Entry]):
    """The entries in row order, each built when read (a million of them are not held at once)."""

    def __init__(self, index: SearchIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return len(self._index)

    @overload
    def __getitem__(self, row: int) -> Entry: ...
    @overload
    def __getitem__(self, row: slice) -> list[Entry]: ...
    def __getitem__(self, row: int | slice) -> Entry | list[Entry]:
        if isinstance(row, slice):
            return [self._index.entry_at(r) for r in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        return self._index.entry_at(row)

    def __iter__(self) -> Iterator[Entry]:
        return (self._index.entry_at(row) for row in range(len(self)))


class SearchIndex:
    """Entries in row order (ids ascending); row i of the table and of the BM25 index, and `ids[i]`
    in FAISS, are the same entry."""

    def __init__(
        self, meta: IndexMeta, table: EntryTable, vectors: VectorIndex, lexical: LexicalIndex
    ) -> None:
        self.meta = meta
        self.table = table
        self.vectors = vectors
        self.lexical = lexical
        self.tokenizer: Tokenizer = make_tokenizer(meta.tokenizer, meta.user_words)
        self._refresh()

    @classmethod
    def empty(cls, meta: IndexMeta, nprobe: int = NPROBE) -> SearchIndex:
        return cls(meta, EntryTable.empty(), VectorIndex.empty(meta.dimension, nprobe), LexicalIndex.empty())

    def _refresh(self) -> None:
        self._built: dict[int, Entry] = {}
        # A new `rows` object per state: the service keys its match statistics on it.
        self.rows: Sequence[Entry] = EntryRows(self)
        self.by_iri = IriLookup(self.table)
        self.columns: Columns = self.table.columns
        # Every unit and township once, for filters typed as a code or a name.
        self.units = units_of(self.table)

    @property
    def row_ids(self) -> list[int]:
        return [int(i) for i in self.table.ids.tolist()]

    def __len__(self) -> int:
        return len(self.table)

    def entry_at(self, row: int) -> Entry:
        return self.table.entry(row, self.lexical.tokens(row))

    def entry(self, entry_id: int) -> Entry:
        # A search asks for the same few hundred entries three times (grouping, evidence, the
        # project's amount); they are immutable, so the ones built lately are kept.
        entry_id = int(entry_id)
        found = self._built.get(entry_id)
        if found is None:
            row = self.table.row_of(entry_id)
            if row is None:
                raise KeyError(entry_id)
            if len(self._built) >= BUILT_ENTRIES:
                self._built.clear()
                self.by_iri.recent.clear()
            found = self._built[entry_id] = self.entry_at(row)
            self.by_iri.recent[found.iri] = entry_id  # the hit's IRI is looked up next
        return found

    def unit_refs(self) -> Iterator[Ref]:
        """Every (unit or township IRI, label) pair the entries carry."""
        for name in ("unit", "township"):
            column = self.table.coded[name]
            yield from (Ref(i, lab) for i, lab in zip(column.iris, column.labels, strict=True))

    def of_projects(self, projects: Collection[str], kind: Kind) -> list[Entry]:
        """The entries of `kind` (objectives, indicators) that belong to these projects, in row order."""
        mask = projects_mask(self.table, projects, kind)
        return [self.entry_at(int(row)) for row in np.flatnonzero(mask)]

    def iris(self) -> set[str]:
        return set(self.by_iri)

    def document_frequencies(self) -> dict[str, int]:
        """Entries per token, over the current entries (for match evidence)."""
        return self.lexical.document_frequencies()

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
        if not len(self.table) and not self.meta.user_words:
            # First fill: the dictionary comes from these entries. Later updates keep it (a new
            # dictionary would mean re-cutting every stored text); `jixiao reindex` renews it.
            self.meta.user_words = user_dictionary(e.label for e in entries if e.kind == Kind.INDICATOR)
            self.tokenizer = make_tokenizer(self.meta.tokenizer, self.meta.user_words)
        start = self.meta.next_id
        ids = np.arange(start, start + len(entries), dtype=np.int64)
        self.meta.next_id = start + len(entries)
        # Each distinct text is cut once: names such as 群众满意度 recur in every project.
        cut: dict[str, list[str]] = {}
        tokens = [
            cut[e.text] if e.text in cut else cut.setdefault(e.text, self.tokenizer(e.text)) for e in entries
        ]
        self.table = self.table.concat(EntryTable.of(ids.tolist(), entries))
        self.lexical.add(ids, tokens)
        self.vectors.add(ids, vectors)
        self.vectors = self.vectors.resized(exact_limit)
        self.meta.documents.update(documents)
        self._refresh()

    def remove_documents(self, graphs: Iterable[str]) -> int:
        graphs = set(graphs)
        removed = self._drop(graphs)
        for graph in graphs:
            self.meta.documents.pop(graph, None)
        self._refresh()
        return removed

    def _drop(self, graphs: set[str]) -> int:
        doomed = self.table.coded["document"].isin(graphs)
        count = int(doomed.sum())
        if count == 0:
            return 0
        ids = np.asarray(self.table.ids[doomed], dtype=np.int64)
        self.vectors.remove(ids)
        self.lexical.remove(ids)
        self.table = self.table.take(np.flatnonzero(~doomed).astype(np.int64))
        return count

    # --- persistence -------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        staging = folder.with_name(folder.name + ".new")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        self.meta.format = FORMAT
        (staging / "meta.json").write_text(
            json.dumps(asdict(self.meta), ensure_ascii=False, indent=1), "utf-8"
        )
        self.table.save(staging / "entries")
        self.vectors.save(staging / "vectors.faiss")
        self.lexical.save(staging / "lexical")
        _swap_in(staging, folder)
        # What was just written, memory-mapped: the arrays an update built in memory are let go.
        self.table = EntryTable.load(folder / "entries")
        self.lexical = LexicalIndex.load(folder / "lexical")
        if self.vectors.full is not None:
            self.vectors.full = FullVectors.load(folder / "vectors.faiss", self.meta.dimension)
        self._refresh()

    @classmethod
    def load(cls, folder: Path, nprobe: int = NPROBE) -> SearchIndex:
        _finish_swap(folder)
        meta_path = folder / "meta.json"
        if not meta_path.is_file():
            raise IndexUnavailable(f"no search index in {folder}: run `jixiao reindex`")
        try:
            meta = IndexMeta(**json.loads(meta_path.read_text("utf-8")))
            if meta.format == 1:
                return _load_format_1(folder, meta, nprobe)
            if meta.format != FORMAT:
                raise IndexUnavailable(f"{folder}: index format {meta.format}, this jixiao reads {FORMAT}")
            table = EntryTable.load(folder / "entries")
            vectors = VectorIndex.load(folder / "vectors.faiss", meta.dimension, nprobe)
            lexical = LexicalIndex.load(folder / "lexical")
        except IndexUnavailable:
            raise
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as error:
            raise IndexUnavailable(
                f"the search index in {folder} is unreadable ({error}): run `jixiao reindex`"
            ) from error
        if (
            len(vectors) != len(table)
            or len(lexical) != len(table)
            or not np.array_equal(lexical.ids, table.ids)
        ):
            raise IndexUnavailable(f"the search index in {folder} is inconsistent: run `jixiao reindex`")
        return cls(meta, table, vectors, lexical)


def _load_format_1(folder: Path, meta: IndexMeta, nprobe: int) -> SearchIndex:
    """An index written before format 2 (entries.jsonl, bm25s), converted in memory.

    Its vectors are kept (no re-embedding); an IVFFlat index is rebuilt as IVF-SQ8. The tokens are
    the stored ones, so BM25 scores are what they were."""
    log.warning(
        "the search index in %s is format 1 (this jixiao writes %d): converting it in memory;"
        " the next update or `jixiao reindex` saves it in the new format",
        folder,
        FORMAT,
    )
    records: list[tuple[int, Entry]] = []
    with (folder / "entries.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            records.append((int(record.pop("id")), Entry.from_json(record)))
    records.sort(key=lambda pair: pair[0])
    ids = [entry_id for entry_id, _ in records]
    entries = [entry for _, entry in records]
    vectors = VectorIndex.load(folder / "vectors.faiss", meta.dimension, nprobe)
    if len(vectors) != len(entries):
        raise IndexUnavailable(f"the search index in {folder} is inconsistent: run `jixiao reindex`")
    if vectors.kind == APPROXIMATE:
        vectors = vectors.rebuilt(APPROXIMATE)
    table = EntryTable.of(ids, entries)
    lexical = LexicalIndex.build([e.tokens for e in entries], np.array(ids, dtype=np.int64))
    meta.format = FORMAT
    return SearchIndex(meta, table, vectors, lexical)


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
