"""The one typed settings object, read once from the environment (JIXIAO_*) and CLI flags."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_cache_dir() -> Path:
    # Built models live in the cache dir, not the data dir: they are shared by every data dir
    # on the machine and can be rebuilt at any time from the installed packages.
    return Path(platformdirs.user_cache_dir("jixiao", appauthor=False))


def default_data_dir() -> Path:
    # The user's data dir (XDG on Linux, %LOCALAPPDATA% on Windows), so a first command works
    # from any folder and every later command finds the same store.
    return Path(platformdirs.user_data_dir("jixiao", appauthor=False))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JIXIAO_", extra="ignore")

    data: Path = Field(default_factory=default_data_dir, description="data directory: store, indexes, caches")
    base_iri: str = Field(
        default="https://w3id.org/jixiao/id/",
        description="base IRI under which units, projects and indicators are minted",
    )
    cache: Path = Field(default_factory=default_cache_dir, description="built embedding models")

    # Remote store (issue 8): the graph in a SPARQL 1.1 server; the search index stays in `data`.
    store: str | None = Field(
        default=None,
        description="sparql+http://host:port[/path] (or sparql+https://): keep the graph in that SPARQL"
        " server, whose default graph must be the union of its named graphs (unset: embedded, in data)",
    )
    store_query: str | None = Field(
        default=None,
        description="query endpoint: a path on the store's host or a URL (default: <store>/query)",
    )
    store_update: str | None = Field(
        default=None,
        description="update endpoint: a path on the store's host or a URL (default: <store>/update)",
    )
    store_timeout: float = Field(
        default=120.0, gt=0, description="seconds to wait for the store server (reads and writes)"
    )

    # Search (issue 3). Defaults are the values measured best in bench/RESULTS.md.
    model: str = Field(
        default="intfloat/multilingual-e5-small",
        description="embedding model: the packaged default, or a sentence-transformers folder",
    )
    query_prompt: str | None = Field(
        default=None, description="prefix for queries (default: the model's own)"
    )
    passage_prompt: str | None = Field(
        default=None, description="prefix for stored texts (default: the model's)"
    )
    # 32, not 64: short texts in smaller length-sorted batches pad less (bench/RESULTS.md,
    # "Embedding throughput": ×1.04–1.10 in three runs); a batch changes no vector.
    batch_size: int = Field(default=32, ge=1, description="texts per embedding batch")
    # Issue 22: bfloat16 where the CPU multiplies it natively (AMX, AVX-512 BF16), else float32
    # (search.precision); the index and the embedding cache record it, so the two never mix.
    embedding_precision: Literal["auto", "float32", "bfloat16"] = Field(
        default="auto",
        description="what the embedding model computes in: auto (bfloat16 on a CPU with AMX or AVX-512"
        " BF16, else float32), float32, or bfloat16 (on other CPUs emulated and slow)",
    )
    embedding_cache: bool = Field(
        default=True,
        description="keep embedded texts' vectors in DATA/embeddings: an interrupted or repeated index"
        " build embeds nothing twice",
    )
    tokenizer: Literal["jieba", "bigram"] = Field(default="jieba", description="lexical tokenizer")
    rrf_k: int = Field(default=60, ge=1, description="reciprocal rank fusion constant k")
    dense_weight: float = Field(default=1.0, ge=0, description="weight of the dense list in fusion")
    lexical_weight: float = Field(default=0.5, ge=0, description="weight of the lexical list in fusion")
    exact_limit: int = Field(
        default=200_000, ge=1, description="vectors up to which the index is exact (above: IVF)"
    )
    nprobe: int = Field(default=64, ge=1, description="IVF lists probed per query")
    per_project: int = Field(default=3, ge=0, description="hits per project on a page (0: no cap)")
    # Issue 22: where the entries are searched (search.backend).
    search_backend: str = Field(
        default="in-process",
        description="in-process (FAISS + BM25 in DATA/index), milvus://host:19530 (a Milvus server), or"
        " milvus-lite:///path/index.db (Milvus's engine over one local file; pip install jixiao[milvus])",
    )

    # Ingest bounds (issue 16): what one file may make ingest unpack and read (ingest.limits).
    ingest_max_unpacked_mb: int = Field(
        default=200, ge=1, description="MB the members of one .xlsx/.docx may unpack to, all together"
    )
    ingest_max_ratio: int = Field(
        default=100,
        ge=1,
        description="unpacked / packed size a member of an .xlsx/.docx may have (ZIP bombs)",
    )
    ingest_max_members: int = Field(default=10_000, ge=1, description="files inside one .xlsx/.docx")
    ingest_max_rows: int = Field(default=200_000, ge=1, description="rows one workbook may have, all sheets")
    ingest_max_pages: int = Field(default=2_000, ge=1, description="pages one PDF may have")
    ingest_max_cells: int = Field(
        default=4_000_000, ge=1, description="cells one workbook may have, all sheets, merged cells included"
    )

    # Service (issue 4).
    host: str = Field(default="127.0.0.1", description="address `jixiao serve` listens on")
    port: int = Field(default=8000, ge=1, le=65535, description="port `jixiao serve` listens on")
    sparql_timeout: float = Field(default=30.0, gt=0, description="seconds a SPARQL query may run")
    sparql_max_rows: int = Field(
        default=10_000, ge=1, description="rows (or triples) a SPARQL response holds at most; the rest is cut"
    )
    sparql_update_token: SecretStr | None = Field(
        default=None, description="bearer token that allows SPARQL Update (unset: read-only endpoint)"
    )
    sparql_allow_service: bool = Field(
        default=False, description="allow SERVICE (federated queries that make the server fetch URLs)"
    )
    sparql_allow_load: bool = Field(
        default=False, description="allow LOAD <url> in SPARQL updates (the server fetches the URL)"
    )
    # Issue 16: the queue, request bodies, cross-origin writes.
    sparql_queue: int = Field(
        default=8, ge=0, description="SPARQL queries that may wait for a worker; more get 503 + Retry-After"
    )
    sparql_max_body: int = Field(
        default=1_000_000,
        ge=1,
        description="bytes a POST to /sparql may carry (a query or update); more: 413",
    )
    max_body: int = Field(
        default=1_000_000,
        ge=1,
        description="bytes POST /api/draft/export may carry (a table of up to 500 rows); more get 413;"
        " the other routes take 64 kB",
    )
    write_origins: list[str] = Field(
        default_factory=list,
        description="origins (https://host:port) besides the server's own whose pages may send writes"
        " (SPARQL Update, POST /api/draft/export); reads are open to every origin",
    )
    # Issue 19: documents uploaded to the running service (api/documents.py).
    write_token: SecretStr | None = Field(
        default=None,
        description="token the document routes (upload, delete) need; required when the server listens on"
        " anything but loopback (unset there: uploads are refused)",
    )
    upload_max_mb: int = Field(default=500, ge=1, description="MB one upload request may carry")
    upload_max_file_mb: int = Field(
        default=200, ge=1, description="MB one uploaded file (or one member of an uploaded .zip) may have"
    )

    @field_validator("store")
    @classmethod
    def _store_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        scheme, _, rest = value.partition("://")
        if scheme.lower() not in ("sparql+http", "sparql+https") or not rest.split("/", 1)[0]:
            raise ValueError(
                f"store {value!r}: give sparql+http://host:port[/path] or sparql+https://…"
                " (a SPARQL 1.1 server), or leave it unset for the embedded store"
            )
        return value

    @field_validator("embedding_precision", mode="before")
    @classmethod
    def _embedding_precision(cls, value: Any) -> Any:
        # BFLOAT16 or " float32 " from an env file mean what they say; anything else fails below
        # with the three names (no aliases: one spelling in the index metadata and the docs).
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("search_backend")
    @classmethod
    def _search_backend(cls, value: str) -> str:
        # The full parse is search.backend.parse_backend's (settings may not import search): this
        # catches a misspelt scheme at start-up rather than at the first search.
        value = value.strip() or "in-process"
        scheme, sep, rest = value.partition("://")
        if value != "in-process" and not (sep and rest and scheme.lower() in ("milvus", "milvus-lite")):
            raise ValueError(
                f"search backend {value!r}: give in-process (the default), milvus://host:19530,"
                " or milvus-lite:///path/index.db"
            )
        return value

    @field_validator("store_query", "store_update")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("/", "http://", "https://")):
            raise ValueError(f"{value!r}: give a path (/ds/sparql) or a URL (http://host:3030/ds/sparql)")
        return value

    @property
    def store_dir(self) -> Path:
        return self.data / "store"

    @property
    def index_dir(self) -> Path:
        return self.data / "index"

    @property
    def embeddings_dir(self) -> Path:
        return self.data / "embeddings"


def load_settings(data: Path | None = None, store: str | None = None) -> Settings:
    """Settings from the environment, with an explicit data directory (e.g. `--data`) or store
    (`--store`) taking precedence."""
    given: dict[str, Any] = {k: v for k, v in (("data", data), ("store", store)) if v is not None}
    return Settings(**given)
