"""Analysts' own SPARQL clients against the running server on 127.0.0.1: the same rows as a direct query."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, SPARQLWrapper

from jixiao.settings import Settings
from jixiao.store import open_store
from ontology.cookbook import cookbook_query
from tests.api.conftest import LiveServer

LABELS = """PREFIX jx: <https://w3id.org/jixiao/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?project ?label ?amount WHERE { ?project a jx:Project ; rdfs:label ?label .
  OPTIONAL { ?project jx:amount ?amount } } ORDER BY ?project"""


@pytest.fixture(scope="module")
def direct_rows(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> list[tuple[object, ...]]:
    """The same query straight on a copy of the store, through rdflib (what the CLI does)."""
    import shutil

    data = tmp_path_factory.mktemp("direct") / "data"
    shutil.copytree(sample_data, data)
    store = open_store(Settings(data=data))
    rows = [tuple(row) for row in store.query(LABELS)]  # type: ignore[arg-type]
    store.close()
    return rows


def test_rdflib_sparqlstore_gets_the_same_rows(
    live_server: LiveServer, direct_rows: list[tuple[object, ...]]
) -> None:
    remote = Graph(store=SPARQLStore(f"{live_server.url}/sparql", returnFormat="json"))
    rows = [tuple(row) for row in remote.query(LABELS)]  # type: ignore[arg-type]
    assert len(rows) == 42
    assert rows == direct_rows
    assert any(row[1] == Literal("村干部任职补贴", lang="zh") for row in rows)
    assert all(isinstance(row[0], URIRef) for row in rows)


def test_rdflib_sparqlstore_over_post_and_triples(live_server: LiveServer) -> None:
    remote = Graph(store=SPARQLStore(f"{live_server.url}/sparql", method="POST", returnFormat="xml"))
    unit = URIRef("https://w3id.org/jixiao/id/unit/058")
    labels = list(remote.objects(unit, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert labels == [Literal("平罗县宝丰镇人民政府", lang="zh")]


def test_sparqlwrapper_json_and_csv(live_server: LiveServer, direct_rows: list[tuple[object, ...]]) -> None:
    client = SPARQLWrapper(f"{live_server.url}/sparql")
    client.setQuery(LABELS)
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index,call-overload]
    assert [b["label"]["value"] for b in bindings] == [str(row[1]) for row in direct_rows]
    client.setReturnFormat(CSV)
    lines = client.queryAndConvert().decode("utf-8").strip().splitlines()  # type: ignore[union-attr]
    assert lines[0].split(",") == ["project", "label", "amount"] and len(lines) == 43


def test_a_cookbook_query_over_http(live_server: LiveServer) -> None:
    client = SPARQLWrapper(f"{live_server.url}/sparql")
    client.setQuery(cookbook_query("05-target-kinds-per-township").text)
    client.setReturnFormat(JSON)
    client.setMethod("POST")
    assert len(client.queryAndConvert()["results"]["bindings"]) == 2  # type: ignore[index,call-overload]
