"""A project's precedents fuse its own vector's list with its indicator table's (search/precedents.py)."""

from __future__ import annotations

import pytest

from search.entries import Kind
from search.precedents import RRF_K, fuse, table_overlap
from search.service import SearchService
from tests.search.test_service import CADRE_PROJECT, HAOMEN


@pytest.mark.parametrize(
    ("lists", "expected"),
    [
        ([], {}),
        # one source indicator: each project's best cosine in its list
        ([[("a", 0.9), ("b", 0.8), ("a", 0.7)]], {"a": 0.9, "b": 0.8}),
        # two: averaged over the source's indicators, a project absent from one list counts 0 there
        ([[("a", 0.9), ("b", 0.8)], [("b", 0.6)]], {"a": 0.45, "b": 0.7}),
    ],
)
def test_table_overlap(lists: list[list[tuple[str, float]]], expected: dict[str, float]) -> None:
    assert table_overlap(lists) == pytest.approx(expected)


def test_a_project_first_in_both_lists_comes_first_and_the_table_lifts_a_differently_named_one() -> None:
    by_vector = [("a", 0.95), ("b", 0.94), ("c", 0.93), ("d", 0.92)]
    fused = [iri for iri, _ in fuse(by_vector, {"a": 0.9, "d": 0.95, "b": 0.1})]
    assert fused[0] in {"a", "d"} and fused.index("d") < fused.index("c")
    assert fused == ["a", "d", "b", "c"]  # a: 1/61 + 1/62; d: 1/64 + 1/61; b: 1/62 + 1/63; c: 1/63


def test_the_table_weight_zero_leaves_the_vector_order() -> None:
    by_vector = [("a", 0.9), ("b", 0.8)]
    assert [iri for iri, _ in fuse(by_vector, {"b": 1.0}, weight=0.0)] == ["a", "b"]
    assert fuse(by_vector, {}, weight=1.0)[0] == ("a", pytest.approx(1 / (RRF_K + 1)))


def test_ties_fall_in_iri_order() -> None:
    assert [iri for iri, _ in fuse([], {"b": 0.5, "a": 0.5})] == ["a", "b"]


def test_similar_projects_are_other_townships_projects_fused_by_table(service: SearchService) -> None:
    hits = service.similar(CADRE_PROJECT, limit=5)
    assert hits and all(h.entry.kind == Kind.PROJECT and h.entry.township.iri == HAOMEN for h in hits)  # type: ignore[union-attr]
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    # a fused score, not a cosine: at most the two lists' first places
    assert all(0 < h.score <= 2 / (RRF_K + 1) for h in hits)
    assert len({h.entry.iri for h in hits}) == len(hits)
