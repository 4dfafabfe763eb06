"""The match judgement: its evidence, the shipped calibration, and what the search reports with it.

Unit tests run the fake encoder, so the z-scores are not e5's: the tests check the mechanics and
the ordering the calibration implies, not the benchmark's figures (bench/match_eval.py has those).
"""

from __future__ import annotations

import pytest

from search.match import Calibration, Evidence, Logistic, Match, overall, shipped_calibration
from search.service import SearchService


def _calibration() -> Calibration:
    one = Logistic(0.0, (1.0, 1.0, 0.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    return Calibration(one, Logistic(1.0, (1.0, 1.0, 0.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)), 0.9, 0.5)


@pytest.mark.parametrize(
    ("z", "coverage", "expected"),
    [
        (5.0, 1.0, Match.CLOSE),  # p_close = σ(6) ≥ 0.9
        (0.0, 0.5, Match.RELATED),  # p_close = σ(0.5) < 0.9, p_related = σ(1.5) ≥ 0.5
        (-3.0, 0.0, Match.NONE),  # p_related = σ(-2) < 0.5
    ],
)
def test_calibration_levels(z: float, coverage: float, expected: Match) -> None:
    assert _calibration().judge(Evidence(z, coverage, 0.0, ())) is expected


@pytest.mark.parametrize(
    ("matches", "expected"),
    [
        ([Match.NONE, Match.RELATED, Match.CLOSE], Match.CLOSE),
        ([Match.NONE, Match.RELATED], Match.RELATED),
        ([Match.NONE], Match.NONE),
        ([], Match.NONE),
    ],
)
def test_overall(matches: list[Match], expected: Match) -> None:
    assert overall(matches) is expected


def test_calibration_round_trips_through_json() -> None:
    calibration = _calibration()
    assert Calibration.from_json(calibration.to_json()) == calibration


def test_shipped_calibration_rises_with_its_evidence() -> None:
    shipped = shipped_calibration()
    assert shipped is not None
    low, high = [0.0, 0.0, 0.0], [6.0, 1.0, 1.0]
    assert shipped.close.probability(high) > shipped.close.probability(low)
    assert shipped.judge(Evidence.of_vector(high)) is Match.CLOSE
    assert shipped.judge(Evidence.of_vector(low)) is Match.NONE


def test_words_the_corpus_never_uses_leave_coverage_low(service: SearchService) -> None:
    nonsense = service.search("xyzzy不存在的东西qq")
    assert all(hit.evidence is not None and hit.evidence.coverage < 0.5 for hit in nonsense.hits)
    assert nonsense.match is Match.NONE and nonsense.total == 0


def test_a_query_in_the_samples_is_close_with_its_words_marked(service: SearchService) -> None:
    found = service.search("村干部任职补贴")
    assert found.match is Match.CLOSE
    first = found.hits[0]
    assert first.match is Match.CLOSE and first.evidence is not None
    assert first.evidence.coverage == 1.0
    assert "任职补贴" in first.evidence.matched
    # the total counts every judged candidate, not the page
    assert found.total >= sum(1 for hit in found.hits if hit.match is not Match.NONE)


def test_hits_carry_their_project_amount(service: SearchService) -> None:
    hit = next(h for h in service.search("落实村干部任职补贴资金", limit=20).hits if h.entry.project)
    project = service.index.entry(service.index.by_iri[hit.entry.project.iri])  # type: ignore[union-attr]
    assert hit.amount == project.amount
    data = hit.to_json()
    assert data["match"] in {"close", "related", "none"} and data["amount"] == project.amount


def test_every_hit_on_the_page_carries_its_amount_and_lexical_only_ones_their_cosine(
    service: SearchService,
) -> None:
    found = service.search("村干部任职补贴", limit=10)
    for hit in found.hits:
        project = hit.entry if hit.entry.project is None else service.entry_of(hit.entry.project.iri)
        assert project is not None and hit.amount == project.amount
    vector = service.encoder.encode_queries(["村干部任职补贴"])[0]
    mean, std = service.match_evidence.standing(vector)
    lexical_only = [h for h in found.candidates if h.dense is None and h.evidence is not None]
    assert lexical_only, "the query should reach entries only BM25 found"
    for hit in lexical_only[:20]:
        cosine = float(service.index.vectors.vector(service.index.by_iri[hit.entry.iri]) @ vector)
        assert hit.evidence is not None and hit.evidence.z == pytest.approx((cosine - mean) / std, abs=1e-3)
