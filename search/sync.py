"""Keep the search index equal to the graph: after ingest, after remove, and from scratch.

The index records which documents (named graph + source sha256) it was built from. `sync`
compares that with the store and re-reads only what changed, so `jixiao ingest` of one file
embeds one file's texts. Texts are read from the graph with SPARQL (search.texts), never from
ingest's records.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np

from jixiao.store_interface import Store
from search.config import IndexSettings
from search.embedding_cache import CacheError, EmbeddingCache, embed_texts
from search.encoder import Encoder
from search.entries import Entry
from search.index import IndexMeta, IndexUnavailable, SearchIndex
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
    return IndexMeta(
        model=encoder.name,
        dimension=encoder.dimension,
        query_prompt=getattr(prompts, "query", ""),
        passage_prompt=getattr(prompts, "passage", ""),
        recipe=recipe.value,
        tokenizer=settings.tokenizer,
    )


def load_index(settings: IndexSettings) -> SearchIndex:
    index = SearchIndex.load(settings.index_dir, settings.nprobe)
    if index.meta.model != settings.model:
        raise IndexUnavailable(
            f"the search index was built with {index.meta.model}, the settings name {settings.model}:"
            " run `jixiao reindex`"
        )
    return index


def open_service(settings: IndexSettings, encoder: Callable[[], Encoder]) -> SearchService:
    """The search service over the saved index, ranked as the settings say (CLI and API alike)."""
    ranking = RankingSettings(
        rrf_k=settings.rrf_k,
        dense_weight=settings.dense_weight,
        lexical_weight=settings.lexical_weight,
        per_project=settings.per_project,
    )
    return SearchService(load_index(settings), encoder, ranking)


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


def stale_documents(current: dict[str, str], index: SearchIndex) -> tuple[set[str], set[str]]:
    """(graphs to (re)embed, graphs to drop) for the index to match the store's `current` state."""
    indexed = index.meta.documents
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
        if model.name != index.meta.model or model.dimension != index.meta.dimension:
            raise IndexUnavailable(f"the index holds {index.meta.model} vectors; run `jixiao reindex`")
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
            vectors = np.zeros((0, index.meta.dimension), dtype=np.float32)
        index.replace({graph: current[graph] for graph in todo}, entries, vectors, settings.exact_limit)
    if report.changed:
        settings.index_dir.parent.mkdir(parents=True, exist_ok=True)
        index.save(settings.index_dir)
    report.index = index
    return report
