"""Plain records that readers produce and the graph builder consumes.

No I/O and no RDF here: a reader turns a document into these, `ingest.graph` turns
these into triples. Every record keeps the text it came from (`raw`, `line`) so that
nothing the source said is lost, whatever the parsers made of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Comparator(StrEnum):
    """How a target value bounds the indicator (计算符号). Values are the ontology's notations."""

    GE = "≥"
    GT = "＞"
    EQ = "＝"
    LT = "＜"
    LE = "≤"
    NONE = "none"  # a number with no sign: "39人次"


class Direction(StrEnum):
    """指标方向性: whether more is better. Some tables write it in 指标性质 (正向/反向) instead of a sign."""

    POSITIVE = "positive"  # 正向: higher is better
    NEGATIVE = "negative"  # 反向 / 逆向: lower is better


class TargetKind(StrEnum):
    QUANTITATIVE = "quantitative"  # a number, maybe a comparator and a unit: "≥95%", "3万元/村"
    QUALITATIVE = "qualitative"  # a word: 提高, 健全, 良好
    DATE = "date"  # a date, deadline or period: "2023年12月底", "一年内", "每月"
    UNPARSED = "unparsed"  # kept raw: nothing could be typed without guessing


@dataclass(frozen=True)
class Unit:
    """A measurement unit as written, split into its head and its "per" parts.

    "元/人/月" -> Unit(text="元/人/月", numerator="元", per=("人", "月")).
    """

    text: str
    numerator: str
    per: tuple[str, ...] = ()


@dataclass(frozen=True)
class Target:
    """A parsed target value (指标值). `raw` is always the text as found, never rewritten."""

    raw: str
    kind: TargetKind
    comparator: Comparator | None = None  # None for qualitative, date and unparsed targets
    value: Decimal | None = None
    unit: Unit | None = None
    qualitative: str | None = None  # the word itself: "提高"
    date_start: date | None = None  # a day or the first day of a period
    date_end: date | None = None  # the last day of a period or a deadline ("2023年12月底")
    date_text: str | None = None  # the temporal expression, normalised: "2023年12月底", "每月"
    placeholder: bool = False  # template debris such as "≥**" or "XX"


@dataclass(frozen=True)
class BudgetUnit:
    """A budget unit (预算单位): a township government, a bureau."""

    name: str
    code: str | None = None
    parent_code: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class UnitTotal:
    """A total the document states for a unit, e.g. the 407001 row's 588.39 万元."""

    unit: BudgetUnit
    amount_wan: Decimal
    fiscal_year: int | None
    line: int | None = None


@dataclass(frozen=True)
class Objective:
    """A performance objective: a numbered goal (目标一, 目标2) or the overall one (年度总体目标)."""

    text: str
    ordinal: int | None  # 1, 2, ... for numbered goals; None for the overall objective
    label: str | None = None  # the numbering as written: "目标一"
    line: int | None = None
    medium_term: bool = False  # 中期目标 (tables that file medium-term and annual goals side by side)


@dataclass(frozen=True)
class Indicator:
    """A leaf of the indicator tree (三级指标) with its category path and target."""

    level1: str  # as written: "产出指标"
    level2: str  # as written: "数量指标（必填硬性指标）"
    name: str  # the indicator name, with any value written into it split out
    target: Target
    source_text: str  # the whole source line or cells, untouched
    line: int | None = None
    medium_term_target: Target | None = None  # 中期指标值 next to the annual one, when the table has both
    weight: Decimal | None = None  # 权重 / 分值 as written (a number)
    direction: Direction | None = None  # 指标方向性, or 指标性质 written as 正向/反向
    explanation: str | None = None  # 指标解释


@dataclass(frozen=True)
class FundingShare:
    """One part of a project's funding: 财政拨款 or 其他资金, in 万元."""

    source: str  # "fiscal" | "other"
    amount_wan: Decimal | None


@dataclass
class Project:
    name: str
    unit: BudgetUnit
    amount_wan: Decimal | None
    fiscal_year: int | None
    attribute: str | None = None  # 项目属性: 一年期项目 / 延续项目
    period: str | None = None  # 项目期 as written: "2023年1月至12月"
    implementing_unit: str | None = None  # 实施单位 when the form names one
    funding: list[FundingShare] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    line: int | None = None

    @property
    def amount_yuan(self) -> Decimal | None:
        return None if self.amount_wan is None else self.amount_wan * 10000


@dataclass
class Document:
    """What a reader made of one source document."""

    layout: str
    title: str | None = None
    fiscal_year: int | None = None
    units: list[BudgetUnit] = field(default_factory=list)
    unit_totals: list[UnitTotal] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
