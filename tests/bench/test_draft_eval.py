"""The pure parts of bench/draft_eval.py: what counts as the same category, the same value, and a
percentage-or-satisfaction target; the hand-judged pairs parse."""

from __future__ import annotations

from bench.draft_eval import (
    CAT,
    JUDGED,
    category_key,
    is_value_target,
    judged_pairs,
    same_number,
    same_value,
    short_township,
    value_key,
)
from search.entries import Entry, Kind, Ref, TargetValue


def target(raw: str, comparator: str | None, number: float | None, unit: str | None) -> TargetValue:
    return TargetValue(raw, "quantitative" if number is not None else "qualitative", comparator, number, unit)


def indicator(level1: str, level2: str, value: TargetValue | None) -> Entry:
    return Entry(
        iri="x", kind=Kind.INDICATOR, label="x", text="x", document="d", unit=None, township=None,
        project=None, year=2023, level1=Ref(CAT + level1, level1), level2=Ref(CAT + level2, level2),
        target=value,
    )  # fmt: skip


def test_cost_categories_are_one() -> None:
    cost = category_key(CAT + "cost")
    assert category_key(CAT + "outputCost") == cost == category_key(CAT + "economicCost")
    assert category_key(CAT + "quantity") == CAT + "quantity"
    assert category_key(CAT + "quantity") != category_key(CAT + "quality")


def test_same_value_needs_comparator_number_and_unit() -> None:
    real = target("$\\geq 95\\%$", "≥", 95.0, "%")
    assert same_value(real, target("≥95%", "≥", 95.0, "%"))  # the raw spelling does not matter
    assert not same_value(real, target("95%", None, 95.0, "%"))
    assert same_number(real, target("95%", None, 95.0, "%"))
    assert not same_number(real, target("≥90%", "≥", 90.0, "%"))
    assert not same_number(real, target("95", None, 95.0, None))


def test_text_targets_compare_by_text() -> None:
    assert same_value(target("健 全", None, None, None), target("健全", None, None, None))
    assert same_value(target("１年内", None, None, None), target("1年内", None, None, None))
    assert not same_value(target("健全", None, None, None), target("完善", None, None, None))
    assert value_key(target("100%", None, 100.0, "%"))[3] == ""


def test_value_targets_are_percentages_or_satisfaction() -> None:
    assert is_value_target(indicator("output", "quality", target("100%", None, 100.0, "%")))
    assert is_value_target(indicator("satisfaction", "serviceSatisfaction", target("满意", None, None, None)))
    assert not is_value_target(indicator("output", "quantity", target("3次", None, 3.0, "次")))
    assert not is_value_target(indicator("satisfaction", "serviceSatisfaction", None))


def test_judged_pairs_parse() -> None:
    pairs = judged_pairs()
    assert len(pairs) == len(JUDGED.strip().splitlines()) > 80
    assert {verdict for verdict, _, _ in pairs} == {"S", "T", "D"}
    assert all(real and candidate and real != candidate for _, real, candidate in pairs)


def test_short_township() -> None:
    assert short_township("门源县浩门镇政府") == "浩门镇"
    assert short_township("平罗县宝丰镇人民政府") == "宝丰镇"
