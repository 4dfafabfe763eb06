"""The Milvus backend answers as the in-process one: the samples synced into both (fake encoder),
the same queries, filters, `similar`, and a document dropped. milvus-lite runs Milvus's engine as
a subprocess over a file in a temporary folder, once for the module."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from jixiao.settings import Settings
from jixiao.store import EmbeddedStore
from search.backend import BackendError, Engine, parse_backend
from search.entries import Kind
from search.service import Filters, Hit, Mode, QueryError, SearchResult, SearchService
from search.sync import graph_state, open_searcher, stale_documents, sync
from tests.fakes import FakeEncoder

pytestmark = pytest.mark.server

QUERIES = ["村干部补贴", "农村公路", "群众满意度", "资金发放及时率", "培训人次", "资金使用"]


def _require_milvus_lite() -> None:
    if importlib.util.find_spec("milvus_lite") and importlib.util.find_spec("pymilvus"):
        return
    reason = 'milvus-lite is not installed (pip install -e ".[dev]" installs it)'
    if os.environ.get("JIXIAO_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + "; it is required here (JIXIAO_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture(scope="module")
def both(
    sample_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory, encoder: FakeEncoder
) -> Iterator[tuple[SearchService, object, Settings]]:
    """(in-process service, Milvus searcher, the Milvus settings), both synced from the samples."""
    _require_milvus_lite()
    folder = tmp_path_factory.mktemp("milvus")
    local = Settings(data=folder / "local", embedding_cache=False)
    milvus = Settings(
        data=folder / "milvus", embedding_cache=False, search_backend=f"milvus-lite://{folder}/index.db"
    )
    sync(sample_store, local, lambda: encoder, full=True)
    report = sync(sample_store, milvus, lambda: encoder, full=True)
    assert report.rebuilt and sum(report.added.values()) > 0
    service = open_searcher(local, lambda: encoder)
    assert isinstance(service, SearchService)
    searcher = open_searcher(milvus, lambda: encoder)
    yield service, searcher, milvus
    searcher.index.close()  # type: ignore[attr-defined]


def _iris(hits: list[Hit]) -> list[str]:
    return [hit.entry.iri for hit in hits]


def test_same_entries_and_graph_state(both: tuple, sample_store: EmbeddedStore) -> None:  # type: ignore[type-arg]
    service, searcher, _ = both
    assert len(searcher) == len(service) > 0
    assert searcher.documents == service.documents == graph_state(sample_store)
    assert stale_documents(graph_state(sample_store), searcher.documents) == (set(), set())
    assert searcher.model == service.model
    some = service.index.rows[3]
    assert searcher.entry_of(some.iri) == service.entry_of(some.iri)
    assert searcher.entry_of("https://example.org/nothing\"') or 1==1") is None


def _scores(result: SearchResult, mode: Mode) -> dict[str, float]:
    """Each candidate's score in one list, by IRI (a folded duplicate has its first's text, so its score)."""
    found: dict[str, float] = {}
    for hit in result.candidates:
        score = hit.lexical if mode == Mode.LEXICAL else hit.dense
        assert score is not None
        for iri in (hit.entry.iri, *hit.duplicates):
            found[iri] = score
    return found


@pytest.mark.parametrize("mode", [Mode.LEXICAL, Mode.DENSE])
@pytest.mark.parametrize("query", QUERIES)
def test_same_lists(both: tuple, query: str, mode: Mode) -> None:  # type: ignore[type-arg]
    """Each list on its own: the same entries with the same cosines (exact in both: FLAT in
    milvus-lite, flat FAISS here) and BM25 scores in proportion (Milvus multiplies Lucene's BM25,
    which bm25s computes, by k1 + 1 = 2.2; within 5 %, as bm25s counts one empty token more in every
    document's length), so the same entries lead each list."""
    service, searcher, _ = both
    local = _scores(service.search(query, mode=mode, per_project=0), mode)
    remote = _scores(searcher.search(query, mode=mode, per_project=0), mode)
    assert local and remote.keys() == local.keys()
    factor = 2.2 if mode == Mode.LEXICAL else 1.0
    for iri, score in local.items():
        assert remote[iri] == pytest.approx(
            score * factor, rel=0.05 if mode == Mode.LEXICAL else 1e-4, abs=1e-5
        )
    # Many entries tie (one indicator name in many projects), so not the same ten IRIs: each of
    # the ten that lead here scores at least as the tenth there, to the 5 %.
    first = sorted(local, key=lambda iri: -local[iri])[:10]
    tenth = sorted(remote.values(), reverse=True)[len(first) - 1]
    assert all(remote[iri] >= tenth * 0.95 for iri in first)


def _page(result: SearchResult) -> list[tuple[str, str, float]]:
    # By text, not IRI: of several entries with one text and score, either may stand for them.
    return [(h.entry.kind.value, h.entry.label, round(h.score, 6)) for h in result.hits]


@pytest.mark.parametrize("query", QUERIES)
def test_same_pages(both: tuple, query: str) -> None:  # type: ignore[type-arg]
    """Dense pages are the same, hit by hit. Hybrid pages agree in their judgement (match, total)
    and mostly in their hits: BM25's scores differ by a few per cent (test_same_lists), which moves
    entries of nearly equal standing."""
    service, searcher, _ = both
    assert _page(searcher.search(query, mode=Mode.DENSE)) == _page(service.search(query, mode=Mode.DENSE))
    local = service.search(query, limit=10)
    remote = searcher.search(query, limit=10)
    assert remote.match == local.match and remote.total == local.total
    assert len(set(_iris(remote.hits)) & set(_iris(local.hits))) >= 0.6 * len(local.hits)
    by_iri = {hit.entry.iri: hit for hit in local.candidates}
    compared = 0
    for hit in remote.hits:
        twin = by_iri.get(hit.entry.iri)
        if twin is not None:
            assert hit.evidence is not None and twin.evidence is not None
            assert hit.evidence.z == pytest.approx(twin.evidence.z, abs=1e-3)
            assert hit.evidence.coverage == twin.evidence.coverage
            assert hit.evidence.matched == twin.evidence.matched
            assert hit.amount == twin.amount
            compared += 1
    assert compared >= 0.6 * len(local.hits)


FILTERS = [
    Filters(kind=Kind.INDICATOR),
    Filters(kind=Kind.PROJECT),
    Filters(level1="产出指标"),
    Filters(level2="数量指标", kind=Kind.INDICATOR),
    Filters(target_type="quantitative"),
]


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_filters_agree(both: tuple, filters: Filters) -> None:  # type: ignore[type-arg]
    service, searcher, _ = both
    local = service.search("补贴 资金", filters, limit=20)
    remote = searcher.search("补贴 资金", filters, limit=20)
    assert local.hits, "the filter leaves something to find"
    assert len(set(_iris(remote.hits)) & set(_iris(local.hits))) >= 0.6 * len(local.hits)
    assert _scores(
        searcher.search("补贴 资金", filters, mode=Mode.DENSE, per_project=0), Mode.DENSE
    ).keys() == (
        _scores(service.search("补贴 资金", filters, mode=Mode.DENSE, per_project=0), Mode.DENSE).keys()
    )


def test_unit_year_filters_and_bad_values(both: tuple) -> None:  # type: ignore[type-arg]
    service, searcher, _ = both
    entry = next(e for e in service.index.rows if e.township is not None and e.year is not None)
    assert entry.township is not None
    filters = Filters(unit=entry.township.iri, year=entry.year)
    local, remote = service.search("指标", filters), searcher.search("指标", filters)
    assert remote.hits and set(_iris(remote.hits)) <= set(
        _iris(service.search("指标", filters, limit=500).hits)
    )
    assert {h.entry.township for h in remote.hits} == {entry.township}
    assert len(remote.hits) == len(local.hits)
    assert searcher.search("指标", Filters(year=1901)).warnings[-1] == "no entry matches the filters"
    for bad in (Filters(unit='x" or kind != "'), Filters(level1="不存在")):
        with pytest.raises(QueryError):
            searcher.search("指标", bad)
    # A hostile value that is no unit is refused above; one that is a target type is quoted.
    assert searcher.search("指标", Filters(target_type='x" or kind != "')).hits == []


def test_similar_agrees(both: tuple) -> None:  # type: ignore[type-arg]
    service, searcher, _ = both
    indicators = [e for e in service.index.rows if e.kind == Kind.INDICATOR][:5]
    projects = [e for e in service.index.rows if e.kind == Kind.PROJECT][:3]  # by vector and table
    for entry in [*indicators, *projects]:
        local, remote = service.similar(entry.iri), searcher.similar(entry.iri)
        assert [round(h.score, 5) for h in remote] == [round(h.score, 5) for h in local]
        if entry.kind == Kind.PROJECT:  # fused, ties in IRI order (indicators' ties may differ)
            assert [h.entry.iri for h in remote] == [h.entry.iri for h in local]
        assert all(h.entry.township != entry.township for h in remote)
    with pytest.raises(QueryError):
        searcher.similar("https://example.org/none")


def test_drop_a_document(both: tuple, sample_store: EmbeddedStore, encoder: FakeEncoder) -> None:  # type: ignore[type-arg]
    """Last in the module: a document gone from the store is deleted from Milvus by its graph,
    and an unchanged store syncs to nothing."""
    service, searcher, settings = both
    searcher.index.close()
    assert not sync(sample_store, settings, lambda: encoder).changed
    graph = sorted(service.documents)[0]
    kept = {g: sha for g, sha in service.documents.items() if g != graph}

    class Without:  # the store without that document, as `graph_state` reads it
        def documents(self) -> list:  # type: ignore[type-arg]
            return [d for d in sample_store.documents() if str(d.graph) in kept]

    report = sync(Without(), settings, lambda: encoder)  # type: ignore[arg-type]
    assert report.removed == {graph: sum(1 for e in service.index.rows if e.document == graph)}
    after = open_searcher(settings, lambda: encoder)
    try:
        assert after.documents == kept
        assert len(after) == len(service) - report.removed[graph]
        assert all(h.entry.document != graph for h in after.search("补贴", limit=50).hits)
    finally:
        after.index.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("save_every", [0.0, 3600.0])
def test_a_sync_cut_short_reruns_what_its_meta_does_not_record(
    sample_store: EmbeddedStore,
    tmp_path: Path,
    encoder: FakeEncoder,
    monkeypatch: pytest.MonkeyPatch,
    save_every: float,
) -> None:
    """The meta is saved every META_SAVE_SECONDS (0: after each document; an hour: only at the
    end): a sync that dies after the first document leaves the saved one, and the rerun writes the
    rest under the same ids, so Milvus holds each entry once."""
    _require_milvus_lite()
    import search.sync as sync_module
    from search.milvus_backend import ENTRIES, MilvusIndex

    settings = Settings(
        data=tmp_path / "d", embedding_cache=False, search_backend=f"milvus-lite://{tmp_path}/index.db"
    )
    monkeypatch.setattr(sync_module, "META_SAVE_SECONDS", save_every)
    real = MilvusIndex.replace
    calls = []

    def dies_at_the_second(self: MilvusIndex, *args: object, **kwargs: object) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed")
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MilvusIndex, "replace", dies_at_the_second)
    with pytest.raises(RuntimeError, match="killed"):
        sync(sample_store, settings, lambda: encoder, full=True)
    monkeypatch.setattr(MilvusIndex, "replace", real)
    index = MilvusIndex.open(parse_backend(settings.search_backend))
    try:
        recorded = set(index.meta.index.documents) if index.meta else set()
    finally:
        index.close()
    assert len(graph_state(sample_store)) == 2  # the two samples
    assert len(recorded) == (1 if save_every == 0 else 0)
    report = sync(sample_store, settings, lambda: encoder)
    assert not set(report.added) & recorded  # what the meta recorded is not written again
    index = MilvusIndex.open(parse_backend(settings.search_backend))
    try:
        assert index.meta is not None
        expected = index.meta.size
        rows = index.client.query(ENTRIES, filter="id >= 0", output_fields=["count(*)"])
        assert rows[0]["count(*)"] == expected
        assert len(index.meta.index.documents) == len(graph_state(sample_store))
    finally:
        index.close()
    local = Settings(data=tmp_path / "local", embedding_cache=False)
    sync(sample_store, local, lambda: encoder, full=True)
    assert expected == len(open_searcher(local, lambda: encoder))


@pytest.mark.parametrize(
    ("value", "engine", "uri"),
    [
        ("", Engine.IN_PROCESS, ""),
        ("in-process", Engine.IN_PROCESS, ""),
        ("milvus://10.0.0.5:19530", Engine.MILVUS, "http://10.0.0.5:19530"),
        ("milvus://milvus", Engine.MILVUS, "http://milvus:19530"),
        ("milvus-lite:///var/lib/jixiao/index.db", Engine.MILVUS_LITE, "/var/lib/jixiao/index.db"),
    ],
)
def test_parse_backend(value: str, engine: Engine, uri: str) -> None:
    backend = parse_backend(value)
    assert (backend.engine, backend.uri) == (engine, uri)


@pytest.mark.parametrize("value", ["opensearch://x", "milvus://", "milvus-lite:///tmp/index", "milvus"])
def test_parse_backend_refuses(value: str) -> None:
    with pytest.raises(BackendError):
        parse_backend(value)


def test_settings_refuse_an_unknown_backend(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="search backend"):
        Settings(data=tmp_path, search_backend="elastic://x")
