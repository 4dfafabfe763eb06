"""Text encoders: one small interface, one sentence-transformers implementation, one factory.

Retrieval models embed the searcher's words and the stored texts differently (e5 wants
"query: " and "passage: " prefixes, bge-zh a Chinese instruction on the query only), so the
interface keeps the two sides apart and the prompts travel with the model's configuration.

The transformer may run in bfloat16 (search.precision says when): its token embeddings are cast
back to float32 before pooling, so mean pooling and L2 normalisation add no bfloat16 rounding.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from search.config import EncoderSettings
from search.default_model import DEFAULT_MODEL, PASSAGE_PROMPT, QUERY_PROMPT, ensure_default_model
from search.openmp import passive_threads
from search.precision import BFLOAT16, FLOAT32, resolve_precision

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Vectors = npt.NDArray[np.float32]
Progress = Callable[[str], None]
log = logging.getLogger(__name__)


class EncoderError(RuntimeError):
    """The configured model cannot be loaded."""


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors; a dot product is a cosine."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode_queries(self, texts: Sequence[str]) -> Vectors: ...

    def encode_passages(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> Vectors: ...


@dataclass(frozen=True)
class Prompts:
    query: str = ""
    passage: str = ""


# Prompts of models people are likely to point jixiao at, for folders that do not declare their own
# in config_sentence_transformers.json. Keyed by a fragment of the folder or hub name.
KNOWN_PROMPTS: dict[str, Prompts] = {
    "e5": Prompts(QUERY_PROMPT, PASSAGE_PROMPT),
    "bge-small-zh": Prompts("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-base-zh": Prompts("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-large-zh": Prompts("为这个句子生成表示以用于检索相关文章：", ""),
}


class SentenceTransformerEncoder:
    """Any sentence-transformers model: a local folder, or a hub name where the network allows it."""

    def __init__(
        self,
        model: SentenceTransformer,
        name: str,
        prompts: Prompts,
        batch_size: int = 32,
        precision: str = FLOAT32,
    ) -> None:
        self._model = model
        self._name = name
        self._prompts = prompts
        self._batch_size = batch_size
        self._precision = precision
        dimension = model.get_embedding_dimension()
        if dimension is None:
            raise EncoderError(f"{name}: the model does not report an embedding dimension")
        self._dimension = int(dimension)

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def prompts(self) -> Prompts:
        return self._prompts

    @property
    def precision(self) -> str:
        """float32 or bfloat16: what the transformer computes in (the vectors are float32 either way)."""
        return self._precision

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, self._prompts.query)

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        if progress is None:
            return self._encode(texts, self._prompts.passage)
        # Batch here rather than in sentence-transformers so the caller can show a progress bar.
        # Texts are sorted by length first, as sentence-transformers does, so batches pad little.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        step = self._batch_size * 4
        for start in range(0, len(order), step):
            chunk = order[start : start + step]
            out[chunk] = self._encode([texts[i] for i in chunk], self._prompts.passage)
            progress(len(chunk))
        return out

    def _encode(self, texts: Sequence[str], prompt: str) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            prompt=prompt or None,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def prompts_for(
    name: str, folder: Path | None, query: str | None = None, passage: str | None = None
) -> Prompts:
    """Prompts from explicit settings, else the model folder's own configuration, else known models."""
    declared = Prompts()
    if folder is not None:
        config = folder / "config_sentence_transformers.json"
        if config.is_file():
            prompts = json.loads(config.read_text(encoding="utf-8")).get("prompts") or {}
            declared = Prompts(prompts.get("query", ""), prompts.get("passage", prompts.get("document", "")))
    if declared == Prompts():
        # Match the model's own name (the last path part), as a whole dash-separated word: a
        # parent folder such as /home/joe5/ must not make any model an e5.
        own = re.split(r"[/\\]", name.rstrip("/\\").lower())[-1]
        declared = next(
            (p for key, p in KNOWN_PROMPTS.items() if re.search(rf"(^|[-_.]){re.escape(key)}($|[-_.])", own)),
            Prompts(),
        )
    return Prompts(
        query=declared.query if query is None else query,
        passage=declared.passage if passage is None else passage,
    )


def open_sentence_transformer(
    model: str,
    cache_dir: Path,
    *,
    query_prompt: str | None = None,
    passage_prompt: str | None = None,
    batch_size: int = 32,
    progress: Progress | None = None,
    precision: str = FLOAT32,
) -> SentenceTransformerEncoder:
    """Load `model`: the default name builds the packaged e5 offline; else a folder or a hub name.
    `precision` bfloat16 runs its transformer in bfloat16 (`run_in_bfloat16`)."""
    _quiet_transformers()
    passive_threads()  # before torch loads its OpenMP runtime
    from sentence_transformers import SentenceTransformer

    if model == DEFAULT_MODEL:
        folder: Path | None = ensure_default_model(cache_dir, progress)
    else:
        candidate = Path(model).expanduser()
        folder = candidate if candidate.is_dir() else None
    try:
        loaded = SentenceTransformer(
            str(folder) if folder is not None else model,
            device="cpu",
            cache_folder=str(cache_dir / "hub"),
        )
    except Exception as error:  # sentence-transformers raises many kinds; all mean "cannot load"
        where = f"folder {folder}" if folder is not None else f"'{model}' (not a local folder; tried the hub)"
        raise EncoderError(f"cannot load embedding model {where}: {error}") from error
    if precision == BFLOAT16:
        run_in_bfloat16(loaded, model)
    elif precision != FLOAT32:
        raise EncoderError(f"embedding precision {precision!r}: give {FLOAT32} or {BFLOAT16}")
    prompts = prompts_for(model, folder, query_prompt, passage_prompt)
    return SentenceTransformerEncoder(
        loaded, name=model, prompts=prompts, batch_size=batch_size, precision=precision
    )


def run_in_bfloat16(model: SentenceTransformer, name: str) -> None:
    """The weights of the model's transformer modules in bfloat16, their outputs cast back to
    float32: pooling, L2 normalisation and any layer after the transformer compute in float32.

    Weights converted once (not `torch.autocast`, which casts every matrix at every call): half the
    memory, and the faster of the two in issue 22's trial; bench/embedding.py --precision measures
    both."""
    import torch
    from sentence_transformers.sentence_transformer.modules import Transformer

    transformers = [module for module in model if isinstance(module, Transformer)]
    if not transformers:
        raise EncoderError(
            f"{name}: no transformer module to run in bfloat16; set JIXIAO_EMBEDDING_PRECISION=float32"
        )
    if not (torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported()):
        log.warning(
            "embedding in bfloat16 on a CPU without AMX or AVX-512 BF16: torch emulates it, several"
            " times slower than float32 (JIXIAO_EMBEDDING_PRECISION=auto picks float32 here)"
        )
    for module in transformers:
        module.auto_model.to(torch.bfloat16)
        module.register_forward_hook(_outputs_to_float32)


def _outputs_to_float32(_module: Any, _inputs: Any, features: dict[str, Any]) -> dict[str, Any]:
    import torch

    return {
        key: value.float() if isinstance(value, torch.Tensor) and value.dtype == torch.bfloat16 else value
        for key, value in features.items()
    }


def _quiet_transformers() -> None:
    # Weight-loading reports and progress bars are noise in a CLI; our own progress line says
    # what is happening.
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


_loaded: dict[tuple[str, str, str | None, str | None, str], Encoder] = {}


def load_encoder(settings: EncoderSettings, progress: Progress | None = None) -> Encoder:
    """The configured encoder, one instance per process (loading e5 takes a second or two), in the
    precision the settings mean on this machine (search.precision)."""
    precision = resolve_precision(settings.embedding_precision).precision
    key = (settings.model, str(settings.cache), settings.query_prompt, settings.passage_prompt, precision)
    if key not in _loaded:
        _loaded[key] = open_sentence_transformer(
            settings.model,
            settings.cache,
            query_prompt=settings.query_prompt,
            passage_prompt=settings.passage_prompt,
            batch_size=settings.batch_size,
            progress=progress,
            precision=precision,
        )
    return _loaded[key]
