"""BM25 over token lists: one score per row, zeros (never an error) for what the corpus lacks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search.lexical import LexicalIndex

# Row i is document i. "资金" is in every row, "培训" in one.
DOCUMENTS = [
    ["资金", "发放", "及时率"],
    ["资金", "使用", "合规"],
    ["资金", "培训", "人数"],
    ["资金", "资金"],
    [],  # a row with no tokens still has a score
]


@pytest.fixture(scope="module")
def index() -> LexicalIndex:
    return LexicalIndex.build(DOCUMENTS)


def test_rare_term_outranks_common_term(index: LexicalIndex) -> None:
    scores = index.scores(["资金", "培训"])
    assert scores.shape == (len(DOCUMENTS),) and scores.dtype == np.float32
    assert int(np.argmax(scores)) == 2
    assert scores[2] > scores[0] > 0
    assert scores[4] == 0


@pytest.mark.parametrize(
    "query",
    [[], ["未知"], ["未知", "词"], [""]],
    ids=["empty", "unknown", "all-unknown", "empty-token"],
)
def test_nothing_known_scores_zero(index: LexicalIndex, query: list[str]) -> None:
    np.testing.assert_array_equal(index.scores(query), np.zeros(len(DOCUMENTS), dtype=np.float32))


def test_unknown_token_beside_a_known_one_is_ignored(index: LexicalIndex) -> None:
    np.testing.assert_array_equal(index.scores(["培训", "未知"]), index.scores(["培训"]))


def test_empty_corpus(tmp_path: Path) -> None:
    empty = LexicalIndex.build([])
    assert len(empty) == 0
    assert empty.scores(["资金"]).shape == (0,)
    empty.save(tmp_path / "lexical")
    assert len(LexicalIndex.load(tmp_path / "lexical")) == 0


def test_corpus_without_any_token(tmp_path: Path) -> None:
    # bm25s cannot index an empty vocabulary; a store whose texts all tokenise to nothing still works.
    index = LexicalIndex.build([[], []])
    np.testing.assert_array_equal(index.scores(["资金"]), np.zeros(2, dtype=np.float32))
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert len(loaded) == 2
    np.testing.assert_array_equal(loaded.scores(["资金"]), np.zeros(2, dtype=np.float32))


def test_save_and_load(index: LexicalIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical")
    assert len(loaded) == len(index)
    for query in (["资金", "培训"], ["及时率"], ["未知"]):
        np.testing.assert_array_equal(loaded.scores(query), index.scores(query))
