"""Drafting from precedents over the samples (fake encoder): traceable, nothing invented."""

from __future__ import annotations

import pytest

from jixiao.drafting.draft import (
    GENERIC_WORDS,
    REQUIRED,
    Draft,
    Drafter,
    DraftRequest,
    DraftTable,
    Precedent,
    Suggestion,
    _adapt,
    _check_amount,
    _suggest,
    default_table,
)
from search.entries import Entry, Kind, Ref, TargetValue
from search.service import SearchService

BAOFENG = "https://w3id.org/jixiao/id/unit/058"


def project(service: SearchService, label: str) -> Entry:
    return next(e for e in service.index.rows if e.kind == Kind.PROJECT and e.label == label)


@pytest.fixture()
def drafted(service: SearchService) -> Draft:
    return Drafter(service).draft(DraftRequest("村干部任职补贴", "保障村干部报酬按时足额发放", amount=150.0))


def test_every_candidate_is_traceable_to_precedents_and_no_value_is_made_up(drafted: Draft) -> None:
    precedents = {p.project.iri for p in drafted.precedents}
    assert drafted.candidates()
    for candidate in drafted.candidates():
        assert candidate.evidence, candidate.label
        assert {e.precedent for e in candidate.evidence} <= precedents
        assert candidate.label in {e.label for e in candidate.evidence}
        s = candidate.suggestion
        if s is not None and s.adaptation is None:
            # an unadapted value is exactly one a precedent wrote
            assert s.raw in {" ".join(e.target.split()) for e in candidate.evidence}, candidate.label


def test_the_tree_covers_the_required_categories_in_standard_order(drafted: Draft) -> None:
    found = drafted.to_json()
    assert found["coverage"] == {"required": 6, "filled": 6, "missing": []}
    level1 = [slot["level1"]["label"] for slot in found["slots"]]
    assert level1 == sorted(level1, key=["产出指标", "成本指标", "效益指标", "满意度指标"].index)
    output = [slot["label"] for slot in found["slots"] if slot["level1"]["label"] == "产出指标"][:4]
    assert output == ["数量指标", "质量指标", "时效指标", "成本指标"]


def test_precedents_say_why_they_matched(drafted: Draft) -> None:
    first = drafted.precedents[0]
    assert first.rank == 1 and first.score > 0
    assert set(first.shared_words) & {"村干部", "干部", "补贴", "任职"}
    assert all(a.score >= b.score for a, b in zip(drafted.precedents, drafted.precedents[1:], strict=False))


def test_the_drafters_own_township_is_not_a_precedent(service: SearchService) -> None:
    own = Drafter(service).draft(DraftRequest("村干部任职补贴", unit="宝丰镇"))
    assert own.precedents and all(p.project.township.iri != BAOFENG for p in own.precedents)  # type: ignore[union-attr]


def test_excluded_projects_are_never_used(service: SearchService) -> None:
    target = project(service, "村干部任职补贴")
    left_out = Drafter(service).draft(DraftRequest("村干部任职补贴", exclude=frozenset({target.iri})))
    assert target.iri not in {p.project.iri for p in left_out.precedents}
    assert all(e.precedent != target.iri for c in left_out.candidates() for e in c.evidence)


def test_a_required_category_no_precedent_has_is_reported_missing(service: SearchService) -> None:
    # 乡镇人大代表经费 filed no satisfaction indicator (see the cookbook's query 04).
    alone = project(service, "乡镇人大代表经费")
    drafter = Drafter(service)
    slots = drafter._slots([Precedent(alone, 1.0, 1, [], [])], DraftRequest("人大代表活动经费"))
    satisfaction = [s for s in slots if s.requirement == "满意度指标"]
    assert len(satisfaction) == 1 and satisfaction[0].missing and not satisfaction[0].candidates
    assert "请自行补充" in satisfaction[0].to_json()["note"]


def test_an_empty_store_of_precedents_says_so(service: SearchService) -> None:
    every = frozenset(e.iri for e in service.index.rows if e.kind == Kind.PROJECT)
    nothing = Drafter(service).draft(DraftRequest("村干部任职补贴", exclude=every))
    # Issue 20: with no precedent the draft starts from the standard frame, every candidate generic.
    assert not nothing.precedents and nothing.candidates()
    assert all(c.generic and not c.evidence for c in nothing.candidates())
    found = nothing.to_json()
    assert set(found["generic_categories"]) == {slot.label for slot in REQUIRED}  # none by a precedent
    assert any("nothing to draft from" in w for w in nothing.warnings)


def _entry(amount: float | None) -> Entry:
    return Entry("urn:p", Kind.PROJECT, "p", "p", "urn:g", None, None, None, 2023, amount=amount)


@pytest.mark.parametrize(
    ("target", "precedent_amount", "new_amount", "raw", "adapted"),
    [
        # a total cost equal to the precedent's amount follows the new amount
        (TargetValue("7.56万元", "quantitative", None, 7.56, "万元"), 7.56, 15.0, "15万元", True),
        (TargetValue("≤75600元", "quantitative", "≤", 75600.0, "元"), 7.56, 10.0, "≤100000元", True),
        # a part of the cost, a rate, a share or a count stays as the precedent set it
        (TargetValue("3万元", "quantitative", None, 3.0, "万元"), 27.0, 54.0, "3万元", False),
        (
            TargetValue("200元/人/月", "quantitative", None, 200.0, "元/人/月"),
            10.56,
            20.0,
            "200元/人/月",
            False,
        ),
        (TargetValue("≥95%", "quantitative", "≥", 95.0, "%"), 7.56, 15.0, "≥95%", False),
        (TargetValue("45人", "quantitative", None, 45.0, "人"), 45.0, 90.0, "45人", False),
        # no amount on either side: nothing to scale by
        (TargetValue("7.56万元", "quantitative", None, 7.56, "万元"), None, 15.0, "7.56万元", False),
        (TargetValue("7.56万元", "quantitative", None, 7.56, "万元"), 7.56, None, "7.56万元", False),
    ],
)
def test_adapt(
    target: TargetValue, precedent_amount: float | None, new_amount: float | None, raw: str, adapted: bool
) -> None:
    from jixiao.drafting.draft import Suggestion

    start = Suggestion(target.comparator, target.number, target.unit, target.raw)
    result = _adapt(start, target, _entry(precedent_amount), DraftRequest("新项目", amount=new_amount))
    assert result.raw == raw and (result.adaptation is not None) is adapted


def test_total_cost_is_scaled_in_a_real_draft(service: SearchService) -> None:
    # 村干部任职年限补贴: amount 7.56万元, cost target 7.56万元.
    found = Drafter(service).draft(DraftRequest("村干部任职年限补贴", amount=20.0, unit="浩门镇"))
    costs = [c for c in found.candidates() if c.suggestion and c.suggestion.adaptation]
    assert any(c.suggestion.raw == "20万元" for c in costs)  # type: ignore[union-attr]


def test_default_table_round_trips(drafted: Draft) -> None:
    table = default_table(drafted)
    assert table.name == "村干部任职补贴" and table.amount == 150.0 and table.objective
    assert len(table.rows) == len([s for s in drafted.slots if s.candidates])
    assert all(row.precedents for row in table.rows)
    assert DraftTable.from_json(table.to_json()) == table


def test_latex_values_are_filed_as_parsed_and_say_so() -> None:
    latex = TargetValue("$\\geq 95\\%$", "quantitative", "≥", 95.0, "%")
    member = Entry(
        "urn:i",
        Kind.INDICATOR,
        "满意度",
        "满意度",
        "urn:g",
        None,
        None,
        Ref("urn:p", "p"),
        2023,
        target=latex,
    )
    suggestion = _suggest([member], {"urn:p": 1.0}, {}, DraftRequest("新项目"))
    assert suggestion is not None and suggestion.raw == "≥95%"
    assert suggestion.adaptation is not None and "$\\geq 95\\%$" in suggestion.adaptation


@pytest.mark.parametrize(
    ("raw", "number", "unit", "amount", "flagged"),
    [
        ("2838385元/年", 2838385.0, "元/年", 6.59, True),  # 283.8万 a year for a 6.59万 project
        ("138.02元", 138.02, "元", 10.56, False),
        ("48.58万元", 48.58, "万元", 30.0, True),
        ("48.58万元", 48.58, "万元", 50.0, False),
        ("≥95%", 95.0, "%", 1.0, False),
    ],
)
def test_money_above_the_budget_is_flagged(
    raw: str, number: float, unit: str, amount: float, flagged: bool
) -> None:
    checked = _check_amount(Suggestion(None, number, unit, raw), DraftRequest("新项目", amount=amount), None)
    assert (checked.warning is not None) is flagged


def test_precedents_sharing_only_generic_words_are_warned_about(service: SearchService) -> None:
    generic = Drafter(service).draft(DraftRequest("武装工作经费", unit="浩门镇"))
    assert generic.precedents and not set(generic.precedents[0].shared_words) - GENERIC_WORDS
    assert any("generic words" in w for w in generic.warnings)
    specific = Drafter(service).draft(DraftRequest("村干部任职补贴", unit="浩门镇"))
    assert not any("generic words" in w for w in specific.warnings)
