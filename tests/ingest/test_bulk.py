"""The bulk path (`jixiao ingest --bulk`): the same graphs as a normal ingest, batches, resume."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset

from bench.corpus import write_corpus
from ingest.bulk import BulkLoader
from ingest.graph import SourceInfo, document_graph, document_ntriples
from ingest.iri import IriMinter
from ingest.pipeline import ingest_file, read_file
from jixiao.store import EmbeddedStore
from ontology.namespace import JX
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE

BASE = "https://w3id.org/jixiao/id/"
WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
NO_TIME = f"FILTER(?p != <{JX.ingestedAt}>)"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 1500, seed=7)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path / "store")
    yield opened
    opened.close()


def quads(store: EmbeddedStore) -> set[tuple[str, ...]]:
    rows = store.oxigraph().query(f"SELECT * WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {NO_TIME} }}")
    assert isinstance(rows, ox.QuerySolutions)
    return {tuple(str(row[v]) for v in ("g", "s", "p", "o")) for row in rows}


def sources(corpus: Path) -> list[Path]:
    return [PARAGRAPH_TABLE, FORM_LINES, *sorted(corpus.glob("*.csv"))]


def test_ntriples_are_the_graphs_triples(corpus: Path) -> None:
    minter = IriMinter(BASE)
    for path in sources(corpus):
        read = read_file(path)
        info = SourceInfo(path.name, read.sha256, read.reader.name, WHEN, read.source.locations())
        graph = document_graph(read.document, info, minter)
        triples = document_ntriples(read.document, info, minter)
        parsed = Dataset()
        parsed.parse(data=triples.content_nquads() + triples.marker_nquads(), format="nquads")
        assert set(parsed.graph(triples.graph)) == set(graph), path.name
        assert triples.count == len(graph)
        # the marker is the document's own description: what Store.documents() lists it by
        assert {line.split(" ", 2)[1] for line in triples.marker.splitlines()} == {
            f"<{p}>" for p in ("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", *_marker_predicates())
        }


def _marker_predicates() -> list[str]:
    return [
        "http://purl.org/dc/terms/title",
        str(JX.sha256),
        str(JX.layout),
        str(JX.ingestedAt),
    ]


def test_bulk_gives_the_same_store_as_ingest(corpus: Path, tmp_path: Path) -> None:
    minter = IriMinter(BASE)
    normal = EmbeddedStore(tmp_path / "normal")
    bulk = EmbeddedStore(tmp_path / "bulk")
    try:
        for path in sources(corpus):
            ingest_file(path, normal, minter)
        loader = BulkLoader(bulk, minter, batch_triples=20_000)  # several batches
        results = [loader.add(path) for path in sources(corpus)]
        loader.flush()
        assert all(r is not None and not r.replaced for r in results)
        assert quads(bulk) == quads(normal)
        assert [d.file_name for d in bulk.documents()] == [d.file_name for d in normal.documents()]
        assert loader.triples == bulk.quad_count()
    finally:
        normal.close()
        bulk.close()


def test_rerun_skips_unchanged_and_replaces_changed(
    corpus: Path, store: EmbeddedStore, tmp_path: Path
) -> None:
    minter = IriMinter(BASE)
    files = sorted(corpus.glob("*.csv"))[:3]
    loader = BulkLoader(store, minter)
    for path in files:
        loader.add(path)
    loader.flush()
    before = quads(store)
    changed = tmp_path / files[0].name
    text = files[0].read_text(encoding="utf-8-sig")
    changed.write_text(text.replace("人民政府", "政府", 1), encoding="utf-8-sig")
    again = BulkLoader(store, minter)
    results = [again.add(p) for p in [changed, *files[1:]]]
    again.flush()
    assert results[1] is None and results[2] is None
    assert again.unchanged == 2
    assert results[0] is not None and results[0].replaced
    after = quads(store)
    assert after != before
    assert {q[0] for q in after} == {q[0] for q in before}  # same documents, one rewritten


def test_a_cut_short_batch_is_not_listed_and_is_replaced_on_rerun(corpus: Path, store: EmbeddedStore) -> None:
    minter = IriMinter(BASE)
    path = sorted(corpus.glob("*.csv"))[0]
    read = read_file(path)
    info = SourceInfo(path.name, read.sha256, read.reader.name, WHEN, read.source.locations())
    triples = document_ntriples(read.document, info, minter)
    # what a crash between the bulk load and the markers leaves: content, no marker
    half = "".join(triples.content_nquads().splitlines(keepends=True)[: triples.count // 2])
    store.oxigraph().bulk_load(half.encode(), ox.RdfFormat.N_QUADS)
    assert store.documents() == []
    assert triples.graph in store.named_graphs()
    loader = BulkLoader(store, minter)
    assert loader.add(path) is not None
    loader.flush()
    assert [d.file_name for d in store.documents()] == [path.name]
    assert store.graph_size(triples.graph) == triples.count
