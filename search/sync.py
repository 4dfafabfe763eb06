"""Keep the search index equal to the graph: after ingest, after remove, and from scratch.

The index records which documents (named graph + source sha256) it was built from. `sync`
compares that with the store and re-reads only what changed, so `jixiao ingest` of one file
embeds one file's texts. Texts are read from the graph with SPARQL (search.texts), never from
ingest's records.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from jixiao.store_interface import Store
from search.backend import Engine, Searcher, parse_backend
from search.config import IndexSettings
from search.embedding_cache import CacheError, EmbeddingCache, embed_texts
from search.encoder import Encoder
from search.entries import Entry
from search.index import IndexMeta, IndexUnavailable, SearchIndex
from search.precision import resolve_precision
from search.service import RankingSettings, SearchService
from search.texts import DEFAULT_RECIPE, Recipe, read_entries

Advance = Callable[[int], None]


@dataclass
class SyncReport:
    added: dict[str, int] = field(default_factory=dict)  # graph -> entries embedded
    removed: dict[str, int] = field(default_factory=dict)  # graph -> entries dropped
    rebuilt: bool = False
    embedded: int = 0  # distinct texts sent to the model
    cached: int = 0  # distinct texts whose vectors came from the embedding cache
    index: SearchIndex | None = field(default=None, repr=False)  # the index as saved (the server swaps it in)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.rebuilt)


def new_meta(encoder: Encoder, settings: IndexSettings, recipe: Recipe = DEFAULT_RECIPE) -> IndexMeta:
    prompts = getattr(encoder, "prompts", None)
    # The encoder's own precision; one that declares none (a test's fake) is taken to be what the
    # settings mean here, as load_index will check.
    precision = (
        getattr(encoder, "precision", None) or resolve_precision(settings.embedding_precision).precision
    )
    return IndexMeta(
        model=encoder.name,
        dimension=encoder.dimension,
        query_prompt=getattr(prompts, "query", ""),
        passage_prompt=getattr(prompts, "passage", ""),
        recipe=recipe.value,
        tokenizer=settings.tokenizer,
        precision=precision,
    )


def load_index(settings: IndexSettings) -> SearchIndex:
    index = SearchIndex.load(settings.index_dir, settings.nprobe)
    if index.meta.model != settings.model:
        raise IndexUnavailable(
            f"the search index was built with {index.meta.model}, the settings name {settings.model}:"
            " run `jixiao reindex`"
        )
    # Another precision is another model's vectors (issue 22): the same refusal, the same rebuild.
    precision = resolve_precision(settings.embedding_precision).precision
    if index.meta.precision != precision:
        raise IndexUnavailable(
            f"the search index holds {index.meta.precision} vectors, this machine and settings embed in"
            f" {precision} (JIXIAO_EMBEDDING_PRECISION={settings.embedding_precision}): run `jixiao reindex`"
        )
    return index


def ranking_of(settings: IndexSettings) -> RankingSettings:
    return RankingSettings(
        rrf_k=settings.rrf_k,
        dense_weight=settings.dense_weight,
        lexical_weight=settings.lexical_weight,
        per_project=settings.per_project,
    )


def open_service(settings: IndexSettings, encoder: Callable[[], Encoder]) -> SearchService:
    """The search service over the saved index, ranked as the settings say (CLI and API alike)."""
    return SearchService(load_index(settings), encoder, ranking_of(settings))


def open_searcher(settings: IndexSettings, encoder: Callable[[], Encoder]) -> Searcher:
    """The search of the configured backend: the in-process index (default), or Milvus."""
    backend = parse_backend(settings.search_backend)
    if backend.engine is Engine.IN_PROCESS:
        return open_service(settings, encoder)
    from search.milvus_backend import MilvusIndex, MilvusSearcher  # pymilvus only when asked for

    index = MilvusIndex.open(backend)
    meta = index._meta()
    if meta.index.model != settings.model:
        index.close()
        raise IndexUnavailable(
            f"the Milvus index was built with {meta.index.model}, the settings name {settings.model}:"
            " run `jixiao reindex`"
        )
    return MilvusSearcher(index, encoder, ranking_of(settings))


# The Milvus meta (every token's document frequency) is rewritten at most this often in a sync.
META_SAVE_SECONDS = 30.0
CHUNK_BATCHES = 16  # embedding batches per cache append (512 texts at batch 32: about 10 s of e5 on 2 cores)


def open_cache(settings: IndexSettings, encoder: Encoder) -> EmbeddingCache | None:
    """The embedding cache of this encoder, or None when the settings turn it off."""
    if not settings.embedding_cache:
        return None
    try:
        return EmbeddingCache.open(settings.embeddings_dir, encoder)
    except CacheError:
        return None  # a folder that is not ours: embed without the cache rather than fail


def graph_state(store: Store) -> dict[str, str]:
    """Each document's named graph and source sha256: what the index records it was built from."""
    return {str(d.graph): d.sha256 for d in store.documents()}


def stale_documents(
    current: dict[str, str], index: SearchIndex | dict[str, str]
) -> tuple[set[str], set[str]]:
    """(graphs to (re)embed, graphs to drop) for the index (or the graph state it records:
    Searcher.documents) to match the store's `current` state."""
    indexed = index if isinstance(index, dict) else index.meta.documents
    changed = {graph for graph, sha in current.items() if indexed.get(graph) != sha}
    gone = set(indexed) - set(current)
    return changed, gone


def sync(
    store: Store,
    settings: IndexSettings,
    encoder: Callable[[], Encoder],
    *,
    changed: Collection[str] = (),
    full: bool = False,
    recipe: Recipe | None = None,
    on_start: Callable[[int], None] | None = None,
    advance: Advance | None = None,
) -> SyncReport:
    """Bring the index in line with the store and save it. `changed` forces re-reading graphs
    whose source file is unchanged (a re-ingest with another layout, or a fixed reader)."""
    if parse_backend(settings.search_backend).engine is not Engine.IN_PROCESS:
        return sync_milvus(
            store,
            settings,
            encoder,
            changed=changed,
            full=full,
            recipe=recipe,
            on_start=on_start,
            advance=advance,
        )
    report = SyncReport()
    index: SearchIndex | None = None
    if not full:
        try:
            index = load_index(settings)
        except IndexUnavailable:
            index = None  # missing or built for another model: rebuild everything
    if index is None:
        model = encoder()
        index = SearchIndex.empty(new_meta(model, settings, recipe or DEFAULT_RECIPE), settings.nprobe)
        report.rebuilt = True
    current = graph_state(store)  # read once: listing documents counts every graph's quads
    todo, gone = stale_documents(current, index)
    todo |= set(changed) & set(current)
    for graph in sorted(gone):
        report.removed[graph] = index.remove_documents([graph])
    if todo:
        entries: list[Entry] = []
        for graph in sorted(todo):
            found = read_entries(store, graph, Recipe(index.meta.recipe))
            report.added[graph] = len(found)
            entries.extend(found)
        model = encoder()
        if (
            model.name != index.meta.model
            or model.dimension != index.meta.dimension
            or getattr(model, "precision", index.meta.precision) != index.meta.precision
        ):
            raise IndexUnavailable(f"the index holds {index.meta.model} vectors; run `jixiao reindex`")
        vectors = _embed(entries, model, settings, report, index.meta.dimension, on_start, advance)
        index.replace({graph: current[graph] for graph in todo}, entries, vectors, settings.exact_limit)
    if report.changed:
        settings.index_dir.parent.mkdir(parents=True, exist_ok=True)
        index.save(settings.index_dir)
    report.index = index
    return report


def _embed(
    entries: list[Entry],
    model: Encoder,
    settings: IndexSettings,
    report: SyncReport,
    dimension: int,
    on_start: Callable[[int], None] | None,
    advance: Advance | None,
) -> npt.NDArray[np.float32]:
    """One vector per entry, each distinct text embedded once (or read from the cache)."""
    # Each distinct text is embedded once: names such as 群众满意度 recur in every project
    # (127k synthetic entries hold 55k distinct texts, bench/RESULTS.md).
    texts = [e.text for e in entries]
    distinct = list(dict.fromkeys(texts))
    if on_start is not None:
        on_start(len(distinct))
    if distinct:
        # Vectors embedded before (a run cut short, a reindex) come from the cache; the rest
        # are appended to it chunk by chunk, so a kill loses at most one chunk of work.
        cache = open_cache(settings, model)
        try:
            embedded, report.embedded = embed_texts(
                model, distinct, cache, chunk=settings.batch_size * CHUNK_BATCHES, advance=advance
            )
        finally:
            if cache is not None:
                cache.close()
        report.cached = len(distinct) - report.embedded
        row = {text: i for i, text in enumerate(distinct)}
        vectors = embedded[[row[text] for text in texts]]
    else:
        vectors = np.zeros((0, dimension), dtype=np.float32)
    return vectors


def sync_milvus(
    store: Store,
    settings: IndexSettings,
    encoder: Callable[[], Encoder],
    *,
    changed: Collection[str] = (),
    full: bool = False,
    recipe: Recipe | None = None,
    on_start: Callable[[int], None] | None = None,
    advance: Advance | None = None,
) -> SyncReport:
    """`sync` for the Milvus backend: the same comparison of graph states, the same entries and
    vectors, written to Milvus by document (upsert; delete by graph). `report.index` stays None."""
    from search.milvus_backend import MilvusIndex  # pymilvus only when asked for

    report = SyncReport()
    index = MilvusIndex.open(parse_backend(settings.search_backend))
    try:
        meta = index.meta
        if (
            full
            or meta is None
            or meta.index.model != settings.model
            or meta.index.precision != resolve_precision(settings.embedding_precision).precision
        ):
            model = encoder()
            index.reset(new_meta(model, settings, recipe or DEFAULT_RECIPE))
            report.rebuilt = True
        stored = index._meta().index
        current = graph_state(store)
        todo, gone = stale_documents(current, stored.documents)
        todo |= set(changed) & set(current)
        for graph in sorted(gone):
            report.removed[graph] = index.remove_documents([graph])
        saved, unsaved = time.monotonic(), False
        for graph in sorted(todo):
            # One document at a time: its entries replace its old ones, and its sha256 is recorded
            # with them in the meta, saved every META_SAVE_SECONDS and at the end: a run cut short
            # leaves every document the saved meta records as it was, and reruns the others.
            found = read_entries(store, graph, Recipe(stored.recipe))
            report.added[graph] = len(found)
            model = encoder()
            if model.name != stored.model or model.dimension != stored.dimension:
                raise IndexUnavailable(f"the index holds {stored.model} vectors; run `jixiao reindex`")
            part = SyncReport()
            vectors = _embed(found, model, settings, part, stored.dimension, on_start, advance)
            report.embedded += part.embedded
            report.cached += part.cached
            due = time.monotonic() - saved >= META_SAVE_SECONDS
            index.replace({graph: current[graph]}, found, vectors, save=due)
            saved, unsaved = (time.monotonic(), False) if due else (saved, True)
        if unsaved:
            # Only here, after every document was written whole: a meta saved after a failed
            # write would record ids whose rows are half there.
            index.save_meta()
    finally:
        index.close()
    return report
