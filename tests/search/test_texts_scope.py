"""Reading one document's texts reads that document's graph only (issue 16, item 4): the work is
the document's size, and what other documents say does not change its texts."""

from __future__ import annotations

from pathlib import Path

from rdflib.query import Result

from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao.settings import Settings
from jixiao.store import EmbeddedStore
from search.entries import Entry
from search.texts import read_entries
from tests.conftest import FORM_LINES

ORG = "http://www.w3.org/ns/org#"
JX = "https://w3id.org/jixiao/ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"


class Recording:
    """A Queryable that keeps the text of every query it passes on."""

    def __init__(self, store: EmbeddedStore) -> None:
        self.store = store
        self.queries: list[str] = []

    def query(self, sparql: str) -> Result:
        self.queries.append(sparql)
        return self.store.query(sparql)


def _townships(entries: list[Entry]) -> set[tuple[str, str]]:
    return {(e.unit.iri, e.township.label) for e in entries if e.unit and e.township}


def test_one_document_is_read_from_its_own_graph(tmp_path: Path) -> None:
    settings = Settings(data=tmp_path)
    store = EmbeddedStore(settings.store_dir)
    try:
        minter = IriMinter(settings.base_iri)
        ingest_file(FORM_LINES, store, minter)
        graph = str(minter.source_document(FORM_LINES.name))
        alone = read_entries(store, graph)
        units = {e.unit.iri for e in alone if e.unit}
        assert units
        # Another document puts the same units under a township of its own: read from the union,
        # every entry of the first document would move to 别处镇.
        other = " ".join(
            f"<{unit}> <{ORG}subOrganizationOf> <urn:x:elsewhere> . <{unit}> a <{JX}BudgetUnit> ."
            for unit in units
        )
        store.oxigraph().update(
            f"INSERT DATA {{ GRAPH <urn:x:other> {{ {other} <urn:x:elsewhere> a <{JX}BudgetUnit> ;"
            f' <{RDFS}label> "别处镇"@zh . }} }}'
        )
        recording = Recording(store)
        beside = read_entries(recording, graph)
        assert _townships(beside) == _townships(alone)
        assert "别处镇" not in {label for _, label in _townships(beside)}
        assert [e.text for e in beside] == [e.text for e in alone]
        assert {e.document for e in beside} == {graph}
        # Every query names the document's graph: none reads the union or any other graph.
        assert recording.queries
        assert all(f"GRAPH <{graph}>" in q and "GRAPH ?g" not in q for q in recording.queries)
    finally:
        store.close()
