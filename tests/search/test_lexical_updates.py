"""BM25 updated in place: after any sequence of adds and removals, the scores are those of a
rebuild over what is left, and those of bm25s (the library the index used before) over the same rows."""

from __future__ import annotations

import random
from pathlib import Path

import bm25s
import numpy as np
import pytest

from search.lexical import LexicalIndex

WORDS = ["资金", "发放", "及时率", "培训", "人数", "群众", "满意度", "补贴", "村", "道路", "维修", "合格率"]


def documents(count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    # Skewed like real text (a few words everywhere, most rare), with repeats and empty rows.
    return [rng.choices(WORDS, weights=range(len(WORDS), 0, -1), k=rng.randint(0, 8)) for _ in range(count)]


QUERIES = [["资金"], ["培训", "人数"], ["合格率", "维修", "道路"], ["资金", "资金", "村"], ["未知", "补贴"]]


def bm25s_scores(docs: list[list[str]], query: list[str]) -> np.ndarray:
    """What search.lexical computed before this module: bm25s's Lucene BM25 (k1 1.2, b 0.75)."""
    retriever = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    retriever.index(docs, show_progress=False)
    known = [t for t in query if t in retriever.vocab_dict and t != ""]
    if not known:
        return np.zeros(len(docs), dtype=np.float32)
    return np.asarray(retriever.get_scores(known), dtype=np.float32)


def test_scores_equal_bm25s() -> None:
    docs = documents(300, seed=1)
    index = LexicalIndex.build(docs)
    for query in QUERIES:
        # Same operations in the same order: equal to the last bit, not only close.
        np.testing.assert_array_equal(index.scores(query), bm25s_scores(docs, query))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_updates_equal_a_rebuild(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    index = LexicalIndex.empty()
    held: dict[int, list[str]] = {}
    next_id = 0
    for step in range(30):
        if held and rng.random() < 0.4:
            gone = rng.sample(sorted(held), k=rng.randint(1, max(1, len(held) // 3)))
            assert index.remove(np.array(gone, dtype=np.int64)) == len(gone)
            for entry_id in gone:
                del held[entry_id]
        else:
            batch = documents(rng.randint(1, 60), seed=seed * 100 + step)
            ids = np.arange(next_id, next_id + len(batch), dtype=np.int64)
            next_id += len(batch)
            index.add(ids, batch)
            held.update(zip(ids.tolist(), batch, strict=True))
        if step % 10 == 9:  # a save and a (memory-mapped) load in the middle of it all
            index.save(tmp_path / f"lexical-{step}")
            index = LexicalIndex.load(tmp_path / f"lexical-{step}")
        order = sorted(held)
        assert index.ids.tolist() == order
        rebuilt = LexicalIndex.build([held[i] for i in order])
        for query in QUERIES:
            np.testing.assert_array_equal(index.scores(query), rebuilt.scores(query))
        assert [index.tokens(row) for row in range(len(order))] == [held[i] for i in order]
    assert len(index.segments) <= 12


def test_document_frequencies_count_live_rows() -> None:
    index = LexicalIndex.build([["资金", "资金", "培训"], ["资金"], ["培训"]])
    assert index.document_frequencies() == {"资金": 2, "培训": 2}
    index.remove(np.array([0], dtype=np.int64))
    assert index.document_frequencies() == {"资金": 1, "培训": 1}


def test_ids_must_ascend() -> None:
    index = LexicalIndex.build([["资金"], ["培训"]])
    with pytest.raises(ValueError, match="ascend"):
        index.add(np.array([1], dtype=np.int64), [["村"]])
    with pytest.raises(ValueError, match="ascend"):
        index.add(np.array([5, 4], dtype=np.int64), [["村"], ["路"]])
    assert len(index) == 2
