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
    note: str | None = None  # a note on the value, in words: how a drafted value was adapted (rdfs:comment)


@dataclass(frozen=True)
class BudgetUnit:
    """A budget unit (预算单位): a township government, a bureau."""

    name: str
    code: str | None = None
    parent_code: str | None = None
    line: int | None = None


# A project whose table names no unit (a draft may leave 单位名称 empty): its IRIs and keys say `na`
# there, as they do for a missing year, and it has no jx:unit. A reader of a filed table never
# uses it: a filed project without a unit is skipped with a warning.
NO_UNIT = BudgetUnit(name="", code="na")


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


class ProjectKind(StrEnum):
    """What a target table is about: a project, a whole unit (部门整体), or a transfer (专项转移支付)."""

    PROJECT = "project"
    UNIT = "unit"  # 部门整体支出绩效目标表: the unit's own targets, no project
    TRANSFER = "transfer"  # 专项转移支付 / 区域绩效目标表: often one value column per area


@dataclass(frozen=True)
class AreaTarget:
    """One area's target where a table has a value column per village, township or county."""

    area: str  # as written in the column header: "鹿鸣镇溪口村"
    target: Target


@dataclass(frozen=True)
class Grade:
    """A graded criterion (优/良/中/差) in place of a single target value."""

    grade: str  # "优"
    criterion: str  # as written: "≥95%"


@dataclass(frozen=True)
class Assessment:
    """A self-evaluation (自评) of one indicator: what was achieved against the target, kept apart
    from the target itself. Every field is as written or parsed from it; none is computed."""

    actual: Target | None = None  # 全年实际值 / 实际完成值
    weight: Decimal | None = None  # 分值 / 权重 of the self-evaluation
    score: Decimal | None = None  # 得分
    reason: str | None = None  # 偏差原因 / 未完成原因 / 改进措施


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
    description: str | None = None  # 指标描述 / 绩效标准 / 指标内容, as written
    top_level: str | None = None  # an extra level above 一级, as written: "实施效果指标"
    area_targets: tuple[AreaTarget, ...] = ()  # one target per area (then `target` may be empty)
    grades: tuple[Grade, ...] = ()  # 优/良/中/差 criteria instead of one target
    assessment: Assessment | None = None  # the self-evaluation's actual, score and reason
    # What the reader inferred rather than read ("一级 from the vocabulary"), and values that look
    # like OCR slips ("290%"): said in the report, never silently corrected.
    inferred: tuple[str, ...] = ()
    suspect: tuple[str, ...] = ()
    # The category concept's local name (jxcat:quantity -> "quantity") when the reader already
    # knows it (a draft's row, picked from the tree); None: resolved from level1/level2 as written.
    category: str | None = None
    # IRIs of what the indicator was taken from besides its source line: a draft's precedent
    # indicators, the standard frame for a generic (通用) row (prov:wasDerivedFrom each).
    derived_from: tuple[str, ...] = ()


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
    department: str | None = None  # 主管部门 when it differs from the unit
    kind: ProjectKind = ProjectKind.PROJECT
    self_evaluation: bool = False  # a 自评表: indicators carry an Assessment
    complete: bool = True  # False when the document is cut off inside this project's table
    funding: list[FundingShare] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    line: int | None = None
    # IRIs of what the project was derived from besides its source line: a draft's precedent
    # projects and the standard frame (prov:wasDerivedFrom each; what its drafting prov:used).
    derived_from: tuple[str, ...] = ()

    @property
    def amount_yuan(self) -> Decimal | None:
        return None if self.amount_wan is None else self.amount_wan * 10000


@dataclass(frozen=True)
class SourceEntity:
    """Something drafted entities derive from that is described here, not in the store: the
    standard frame of generic indicators (a prov:Entity with its label)."""

    iri: str
    label: str  # in Chinese


@dataclass(frozen=True)
class Drafting:
    """How a drafted document came about, instead of a file it was read from (jx:Drafting ⊑
    prov:Activity): each of its projects, with its unit, objectives and indicators, was generated
    by the project's drafting, which used what the project was derived from."""

    label: str  # the activity's label, in Chinese: "起草：{project}（草稿）"
    sources: tuple[SourceEntity, ...] = ()


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
    # The report's account of a lenient read: "line 12: 一级 产出指标 inferred from 数量指标", and
    # what was dropped and why ("line 40: 总分 row dropped: not an indicator").
    inferred: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    drafting: Drafting | None = None  # a draft (ingest.graph.drafted_graph), not a read document
