"""`jixiao check [--repair]`: each kind of damage an interrupted run leaves is reported (exit 1),
repaired (exit 0), and gone on the next check; what was ingested before stays."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from jixiao.settings import load_settings
from jixiao.store import ONTOLOGY_GRAPH, EmbeddedStore, open_store
from search import encoder as encoder_module
from search.index import SearchIndex
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.fakes import FakeEncoder
from tests.jixiao.conftest import jixiao

PARTIAL = "https://w3id.org/jixiao/id/source/cut-short.csv"
NOTES = "https://example.org/notes"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples ingested (fake encoder) once for this module; each test damages a copy."""
    data = tmp_path_factory.mktemp("check") / "data"
    with pytest.MonkeyPatch.context() as patch:
        fake = FakeEncoder()
        patch.setattr(encoder_module, "_loaded", {})
        patch.setattr(encoder_module, "open_sentence_transformer", lambda *args, **kwargs: fake)
        code, _, err = jixiao(data, "ingest", str(PARAGRAPH_TABLE), str(FORM_LINES))
    assert code == 0, err
    return data


@pytest.fixture()
def ingested(template: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(template, data)
    return data


def documents(data: Path) -> dict[str, int]:
    """Each document's graph and its quad count."""
    store = open_store(load_settings(data))
    try:
        return {str(d.graph): store.graph_size(d.graph) for d in store.documents()}
    finally:
        store.close()


def check(data: Path, *args: str) -> tuple[int, dict[str, object]]:
    code, out, _ = jixiao(data, "check", "--json", *args)
    return code, json.loads(out)


def kinds(report: dict[str, object]) -> list[str]:
    problems = report["problems"]
    assert isinstance(problems, list)
    return [p["kind"] for p in problems]


def assert_repaired(data: Path, *expected: str) -> None:
    """check: exit 1 naming `expected`; --repair: exit 0; check again: exit 0."""
    code, found = check(data)
    assert code == 1 and kinds(found["found"]) == list(expected)  # type: ignore[arg-type]
    code, repaired = check(data, "--repair")
    assert code == 0 and repaired["consistent"] and repaired["repaired"], repaired
    code, out, _ = jixiao(data, "check")
    assert code == 0 and "consistent" in out


def test_a_fresh_ingest_is_consistent(ingested: Path) -> None:
    code, out, _ = jixiao(ingested, "check")
    assert code == 0
    text = " ".join(out.split())
    assert text.startswith("consistent: 2 documents, 2 in the search index, 541 cached vectors")


def test_an_incomplete_graph_is_dropped_and_nothing_else(ingested: Path) -> None:
    before = documents(ingested)
    store = EmbeddedStore(load_settings(ingested).store_dir)
    for graph in (PARTIAL, NOTES):  # a cut-short document, and someone's own graph (SPARQL Update)
        store.oxigraph().add(
            ox.Quad(ox.NamedNode(graph + "#p"), ox.NamedNode("urn:x:p"), ox.Literal("x"), ox.NamedNode(graph))
        )
    store.close()

    code, out, _ = jixiao(ingested, "check")
    assert code == 1
    text = " ".join(out.split())
    assert "incomplete-graph: 1 incomplete document graph(s), 1 quads" in text and "cut-short.csv" in text
    assert "`jixiao check --repair` fixes them" in text

    code, out, err = jixiao(ingested, "ingest", str(FORM_LINES))  # an ingest says so, and goes on
    assert code == 0
    assert "1 incomplete document graph(s) from an ingest that was cut short" in " ".join(err.split())

    assert_repaired(ingested, "incomplete-graph")
    assert documents(ingested) == before
    store = open_store(load_settings(ingested))
    try:
        assert store.has_document(URIRef(NOTES)) and not store.has_document(URIRef(PARTIAL))
    finally:
        store.close()


def test_documents_missing_from_the_index_are_indexed(data: Path) -> None:
    assert jixiao(data, "ingest", str(PARAGRAPH_TABLE))[0] == 0
    assert jixiao(data, "ingest", "--no-index", str(FORM_LINES))[0] == 0
    _, found = check(data)
    (problem,) = found["found"]["problems"]  # type: ignore[index]
    assert problem["kind"] == "index-behind" and problem["items"][0].endswith(FORM_LINES.name)
    assert_repaired(data, "index-behind")
    index = SearchIndex.load(load_settings(data).index_dir)
    assert set(index.meta.documents) == set(documents(data))


def test_documents_the_store_no_longer_has_leave_the_index(ingested: Path) -> None:
    store = open_store(load_settings(ingested))
    graph = next(d.graph for d in store.documents() if d.file_name == FORM_LINES.name)
    store.remove_document(graph)  # as if killed before the index update
    store.close()
    assert_repaired(ingested, "index-ahead")
    indexed = SearchIndex.load(load_settings(ingested).index_dir).meta.documents
    assert list(indexed) == list(documents(ingested))


def test_a_document_indexed_from_another_version_is_reindexed(ingested: Path) -> None:
    meta_path = load_settings(ingested).index_dir / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    graph = next(iter(meta["documents"]))
    meta["documents"][graph] = "0" * 64
    meta_path.write_text(json.dumps(meta), "utf-8")
    assert_repaired(ingested, "index-stale")


def test_an_index_killed_between_its_renames_is_put_back(ingested: Path) -> None:
    index_dir = load_settings(ingested).index_dir
    index_dir.rename(index_dir.with_name("index.old"))  # the first rename happened, not the second
    shutil.copytree(index_dir.with_name("index.old"), index_dir.with_name("index.new"))
    (index_dir.with_name("index.new") / "vectors.faiss").unlink()  # half-written
    code, found = check(ingested)
    assert code == 1 and kinds(found["found"]) == ["index-interrupted-save"]  # type: ignore[arg-type]
    assert not index_dir.exists()  # a check without --repair moves nothing
    assert_repaired(ingested, "index-interrupted-save")
    assert index_dir.is_dir() and not index_dir.with_name("index.old").exists()
    assert not index_dir.with_name("index.new").exists()


def test_an_unreadable_index_is_rebuilt_from_the_cache(ingested: Path) -> None:
    (load_settings(ingested).index_dir / "vectors.faiss").write_bytes(b"not faiss")
    assert_repaired(ingested, "index-unreadable")
    code, _, err = jixiao(ingested, "reindex")
    assert code == 0 and "(0 distinct texts embedded, 541 from the cache)" in " ".join(err.split())


def test_a_missing_index_is_rebuilt(ingested: Path) -> None:
    shutil.rmtree(load_settings(ingested).index_dir)
    assert_repaired(ingested, "index-missing")


def test_a_torn_embedding_cache_is_cut_back(ingested: Path) -> None:
    (folder,) = (load_settings(ingested).data / "embeddings").iterdir()
    with (folder / "keys.bin").open("ab") as handle:
        handle.write(b"\x07" * 5)
    assert_repaired(ingested, "cache-torn-tail")
    assert (folder / "keys.bin").stat().st_size == 16 * 541


def test_a_missing_ontology_is_installed(ingested: Path) -> None:
    store = open_store(load_settings(ingested))
    store.remove_document(ONTOLOGY_GRAPH)
    store.close()
    assert_repaired(ingested, "ontology-missing")


def test_a_store_held_by_another_process_is_named(ingested: Path) -> None:
    held = open_store(load_settings(ingested))
    try:
        code, out, _ = jixiao(ingested, "check", "--repair")
    finally:
        held.close()
    assert code == 1 and "another jixiao process has the store open" in " ".join(out.split())


@pytest.mark.parametrize("repair", [False, True])
def test_an_empty_data_dir_is_consistent(data: Path, repair: bool) -> None:
    code, out, _ = jixiao(data, "check", *(["--repair"] if repair else []))
    assert code == 0 and "consistent: 0 documents, no search index" in " ".join(out.split())
