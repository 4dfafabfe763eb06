"""FROM and FROM NAMED are honoured (issue 16, item 7): under the union default graph pyoxigraph
dropped them, so a query scoped to one document counted the whole store.

The expected counts come from GRAPH-scoped queries, which were always right, so each case compares
two ways of asking the same thing: the endpoint, `jixiao sparql` on the embedded store, and the
remote store (Oxigraph server with its union default graph).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from jixiao.settings import Settings
from jixiao.sparql_lexer import dataset_clauses
from jixiao.store import open_store
from tests.api.conftest import make_app
from tests.jixiao.conftest import jixiao
from tests.jixiao.test_remote_store import OXIGRAPH, OxigraphServer

SOURCE = "https://w3id.org/jixiao/id/source/"


def _graphs(data: Path) -> list[str]:
    store = open_store(Settings(data=data))
    try:
        return sorted(str(d.graph) for d in store.documents())
    finally:
        store.close()


def _count_in(graph: str) -> str:
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"


def _from(graph: str) -> str:
    return f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"


UNION = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
NAMED_ONLY = "SELECT (COUNT(DISTINCT ?g) AS ?n) FROM NAMED <{graph}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"


def _cli_count(data: Path, query: str) -> int:
    code, out, err = jixiao(data, "sparql", query, "--format", "json")
    assert code == 0, err
    return int(json.loads(out)["results"]["bindings"][0]["n"]["value"])


def test_the_cli_honours_from(ingested: Path) -> None:
    first, second = _graphs(ingested)[:2]
    union = _cli_count(ingested, UNION)
    scoped = _cli_count(ingested, _count_in(first))
    assert 0 < scoped < union
    assert _cli_count(ingested, _from(first)) == scoped
    both = f"SELECT (COUNT(*) AS ?n) FROM <{first}> FROM <{second}> WHERE {{ ?s ?p ?o }}"
    assert _cli_count(ingested, both) <= scoped + _cli_count(ingested, _count_in(second))
    assert _cli_count(ingested, _from("urn:nonexistent")) == 0
    assert _cli_count(ingested, NAMED_ONLY.format(graph=first)) == 1
    assert _cli_count(ingested, UNION) == union  # no FROM: still the union


def test_the_endpoint_honours_from(ingested: Path) -> None:
    data = ingested
    first = _graphs(data)[0]

    def count(client: TestClient, query: str, **params: str) -> int:
        response = client.get("/sparql", params={"query": query, **params})
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    with TestClient(make_app(data)) as client:
        union = count(client, UNION)
        scoped = count(client, _count_in(first))
        assert 0 < scoped < union
        assert count(client, _from(first)) == scoped
        prefixed = f"PREFIX src: <{SOURCE}> " + _from(first).replace(
            f"<{first}>", "src:" + first[len(SOURCE) :]
        )
        assert count(client, prefixed) == scoped
        assert count(client, _from("urn:nonexistent")) == 0
        assert count(client, NAMED_ONLY.format(graph=first)) == 1
        # The protocol's default-graph-uri wins over the query's FROM.
        assert count(client, _from("urn:nonexistent"), **{"default-graph-uri": first}) == scoped


@pytest.mark.skipif(OXIGRAPH is None, reason="the `oxigraph` executable is missing (dev extras)")
def test_the_remote_store_honours_from(ingested: Path, tmp_path: Path) -> None:
    first = _graphs(ingested)[0]
    server = OxigraphServer(tmp_path / "db")
    try:
        remote = tmp_path / "remote"
        code, _, err = jixiao(remote, "--store", server.store, "ingest", *_sample_files())
        assert code == 0, err

        def count(query: str) -> int:
            code, out, err = jixiao(remote, "--store", server.store, "sparql", query, "--format", "json")
            assert code == 0, err
            return int(json.loads(out)["results"]["bindings"][0]["n"]["value"])

        scoped = count(_count_in(first))
        assert 0 < scoped < count(UNION)
        assert count(_from(first)) == scoped
        assert count(_from("urn:nonexistent")) == 0
    finally:
        server.stop()


def _sample_files() -> list[str]:
    from tests.conftest import FORM_LINES, PARAGRAPH_TABLE

    return [str(PARAGRAPH_TABLE), str(FORM_LINES)]


@pytest.mark.parametrize(
    ("query", "defaults", "named"),
    [
        ("SELECT * FROM <urn:a> WHERE { ?s ?p ?o }", ("urn:a",), ()),
        ("SELECT * FROM NAMED <urn:b> FROM <urn:a> { ?s ?p ?o }", ("urn:a",), ("urn:b",)),
        ("PREFIX g: <urn:g:> SELECT * FROM g:x\\.y { ?s ?p ?o }", ("urn:g:x.y",), ()),
        ("BASE <http://h/d/> SELECT * FROM <g1> { ?s ?p ?o }", ("http://h/d/g1",), ()),
        ("SELECT * { ?s <urn:from> 'FROM <urn:x>' } # FROM <urn:y>", (), ()),
        ("PREFIX from: <urn:f:> SELECT * { from:a ?p ?o }", (), ()),
    ],
)
def test_dataset_clauses(query: str, defaults: tuple[str, ...], named: tuple[str, ...]) -> None:
    clauses = dataset_clauses(query)
    assert (clauses.default_graphs, clauses.named_graphs) == (defaults, named)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
        # the escape that hid SERVICE from a text scan (issue 16 item 1)
        "PREFIX e: <http://e/> SELECT ?s WHERE { OPTIONAL { ?x e:p e:a\\# }"
        " SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    ],
)
def test_the_cli_refuses_service_as_the_endpoint_does(ingested: Path, query: str) -> None:
    code, _out, err = jixiao(ingested, "sparql", query)
    assert code == 2 and "SERVICE" in err and "Traceback" not in err
