"""Header synonyms and targets composed from sign, value and unit cells."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.readers.columns import Role, compose_target, match_header, normalize_header, role_of
from ingest.records import Comparator, Direction, TargetKind


@pytest.mark.parametrize(
    ("cell", "role"),
    [
        ("单位名称", Role.UNIT),
        ("项目名称", Role.PROJECT),
        ("预算数（元）", Role.AMOUNT),
        ("金额(万元)", Role.AMOUNT),
        ("年度目标", Role.OBJECTIVE),
        ("中期目标", Role.MEDIUM_OBJECTIVE),
        ("一级指标", Role.LEVEL1),
        ("二级指标", Role.LEVEL2),
        ("三级指标", Role.NAME),
        ("指标名称", Role.NAME),
        ("指标性质", Role.NATURE),
        ("计算符号", Role.NATURE),
        ("指标值", Role.VALUE),
        ("目标值", Role.VALUE),
        ("指标值及单位", Role.VALUE),
        ("年度指标值", Role.VALUE),
        ("中期指标值", Role.MEDIUM_VALUE),
        ("度量单位", Role.MEASURE),
        ("计量单位", Role.MEASURE),
        ("权重", Role.WEIGHT),
        ("分值", Role.WEIGHT),
        ("指标方向性", Role.DIRECTION),
        ("指标解释", Role.EXPLANATION),
        ("* 指标值", Role.VALUE),
        (" 三级 指标 ", Role.NAME),
        ("其中：财政拨款", Role.FISCAL),
        ("备注", None),
        ("历史标准", None),
        ("", None),
    ],
)
def test_role_of_header_cell(cell: str, role: Role | None) -> None:
    assert role_of(cell) is role


def test_normalize_header_keeps_the_note() -> None:
    assert normalize_header("预算数（元）") == ("预算数", "元")
    assert normalize_header("金额 (万元)") == ("金额", "万元")


def test_header_in_any_order_with_unmapped_columns() -> None:
    cells = ["指标值", "备注", "三级指标", "项目名称", "单位名称", "目标值"]
    header = match_header(cells, (Role.PROJECT, Role.NAME))
    assert header is not None
    # The first of two value columns wins; the second is not a second role.
    assert header.positions == {Role.VALUE: 0, Role.NAME: 2, Role.PROJECT: 3, Role.UNIT: 4}
    assert header.unmapped == ["备注"]


def test_header_needs_the_required_roles_and_a_value() -> None:
    assert match_header(["项目名称", "三级指标", "备注"], (Role.PROJECT, Role.NAME)) is None
    assert match_header(["项目名称", "金额", "指标值"], (Role.PROJECT, Role.NAME)) is None


@pytest.mark.parametrize(
    ("label", "scale", "stated"),
    [
        ("预算数", Decimal(1), False),
        ("预算数（元）", Decimal(1), True),
        ("预算数（万元）", Decimal(10000), True),
    ],
)
def test_amount_scale_from_the_header(label: str, scale: Decimal, stated: bool) -> None:
    header = match_header(["项目名称", label, "三级指标", "指标值"], (Role.PROJECT, Role.NAME))
    assert header is not None
    assert header.amount_scale(Role.AMOUNT, Decimal(1)) == (scale, stated)


def test_repeated_header_is_recognised_but_a_data_row_is_not() -> None:
    header = match_header(["项目名称", "三级指标", "指标值"], (Role.PROJECT, Role.NAME))
    assert header is not None
    assert header.same_as(["项目名称", "三级指标", "指标值"])
    assert header.same_as(["", "三级指标", "目标值"])  # project cell under a merge
    assert not header.same_as(["", "补助村数", "9个"])


_GE, _GT, _EQ, _LT, _LE, _NONE = (
    Comparator.GE,
    Comparator.GT,
    Comparator.EQ,
    Comparator.LT,
    Comparator.LE,
    Comparator.NONE,
)


@pytest.mark.parametrize(
    ("nature", "value", "measure", "raw", "kind", "comparator", "number", "unit"),
    [
        ("≥", "95", "%", "≥95%", TargetKind.QUANTITATIVE, _GE, "95", "%"),
        (">=", "90", "%", ">=90%", TargetKind.QUANTITATIVE, _GE, "90", "%"),
        ("<=", "2.55", "万元/年", "<=2.55万元/年", TargetKind.QUANTITATIVE, _LE, "2.55", "万元/年"),
        ("＞", "95", "%", "＞95%", TargetKind.QUANTITATIVE, _GT, "95", "%"),
        ("＜", "5", "次", "＜5次", TargetKind.QUANTITATIVE, _LT, "5", "次"),
        ("＝", "100", "%", "＝100%", TargetKind.QUANTITATIVE, _EQ, "100", "%"),
        ("大于等于", "9", "人", "大于等于9人", TargetKind.QUANTITATIVE, _GE, "9", "人"),
        ("≥", "95%", "%", "≥95%", TargetKind.QUANTITATIVE, _GE, "95", "%"),  # unit not repeated
        ("≥", "≥95", "%", "≥95%", TargetKind.QUANTITATIVE, _GE, "95", "%"),  # sign not repeated
        ("", "39", "人次", "39人次", TargetKind.QUANTITATIVE, _NONE, "39", "人次"),
        ("定量", "12", "个月", "12个月", TargetKind.DATE, _NONE, "12", "个月"),
        ("定性", "提高", "", "提高", TargetKind.QUALITATIVE, None, None, None),
        ("定性", "提高", "%", "提高", TargetKind.QUALITATIVE, None, None, None),  # no unit on a word
        ("正向", "95", "%", "95%", TargetKind.QUANTITATIVE, _NONE, "95", "%"),  # a direction, not ≥
        ("≥", "**", "株", "≥**", TargetKind.UNPARSED, None, None, None),  # placeholder: unit not glued
    ],
)
def test_compose_target(
    nature: str,
    value: str,
    measure: str,
    raw: str,
    kind: TargetKind,
    comparator: Comparator | None,
    number: str | None,
    unit: str | None,
) -> None:
    target = compose_target(nature, value, measure).target
    assert (target.raw, target.kind, target.comparator) == (raw, kind, comparator)
    assert target.value == (Decimal(number) if number else None)
    assert (target.unit.text if target.unit else None) == unit


@pytest.mark.parametrize(
    ("nature", "direction", "unknown"),
    [
        ("正向", Direction.POSITIVE, None),
        ("反向", Direction.NEGATIVE, None),
        ("逆向指标", Direction.NEGATIVE, None),
        ("≥", None, None),
        ("定性", None, None),
        ("优秀", None, "优秀"),
    ],
)
def test_nature_as_direction_or_unknown(
    nature: str, direction: Direction | None, unknown: str | None
) -> None:
    composed = compose_target(nature, "95", "%")
    assert composed.direction is direction
    assert composed.unknown_nature == unknown


def test_placeholder_is_flagged() -> None:
    target = compose_target("", "≥**", "株").target
    assert target.placeholder
    assert target.kind is TargetKind.UNPARSED
