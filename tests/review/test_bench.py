"""bench/review.py's report: one row per finding, and false-positive rates from the judgements."""

from __future__ import annotations

from bench.review import Judgement, fp_rate, judgement_skeleton, rates, render
from jixiao.review import Finding, Review, Severity
from jixiao.review.model import REGISTRY
from jixiao.review.run import ProjectInfo


def finding(rule: str, focus: str, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(rule, severity, focus, focus.rsplit("/", 1)[-1], "消息", "message", ("v",), "p")


FINDINGS = [
    finding("other-year", "p/a"),
    finding("other-year", "p/b"),
    finding("copy-paste", "p/c", Severity.INFO),
]
REVIEW = Review(
    FINDINGS,
    [REGISTRY["other-year"], REGISTRY["copy-paste"]],
    {"p": ProjectInfo("p", "党校工作经费", "浩门镇", "门源县浩门镇政府", 2023, "000.txt")},
    [],
)
JUDGED = {FINDINGS[0].id: Judgement("true", "ok"), FINDINGS[2].id: Judgement("false", "generic")}


def test_rates_count_judged_findings_only() -> None:
    counted = rates(FINDINGS, JUDGED)
    assert dict(counted["other-year"]) == {"findings": 2, "true": 1, "unjudged": 1}
    assert dict(counted["all"]) == {"findings": 3, "true": 1, "false": 1, "unjudged": 1}
    assert fp_rate(counted["all"]) == "1/2 = 50%"
    assert fp_rate(counted["other-year"]) == "0/1 = 0%"


def test_report_lists_every_finding_with_its_judgement() -> None:
    text = render(REVIEW, JUDGED, ["## Review"])
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 3
    assert "true positive" in rows[0] and "unjudged" in rows[1] and "**false positive**" in rows[2]
    assert "| **all** | 3 | 1 | 1 | 1 | 1/2 = 50% |" in text


def test_the_skeleton_keeps_judgements_and_adds_new_findings() -> None:
    skeleton = judgement_skeleton(REVIEW, JUDGED)
    assert list(skeleton) == [f.id for f in FINDINGS]
    assert skeleton[FINDINGS[0].id]["judgement"] == "true" and skeleton[FINDINGS[1].id]["judgement"] == ""
    assert skeleton[FINDINGS[0].id]["project"] == "党校工作经费"
