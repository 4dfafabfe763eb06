"""The review on the two bundled samples: what the issue says it must catch, and nothing new
unnoticed (the full list with judgements is bench/RESULTS.md, written by bench/review.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao.review import Finding, Review, ReviewContext, Severity, run_review
from jixiao.settings import Settings
from jixiao.store import open_store
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE


@pytest.fixture(scope="module")
def review(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    settings = Settings(data=tmp_path_factory.mktemp("review-samples"))
    store = open_store(settings)
    store.install_ontology()
    for path in (PARAGRAPH_TABLE, FORM_LINES):
        ingest_file(path, store, IriMinter(settings.base_iri), None)
    yield run_review(ReviewContext(store))  # no index: copy-paste is bench/review.py's, with the model
    store.close()


def _of(review: Review, rule: str) -> list[Finding]:
    return [f for f in review.findings if f.rule == rule]


def test_the_138_02_yuan_cost_target_in_the_138_02_wan_project(review: Review) -> None:
    (slip,) = _of(review, "cost-unit-slip")
    assert review.projects[slip.project or ""].label == "村干部任职补贴"
    assert (slip.focus_label, slip.values, slip.severity) == (
        "落实村干部任职补贴资金",
        ("138.02元", "138.02万元"),
        Severity.ERROR,
    )


def test_588_38_against_588_39_is_rounding(review: Review) -> None:
    (total,) = _of(review, "unit-total")
    assert total.severity == Severity.INFO
    assert total.values == ("588.39万元", "588.38万元")
    assert "407001" in total.focus and "四舍五入" in total.message


def test_objectives_naming_2021_in_2023_tables(review: Review) -> None:
    objectives = {
        (review.projects[f.project or ""].label, f.values[0])
        for f in _of(review, "other-year")
        if "/objective" in f.focus and "2021年" in f.message
    }
    assert objectives == {
        ("团委工作经费", "计划2021年举办青年团员创业培训班1次，培训人次达到40人次。"),
        ("团委工作经费", "计划2021年召开团代会1次，开展文体活动3次。"),
        (
            "维稳经费及应急经费",
            "计划2021年内开展社会稳定宣传活动15次，发放宣传资料1000份，宣传知晓度达到98%。",
        ),
        ("维稳经费及应急经费", "计划2021年举办扫黑除恶专项斗争培训班1次，培训参与人数达85次。"),
    }


def test_the_2018_retention_money_is_not_a_stale_year(review: Review) -> None:
    labels = {review.projects[f.project or ""].label for f in _of(review, "other-year")}
    assert "果皮箱、景观花池项目质保金" not in labels


def test_counts_per_rule_on_the_samples(review: Review) -> None:
    """Every finding is judged in bench/RESULTS.md; a change here means judging the new ones."""
    assert review.errors == {} and review.skipped == {"copy-paste": "no search index (run `jixiao reindex`)"}
    assert Counter(f.rule for f in review.findings) == {
        "missing-category": 5,
        "cost-unit-slip": 1,
        "cost-above-amount": 1,
        "unit-total": 1,
        "other-year": 10,
        "unparsed-target": 4,
        "duplicate-indicator": 1,
    }


def test_findings_are_ordered_by_township_and_project(review: Review) -> None:
    townships = [review.projects[f.project].township for f in review.findings if f.project]
    assert townships == sorted(townships)


def test_every_finding_on_the_samples_is_judged_in_the_bench(review: Review) -> None:
    """bench/RESULTS.md states a false-positive rate: a new finding must be judged before it counts."""
    from bench.review import load_judgements

    judgements = load_judgements()
    unjudged = [(f.rule, f.focus_label) for f in review.findings if f.id not in judgements]
    assert unjudged == []
    assert {j.judgement for j in judgements.values()} <= {"true", "false"}
