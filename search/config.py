"""What search reads of the configuration: declared here, as protocols, so that search takes its
parameters explicitly instead of importing the application's settings (issue 18: the layers).

`jixiao.settings.Settings` satisfies both (mypy checks it where the CLI and the API pass it); a
benchmark or a test may pass any object with these attributes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class EncoderSettings(Protocol):
    """Which model embeds, from where, with which prompts and batch."""

    @property
    def model(self) -> str: ...
    @property
    def cache(self) -> Path: ...
    @property
    def query_prompt(self) -> str | None: ...
    @property
    def passage_prompt(self) -> str | None: ...
    @property
    def batch_size(self) -> int: ...
    @property
    def embedding_precision(self) -> str:
        """auto, float32 or bfloat16 (search.precision.resolve_precision says what auto means here)."""
        ...


class IndexSettings(EncoderSettings, Protocol):
    """Where the index lives, how it is built and how it ranks."""

    @property
    def index_dir(self) -> Path: ...
    @property
    def embeddings_dir(self) -> Path: ...
    @property
    def embedding_cache(self) -> bool: ...
    @property
    def tokenizer(self) -> str: ...
    @property
    def nprobe(self) -> int: ...
    @property
    def exact_limit(self) -> int: ...
    @property
    def rrf_k(self) -> int: ...
    @property
    def dense_weight(self) -> float: ...
    @property
    def lexical_weight(self) -> float: ...
    @property
    def per_project(self) -> int: ...
    @property
    def search_backend(self) -> str:
        """in-process, milvus://host:port or milvus-lite:///path.db (search.backend.parse_backend)."""
        ...
