"""Ranking, filters, grouping and `similar`, on the samples with the fake encoder."""

from __future__ import annotations

from collections import Counter

import pytest

from search.entries import Kind
from search.index import SearchIndex
from search.service import Filters, Mode, QueryError, RankingSettings, SearchService
from tests.fakes import FakeEncoder

CADRE_PROJECT = "https://w3id.org/jixiao/id/project/058/2023/73d07ba997dd"
CADRE_COST = CADRE_PROJECT + "/indicator/outputCost-5f8c990b01a5"
HAOMEN = "https://w3id.org/jixiao/id/unit/407"
BAOFENG = "https://w3id.org/jixiao/id/unit/058"
JXCAT = "https://w3id.org/jixiao/category/"


def test_lexical_finds_the_project_by_its_words(service: SearchService) -> None:
    hits = service.search("村干部任职补贴", mode=Mode.LEXICAL).hits
    assert CADRE_PROJECT in [hit.entry.iri for hit in hits[:3]]
    assert all(hit.lexical is not None and hit.dense is None for hit in hits)


def test_hybrid_keeps_both_scores(service: SearchService) -> None:
    hits = service.search("村干部任职补贴").hits
    assert hits[0].dense is not None and hits[0].lexical is not None
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_at_most_three_hits_per_project_unless_asked(service: SearchService) -> None:
    capped = service.search("村干部任职补贴", limit=30).hits
    per_project = Counter(hit.entry.project.iri for hit in capped if hit.entry.project)
    assert max(per_project.values()) <= 3
    uncapped = service.search("村干部任职补贴", limit=30, per_project=0).hits
    assert max(Counter(h.entry.project.iri for h in uncapped if h.entry.project).values()) > 3


def test_identical_indicators_of_one_township_are_folded(service: SearchService) -> None:
    hits = service.search(
        "群众满意度", kind_filter := Filters(kind=Kind.INDICATOR), limit=50, per_project=0
    ).hits
    keys = [(h.entry.label, h.entry.target.raw if h.entry.target else "", h.entry.township) for h in hits]
    assert len(keys) == len(set(keys))
    assert any(hit.duplicates for hit in hits)  # 浩门镇 repeats "群众满意度 ≥95%" across projects
    assert kind_filter.kind == Kind.INDICATOR


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (Filters(kind=Kind.INDICATOR), lambda e: e.kind == Kind.INDICATOR),
        (Filters(kind=Kind.PROJECT), lambda e: e.kind == Kind.PROJECT),
        (Filters(unit="058"), lambda e: e.township.iri == BAOFENG),
        (Filters(unit="浩门镇"), lambda e: e.township.iri == HAOMEN),
        (Filters(unit="407001"), lambda e: e.unit.iri.endswith("/407001")),
        (Filters(year=2023), lambda e: e.year == 2023),
        (Filters(level1="产出指标"), lambda e: e.level1.iri == JXCAT + "output"),
        (Filters(level2="数量指标"), lambda e: e.level2.iri == JXCAT + "quantity"),
        (Filters(level2="quality", unit="058"),
         lambda e: e.level2.iri == JXCAT + "quality" and e.township.iri == BAOFENG),
        (Filters(target_type="date"), lambda e: e.target.type == "date"),
    ],
)  # fmt: skip
def test_filters(service: SearchService, filters: Filters, check: object) -> None:
    hits = service.search("补贴资金发放", filters, limit=20, per_project=0).hits
    assert hits
    assert all(check(hit.entry) for hit in hits)  # type: ignore[operator]


def test_a_filter_nothing_matches_gives_no_hits_and_says_why(service: SearchService) -> None:
    result = service.search("补贴", Filters(year=1999))
    assert result.hits == []
    assert result.warnings == ["no entry matches the filters"]


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (Filters(unit="没有这个镇"), "--unit"),
        (Filters(level2="没有这个"), "--level2"),
        (Filters(level1="数量指标"), "--level1"),
    ],
)
def test_unknown_filter_values_are_refused(service: SearchService, filters: Filters, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        service.search("补贴", filters)


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_is_refused(service: SearchService, query: str) -> None:
    with pytest.raises(QueryError, match="empty query"):
        service.search(query)


@pytest.mark.parametrize(
    "query",
    ["村" * 10_000, "村干部 allowance ≥95% 😀", "ＧＤＰ增长", "<script>alert(1)</script>"],
)
def test_odd_queries_answer_without_crashing(service: SearchService, query: str) -> None:
    result = service.search(query)
    assert len(result.hits) <= 10
    if len(query) > 512:
        assert any("cut" in warning for warning in result.warnings)


@pytest.mark.parametrize("query", ["😀🎉", "!!!???", "！！@@##%%", "≥ ≤ ％"])
def test_a_query_without_words_is_refused(service: SearchService, query: str) -> None:
    # Embeddings of punctuation still have nearest neighbours: they would be random hits.
    with pytest.raises(QueryError, match="no words in the query"):
        service.search(query)


def test_dense_only_equals_hybrid_with_no_lexical_weight(sample_index: SearchIndex) -> None:
    encoder = FakeEncoder()
    dense = SearchService(sample_index, lambda: encoder).search("村干部报酬", mode=Mode.DENSE).hits
    weighted = SearchService(sample_index, lambda: encoder, RankingSettings(lexical_weight=0.0))
    hybrid = weighted.search("村干部报酬").hits
    assert [h.entry.iri for h in dense] == [h.entry.iri for h in hybrid]


def test_fusion_puts_an_item_first_in_both_lists_first(service: SearchService) -> None:
    fused = service._fuse({1: (0, 0.9), 2: (1, 0.8)}, {2: (1, 5.0), 1: (0, 7.0), 3: (2, 1.0)}, Mode.HYBRID)
    assert [entry_id for entry_id, _ in fused] == [1, 2, 3]


def test_similar_looks_in_other_townships_same_category_first(service: SearchService) -> None:
    hits = service.similar(CADRE_COST, limit=10, per_project=0)
    assert hits
    assert all(h.entry.township.iri == HAOMEN and h.entry.kind == Kind.INDICATOR for h in hits)  # type: ignore[union-attr]
    categories = [h.entry.level2.iri if h.entry.level2 else "" for h in hits]
    same = [c == JXCAT + "outputCost" for c in categories]
    assert same[0] and same == sorted(same, reverse=True)  # all same-category hits come first
    assert all(h.entry.target is not None for h in hits)


def test_similar_for_a_project_gives_projects_of_the_other_township(service: SearchService) -> None:
    hits = service.similar(CADRE_PROJECT, limit=5)
    assert hits and all(h.entry.kind == Kind.PROJECT and h.entry.township.iri == HAOMEN for h in hits)  # type: ignore[union-attr]


def test_similar_refuses_an_unknown_iri(service: SearchService) -> None:
    with pytest.raises(QueryError, match="not in the search index"):
        service.similar("https://example.org/nothing")


def test_hit_json_has_the_documented_shape(service: SearchService) -> None:
    hits = service.search("村干部任职补贴", limit=30, per_project=0).hits
    by_kind = {hit.entry.kind: hit.to_json() for hit in hits}
    assert set(by_kind) == {Kind.PROJECT, Kind.OBJECTIVE, Kind.INDICATOR}
    for data in by_kind.values():
        assert {"kind", "iri", "label", "score", "project", "unit", "level1", "level2", "target"} <= set(data)
        assert data["unit"].keys() == {"iri", "label"}
    assert by_kind[Kind.PROJECT]["project"] is None and by_kind[Kind.PROJECT]["target"] is None
    assert by_kind[Kind.OBJECTIVE]["level1"] is None and by_kind[Kind.OBJECTIVE]["target"] is None
    indicator = by_kind[Kind.INDICATOR]
    assert indicator["project"].keys() == {"iri", "label"}
    assert indicator["target"].keys() == {"raw", "comparator", "number", "unit"}
    assert isinstance(indicator["level1"], str) and indicator["level1"].endswith("指标")
