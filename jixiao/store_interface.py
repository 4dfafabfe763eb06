"""The store's interface: what every backend implements, what ingest hands it, and the small
capabilities some backends add (issue 18).

The layers import one way (`make lint` checks it with import-linter, contract in pyproject.toml):
this module, the settings and the ontology are the base; ingest and search build on them; review,
drafting and check on those; the API and the CLI last. A caller that needs more than `Store`
asks for a capability with `isinstance(store, Capability)`, a protocol, never a concrete class:

- `LocalOxigraph`: the pyoxigraph store itself (query worker processes, flush, the update
  rehearsal): the embedded store;
- `BulkLoading`: Oxigraph's bulk loader for new documents (`jixiao ingest --bulk`);
- `StagedReplacement`: big documents replaced through a staging graph, and `jixiao check
  --repair` finishing a swap cut short;
- `ListsGraphs`: the named graphs without a SPARQL scan;
- `SparqlPassthrough`: a SPARQL 1.1 server the API's endpoint forwards to.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.query import Result

from ontology import ONTOLOGY_FILES, ontology_graph
from ontology.namespace import JX

if TYPE_CHECKING:
    from collections.abc import Sequence

    import pyoxigraph as ox

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


# A document's marker: the triples of its `jx:SourceDocument` that make it listed as stored
# (`Store.documents()`); every write puts them last, so a cut-short write is never listed.
MARKER_PREDICATES = (RDF.type, DCTERMS.title, JX.sha256, JX.layout, JX.ingestedAt)


@dataclass(frozen=True)
class DocumentTriples:
    """One document's graph as N-Triples text: its content, and its marker lines apart."""

    graph: URIRef
    content: str
    marker: str
    count: int  # distinct triples in both

    def content_nquads(self) -> str:
        """The content as N-Quads in the document's graph (without the marker)."""
        return self._nquads(self.content)

    def marker_nquads(self) -> str:
        return self._nquads(self.marker)

    def _nquads(self, ntriples: str) -> str:
        suffix = f" <{self.graph}> .\n"  # each N-Triples line ends with " .\n"
        return "".join(line[:-3] + suffix for line in ntriples.splitlines(keepends=True))


@dataclass
class SpooledDocument:
    graph: URIRef  # the document's named graph (and its IRI)
    content: Path  # N-Triples, UTF-8, each triple once, without the marker lines
    marker: str  # the marker lines: what makes the document listed (`Store.documents()`)
    count: int = 0  # distinct triples, marker included
    projects: list[str] = field(default_factory=list)  # project IRIs, for `projects_elsewhere`

    @property
    def content_triples(self) -> int:
        return self.count - self.marker.count("\n")


def staging_graph(graph: URIRef) -> URIRef:
    """Where a big document's new version is staged. The file name in a document IRI is
    percent-encoded (no "/"), so no document's graph is ever named so."""
    return URIRef(f"{graph}/staging")


class Store(Protocol):
    def replace_document(self, graph: Graph) -> None: ...
    def replace_document_file(self, document: SpooledDocument) -> None: ...
    def remove_document(self, graph: URIRef) -> int: ...
    def has_document(self, graph: URIRef) -> bool: ...
    def documents(self) -> list[StoredDocument]: ...
    def graph_size(self, graph: URIRef) -> int: ...
    def install_ontology(self) -> bool: ...
    def query(self, sparql: str) -> Result: ...
    def dataset(self) -> Dataset: ...
    def quad_count(self) -> int: ...
    def close(self) -> None: ...


@runtime_checkable
class LocalOxigraph(Protocol):
    """The store is a pyoxigraph store on this machine (query workers open its folder read-only)."""

    def oxigraph(self) -> ox.Store: ...


@runtime_checkable
class BulkLoading(Protocol):
    """New documents through a bulk loader (content first, markers last), and a changed one
    replaced from its N-Triples in one transaction."""

    def bulk_add_documents(self, documents: Sequence[DocumentTriples]) -> None: ...
    def replace_document_triples(self, document: DocumentTriples) -> None: ...


@runtime_checkable
class StagedReplacement(Protocol):
    def staged_complete(self, graph: URIRef) -> bool: ...
    def finish_staged(self, graph: URIRef) -> int: ...


@runtime_checkable
class ListsGraphs(Protocol):
    def named_graphs(self) -> list[URIRef]: ...


@dataclass(frozen=True)
class RemoteEndpoints:
    """A SPARQL 1.1 server's query and update URLs (jixiao.remote_store reads them from settings)."""

    query: str
    update: str
    shown: str  # the store URL for messages: no password
    auth: tuple[str, str] | None = None
    kind: str = "sparql"  # or "virtuoso", detected on open (jixiao.virtuoso)


@runtime_checkable
class SparqlPassthrough(Protocol):
    @property
    def endpoints(self) -> RemoteEndpoints: ...


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
