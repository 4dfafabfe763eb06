"""One document from file to store: decode, detect the layout, read, build the graph, store it.

Everything that can fail runs before the store is touched; the write itself is one
transaction (for a big document, a staged write that never lists half of it: jixiao.store). So
a bad file leaves the store exactly as it was. What a file may make ingest read is bounded by
`IngestLimits` (ZIP members, rows, cells); its triples are spooled to disk, not held (ingest.spool).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DCTERMS

from ingest.decode import IngestError
from ingest.formats import read_source
from ingest.graph import SourceInfo
from ingest.iri import IriMinter
from ingest.limits import DEFAULT_LIMITS, IngestLimits
from ingest.readers.base import Reader, detect_reader, reader_named
from ingest.records import Document, TargetKind
from ingest.source import Source
from ingest.spool import spool_document
from jixiao.store_interface import Store
from ontology.namespace import JX

MAX_BYTES = DEFAULT_LIMITS.max_file_bytes  # a target table is kilobytes; a 200 MB "table" is a mistake


@dataclass
class IngestResult:
    file_name: str
    layout: str
    encoding: str
    units: int
    projects: int
    objectives: int
    indicators: int
    targets: Counter[str] = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    quads: int = 0
    replaced: bool = False
    # What the reader inferred rather than read, and what it dropped and why, each with its line
    # ("line 11: '硬化村内道路长度': levels lost in the source; 产出指标/数量指标 inferred from its name").
    inferred: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls, file_name: str, read: ReadDocument, quads: int, replaced: bool, warnings: Sequence[str] = ()
    ) -> IngestResult:
        """The report of one document as read, with what storing it did."""
        doc = read.document
        return cls(
            file_name=file_name,
            layout=read.reader.name,
            encoding=read.encoding,
            units=len(doc.units),
            projects=len(doc.projects),
            objectives=sum(len(p.objectives) for p in doc.projects),
            indicators=sum(len(p.indicators) for p in doc.projects),
            targets=Counter(i.target.kind.value for p in doc.projects for i in p.indicators),
            warnings=[*doc.warnings, *warnings],
            quads=quads,
            replaced=replaced,
            inferred=list(doc.inferred),
            dropped=list(doc.dropped),
        )


@dataclass(frozen=True)
class ReadDocument:
    document: Document
    reader: Reader
    source: Source
    sha256: str

    @property
    def encoding(self) -> str:
        """The text encoding, or the format for binary files (xlsx, docx, pdf)."""
        return self.source.encoding or self.source.format.value


def read_file(path: Path, layout: str | None = None, limits: IngestLimits = DEFAULT_LIMITS) -> ReadDocument:
    """Read and parse a file without storing anything. Raises IngestError naming the problem."""
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise IngestError(f"file too large ({size} bytes; at most {limits.max_file_bytes} are read)")
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError("no such file") from None
    except IsADirectoryError:
        raise IngestError("is a directory, not a file") from None
    except PermissionError:
        raise IngestError("permission denied") from None
    source = read_source(data, path.name, limits)
    reader = reader_named(layout) if layout else detect_reader(source)
    document = reader.read(source)
    if not document.projects:
        why = f"; first problem: {document.warnings[0]}" if document.warnings else ""
        raise IngestError(f"layout {reader.name}: no project found (truncated or not a target table?){why}")
    document.warnings[:0] = source.notes
    return ReadDocument(document, reader, source, hashlib.sha256(data).hexdigest())


def ingest_file(
    path: Path,
    store: Store,
    minter: IriMinter,
    layout: str | None = None,
    now: datetime | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> IngestResult:
    read = read_file(path, layout, limits)
    doc = read.document
    source = SourceInfo(
        path.name,
        read.sha256,
        read.reader.name,
        now or datetime.now(UTC).replace(microsecond=0),
        read.source.locations(),
    )
    with spool_document(doc, source, minter) as spooled:
        replaced = store.has_document(spooled.graph)
        shared = projects_elsewhere(store, spooled.graph, spooled.projects)
        store.replace_document_file(spooled)
    return IngestResult.of(path.name, read, quads=spooled.count, replaced=replaced, warnings=shared)


TARGET_KINDS = [kind.value for kind in TargetKind]


def projects_elsewhere(store: Store, graph: URIRef, project_iris: Sequence[str]) -> list[str]:
    """Warnings for projects this document shares with documents already stored.

    The same table saved as .txt and as .docx (or exported twice) mints the same project IRIs,
    and the union of the documents then merges the two copies; that is worth saying at once.
    """
    projects = sorted(set(project_iris))
    if not projects:
        return []
    values = " ".join(f"<{p}>" for p in projects)
    rows = store.query(
        f"SELECT (COUNT(DISTINCT ?p) AS ?n) (SAMPLE(?title) AS ?file) ?g WHERE {{ VALUES ?p {{ {values} }} "
        f"GRAPH ?g {{ ?p a <{JX.Project}> }} FILTER(?g != <{graph}>) "
        f"OPTIONAL {{ GRAPH ?g {{ ?g <{DCTERMS.title}> ?title }} }} }} GROUP BY ?g"
    )
    warnings = []
    for row in rows:
        count, file, where = row  # type: ignore[misc]
        warnings.append(
            f"{count} of its {len(projects)} projects are also in {file or where} (same unit, year and "
            "name): the graph merges the two copies; remove one (`jixiao remove FILE`) unless both are meant"
        )
    return warnings
