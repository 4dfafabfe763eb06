"""Large loads: many documents into the store through Oxigraph's bulk loader, in batches.

Per file: read the records, write them as N-Triples (no rdflib Graph in between), add them to a
batch; a batch goes to the store when it holds `batch_triples` triples. So memory holds one
document's records and one batch of text, whatever the number of files.

- A file stored before with the same bytes (sha256) and layout is skipped: a load cut short is
  resumed by running the same command again.
- A file stored before with other bytes is replaced in one transaction, as in a normal ingest:
  the bulk loader has no transaction, and replacing through it could lose the old version in a
  crash.
- New files go through the bulk loader, their marker triples last (`EmbeddedStore.bulk_add_documents`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from ingest.graph import SourceInfo, document_ntriples
from ingest.iri import IriMinter
from ingest.limits import DEFAULT_LIMITS, IngestLimits
from ingest.pipeline import IngestResult, read_file
from jixiao.store_interface import BulkLoading, DocumentTriples, Store

BATCH_TRIPLES = 500_000  # ≈ 75 MB of N-Quads text; measured in bench/RESULTS.md "Scale"


@dataclass
class StageSeconds:
    """Where a bulk load's time went (wall-clock seconds per stage)."""

    read: float = 0.0  # bytes -> records (format, layout, targets)
    rdf: float = 0.0  # records -> N-Triples
    load: float = 0.0  # N-Triples -> the store

    def as_dict(self) -> dict[str, float]:
        return {"read": round(self.read, 3), "rdf": round(self.rdf, 3), "load": round(self.load, 3)}


class BulkStore(Store, BulkLoading, Protocol):
    """A store with a bulk loader (the embedded one)."""


@dataclass
class BulkLoader:
    store: BulkStore
    minter: IriMinter
    layout: str | None = None
    batch_triples: int = BATCH_TRIPLES
    limits: IngestLimits = DEFAULT_LIMITS
    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    seconds: StageSeconds = field(default_factory=StageSeconds)
    unchanged: int = 0
    triples: int = 0

    def __post_init__(self) -> None:
        self._stored = {str(d.graph): (d.sha256, d.layout) for d in self.store.documents()}
        self._batch: list[DocumentTriples] = []
        self._pending = 0

    def add(self, path: Path) -> IngestResult | None:
        """Read one file and queue (or write) it; None when it is stored unchanged.

        Raises IngestError for a file that cannot be read; nothing of it is written then.
        """
        start = time.perf_counter()
        read = read_file(path, self.layout, self.limits)
        doc = read.document
        graph = str(self.minter.source_document(path.name))
        stored = self._stored.get(graph)
        self.seconds.read += time.perf_counter() - start
        if stored is not None and stored[0] == read.sha256 and self.layout in (None, stored[1]):
            self.unchanged += 1
            return None
        start = time.perf_counter()
        source = SourceInfo(path.name, read.sha256, read.reader.name, self.now, read.source.locations())
        triples = document_ntriples(doc, source, self.minter)
        self.seconds.rdf += time.perf_counter() - start
        if stored is None:
            self._batch.append(triples)
            self._pending += triples.count
            if self._pending >= self.batch_triples:
                self.flush()
        else:
            start = time.perf_counter()
            self.store.replace_document_triples(triples)
            self.seconds.load += time.perf_counter() - start
        self._stored[graph] = (read.sha256, read.reader.name)
        self.triples += triples.count
        return IngestResult.of(path.name, read, quads=triples.count, replaced=stored is not None)

    def flush(self) -> None:
        """Write the queued new documents (call at the end; `add` calls it when a batch is full)."""
        if not self._batch:
            return
        start = time.perf_counter()
        self.store.bulk_add_documents(self._batch)
        self.seconds.load += time.perf_counter() - start
        self._batch, self._pending = [], 0
