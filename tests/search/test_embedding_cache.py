"""The embedding cache: rows survive a reopen, a torn tail is cut off, models never share vectors,
and an index build embeds nothing twice."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from jixiao.settings import Settings
from jixiao.store import EmbeddedStore
from search import embedding_cache
from search.embedding_cache import KEYS, VECTORS, EmbeddingCache, embed_texts, identity_key, model_identity
from search.encoder import Prompts
from search.index import SearchIndex
from search.sync import graph_state, sync
from search.texts import read_entries
from tests.fakes import FakeEncoder, Vectors

TEXTS = ["村干部任职补贴", "群众满意度≥95%", "2023年12月底前完成资金拨付", "发放补贴人数", "道路硬化长度"]


def open_cache(root: Path, encoder: FakeEncoder) -> EmbeddingCache:
    return EmbeddingCache.open(root, encoder)


def fill(root: Path, encoder: FakeEncoder, texts: Sequence[str]) -> EmbeddingCache:
    cache = open_cache(root, encoder)
    _, sent = embed_texts(encoder, texts, cache, chunk=2)
    assert sent == len(texts)
    return cache


def test_vectors_survive_a_reopen_and_are_the_encoders(tmp_path: Path) -> None:
    encoder = FakeEncoder()
    with fill(tmp_path, encoder, TEXTS) as cache:
        assert len(cache) == len(TEXTS)
    with open_cache(tmp_path, encoder) as cache:
        rows = cache.lookup(cache.keys([*TEXTS, "不在缓存里"]))
        assert rows[-1] == -1 and sorted(rows[:-1].tolist()) == list(range(len(TEXTS)))
        np.testing.assert_array_equal(cache.vectors(rows[:-1]), FakeEncoder().encode_passages(TEXTS))


def test_embed_texts_sends_only_misses_and_advances_over_all(tmp_path: Path) -> None:
    encoder = FakeEncoder()
    fill(tmp_path, encoder, TEXTS[:3]).close()
    before = encoder.calls
    advanced: list[int] = []
    with open_cache(tmp_path, encoder) as cache:
        vectors, sent = embed_texts(encoder, TEXTS, cache, chunk=1, advance=advanced.append)
    assert sent == 2 and encoder.calls - before == 2 and sum(advanced) == len(TEXTS)
    np.testing.assert_array_equal(vectors, FakeEncoder().encode_passages(TEXTS))


def test_a_torn_tail_is_reported_then_cut_off(tmp_path: Path) -> None:
    encoder = FakeEncoder()
    fill(tmp_path, encoder, TEXTS).close()
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    # A kill mid-batch: part of a vector row, and a key whose vector was not all written.
    with (folder / VECTORS).open("ab") as handle:
        handle.write(b"\x01" * 100)
    with (folder / KEYS).open("ab") as handle:
        handle.write(b"\x02" * 16)
    state = embedding_cache.inspect(folder)
    assert state.rows == len(TEXTS) and state.torn_bytes == 116
    with open_cache(tmp_path, encoder) as cache:  # opening cuts it off
        assert len(cache) == len(TEXTS)
    assert not embedding_cache.inspect(folder).torn
    assert (folder / KEYS).stat().st_size == 16 * len(TEXTS)
    assert (folder / VECTORS).stat().st_size == 4 * encoder.dimension * len(TEXTS)


def test_vectors_without_their_keys_and_zero_padding_are_not_rows(tmp_path: Path) -> None:
    encoder = FakeEncoder()
    fill(tmp_path, encoder, TEXTS).close()
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    with (folder / VECTORS).open("ab") as handle:  # killed between the vectors and the keys
        handle.write(FakeEncoder().encode_passages(["新的"]).tobytes())
    with (folder / KEYS).open("ab") as handle:  # power loss: a file extended with zeros
        handle.write(bytes(16))
    state = embedding_cache.inspect(folder)
    assert state.rows == len(TEXTS) and state.torn
    embedding_cache.repair(state)
    assert embedding_cache.inspect(folder) == embedding_cache.CacheState(folder, len(TEXTS), 0)


def test_a_folder_without_identity_is_unusable_and_removed_by_repair(tmp_path: Path) -> None:
    (tmp_path / "abc").mkdir()
    (state,) = embedding_cache.inspect_all(tmp_path)
    assert state.problem is not None
    embedding_cache.repair(state)
    assert not (tmp_path / "abc").exists()


class BackendEncoder(FakeEncoder):
    """The same model in another backend (e.g. int8): other vectors, so another cache."""

    identity = "intfloat/multilingual-e5-small+int8"


class PrecisionEncoder(FakeEncoder):
    """The same model run in another precision (search.precision): other vectors, so another cache."""

    def __init__(self, precision: str) -> None:
        super().__init__()
        self.precision = precision


@pytest.mark.parametrize(
    "other",
    [
        lambda: FakeEncoder(name="BAAI/bge-small-zh-v1.5"),
        lambda: FakeEncoder(dimension=32),
        lambda: BackendEncoder(),
        lambda: PrecisionEncoder("bfloat16"),
    ],
    ids=["model", "dimension", "backend", "precision"],
)
def test_models_never_share_vectors(tmp_path: Path, other: Callable[[], FakeEncoder]) -> None:
    fill(tmp_path, FakeEncoder(), TEXTS).close()
    encoder = other()
    assert identity_key(model_identity(encoder)) != identity_key(model_identity(FakeEncoder()))
    with open_cache(tmp_path, encoder) as cache:
        assert len(cache) == 0 and (cache.lookup(cache.keys(TEXTS)) == -1).all()


def test_bfloat16_and_float32_vectors_never_mix(tmp_path: Path) -> None:
    bf16, f32 = PrecisionEncoder("bfloat16"), PrecisionEncoder("float32")
    fill(tmp_path, bf16, TEXTS).close()
    with open_cache(tmp_path, f32) as cache:  # the other way round from the test above
        assert len(cache) == 0 and (cache.lookup(cache.keys(TEXTS)) == -1).all()
        embed_texts(f32, TEXTS[:2], cache, chunk=2)
    with open_cache(tmp_path, bf16) as cache:
        assert len(cache) == len(TEXTS) and cache.identity["precision"] == "bfloat16"
    with open_cache(tmp_path, f32) as cache:
        assert len(cache) == 2 and "precision" not in cache.identity
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2


def test_float32_keeps_the_folder_of_caches_written_before_precisions(tmp_path: Path) -> None:
    # An encoder that declares no precision (every one before issue 22) made float32 vectors:
    # a float32 encoder finds them, and re-embeds nothing.
    fill(tmp_path, FakeEncoder(), TEXTS).close()
    assert model_identity(PrecisionEncoder("float32")) == model_identity(FakeEncoder())
    with open_cache(tmp_path, PrecisionEncoder("float32")) as cache:
        assert len(cache) == len(TEXTS)


def test_another_passage_prompt_is_another_cache(tmp_path: Path) -> None:
    fill(tmp_path, FakeEncoder(), TEXTS).close()
    encoder = FakeEncoder()
    encoder.prompts = Prompts("query: ", "")
    with open_cache(tmp_path, encoder) as cache:
        assert len(cache) == 0
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2


def test_a_second_writer_reads_but_does_not_append(tmp_path: Path) -> None:
    encoder = FakeEncoder()
    with fill(tmp_path, encoder, TEXTS[:2]) as first, open_cache(tmp_path, encoder) as second:
        assert first.writable and not second.writable
        _, sent = embed_texts(encoder, TEXTS, second, chunk=10)
        assert sent == 3 and len(second) == 2  # used, not written
    with open_cache(tmp_path, encoder) as cache:
        assert cache.writable and len(cache) == 2


# --- sync --------------------------------------------------------------------------------------


def settings_in(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data=tmp_path / "data", **overrides)  # type: ignore[arg-type]


def test_a_second_full_rebuild_embeds_nothing(tmp_path: Path, sample_store: EmbeddedStore) -> None:
    encoder = FakeEncoder()
    settings = settings_in(tmp_path)
    first = sync(sample_store, settings, lambda: encoder, full=True)
    distinct = len({e.text for e in read_entries(sample_store)})
    assert first.embedded == distinct == encoder.calls and first.cached == 0
    before = SearchIndex.load(settings.index_dir)

    second = sync(sample_store, settings, lambda: encoder, full=True)
    assert second.rebuilt and second.embedded == 0 and second.cached == distinct
    assert encoder.calls == distinct
    after = SearchIndex.load(settings.index_dir)
    assert after.iris() == before.iris() and after.meta.documents == graph_state(sample_store)
    for iri in sorted(after.iris()):  # the cached vectors are the ones the model gave
        np.testing.assert_array_equal(
            after.vectors.vector(after.by_iri[iri]), before.vectors.vector(before.by_iri[iri])
        )


def test_without_the_cache_every_rebuild_embeds(tmp_path: Path, sample_store: EmbeddedStore) -> None:
    encoder = FakeEncoder()
    settings = settings_in(tmp_path, embedding_cache=False)
    first = sync(sample_store, settings, lambda: encoder, full=True)
    second = sync(sample_store, settings, lambda: encoder, full=True)
    assert first.embedded == second.embedded > 0 and not settings.embeddings_dir.exists()


class Killed(Exception):
    pass


class DiesAfter(FakeEncoder):
    """Embeds `chunks` chunks, then dies as a killed process would (mid-run, nothing saved)."""

    def __init__(self, chunks: int) -> None:
        super().__init__()
        self.left = chunks

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        if self.left == 0:
            raise Killed
        self.left -= 1
        return super().encode_passages(texts, progress)


def test_a_run_cut_short_resumes_without_embedding_again(tmp_path: Path, sample_store: EmbeddedStore) -> None:
    settings = settings_in(tmp_path, batch_size=4)  # chunks of 64 texts
    dying = DiesAfter(chunks=3)
    with pytest.raises(Killed):
        sync(sample_store, settings, lambda: dying, full=True)
    assert not settings.index_dir.exists()
    (state,) = embedding_cache.inspect_all(settings.embeddings_dir)
    assert state.rows == dying.calls == 3 * 64

    encoder = FakeEncoder()
    report = sync(sample_store, settings, lambda: encoder)
    distinct = len({e.text for e in read_entries(sample_store)})
    assert report.embedded == encoder.calls == distinct - 3 * 64 and report.cached == 3 * 64
