"""One document's triples spooled to a temporary N-Triples file, for the store to load from.

A 100k-row export is about 2 million triples: as an rdflib Graph, or as one N-Triples string and
the set that de-duplicates it, that was gigabytes (issue 16). Here the triples go to disk as they
are built, each once (a set of 64-bit hashes, not of lines, remembers what was written), with the
document's marker lines kept apart so the store can write them last.

    with spool_document(doc, source, minter) as spooled:
        store.replace_document_file(spooled)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rdflib import RDF, Literal, URIRef
from rdflib.plugins.serializers.nt import _nt_row

from ingest.graph import SourceInfo, _Builder
from ingest.iri import IriMinter
from ingest.records import Document
from jixiao.store_interface import MARKER_PREDICATES, SpooledDocument
from ontology.namespace import JX


@contextmanager
def spool_document(doc: Document, source: SourceInfo, minter: IriMinter) -> Iterator[SpooledDocument]:
    """The document's triples in a temporary file, removed when the block ends."""
    graph = minter.source_document(source.file_name)
    with tempfile.TemporaryDirectory(prefix="jixiao-spool-") as folder:
        path = Path(folder) / "content.nt"
        seen: set[int] = set()
        marker: dict[str, None] = {}
        projects: dict[str, None] = {}
        with path.open("w", encoding="utf-8", newline="\n", buffering=1 << 20) as out:

            def emit(triple: tuple[URIRef, URIRef, URIRef | Literal]) -> None:
                line = _nt_row(triple)
                if triple[0] == graph and triple[1] in MARKER_PREDICATES:
                    marker[line] = None
                    return
                if triple[1] == RDF.type and triple[2] == JX.Project:
                    projects[str(triple[0])] = None
                key = hash(line)  # 64 bits: a collision (one triple dropped) is ~1e-7 at 2M triples
                if key not in seen:
                    seen.add(key)
                    out.write(line)

            _Builder(doc, source, minter, emit).build()
        yield SpooledDocument(graph, path, "".join(marker), len(seen) + len(marker), list(projects))
