"""The precision the vectors were made in travels with the index: saved, loaded, and checked like the
model (another precision is rebuilt by sync, refused by load_index)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jixiao.settings import Settings
from jixiao.store import EmbeddedStore
from search.entries import Entry
from search.index import IndexUnavailable, SearchIndex
from search.sync import load_index, new_meta, sync
from tests.fakes import FakeEncoder
from tests.search.conftest import index_of


class PrecisionEncoder(FakeEncoder):
    def __init__(self, precision: str) -> None:
        super().__init__()
        self.precision = precision


def settings_in(tmp_path: Path, precision: str) -> Settings:
    return Settings(data=tmp_path / "data", embedding_precision=precision)  # type: ignore[arg-type]


def test_the_precision_survives_a_save_and_load(tmp_path: Path, sample_entries: list[Entry]) -> None:
    index = index_of(sample_entries[:20])
    index.meta.precision = "bfloat16"
    index.save(tmp_path / "index")
    assert SearchIndex.load(tmp_path / "index").meta.precision == "bfloat16"


def test_an_index_from_before_precisions_loads_as_float32(
    tmp_path: Path, sample_entries: list[Entry]
) -> None:
    index_of(sample_entries[:20]).save(tmp_path / "index")
    meta_path = tmp_path / "index" / "meta.json"
    meta = json.loads(meta_path.read_text("utf-8"))
    del meta["precision"]  # meta.json as written before issue 22
    meta_path.write_text(json.dumps(meta), "utf-8")
    loaded = SearchIndex.load(tmp_path / "index")
    assert loaded.meta.precision == "float32" and len(loaded) == 20


@pytest.mark.parametrize(
    ("encoder", "setting", "recorded"),
    [
        (PrecisionEncoder("bfloat16"), "float32", "bfloat16"),  # the encoder's own word first
        (PrecisionEncoder("float32"), "bfloat16", "float32"),
        (FakeEncoder(), "bfloat16", "bfloat16"),  # one that declares none: what the settings mean
        (FakeEncoder(), "float32", "float32"),
    ],
)
def test_new_meta_records_the_precision(
    tmp_path: Path, encoder: FakeEncoder, setting: str, recorded: str
) -> None:
    assert new_meta(encoder, settings_in(tmp_path, setting)).precision == recorded


def test_another_precision_is_refused_then_rebuilt(tmp_path: Path, sample_store: EmbeddedStore) -> None:
    f32 = settings_in(tmp_path, "float32")
    first = sync(sample_store, f32, lambda: PrecisionEncoder("float32"), full=True)
    assert load_index(f32).meta.precision == "float32"

    bf16 = settings_in(tmp_path, "bfloat16")
    with pytest.raises(IndexUnavailable, match=r"holds float32 vectors.*bfloat16.*jixiao reindex"):
        load_index(bf16)
    encoder = PrecisionEncoder("bfloat16")
    report = sync(sample_store, bf16, lambda: encoder)  # not `full`: the mismatch alone rebuilds
    assert report.rebuilt and report.cached == 0  # no float32 vector came from the cache
    assert report.embedded == first.embedded == encoder.calls
    assert load_index(bf16).meta.precision == "bfloat16"
    # Nothing changed since: the next sync keeps the index as it is.
    assert not sync(sample_store, bf16, lambda: encoder).changed
