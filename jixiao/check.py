"""`jixiao check`: are the store, the search index and the embedding cache one consistent state?

What a process killed at any moment can leave behind, and what `--repair` does about it:

- incomplete-graph: a document's named graph (`<base>source/…`) with quads but no complete
  document marker (a bulk load writes each document's content first and its marker last). It
  was never reported as ingested: repair drops it; ingesting its file again writes it whole.
  A big document's staging graph (`<document>/staging`, jixiao.store) is one too: repair drops
  it, unless it holds a whole new version whose swap was cut short, which repair finishes.
- ontology-missing: documents but no ontology graph (ingest installs it after the files):
  repair installs it.
- index-missing / index-unreadable / index-other-model: no usable search index although the store
  has documents: repair rebuilds it (as `jixiao reindex`, with the embedding cache's vectors).
- index-interrupted-save: the index was being saved (swapped in by renames) when the process
  died: repair finishes the swap, keeping the complete folder.
- index-behind / index-stale / index-ahead: documents the index does not have, has at another
  sha256, or has but the store does not: repair brings the index in line (as an ingest does).
- cache-torn-tail / cache-unusable: the embedding cache ends in part of a row, or a cache
  folder has no readable identity: repair cuts the tail off, or removes the folder.
- store-locked / store-unreadable: nothing else can be checked (no repair).

`inspect` writes nothing. `repair` fixes what `inspect` found, in that order (store first, the
index last, since the index is built from the store).
"""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from rdflib import URIRef

from ingest.iri import IriMinter
from jixiao.settings import Settings
from jixiao.store import ONTOLOGY_GRAPH, Store, StoreError, open_store, staging_graph
from jixiao.store_interface import ListsGraphs, StagedReplacement
from search import embedding_cache
from search.index import IndexMeta, IndexUnavailable, SearchIndex
from search.sync import graph_state

SHOWN = 3  # items named in a problem's one-line summary (--json lists them all)


class Kind(StrEnum):
    STORE_LOCKED = "store-locked"
    STORE_UNREADABLE = "store-unreadable"
    INCOMPLETE_GRAPH = "incomplete-graph"
    ONTOLOGY_MISSING = "ontology-missing"
    INDEX_MISSING = "index-missing"
    INDEX_UNREADABLE = "index-unreadable"
    INDEX_OTHER_MODEL = "index-other-model"
    INDEX_INTERRUPTED_SAVE = "index-interrupted-save"
    INDEX_BEHIND = "index-behind"
    INDEX_STALE = "index-stale"
    INDEX_AHEAD = "index-ahead"
    CACHE_TORN = "cache-torn-tail"
    CACHE_UNUSABLE = "cache-unusable"


INDEX_REBUILD = {Kind.INDEX_MISSING, Kind.INDEX_UNREADABLE, Kind.INDEX_OTHER_MODEL}
INDEX_KINDS = INDEX_REBUILD | {
    Kind.INDEX_INTERRUPTED_SAVE,
    Kind.INDEX_BEHIND,
    Kind.INDEX_STALE,
    Kind.INDEX_AHEAD,
}
FATAL = {Kind.STORE_LOCKED, Kind.STORE_UNREADABLE}


@dataclass
class Problem:
    kind: Kind
    summary: str  # one line, with the count
    items: list[str] = field(default_factory=list)  # graphs, folders, files

    def line(self) -> str:
        shown = ", ".join(_short(item) for item in self.items[:SHOWN])
        more = f" … +{len(self.items) - SHOWN}" if len(self.items) > SHOWN else ""
        return f"{self.summary}" + (f": {shown}{more}" if shown else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "count": max(1, len(self.items)),  # a problem without items (no ontology) is one
            "summary": self.summary,
            "items": self.items,
        }


@dataclass
class CheckReport:
    documents: int = 0  # in the store
    indexed: int | None = None  # in the search index (None: no usable index)
    cached: int = 0  # vectors in the embedding cache, all models
    problems: list[Problem] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.problems

    def kinds(self) -> set[Kind]:
        return {p.kind for p in self.problems}

    def add(self, kind: Kind, summary: str, items: list[str] | None = None) -> None:
        self.problems.append(Problem(kind, summary, items or []))

    def to_json(self) -> dict[str, Any]:
        return {
            "consistent": self.consistent,
            "documents": self.documents,
            "indexed": self.indexed,
            "cached_vectors": self.cached,
            "problems": [p.to_json() for p in self.problems],
        }


def open_checked(settings: Settings) -> tuple[Store | None, CheckReport]:
    """The store, or None and a report saying why it cannot be opened."""
    report = CheckReport()
    try:
        return open_store(settings), report
    except StoreError as error:
        if _locked(error):
            report.add(
                Kind.STORE_LOCKED,
                f"another jixiao process has the store open ({settings.store_dir}); wait for it to"
                " finish, or stop it, and check again",
            )
        else:
            report.add(Kind.STORE_UNREADABLE, f"the store cannot be opened: {error}")
        return None, report


def _locked(error: Exception) -> bool:
    text = str(error).lower()
    return "lock" in text and ("temporarily unavailable" in text or "hold" in text or "no locks" in text)


# --- inspect (no writes) -------------------------------------------------------------------------


def incomplete_graphs(store: Store, settings: Settings, documents: set[str] | None = None) -> list[str]:
    """Graphs named as documents (`<base>source/…`) that are not listed as documents.

    Only jixiao's own document names: a graph someone added through SPARQL Update under another
    name (notes, links) is theirs, never reported or dropped. The ontology and review graphs are
    not under `source/`."""
    if documents is None:
        documents = {str(d.graph) for d in store.documents()}
    prefix = document_prefix(settings)
    return sorted(g for g in named_graphs(store) if g.startswith(prefix) and g not in documents)


def document_prefix(settings: Settings) -> str:
    probe = "probe"
    return str(IriMinter(settings.base_iri).source_document(probe)).removesuffix(probe)


def named_graphs(store: Store) -> list[str]:
    if isinstance(store, ListsGraphs):
        return [str(g) for g in store.named_graphs()]
    rows = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return [str(row[0]) for row in rows]  # type: ignore[index]


def inspect(store: Store, settings: Settings) -> CheckReport:
    report = CheckReport()
    current = graph_state(store)
    report.documents = len(current)
    incomplete = incomplete_graphs(store, settings, set(current))
    if incomplete:
        quads = sum(store.graph_size(URIRef(g)) for g in incomplete)
        report.add(
            Kind.INCOMPLETE_GRAPH,
            f"{len(incomplete)} incomplete document graph(s), {quads} quads, left by an ingest that"
            " stopped while writing them (never reported as ingested)",
            incomplete,
        )
    if current and str(ONTOLOGY_GRAPH) not in named_graphs(store):
        report.add(
            Kind.ONTOLOGY_MISSING, "the ontology's terms are not in the store (ingest installs them last)"
        )
    _inspect_index(settings, current, report)
    _inspect_cache(settings, report)
    return report


def _inspect_index(settings: Settings, current: dict[str, str], report: CheckReport) -> None:
    folder = settings.index_dir
    staging = folder.with_name(folder.name + ".new")
    old = folder.with_name(folder.name + ".old")
    complete = folder
    if not folder.exists() and old.exists():
        complete = old
        report.add(
            Kind.INDEX_INTERRUPTED_SAVE,
            "the search index was being swapped in when the process stopped; the previous one is complete",
            [str(old)],
        )
    elif staging.exists():
        report.add(
            Kind.INDEX_INTERRUPTED_SAVE,
            "a half-written search index is left over from a save that did not finish",
            [str(staging)],
        )
    elif old.exists():
        report.add(
            Kind.INDEX_INTERRUPTED_SAVE,
            "the previous search index is left over from a save that stopped while removing it",
            [str(old)],
        )
    if not (complete / "meta.json").is_file():
        if current:
            missing = f"no search index, {len(current)} document(s) in the store"
            report.add(Kind.INDEX_MISSING, missing, sorted(current))
        return
    try:
        meta = _read_index(complete, settings, whole=not staging.exists())
    except IndexUnavailable as error:
        report.add(Kind.INDEX_UNREADABLE, f"the search index cannot be read ({error})", [str(complete)])
        return
    report.indexed = len(meta.documents)
    if meta.model != settings.model:
        report.add(
            Kind.INDEX_OTHER_MODEL,
            f"the search index holds {meta.model} vectors, the settings name {settings.model}",
        )
        return
    indexed = meta.documents
    behind = sorted(g for g in current if g not in indexed)
    stale = sorted(g for g, sha in current.items() if g in indexed and indexed[g] != sha)
    gone = set(indexed) - set(current)
    if behind:
        report.add(
            Kind.INDEX_BEHIND, f"{len(behind)} document(s) in the store are not in the search index", behind
        )
    if stale:
        report.add(
            Kind.INDEX_STALE, f"{len(stale)} document(s) are in the search index from another version", stale
        )
    if gone:
        report.add(
            Kind.INDEX_AHEAD,
            f"{len(gone)} document(s) in the search index are no longer in the store",
            sorted(gone),
        )


def _read_index(folder: Path, settings: Settings, whole: bool) -> IndexMeta:
    """The index's meta, after reading the whole index (entries, vectors, BM25) when `whole`.

    Not whole beside a leftover `index.new`: loading `index` would remove that folder, and
    `inspect` writes nothing (repair loads it). `index.old` of an interrupted swap is read where
    it lies: its own siblings do not exist, so loading it moves nothing."""
    if whole:
        return SearchIndex.load(folder, settings.nprobe).meta
    try:
        return IndexMeta(**json.loads((folder / "meta.json").read_text("utf-8")))
    except (OSError, ValueError, TypeError) as error:
        raise IndexUnavailable(f"{folder / 'meta.json'}: {error}") from error


def _inspect_cache(settings: Settings, report: CheckReport) -> None:
    states = embedding_cache.inspect_all(settings.embeddings_dir)
    report.cached = sum(s.rows for s in states)
    torn = [s for s in states if s.problem is None and s.torn]
    unusable = [s for s in states if s.problem is not None]
    if torn:
        report.add(
            Kind.CACHE_TORN,
            f"the embedding cache ends in part of a row ({sum(s.torn_bytes for s in torn)} bytes)",
            [str(s.folder) for s in torn],
        )
    if unusable:
        report.add(
            Kind.CACHE_UNUSABLE,
            f"{len(unusable)} embedding cache folder(s) without a readable identity",
            [f"{s.folder} ({s.problem})" for s in unusable],
        )


# --- repair ---------------------------------------------------------------------------------------

SyncIndex = Callable[[bool], bool]  # (full rebuild?) -> done; the CLI's index update with progress


def repair(store: Store, settings: Settings, found: CheckReport, sync_index: SyncIndex) -> list[str]:
    """Fix what `inspect` found; one line per action taken."""
    done: list[str] = []
    kinds = found.kinds()
    for problem in found.problems:
        if problem.kind in (Kind.CACHE_TORN, Kind.CACHE_UNUSABLE):
            for state in embedding_cache.inspect_all(settings.embeddings_dir):
                if str(state.folder) in problem.items or f"{state.folder} ({state.problem})" in problem.items:
                    embedding_cache.repair(state)
            what = "cut back to whole rows" if problem.kind is Kind.CACHE_TORN else "removed"
            done.append(f"{problem.summary}: {what}")
        elif problem.kind is Kind.INCOMPLETE_GRAPH:
            finished = _finish_staged(store, problem.items)
            rest = [g for g in problem.items if g not in finished]
            quads = sum(store.remove_document(URIRef(g)) for g in rest)
            if finished:
                swapped = sum(1 for g in finished if g.endswith("/staging"))
                done.append(f"finished {swapped} staged replacement(s) of big documents")
            if rest:
                done.append(f"dropped {len(rest)} incomplete graph(s) ({quads} quads)")
        elif problem.kind is Kind.ONTOLOGY_MISSING:
            store.install_ontology()
            done.append("installed the ontology's terms")
    if kinds & INDEX_KINDS:
        if Kind.INDEX_INTERRUPTED_SAVE in kinds:
            folder = settings.index_dir
            with contextlib.suppress(IndexUnavailable):  # then rebuilt below
                SearchIndex.load(folder, settings.nprobe)  # puts the complete folder in place
            if folder.exists():
                for suffix in (".new", ".old"):
                    shutil.rmtree(folder.with_name(folder.name + suffix), ignore_errors=True)
            done.append("finished the interrupted save of the search index")
        full = bool(kinds & INDEX_REBUILD) or not (settings.index_dir / "meta.json").is_file()
        if sync_index(full):
            done.append(
                "rebuilt the search index" if full else "brought the search index in line with the store"
            )
    return done


def _finish_staged(store: Store, graphs: list[str]) -> set[str]:
    """Swap in the complete staging graphs among `graphs`; the graphs dealt with (each staging
    graph and its document's graph)."""
    finished: set[str] = set()
    if not isinstance(store, StagedReplacement):
        return finished
    for staging in graphs:
        document = URIRef(staging.removesuffix("/staging"))
        staged = staging.endswith("/staging") and staging_graph(document) == URIRef(staging)
        if staged and store.staged_complete(document):
            store.finish_staged(document)
            finished |= {staging, str(document)}
    return finished


# --- the cheap check at the start of an ingest ----------------------------------------------------


def ingest_hint(store: Store, settings: Settings) -> str | None:
    """A line for `jixiao ingest` when an earlier run left work undone, from cheap checks only
    (graph names, document markers, the index's meta.json; no index load)."""
    try:
        current = graph_state(store)
        incomplete = incomplete_graphs(store, settings, set(current))
        indexed = _indexed_documents(settings.index_dir) or {}
        behind = sum(1 for g, sha in current.items() if indexed.get(g) != sha)
    except Exception:  # a hint must never stop an ingest
        return None
    parts = []
    if incomplete:
        parts.append(f"{len(incomplete)} incomplete document graph(s) from an ingest that was cut short")
    if behind:  # a run killed before its index update, or an ingest --no-index
        parts.append(f"the search index is {behind} document(s) behind the store")
    if not parts:
        return None
    return "; ".join(parts) + ": `jixiao check --repair` repairs this"


def _indexed_documents(folder: Path) -> dict[str, str] | None:
    for candidate in (folder, folder.with_name(folder.name + ".old")):
        meta = candidate / "meta.json"
        if meta.is_file():
            documents: dict[str, str] = json.loads(meta.read_text("utf-8")).get("documents", {})
            return documents
    return None


def _short(item: str) -> str:
    """A graph IRI by its last part (the file name), a path as it is."""
    if item.startswith(("http://", "https://")):
        return item.rstrip("/").rsplit("/", 1)[-1]
    return item
