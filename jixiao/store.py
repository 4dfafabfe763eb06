"""The RDF store: one named graph per source document, persistent in the data directory.

Reads go through an rdflib `Dataset` on oxrdflib's Oxigraph store (so analysts' rdflib code
works unchanged, at Oxigraph's speed). Writes go straight to pyoxigraph, because oxrdflib has
no transactions: replacing a document is a single SPARQL update (DROP GRAPH + INSERT DATA),
which Oxigraph applies all-or-nothing.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.query import Result

from ingest.graph import DocumentTriples
from jixiao import sparql_lexer
from jixiao.settings import Settings
from ontology import ONTOLOGY_FILES, ontology_graph
from ontology.namespace import JX

# The ontology's terms (classes, category and comparator code lists) live in the store too, in a
# graph named after the ontology, so analysts' SPARQL can show 数量指标 rather than jxcat:quantity.
ONTOLOGY_GRAPH = URIRef("https://w3id.org/jixiao/ns")


class StoreError(Exception):
    pass


@dataclass(frozen=True)
class StoredDocument:
    graph: URIRef
    file_name: str
    sha256: str
    layout: str


class Store(Protocol):
    def replace_document(self, graph: Graph) -> None: ...
    def remove_document(self, graph: URIRef) -> int: ...
    def has_document(self, graph: URIRef) -> bool: ...
    def documents(self) -> list[StoredDocument]: ...
    def graph_size(self, graph: URIRef) -> int: ...
    def install_ontology(self) -> bool: ...
    def query(self, sparql: str) -> Result: ...
    def dataset(self) -> Dataset: ...
    def quad_count(self) -> int: ...
    def close(self) -> None: ...


class EmbeddedStore:
    """Oxigraph on disk (RocksDB). One process opens it for writing at a time."""

    def __init__(self, path: Path) -> None:
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._ox = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the store at {path}: {exc}") from exc
        # default_union: a query's default graph is the union of all documents' graphs.
        self._dataset = Dataset(store=OxigraphStore(store=self._ox), default_union=True)

    def replace_document(self, graph: Graph) -> None:
        name = graph.identifier
        if not isinstance(name, URIRef):
            raise StoreError("a document graph needs an IRI as its name")
        body = graph.serialize(format="nt")
        # N-Triples is valid inside INSERT DATA; one update = one transaction.
        self._ox.update(f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")

    def bulk_add_documents(self, documents: Sequence[DocumentTriples]) -> None:
        """Write new documents through Oxigraph's bulk loader: content first, markers last.

        The bulk loader writes sorted files straight into RocksDB, without a transaction (a
        crash can leave part of a batch). So each document's marker triples, which make it
        listed by `documents()`, go in afterwards in one transaction: a cut-short batch leaves
        unlisted graphs, which `jixiao check` reports and drops, never a listed half-document.
        Graphs of these names are dropped first (leftovers of an earlier cut-short load).
        """
        if not documents:
            return
        self._ox.update(" ;\n".join(f"DROP SILENT GRAPH <{d.graph}>" for d in documents))
        content = "".join(d.content_nquads() for d in documents).encode()
        self._ox.bulk_load(content, ox.RdfFormat.N_QUADS)
        markers = "".join(d.marker_nquads() for d in documents).encode()
        self._ox.load(markers, ox.RdfFormat.N_QUADS)  # load() is transactional

    def replace_document_triples(self, document: DocumentTriples) -> None:
        """Replace one document from its N-Triples, in one transaction (as `replace_document`)."""
        name, body = document.graph, document.content + document.marker
        self._ox.update(f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")

    def named_graphs(self) -> list[URIRef]:
        return [URIRef(g.value) for g in self._ox.named_graphs() if isinstance(g, ox.NamedNode)]

    def install_ontology(self) -> bool:
        """Put the current ontology terms into their graph; False when they were already there."""
        if bool(self._ox.query(ontology_installed())):
            return False
        self.replace_document(ontology_terms())
        return True

    def remove_document(self, graph: URIRef) -> int:
        before = self.graph_size(graph)
        self._ox.update(f"DROP SILENT GRAPH <{graph}>")
        return before

    def has_document(self, graph: URIRef) -> bool:
        return bool(self._ox.contains_named_graph(ox.NamedNode(str(graph))))

    def graph_size(self, graph: URIRef) -> int:
        return sum(1 for _ in self._ox.quads_for_pattern(None, None, None, ox.NamedNode(str(graph))))

    def documents(self) -> list[StoredDocument]:
        rows = self._ox.query(
            f"""SELECT ?g ?title ?sha ?layout WHERE {{ GRAPH ?g {{
                    ?g a <{JX.SourceDocument}> ; <{DCTERMS.title}> ?title ;
                       <{JX.sha256}> ?sha ; <{JX.layout}> ?layout }} }} ORDER BY ?title"""
        )
        assert isinstance(rows, ox.QuerySolutions)
        found = []
        for row in rows:
            g = URIRef(row["g"].value)
            found.append(StoredDocument(g, row["title"].value, row["sha"].value, row["layout"].value))
        return found

    def query(self, sparql: str) -> Result:
        try:
            clauses = sparql_lexer.dataset_clauses(sparql)
        except sparql_lexer.LexError as exc:
            raise SyntaxError(str(exc)) from None
        if clauses:
            # Under the union default graph pyoxigraph drops FROM / FROM NAMED; any other query
            # graph lets it honour them (oxrdflib passes the flag only for "__UNION__").
            store = self._dataset.store
            return store.query(
                sparql, initNs=dict(self._dataset.namespaces()), initBindings={}, queryGraph="__FROM__"
            )
        return self._dataset.query(sparql)

    def dataset(self) -> Dataset:
        return self._dataset

    def oxigraph(self) -> ox.Store:
        """The pyoxigraph store itself, for the SPARQL endpoint (dataset selection, streaming)."""
        return self._ox

    def quad_count(self) -> int:
        return len(self._ox)

    def close(self) -> None:
        """Release the store. pyoxigraph has no close(): RocksDB's lock goes with the last
        reference, and oxrdflib's wrapper holds one too, so both are dropped here."""
        if not hasattr(self, "_ox"):
            return
        self._ox.flush()
        self._dataset.store.close()
        del self._dataset, self._ox
        gc.collect()  # rdflib graphs and their store reference each other


def ontology_installed() -> str:
    """ASK whether the store holds the current ontology terms (by the digest of its files)."""
    return f'ASK {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{ONTOLOGY_GRAPH}> <{JX.sha256}> "{_ontology_digest()}" }} }}'


def ontology_terms() -> Graph:
    """The ontology's terms as the graph a store keeps them in, marked with their digest."""
    terms = Graph(identifier=ONTOLOGY_GRAPH)
    terms += ontology_graph()
    terms.add((ONTOLOGY_GRAPH, JX.sha256, Literal(_ontology_digest())))
    return terms


def _ontology_digest() -> str:
    digest = hashlib.sha256()
    for path in ONTOLOGY_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def open_store(settings: Settings) -> Store:
    """The one factory: the SPARQL server of `settings.store` (jixiao.remote_store) when it is
    set, else Oxigraph embedded in the data directory."""
    if settings.store is not None:
        from jixiao.remote_store import RemoteStore  # imports this module

        return RemoteStore(settings)
    return EmbeddedStore(settings.store_dir)
