"""Big documents are written staged, in chunks, never listed half-written (issue 16, item 3).

The thresholds are lowered so that the samples (2,770 and 6,938 triples) count as big."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao import check
from jixiao import store as store_module
from jixiao.settings import Settings
from jixiao.store import EmbeddedStore, staging_graph
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE

WHEN = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture()
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "TRANSACTION_QUADS", 100)
    monkeypatch.setattr(store_module, "LOAD_CHUNK_LINES", 700)
    monkeypatch.setattr(store_module, "DELETE_CHUNK", 500)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data=tmp_path / "data")


@pytest.fixture()
def store(settings: Settings) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(settings.store_dir)
    yield opened
    opened.close()


def _triples(store: EmbeddedStore, graph: URIRef) -> set[str]:
    return {
        str(q.triple) for q in store.oxigraph().quads_for_pattern(None, None, None, ox.NamedNode(str(graph)))
    }


def _expected(source: Path, tmp_path: Path, name: str) -> set[str]:
    """The triples the one-transaction path writes for `source` stored as `name`."""
    reference = EmbeddedStore(tmp_path / "reference")
    try:
        path = tmp_path / "reference-files" / name
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, path)
        ingest_file(path, reference, IriMinter(Settings().base_iri), now=WHEN)
        return _triples(reference, IriMinter(Settings().base_iri).source_document(name))
    finally:
        reference.close()


def _ingest(source: Path, folder: Path, store: EmbeddedStore, name: str = "doc.txt") -> URIRef:
    path = folder / name
    folder.mkdir(exist_ok=True)
    shutil.copyfile(source, path)
    minter = IriMinter(Settings().base_iri)
    ingest_file(path, store, minter, now=WHEN)
    return minter.source_document(name)


def test_a_big_document_is_stored_whole(small_limits: None, store: EmbeddedStore, tmp_path: Path) -> None:
    graph = _ingest(FORM_LINES, tmp_path / "in", store)
    assert _triples(store, graph) == _expected(FORM_LINES, tmp_path, "doc.txt")
    assert [str(d.graph) for d in store.documents()] == [str(graph)]
    assert not store.has_document(staging_graph(graph))


def test_a_new_big_document_is_loaded_in_place_not_staged(
    small_limits: None, store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = EmbeddedStore._bulk_load_file
    loads: list[URIRef] = []

    def recording(self: EmbeddedStore, content: Path, target: URIRef) -> None:
        loads.append(target)
        real(self, content, target)

    monkeypatch.setattr(EmbeddedStore, "_bulk_load_file", recording)
    graph = _ingest(FORM_LINES, tmp_path / "in", store)
    assert loads == [graph]  # once, into its own graph: no staging copy to load and delete
    assert _triples(store, graph) == _expected(FORM_LINES, tmp_path, "doc.txt")


def test_a_failure_loading_a_new_big_document_leaves_nothing(
    small_limits: None, store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = EmbeddedStore._bulk_load_file
    minter = IriMinter(Settings().base_iri)
    graph = minter.source_document("doc.txt")

    def half_then_full_disk(self: EmbeddedStore, content: Path, target: URIRef) -> None:
        lines = content.read_text("utf-8").splitlines(keepends=True)
        half = content.with_name("half.nt")
        half.write_text("".join(lines[: len(lines) // 2]), "utf-8")
        real(self, half, target)
        raise OSError("No space left on device")

    monkeypatch.setattr(EmbeddedStore, "_bulk_load_file", half_then_full_disk)
    with pytest.raises(OSError, match="No space"):
        _ingest(FORM_LINES, tmp_path / "in", store)
    assert store.documents() == []
    assert _triples(store, graph) == set()


def test_a_big_replacement_leaves_only_the_new_version(
    small_limits: None, store: EmbeddedStore, tmp_path: Path
) -> None:
    graph = _ingest(FORM_LINES, tmp_path / "v1", store)
    _ingest(PARAGRAPH_TABLE, tmp_path / "v2", store)
    assert _triples(store, graph) == _expected(PARAGRAPH_TABLE, tmp_path, "doc.txt")
    [listed] = store.documents()
    assert listed.layout == "paragraph-table"
    assert not store.has_document(staging_graph(graph))


def test_a_failure_while_staging_keeps_the_old_version(
    small_limits: None, store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = _ingest(FORM_LINES, tmp_path / "v1", store)
    before = _triples(store, graph)

    def disk_full(self: EmbeddedStore, content: Path, target: URIRef) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(EmbeddedStore, "_bulk_load_file", disk_full)
    with pytest.raises(OSError, match="No space"):
        _ingest(PARAGRAPH_TABLE, tmp_path / "v2", store)
    assert _triples(store, graph) == before
    assert [d.layout for d in store.documents()] == ["form-lines"]
    assert not store.has_document(staging_graph(graph))


def test_a_crash_during_the_swap_lists_nothing_half_and_repair_finishes_it(
    small_limits: None,
    settings: Settings,
    store: EmbeddedStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    graph = _ingest(FORM_LINES, tmp_path / "v1", store)
    real = EmbeddedStore._bulk_load_file
    loads: list[URIRef] = []

    def crash_in_swap(self: EmbeddedStore, content: Path, target: URIRef) -> None:
        loads.append(target)
        if target == graph:  # the staging graph is complete; the swap has begun
            real(self, content, target)  # part of it written…
            raise KeyboardInterrupt  # …and the process stops
        real(self, content, target)

    monkeypatch.setattr(EmbeddedStore, "_bulk_load_file", crash_in_swap)
    with pytest.raises(KeyboardInterrupt):
        _ingest(PARAGRAPH_TABLE, tmp_path / "v2", store)
    monkeypatch.setattr(EmbeddedStore, "_bulk_load_file", real)
    assert loads == [staging_graph(graph), graph]
    assert store.documents() == []  # the old version is unlisted, the new one not yet listed
    found = check.inspect(store, settings)
    assert check.Kind.INCOMPLETE_GRAPH in found.kinds()
    done = check.repair(store, settings, found, lambda full: True)
    assert any("finished 1 staged replacement" in line for line in done)
    assert _triples(store, graph) == _expected(PARAGRAPH_TABLE, tmp_path, "doc.txt")
    assert [d.layout for d in store.documents()] == ["paragraph-table"]
    assert not store.has_document(staging_graph(graph))


def test_removing_a_big_document_deletes_it_in_chunks(
    small_limits: None, store: EmbeddedStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = _ingest(FORM_LINES, tmp_path / "in", store)
    updates: list[str] = []
    real_update = ox.Store.update
    size = store.graph_size(graph)

    class Recording:
        def __init__(self, inner: ox.Store) -> None:
            self.inner = inner

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        def update(self, text: str) -> None:
            updates.append(text)
            real_update(self.inner, text)

    monkeypatch.setattr(store, "_ox", Recording(store.oxigraph()))
    assert store.remove_document(graph) == size
    assert not store.has_document(graph) and store.documents() == []
    deletes = [u for u in updates if "LIMIT 500" in u]
    assert len(deletes) >= size // 500  # chunks, not one DROP of everything
