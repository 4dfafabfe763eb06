"""The RDF store: one named graph per source document, persistent in the data directory.

Reads go through an rdflib `Dataset` on oxrdflib's Oxigraph store (so analysts' rdflib code
works unchanged, at Oxigraph's speed). Writes go straight to pyoxigraph, because oxrdflib has
no transactions: replacing a document is a single SPARQL update (DROP GRAPH + INSERT DATA),
which Oxigraph applies all-or-nothing.

Big documents are the exception (`replace_document_file`, above `TRANSACTION_QUADS`): one
Oxigraph transaction holds about 1.5 KB of memory per quad written or deleted (2M quads: a 3.3 GB
`load`, a 2.8 GB and 3-minute `DROP GRAPH`; bench/RESULTS.md "Ingest memory"), and pyoxigraph
0.5 has no transaction to write in batches. So a big document goes through the bulk loader.

A new document (nothing listed under its name) is loaded in place, in chunks, its marker last.
A replaced one is staged:

1. its triples go into `<graph>/staging` (bulk loader, in chunks), its marker last; a failure
   here drops the staging graph and leaves the old version listed and whole;
2. the swap: the old version's marker goes (one small transaction: unlisted from here), its
   quads are deleted in chunks, the staged quads are loaded into the graph and its marker last,
   and the staging graph is dropped. A crash during the swap leaves a complete staging graph,
   which `jixiao check --repair` swaps in (`finish_staged`).

No listed document is ever half-written. A reader of the union default graph (SPARQL) can see
the staging graph's triples beside the old version during step 1, and a mixture during step 2:
the price of bounded memory until Oxigraph offers batched transactions.
"""

from __future__ import annotations

import gc
import itertools
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS
from rdflib.query import Result

from jixiao import sparql_lexer
from jixiao.settings import Settings
from jixiao.store_interface import (
    MARKER_PREDICATES,
    ONTOLOGY_GRAPH,
    BulkLoading,
    DocumentTriples,
    ListsGraphs,
    LocalOxigraph,
    SpooledDocument,
    StagedReplacement,
    Store,
    StoredDocument,
    StoreError,
    ontology_installed,
    ontology_terms,
    staging_graph,
)
from ontology.namespace import JX

# The interface's names, importable from here as before (jixiao.store_interface defines them).
__all__ = [
    "DELETE_CHUNK",
    "LOAD_CHUNK_LINES",
    "MARKER_PREDICATES",
    "ONTOLOGY_GRAPH",
    "TRANSACTION_QUADS",
    "BulkLoading",
    "DocumentTriples",
    "EmbeddedStore",
    "ListsGraphs",
    "LocalOxigraph",
    "SpooledDocument",
    "StagedReplacement",
    "Store",
    "StoreError",
    "StoredDocument",
    "ontology_installed",
    "ontology_terms",
    "open_store",
    "staging_graph",
]

# Above this many triples a document is staged rather than written in one transaction (see above).
TRANSACTION_QUADS = 100_000
LOAD_CHUNK_LINES = 500_000  # N-Triples lines per bulk load call: ≈ 0.5 GB of loader memory at most
DELETE_CHUNK = 50_000  # quads per deleting transaction


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

    def replace_document_file(self, document: SpooledDocument) -> None:
        """Replace one document from its spooled N-Triples: one transaction up to
        `TRANSACTION_QUADS`, staged above (module docstring)."""
        name = document.graph
        if document.count <= TRANSACTION_QUADS and not self._larger_than(name, TRANSACTION_QUADS):
            body = document.content.read_text("utf-8") + document.marker
            self._ox.update(f"DROP SILENT GRAPH <{name}> ;\nINSERT DATA {{ GRAPH <{name}> {{\n{body}\n}} }}")
            return
        if not self._listed(name):
            # A new document has no old version to keep whole: load it in place, its marker
            # last, so a cut-short load leaves an unlisted graph (which `jixiao check` drops),
            # never a listed half. Staging it would load it twice and delete the copy: 90 s and
            # +1 GB of RocksDB memory for a 2M-triple export (bench/RESULTS.md "Ingest memory").
            self._delete_graph(name)  # an unlisted leftover of an earlier cut-short load
            try:
                self._bulk_load_file(document.content, name)
                self._ox.load(document.marker, ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(name)))
            except BaseException:
                self._delete_graph(name)
                raise
            return
        staging = staging_graph(name)
        self._delete_graph(staging)  # a leftover of an earlier cut-short replacement
        try:
            self._bulk_load_file(document.content, staging)
            self._ox.load(document.marker, ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(str(staging)))
        except BaseException:
            self._delete_graph(staging)
            raise
        self._swap_in(name, document.content, document.marker)

    def staged_complete(self, graph: URIRef) -> bool:
        """Whether `graph`'s staging graph holds a whole new version (its marker is loaded last)."""
        found = self._ox.quads_for_pattern(
            ox.NamedNode(str(graph)),
            ox.NamedNode(str(JX.sha256)),
            None,
            ox.NamedNode(str(staging_graph(graph))),
        )
        return next(iter(found), None) is not None

    def finish_staged(self, graph: URIRef) -> int:
        """Swap a complete staging graph in (after a crash during the swap); its quads."""
        staging = staging_graph(graph)
        with tempfile.TemporaryDirectory(prefix="jixiao-staged-") as folder:
            dump = Path(folder) / "staged.nt"
            self._ox.dump(str(dump), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(str(staging)))
            content = Path(folder) / "content.nt"
            marker: list[str] = []
            subject = f"<{graph}> "
            predicates = tuple(f"<{p}> " for p in MARKER_PREDICATES)
            with dump.open(encoding="utf-8") as lines, content.open("w", encoding="utf-8") as out:
                for line in lines:
                    if line.startswith(subject) and line[len(subject) :].startswith(predicates):
                        marker.append(line)
                    else:
                        out.write(line)
            self._swap_in(graph, content, "".join(marker))
            return self.graph_size(graph)

    def _swap_in(self, graph: URIRef, content: Path, marker: str) -> None:
        node = ox.NamedNode(str(graph))
        self._unlist(graph)  # from here the old version is no longer listed
        self._delete_graph(graph)
        self._bulk_load_file(content, graph)
        self._ox.load(marker, ox.RdfFormat.N_TRIPLES, to_graph=node)  # listed again, whole
        self._delete_graph(staging_graph(graph))

    def _bulk_load_file(self, content: Path, graph: URIRef) -> None:
        """N-Triples into `graph` through the bulk loader, `LOAD_CHUNK_LINES` at a time: one call
        on the whole file held 1.4 GB for 2M triples, chunks hold a quarter of that."""
        target = ox.NamedNode(str(graph))
        with content.open("rb") as lines:
            while chunk := b"".join(itertools.islice(lines, LOAD_CHUNK_LINES)):
                self._ox.bulk_load(chunk, ox.RdfFormat.N_TRIPLES, to_graph=target)

    def _delete_graph(self, graph: URIRef) -> None:
        """Delete a graph's quads `DELETE_CHUNK` per transaction (one DROP of 2M quads held 2.8 GB)."""
        node = ox.NamedNode(str(graph))
        while next(iter(self._ox.quads_for_pattern(None, None, None, node)), None) is not None:
            self._ox.update(
                f"DELETE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ {{ SELECT ?s ?p ?o WHERE"
                f" {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} LIMIT {DELETE_CHUNK} }} }}"
            )
        self._ox.update(f"DROP SILENT GRAPH <{graph}>")  # the empty graph's name

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
        if before <= TRANSACTION_QUADS:
            self._ox.update(f"DROP SILENT GRAPH <{graph}>")
        else:  # unlisted first (one small transaction), then deleted in chunks
            self._unlist(graph)
            self._delete_graph(graph)
        return before

    def _larger_than(self, graph: URIRef, quads: int) -> bool:
        """Whether `graph` holds more than `quads` quads (counting no further than that)."""
        found = self._ox.quads_for_pattern(None, None, None, ox.NamedNode(str(graph)))
        return sum(1 for _ in itertools.islice(found, quads + 1)) > quads

    def _unlist(self, graph: URIRef) -> None:
        """Delete the document's marker triples: from here `documents()` does not list it."""
        self._ox.update(
            " ;\n".join(
                f"DELETE WHERE {{ GRAPH <{graph}> {{ <{graph}> <{p}> ?o }} }}" for p in MARKER_PREDICATES
            )
        )

    def _listed(self, graph: URIRef) -> bool:
        """Whether `graph` holds its document's marker (what `documents()` lists it by)."""
        node = ox.NamedNode(str(graph))
        found = self._ox.quads_for_pattern(node, ox.NamedNode(str(JX.sha256)), None, node)
        return next(iter(found), None) is not None

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


def open_store(settings: Settings) -> Store:
    """The one factory: the SPARQL server of `settings.store` (jixiao.remote_store) when it is
    set, else Oxigraph embedded in the data directory."""
    if settings.store is not None:
        from jixiao.remote_store import RemoteStore

        return RemoteStore(settings)
    return EmbeddedStore(settings.store_dir)
