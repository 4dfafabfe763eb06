"""Header cells -> column roles, and a target from the cells of one indicator row.

Tables name their columns in many ways (指标值, 目标值, 指标值及单位; 度量单位, 计量单位;
权重, 分值) and in any order. A header is matched cell by cell against the synonyms below,
after dropping spaces, required-marks (*) and a bracketed note; the note is kept because
it may carry the amount's unit: 预算数（元）, 金额（万元）.

指标性质 is the trickiest column: in some systems it holds the sign (≥ ＞ ＝ ＜ ≤, or 定性),
in others the direction (正向/反向). `compose_target` reads the cell for what it is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from ingest.readers.common import make_indicator, parse_amount, tidy, unwrap
from ingest.records import Direction, Indicator, Target
from ingest.target import parse_target


class Role(StrEnum):
    LEAD = "lead"  # the form's 名称 column ("绩效指标" on the first tree row)
    UNIT = "unit"
    UNIT_CODE = "unit_code"
    PROJECT = "project"
    AMOUNT = "amount"
    OBJECTIVE = "objective"
    MEDIUM_OBJECTIVE = "medium_objective"
    LEVEL1 = "level1"
    LEVEL2 = "level2"
    NAME = "name"
    NATURE = "nature"  # 指标性质: a sign, 定性/定量, or a direction
    VALUE = "value"
    MEDIUM_VALUE = "medium_value"
    MEASURE = "measure"  # 度量单位
    WEIGHT = "weight"
    DIRECTION = "direction"
    EXPLANATION = "explanation"
    YEAR = "year"
    ATTRIBUTE = "attribute"
    PERIOD = "period"
    IMPLEMENTING = "implementing"
    FISCAL = "fiscal"
    OTHER_FUNDS = "other_funds"


_SYNONYMS: dict[Role, tuple[str, ...]] = {
    Role.LEAD: ("名称",),
    Role.UNIT: ("单位名称", "预算单位", "预算单位名称", "单位", "部门名称", "主管部门", "主管部门及代码"),
    Role.UNIT_CODE: ("单位编码", "单位代码", "预算单位编码", "预算单位代码"),
    Role.PROJECT: ("项目名称", "项目"),
    Role.AMOUNT: (
        "预算数",
        "预算金额",
        "项目金额",
        "金额",
        "资金总额",
        "年度资金总额",
        "项目资金",
        "预算资金",
    ),
    Role.OBJECTIVE: ("年度目标", "年度绩效目标", "绩效目标", "年度总体目标", "总体目标", "项目绩效目标"),
    Role.MEDIUM_OBJECTIVE: ("中期目标", "长期目标", "中长期目标", "中期绩效目标", "实施期目标"),
    Role.LEVEL1: ("一级指标",),
    Role.LEVEL2: ("二级指标",),
    Role.NAME: ("三级指标", "指标名称", "三级指标名称", "绩效指标名称"),
    Role.NATURE: ("指标性质", "计算符号", "符号", "比较符号", "运算符号"),
    Role.VALUE: ("指标值", "目标值", "指标值及单位", "年度指标值", "年度目标值", "绩效指标值", "指标目标值"),
    Role.MEDIUM_VALUE: ("中期指标值", "长期指标值", "中长期指标值", "中期目标值", "实施期指标值"),
    Role.MEASURE: ("度量单位", "计量单位", "指标单位", "单位（度量）"),
    Role.WEIGHT: ("权重", "分值", "指标权重", "指标分值"),
    Role.DIRECTION: ("指标方向性", "指标方向", "方向"),
    Role.EXPLANATION: ("指标解释", "指标说明", "指标内涵"),
    Role.YEAR: ("年度", "预算年度", "年份"),
    Role.ATTRIBUTE: ("项目属性",),
    Role.PERIOD: ("项目期", "实施期", "项目周期", "实施周期", "项目期限"),
    Role.IMPLEMENTING: ("实施单位",),
    Role.FISCAL: ("财政拨款", "其中财政拨款", "财政资金"),
    Role.OTHER_FUNDS: ("其他资金",),
}
_BY_NAME = {name: role for role, names in _SYNONYMS.items() for name in names}
_NOTE = re.compile(r"[(（]([^)）]*)[)）]")


def normalize_header(cell: str) -> tuple[str, str]:
    """`预算数（元）` -> ("预算数", "元"); `* 指标值` -> ("指标值", "");
    `其中：财政拨款` -> ("其中财政拨款", "")."""
    text = re.sub(r"[\s*＊:：]", "", unicodedata.normalize("NFKC", cell))
    notes = _NOTE.findall(text)
    return _NOTE.sub("", text), "".join(notes)


def role_of(cell: str) -> Role | None:
    base, note = normalize_header(cell)
    if not base:
        return None
    role = _BY_NAME.get(base)
    if role is None and f"{base}（{note}）" in _BY_NAME:  # 单位（度量）
        role = _BY_NAME[f"{base}（{note}）"]
    return role


@dataclass(frozen=True)
class Header:
    """The columns of a header row: each role's position, and the columns no role took."""

    positions: dict[Role, int]
    labels: list[str]  # the header cells as written, by position
    unmapped: list[str]

    def has(self, *roles: Role) -> bool:
        return all(r in self.positions for r in roles)

    def cell(self, cells: list[str], role: Role) -> str:
        i = self.positions.get(role)
        return cells[i] if i is not None and i < len(cells) else ""

    def amount_scale(self, role: Role, default: Decimal) -> tuple[Decimal, bool]:
        """Yuan per amount unit for a money column (1 for 元, 10000 for 万元), and whether the
        header said so. Checked on the whole label: 预算数（万元）, 金额(元), 预算数万元."""
        i = self.positions.get(role)
        if i is None:
            return default, False
        label = unicodedata.normalize("NFKC", self.labels[i])
        if "万元" in label:
            return Decimal(10000), True
        if "元" in label:
            return Decimal(1), True
        return default, False

    def same_as(self, cells: list[str]) -> bool:
        """True for a repeat of this header (exports repeat it at every page break).

        Judged on the indicator-name and value columns: no data row names an indicator
        "三级指标" with the value "指标值". Other columns may be blank under a merge.
        """
        keys = [r for r in (Role.NAME, Role.VALUE, Role.MEDIUM_VALUE) if r in self.positions]
        return all(self.positions[r] < len(cells) and role_of(cells[self.positions[r]]) is r for r in keys)


def match_header(cells: list[str], required: tuple[Role, ...]) -> Header | None:
    """The header in `cells` when it has every required role; a role's first column wins."""
    positions: dict[Role, int] = {}
    unmapped: list[str] = []
    for i, cell in enumerate(cells):
        role = role_of(cell)
        if role is None:
            if cell.strip():
                unmapped.append(tidy(cell))
        elif role not in positions:
            positions[role] = i
    if not all(r in positions for r in required):
        return None
    if Role.VALUE not in positions and Role.MEDIUM_VALUE not in positions:
        return None
    return Header(positions, list(cells), unmapped)


# -- targets from cells ----------------------------------------------------------------------

_DIRECTIONS = {
    "正向": Direction.POSITIVE,
    "正向指标": Direction.POSITIVE,
    "越大越好": Direction.POSITIVE,
    "反向": Direction.NEGATIVE,
    "反向指标": Direction.NEGATIVE,
    "逆向": Direction.NEGATIVE,
    "逆向指标": Direction.NEGATIVE,
    "越小越好": Direction.NEGATIVE,
}
# Signs as a 指标性质 cell writes them; NFKC has already made ＞ ＜ ＝ ASCII.
_SIGNS = {
    "≥", ">", "=", "<", "≤", ">=", "<=", "=>", "=<", "≧", "≦",
    "大于等于", "大于", "等于", "小于", "小于等于",
    "不低于", "不少于", "不高于", "不超过", "不大于", "不小于",
}  # fmt: skip
_QUALITATIVE = {"定性", "定性指标"}
_QUANTITATIVE = {"定量", "定量指标"}
_LEADING_SIGN = re.compile(
    r"^\s*[≥≤<>=＞＜＝≧≦]|^\s*(大于|小于|等于|不低于|不少于|不高于|不超过|不大于|不小于)"
)


def direction_of(cell: str) -> Direction | None:
    return _DIRECTIONS.get(re.sub(r"\s", "", unicodedata.normalize("NFKC", cell)))


@dataclass(frozen=True)
class CellTarget:
    target: Target
    direction: Direction | None  # when 指标性质 held a direction instead of a sign
    unknown_nature: str | None  # a 指标性质 that is neither sign, 定性/定量 nor direction


def compose_target(nature: str, value: str, measure: str) -> CellTarget:
    """The target of a row whose sign, number and unit may sit in three cells.

    The cells are joined as a person reads them across (≥ | 95 | % -> "≥95%") and that text
    is parsed and kept as the raw text; the row's cells stay verbatim in the source text.
    A unit already written in the value (95% | %) is not repeated.
    """
    sign = re.sub(r"\s", "", unicodedata.normalize("NFKC", nature))
    value = unwrap(value)
    measure = measure.strip()
    text = value
    if measure and value and value[-1].isdigit() and not value.endswith(measure):
        text = f"{value}{measure}"
    direction = _DIRECTIONS.get(sign)
    unknown = None
    if sign in _SIGNS and text and not _LEADING_SIGN.match(text):
        text = f"{nature.strip()}{text}"
    elif sign and direction is None and sign not in _SIGNS | _QUALITATIVE | _QUANTITATIVE:
        unknown = nature.strip()
    return CellTarget(parse_target(text), direction, unknown)


def indicator_of_row(
    header: Header, cells: list[str], level1: str, level2: str, source_text: str, line: int | None
) -> tuple[Indicator, list[str]]:
    """The indicator of a tree row whose columns `header` names, and what could not be kept.

    The value column alone reads like any cell (a value written into the name is split out
    when the value cell is blank); a sign or unit column joins it (`compose_target`). Medium-
    term value, weight, direction and explanation are taken when their columns exist.
    """
    name, value = header.cell(cells, Role.NAME), header.cell(cells, Role.VALUE)
    nature, measure = header.cell(cells, Role.NATURE), header.cell(cells, Role.MEASURE)
    indicator = make_indicator(level1, level2, name, value, source_text, line)
    problems: list[str] = []
    if value.strip() and (nature.strip() or measure.strip()):
        composed = compose_target(nature, value, measure)
        indicator = replace(indicator, target=composed.target, direction=composed.direction)
        if composed.unknown_nature:
            problems.append(
                f"指标性质 {composed.unknown_nature!r} is neither a sign, 定性/定量 nor a direction; "
                "the value was read without it"
            )
    medium = header.cell(cells, Role.MEDIUM_VALUE)
    if medium.strip():
        indicator = replace(indicator, medium_term_target=compose_target(nature, medium, measure).target)
    weight_cell = tidy(header.cell(cells, Role.WEIGHT))
    weight = parse_amount(weight_cell.rstrip("%％"))
    if weight_cell and weight is None:
        problems.append(f"weight {weight_cell!r} is not a number; not kept")
    direction = direction_of(header.cell(cells, Role.DIRECTION)) or indicator.direction
    explanation = tidy(header.cell(cells, Role.EXPLANATION)) or None
    return replace(indicator, weight=weight, direction=direction, explanation=explanation), problems
