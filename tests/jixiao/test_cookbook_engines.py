"""Every cookbook query gives the same rows on the three engines jixiao runs on (issue 21 item 4):
the embedded store (pyoxigraph, as `/sparql` queries it), a real Oxigraph server and a real
Virtuoso (tests/fixtures/virtuoso.py), all holding the same quads: the two samples, the hand-built
records of issue 17's fields (tests/ontology/lenient_records.py, so that the lenient queries find
rows too) and the ontology. The servers are asked through jixiao's remote store, as
`jixiao --store … sparql` asks them; Virtuoso loads the quads with its bulk loader (ld_dir), as
bench/engines.py does.

One Oxigraph server and the session's Virtuoso serve the whole module."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from ingest.graph import document_ntriples
from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao import virtuoso as quirks
from jixiao.remote_store import RemoteStore, with_default_prefixes
from jixiao.settings import Settings
from jixiao.store import EmbeddedStore, open_store
from ontology.cookbook import CookbookQuery, cookbook
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.fixtures.virtuoso import VirtuosoServer
from tests.jixiao.test_remote_store import OXIGRAPH, OxigraphServer
from tests.ontology.lenient_records import SOURCE, lenient_document

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {
    XSD + t
    for t in ("integer", "decimal", "double", "float", "int", "long", "short", "byte", "nonNegativeInteger",
              "positiveInteger", "unsignedInt", "unsignedLong")
}  # fmt: skip
ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)

Value = tuple[str, ...] | None
Row = tuple[Value, ...]


def _value(kind: str, value: str, datatype: str | None, language: str | None) -> Value:
    if kind == "bnode":
        return ("bnode",)  # labels are each engine's own
    if kind == "iri":
        return ("iri", value)
    if language:
        # BCP 47 tags are case-insensitive; Virtuoso and Oxigraph both keep `zh` as written.
        return ("literal", value, "lang:" + language.lower())
    datatype = datatype or XSD + "string"
    if datatype in NUMERIC:
        # The one normalisation of values: a number compared by value, so that the lexical forms
        # the protocol lets a server choose for one value ("2.50" / "2.5", "1.0E1" / "10") agree.
        # The datatype is not compared for numbers either: an engine may type an aggregate's or a
        # cast's number as another numeric type (xsd:int / xsd:integer) of the same value.
        try:
            return ("number", str(Decimal(value).normalize()))
        except InvalidOperation:
            return ("literal", value, datatype)
    return ("literal", value, datatype)


BOOLEAN = XSD + "boolean"


def as_booleans(row: Row, columns: set[int]) -> Row:
    """Virtuoso's row with 1 and 0 read as true and false in the columns where embedded Oxigraph
    answers booleans. The second normalisation: Virtuoso 7 gives a computed boolean (`?a != ?b`,
    even `IF(…, true, false)`) as an xsd:integer 1/0, which no query can avoid and jixiao cannot
    tell from a number (a stored xsd:boolean it does put back: jixiao.virtuoso.normalise_json)."""
    flags = {("number", "1"): ("literal", "true", BOOLEAN), ("number", "0"): ("literal", "false", BOOLEAN)}
    return tuple(flags.get(v, v) if i in columns and v is not None else v for i, v in enumerate(row))


def embedded_rows(store: ox.Store, text: str) -> tuple[list[str], list[Row]]:
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    rows: list[Row] = []
    for solution in solutions:
        row: list[Value] = []
        for name in names:
            term = solution[name]
            if term is None:
                row.append(None)
            elif isinstance(term, ox.NamedNode):
                row.append(_value("iri", term.value, None, None))
            elif isinstance(term, ox.BlankNode):
                row.append(_value("bnode", term.value, None, None))
            else:
                assert isinstance(term, ox.Literal)
                row.append(_value("literal", term.value, term.datatype.value, term.language))
        rows.append(tuple(row))
    return names, rows


def remote_rows(store: RemoteStore, text: str) -> tuple[list[str], list[Row]]:
    """The server's SPARQL JSON as jixiao's /sparql passes it on (Virtuoso's booleans put back,
    a cut answer refused), not through rdflib, which rewrites lexical forms (dateTime's Z)."""
    response = store.client.query(with_default_prefixes(text), "application/sparql-results+json")
    body = response.content
    if store.virtuoso:
        assert quirks.server_cut(response) is None
        body = quirks.normalise_json(body)
    document = json.loads(body)
    names: list[str] = document["head"]["vars"]
    rows: list[Row] = []
    for binding in document["results"]["bindings"]:
        row: list[Value] = []
        for name in names:
            term = binding.get(name)
            if term is None:
                row.append(None)
                continue
            kind = {"uri": "iri", "bnode": "bnode"}.get(term["type"], "literal")  # literal, typed-literal
            row.append(_value(kind, term["value"], term.get("datatype"), term.get("xml:lang")))
        rows.append(tuple(row))
    return names, rows


def dump(store: EmbeddedStore, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cookbook-samples.nq"
    store.oxigraph().dump(str(path), ox.RdfFormat.N_QUADS)
    return path


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    settings = Settings(data=tmp_path_factory.mktemp("engines-data"))
    store = open_store(settings)
    assert isinstance(store, EmbeddedStore)
    minter = IriMinter(settings.base_iri)
    for path in (PARAGRAPH_TABLE, FORM_LINES):
        ingest_file(path, store, minter, None)
    lenient = document_ntriples(lenient_document(), SOURCE, minter)
    store.bulk_add_documents([lenient])
    store.install_ontology()
    yield store
    store.close()


@pytest.fixture(scope="module")
def engines(
    embedded: EmbeddedStore, virtuoso: VirtuosoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, RemoteStore]]:
    """The servers, each holding the embedded store's quads, opened as jixiao's remote store."""
    if OXIGRAPH is None:
        pytest.skip("the `oxigraph` executable is missing: pip install oxigraph==0.5.13 (in the dev extras)")
    oxigraph = OxigraphServer(tmp_path_factory.mktemp("engines-oxigraph") / "db")
    try:
        quads = dump(embedded, virtuoso.location / "bulk")  # a folder of its DirsAllowed
        response = httpx.post(
            f"{oxigraph.url}/store",
            content=quads.read_bytes(),
            headers={"Content-Type": "application/n-quads"},
        )
        response.raise_for_status()
        virtuoso.empty()  # the session's server: another module's test may have left a graph
        virtuoso.bulk_load(quads.parent)
        data = tmp_path_factory.mktemp("engines-remote")
        stores = {
            kind: RemoteStore(Settings(data=data, store=server.store))
            for kind, server in (("oxigraph-server", oxigraph), ("virtuoso", virtuoso))
        }
        assert {k: s.quad_count() for k, s in stores.items()} == dict.fromkeys(stores, embedded.quad_count())
        yield stores
        for store in stores.values():
            store.close()
        virtuoso.empty()
    finally:
        oxigraph.stop()


@pytest.mark.parametrize("query", cookbook(), ids=lambda q: q.name)
def test_cookbook_query_gives_the_same_rows_on_every_engine(
    query: CookbookQuery, embedded: EmbeddedStore, engines: dict[str, RemoteStore]
) -> None:
    names, expected = embedded_rows(embedded.oxigraph(), query.text)
    ordered = ORDER_BY.search(query.text) is not None
    boolean_columns = {i for row in expected for i, v in enumerate(row) if v is not None and v[-1] == BOOLEAN}
    for kind, store in engines.items():
        got_names, got = remote_rows(store, query.text)
        assert got_names == names, kind
        if store.virtuoso:
            got = [as_booleans(row, boolean_columns) for row in got]
        if ordered:  # ORDER BY: the same rows in the same order
            assert got == expected, f"{kind}: {query.name}"
        else:
            assert Counter(got) == Counter(expected), f"{kind}: {query.name}"


def test_the_samples_give_every_cookbook_query_rows(embedded: EmbeddedStore) -> None:
    """The comparison above means something only where there are rows to compare."""
    empty = [q.name for q in cookbook() if not embedded_rows(embedded.oxigraph(), q.text)[1]]
    assert empty == []
