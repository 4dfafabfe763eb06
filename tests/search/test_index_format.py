"""The index on disk: format 2 round trips memory-mapped, updates match a fresh build, and an index
written in format 1 (before columns) is read and converted, with a warning."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, replace
from pathlib import Path

import bm25s
import numpy as np
import pytest

from search.entries import Entry, Kind
from search.index import FORMAT, IndexUnavailable, SearchIndex
from search.service import Filters, SearchService
from search.vectors import APPROXIMATE, EXACT, faiss
from tests.fakes import FakeEncoder
from tests.search.conftest import index_of

QUERIES = ["村干部任职补贴", "群众满意度", "补贴资金发放", "道路维修"]


def answers(index: SearchIndex) -> list[list[tuple[str, float]]]:
    encoder = FakeEncoder()
    service = SearchService(index, lambda: encoder)
    found = []
    for query in QUERIES:
        for filters in (None, Filters(kind=Kind.INDICATOR)):
            found.append(
                [(h.entry.iri, round(h.score, 9)) for h in service.search(query, filters, limit=20).hits]
            )
    return found


def write_format_1(index: SearchIndex, folder: Path, kind: str) -> None:
    """The layout the index had before format 2, written as that code wrote it."""
    folder.mkdir(parents=True)
    meta = replace(index.meta, format=1)
    (folder / "meta.json").write_text(json.dumps(asdict(meta), ensure_ascii=False, indent=1), "utf-8")
    ids, vectors = index.vectors.all_vectors()
    with (folder / "entries.jsonl").open("w", encoding="utf-8") as handle:
        for entry_id, entry in zip(index.row_ids, index.rows, strict=True):
            handle.write(json.dumps({"id": entry_id, **entry.to_json()}, ensure_ascii=False) + "\n")
    dimension = index.meta.dimension
    if kind == EXACT:
        dense = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
    else:
        dense = faiss.IndexIVFFlat(faiss.IndexFlatIP(dimension), dimension, 8, faiss.METRIC_INNER_PRODUCT)
        dense.train(vectors)
        dense.set_direct_map_type(faiss.DirectMap.Hashtable)
    dense.add_with_ids(vectors, ids)
    faiss.write_index(dense, str(folder / "vectors.faiss"))
    retriever = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    retriever.index([list(e.tokens) for e in index.rows], show_progress=False)
    (folder / "lexical").mkdir()
    (folder / "lexical" / "size.json").write_text(json.dumps({"rows": len(index), "empty": False}), "utf-8")
    retriever.save(str(folder / "lexical"), show_progress=False)


def test_round_trip_is_memory_mapped(sample_index: SearchIndex, tmp_path: Path) -> None:
    fresh = index_of(list(sample_index.rows))
    fresh.save(tmp_path / "index")
    assert json.loads((tmp_path / "index" / "meta.json").read_text("utf-8"))["format"] == FORMAT
    loaded = SearchIndex.load(tmp_path / "index")
    assert isinstance(loaded.table.ids.base, np.memmap) and isinstance(loaded.lexical.terms.base, np.memmap)
    assert list(loaded.rows) == list(sample_index.rows)
    assert [e.tokens for e in loaded.rows] == [e.tokens for e in sample_index.rows]
    assert answers(loaded) == answers(sample_index)


def test_updates_after_a_load_equal_a_fresh_build(sample_entries: list[Entry], tmp_path: Path) -> None:
    documents = sorted({e.document for e in sample_entries})
    first = [e for e in sample_entries if e.document == documents[0]]
    second = [e for e in sample_entries if e.document != documents[0]]
    encoder = FakeEncoder()
    index = index_of(first)
    index.save(tmp_path / "index")
    index = SearchIndex.load(tmp_path / "index")
    index.replace(
        {d: "test" for d in documents[1:]}, second, encoder.encode_passages([e.text for e in second]), 200_000
    )
    index.save(tmp_path / "index")
    # Re-ingest the first document (a new id for each of its entries), then drop the others.
    index.replace({documents[0]: "again"}, first, encoder.encode_passages([e.text for e in first]), 200_000)
    assert index.remove_documents(documents[1:]) == len(second)
    index.save(tmp_path / "index")
    loaded = SearchIndex.load(tmp_path / "index")
    fresh = index_of(first)
    assert list(loaded.rows) == list(fresh.rows)
    assert answers(loaded) == answers(fresh)
    assert loaded.document_frequencies() == fresh.document_frequencies()


@pytest.mark.parametrize("kind", [EXACT, APPROXIMATE])
def test_format_1_is_read_and_converted(
    sample_index: SearchIndex, tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    write_format_1(sample_index, tmp_path / "index", kind)
    with caplog.at_level(logging.WARNING, logger="search.index"):
        old = SearchIndex.load(tmp_path / "index")
    assert "format 1" in caplog.text and "jixiao reindex" in caplog.text
    assert old.vectors.kind == kind
    assert list(old.rows) == list(sample_index.rows)
    assert [e.tokens for e in old.rows] == [e.tokens for e in sample_index.rows]
    if kind == EXACT:
        assert answers(old) == answers(sample_index)
    old.save(tmp_path / "index")  # the next save writes the new format
    assert json.loads((tmp_path / "index" / "meta.json").read_text("utf-8"))["format"] == FORMAT
    assert not (tmp_path / "index" / "entries.jsonl").exists()
    assert list(SearchIndex.load(tmp_path / "index").rows) == list(sample_index.rows)


def test_unknown_format_is_refused_with_its_number(sample_index: SearchIndex, tmp_path: Path) -> None:
    index_of(list(sample_index.rows)).save(tmp_path / "index")
    meta = json.loads((tmp_path / "index" / "meta.json").read_text("utf-8"))
    (tmp_path / "index" / "meta.json").write_text(json.dumps({**meta, "format": 99}), "utf-8")
    with pytest.raises(IndexUnavailable, match="format 99"):
        SearchIndex.load(tmp_path / "index")


def test_a_torn_column_is_unreadable_not_a_crash(sample_index: SearchIndex, tmp_path: Path) -> None:
    index_of(list(sample_index.rows)).save(tmp_path / "index")
    (tmp_path / "index" / "entries" / "label.bytes.npy").write_bytes(b"\x93NUMPY not really")
    with pytest.raises(IndexUnavailable, match=r"unreadable.*jixiao reindex"):
        SearchIndex.load(tmp_path / "index")
