"""Each rule on small tables: for every rule, cases it must flag and cases it must not."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jixiao.review import REGISTRY, ReviewContext, Severity, run_review
from tests.review.conftest import GOOD, Proj, Reviewer, table

# (rule, the document's projects, the unit total or None for the projects' sum,
#  the values of the expected findings: one tuple per finding, empty when nothing may be flagged)
Case = tuple[str, tuple[Proj, ...], str | None, list[tuple[str, ...]]]

CANTEEN = replace(GOOD, name="食堂补助")
SLIP = replace(GOOD, amount="138.02").with_row("成本指标", "落实村干部任职补贴资金", "138.02元")

CASES: dict[str, Case] = {
    # --- missing-category
    "complete project": ("missing-category", (GOOD,), None, []),
    "no satisfaction": ("missing-category", (GOOD.without("满意度指标"),), None, [("满意度指标",)]),
    "no cost": ("missing-category", (GOOD.without("成本指标"),), None, [("成本指标",)]),
    "cost in the 2021 tree counts": (
        "missing-category",
        (GOOD.without("成本指标").plus("经济成本指标", "培训总成本", "≤1万元"),),
        None,
        [],
    ),
    # --- cost-unit-slip
    "138.02元 in a 138.02 万元 project": ("cost-unit-slip", (SLIP,), None, [("138.02元", "138.02万元")]),
    "万元 where 元 was meant": (
        "cost-unit-slip",
        (replace(GOOD, amount="2.16").with_row("成本指标", "补贴资金", "21600万元"),),
        None,
        [("21600万元", "2.16万元")],
    ),
    "a per-person rate is not a total": (
        "cost-unit-slip",
        (replace(GOOD, amount="200.00").with_row("成本指标", "每月人均成本", "200元"),),
        None,
        [],
    ),
    "a rate by its unit is not a total": (
        "cost-unit-slip",
        (replace(GOOD, amount="5.00").with_row("成本指标", "补助标准", "5元/人"),),
        None,
        [],
    ),
    "the amount in the right unit": (
        "cost-unit-slip",
        (replace(GOOD, amount="10.00").with_row("成本指标", "经费补助标准", "10万元"),),
        None,
        [],
    ),
    # --- cost-above-amount
    "ceiling above the budget": (
        "cost-above-amount",
        (replace(GOOD, amount="1.70").with_row("成本指标", "政协工作总成本", "≤2万元/年"),),
        None,
        [("≤2万元/年", "1.7万元")],
    ),
    "rounding of the 万元 amount": (
        "cost-above-amount",
        (replace(GOOD, amount="5.23").with_row("成本指标", "取暖总成本", "≤5.2316万元/年"),),
        None,
        [],
    ),
    "a per-village standard above the amount": (
        "cost-above-amount",
        (GOOD.with_row("成本指标", "每村每年的工作经费标准", "3.5万元"),),
        None,
        [],
    ),
    "the 10⁴ slip is not reported twice": ("cost-above-amount", (SLIP,), None, []),
    # --- unit-total
    "total equals the projects": ("unit-total", (GOOD, CANTEEN), None, []),
    "off by rounding": ("unit-total", (GOOD, CANTEEN), "2.01", [("2.01万元", "2万元")]),
    "off beyond rounding": ("unit-total", (GOOD, CANTEEN), "2.50", [("2.5万元", "2万元")]),
    # --- other-year
    "an objective naming 2021": (
        "other-year",
        (replace(GOOD, objectives=("目标一：计划2021年举办培训班1次。",)),),
        None,
        [("计划2021年举办培训班1次。",)],
    ),
    "a deadline in 2021": (
        "other-year",
        (GOOD.with_row("时效指标", "完成时间", "2021年12月31日"),),
        None,
        [("2021年12月31日",)],
    ),
    "a later year in an annual objective": (
        "other-year",
        (replace(GOOD, objectives=("目标一：及时支付2024年党员活动室取暖费。",)),),
        None,
        [("及时支付2024年党员活动室取暖费。",)],
    ),
    "a span containing the fiscal year": (
        "other-year",
        (replace(GOOD, objectives=("目标一：2023年至2025年建成党员教育基地。",)),),
        None,
        [],
    ),
    "a baseline and a self-evaluation": (
        "other-year",
        (replace(GOOD, objectives=("目标一：参训率较2022年提高5%。", "目标二：依据2022年度自评结果改进。")),),
        None,
        [],
    ),
    "an earlier project's retention money": (
        "other-year",
        (replace(GOOD, objectives=("目标一：及时支付2018年果皮箱项目质保金。",)),),
        None,
        [],
    ),
    "the fiscal year only": ("other-year", (GOOD,), None, []),
    # --- placeholder-target
    "template debris": (
        "placeholder-target",
        (GOOD.with_row("数量指标", "培训次数", "≥**次"),),
        None,
        [("≥**次",)],
    ),
    "no debris": ("placeholder-target", (GOOD,), None, []),
    # --- unparsed-target
    "an empty target": (
        "unparsed-target",
        (GOOD.with_row("社会效益指标", "协助做好沟通思想、协调关系", ""),),
        None,
        [("",)],
    ),
    "every target typed": ("unparsed-target", (GOOD,), None, []),
    # --- percent-out-of-range
    "a rate above 100%": (
        "percent-out-of-range",
        (GOOD.with_row("质量指标", "培训合格率", "120%"),),
        None,
        [("120%",)],
    ),
    "a growth rate above 100%": (
        "percent-out-of-range",
        (GOOD.plus("社会效益指标", "参训人数增长率", "150%"),),
        None,
        [],
    ),
    "100% exactly": ("percent-out-of-range", (GOOD,), None, []),
    # --- low-satisfaction
    "satisfaction ≥85%": (
        "low-satisfaction",
        (GOOD.with_row("满意度指标", "党员满意度", "≥85%"),),
        None,
        [("≥85%",)],
    ),
    "satisfaction by name under 质量": (
        "low-satisfaction",
        (GOOD.plus("质量指标", "服务满意率", "80%"),),
        None,
        [("80%",)],
    ),
    "satisfaction ≥90%": ("low-satisfaction", (GOOD.with_row("满意度指标", "党员满意度", "≥90%"),), None, []),
    "a dissatisfaction ceiling": (
        "low-satisfaction",
        (GOOD.plus("满意度指标", "群众不满意率", "≤10%"),),
        None,
        [],
    ),
    # --- duplicate-indicator
    "the same row twice": (
        "duplicate-indicator",
        (GOOD.plus("数量指标", "培训次数", "≥8次/年"),),
        None,
        [("培训次数", "≥6次/年", "≥8次/年")],
    ),
    "the same name written differently": (
        "duplicate-indicator",
        (GOOD.plus("数量指标", "培训人数（人次）", "50人次").plus("数量指标", "培训人数(人次)", "60人次"),),
        None,
        [("培训人数(人次)", "50人次", "60人次")],
    ),
    "the same name in two categories": (
        "duplicate-indicator",
        (GOOD.plus("数量指标", "质保金金额", "0.5万元").plus("成本指标", "质保金金额", "0.5万元"),),
        None,
        [],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_rule_case(reviewer: Reviewer, case: str) -> None:
    rule, projects, total, expected = CASES[case]
    reviewed = reviewer(table(*projects, total=total), rules=[rule])
    assert reviewed.review.errors == {}
    assert sorted(f.values for f in reviewed.of(rule)) == sorted(expected)


def test_every_rule_has_a_case_to_flag_and_one_not_to() -> None:
    flagged = {rule for rule, _, _, expected in CASES.values() if expected}
    clean = {rule for rule, _, _, expected in CASES.values() if not expected}
    # copy-paste needs the search index: its cases are in test_copy_paste.py.
    assert flagged | {"copy-paste"} == set(REGISTRY)
    assert clean | {"copy-paste"} == set(REGISTRY)


@pytest.mark.parametrize(
    ("text", "severity"),
    [("2.01", Severity.INFO), ("2.50", Severity.ERROR)],
)
def test_unit_total_is_info_within_rounding_and_an_error_beyond(
    reviewer: Reviewer, text: str, severity: Severity
) -> None:
    reviewed = reviewer(table(GOOD, CANTEEN, total=text), rules=["unit-total"])
    assert [f.severity for f in reviewed.of("unit-total")] == [severity]


def test_findings_link_to_their_entities(reviewer: Reviewer) -> None:
    reviewed = reviewer(table(SLIP), rules=["cost-unit-slip", "missing-category"])
    (slip,) = reviewed.of("cost-unit-slip")
    assert slip.focus_label == "落实村干部任职补贴资金"
    assert "/indicator/" in slip.focus and slip.project is not None and slip.focus.startswith(slip.project)
    assert slip.message.startswith("指标“落实村干部任职补贴资金”的指标值 138.02元是项目金额 138.02万元")
    assert reviewed.review.projects[slip.project].label == "党员培训经费"


def test_an_empty_target_is_an_error_and_an_unreadable_one_a_warning(reviewer: Reviewer) -> None:
    project = GOOD.with_row("社会效益指标", "协助做好沟通思想、协调关系", "")
    reviewed = reviewer(table(project), rules=["unparsed-target"])
    (empty,) = reviewed.of("unparsed-target")
    assert empty.severity == Severity.ERROR
    # The readers split long values off as names, so the unreadable text is written in directly.
    reviewed.store.oxigraph().update(
        f"""PREFIX jx: <https://w3id.org/jixiao/ns#>
            DELETE {{ GRAPH ?g {{ ?t jx:rawText "" }} }}
            INSERT {{ GRAPH ?g {{ ?t jx:rawText "按上级文件执行" }} }}
            WHERE {{ GRAPH ?g {{ <{empty.focus}> jx:target ?t }} }}"""
    )
    (unreadable,) = run_review(ReviewContext(reviewed.store), [REGISTRY["unparsed-target"]]).findings
    assert (unreadable.severity, unreadable.values) == (Severity.WARNING, ("按上级文件执行",))
