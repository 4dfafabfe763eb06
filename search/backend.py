"""What the API and the CLI ask of search, whichever engine holds the entries, and which engine that is.

Two implementations answer it: `search.service.SearchService` (FAISS + BM25 in this process, the
default) and `search.milvus_backend.MilvusSearcher` (Milvus holds vectors, BM25 text and filter
fields; `JIXIAO_SEARCH_BACKEND=milvus://host:19530`, or `milvus-lite:///path/index.db` for the
embedded engine). Both rank and judge with the same code (search.service's fusion, grouping and
search.match's evidence), so the answer means the same from either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from search.encoder import Encoder
from search.entries import Entry
from search.match import Calibration, MatchEvidence
from search.service import Filters, Hit, Mode, RankingSettings, SearchResult


class Searcher(Protocol):
    """The search routes, the pages (through them) and `jixiao search` / `similar` use only this."""

    ranking: RankingSettings
    calibration: Calibration | None

    @property
    def encoder(self) -> Encoder: ...
    @property
    def match_evidence(self) -> MatchEvidence: ...
    @property
    def model(self) -> str:
        """The embedding model the stored vectors were made with."""
        ...

    @property
    def documents(self) -> dict[str, str]:
        """Each indexed document's named graph and source sha256 (to tell a stale index)."""
        ...

    def __len__(self) -> int: ...
    def entry_of(self, iri: str) -> Entry | None: ...
    def amount_of(self, entry: Entry) -> float | None: ...
    def search(
        self,
        query: str,
        filters: Filters | None = None,
        limit: int = 10,
        mode: Mode = Mode.HYBRID,
        per_project: int | None = None,
    ) -> SearchResult: ...
    def similar(self, iri: str, limit: int = 10, per_project: int | None = None) -> list[Hit]: ...


class Engine(StrEnum):
    IN_PROCESS = "in-process"
    MILVUS = "milvus"  # a Milvus server (standalone or distributed) at host:port
    MILVUS_LITE = "milvus-lite"  # Milvus's engine as a subprocess over one local file


@dataclass(frozen=True)
class Backend:
    """Where the entries are searched: parsed from the setting, e.g. `milvus://10.0.0.5:19530`."""

    engine: Engine
    uri: str = ""  # what pymilvus connects to: http://host:port, or the milvus-lite file's path

    @property
    def path(self) -> Path:
        return Path(self.uri)


class BackendError(ValueError):
    """A backend setting that names no engine jixiao knows."""


def parse_backend(value: str | None) -> Backend:
    """`` / `in-process` / `milvus://host:port` / `milvus-lite:///abs/path.db` (or a relative path)."""
    text = (value or "").strip()
    if text in ("", Engine.IN_PROCESS.value, "inprocess", "faiss"):
        return Backend(Engine.IN_PROCESS)
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower()
    if sep and scheme == Engine.MILVUS_LITE.value and rest:
        if not rest.endswith(".db"):
            # milvus-lite opens only a path ending in .db; anything else reaches the server as a URL.
            raise BackendError(f"search backend {text!r}: the milvus-lite file must end in .db")
        return Backend(Engine.MILVUS_LITE, rest)
    if sep and scheme == Engine.MILVUS.value and rest:
        host = rest.split("/", 1)[0]
        if not host or any(ch.isspace() for ch in host):
            raise BackendError(f"search backend {text!r}: give milvus://host:port")
        if ":" not in host:
            host += ":19530"  # Milvus's own port
        return Backend(Engine.MILVUS, f"http://{host}")
    raise BackendError(
        f"search backend {text!r}: give in-process (the default), milvus://host:19530,"
        " or milvus-lite:///path/index.db"
    )
