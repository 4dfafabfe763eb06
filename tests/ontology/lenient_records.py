"""Records with the fields lenient reads fill (issue 17), built by hand: the graph tests and the
cookbook tests run on them without waiting for a reader that produces them.

Two units, four tables:
- 背街小巷路灯运维经费 (鹿鸣镇, 901001): a self-evaluation of three of its four indicators
- 部门整体支出绩效目标 (农业农村局, 902): whole-unit targets, no levels, self-evaluated
- 村级道路硬化补助资金 (鹿鸣镇): a transfer with one value column per village, cut off
- 高标准农田建设项目 (鹿鸣镇): two levels under an extra top level, graded criteria, reader notes
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ingest.graph import SourceInfo
from ingest.records import (
    AreaTarget,
    Assessment,
    BudgetUnit,
    Document,
    Grade,
    Indicator,
    Project,
    ProjectKind,
)
from ingest.target import parse_target

FILE_NAME = "lenient.txt"
SOURCE = SourceInfo(FILE_NAME, "0" * 64, "structural", datetime(2026, 1, 1, tzinfo=UTC))

TOWNSHIP = BudgetUnit("青禾县鹿鸣镇人民政府", "901001", line=1)
BUREAU = BudgetUnit("青禾县农业农村局", "902", line=20)
VILLAGE = BudgetUnit("溪口村", line=30)  # named as a unit and as an area column: linked


def indicator(level1: str, level2: str, name: str, raw: str, line: int, **extra: object) -> Indicator:
    return Indicator(
        level1=level1,
        level2=level2,
        name=name,
        target=parse_target(raw),
        source_text=f"{level1}|{level2}|{name}|{raw}",
        line=line,
        **extra,  # type: ignore[arg-type]
    )


def assessment(actual: str | None, weight: str, score: str, reason: str | None = None) -> Assessment:
    return Assessment(
        actual=None if actual is None else parse_target(actual),
        weight=Decimal(weight),
        score=Decimal(score),
        reason=reason,
    )


def lenient_document() -> Document:
    lights = Project(
        name="背街小巷路灯运维经费",
        unit=TOWNSHIP,
        amount_wan=Decimal("50"),
        fiscal_year=2024,
        self_evaluation=True,
        line=2,
        indicators=[
            indicator(
                "产出指标", "数量指标", "路灯巡查维护数量", "6800盏", 4,
                assessment=assessment("6750盏", "10", "9.5", "部分路段道路施工，暂停维护"),
            ),
            indicator("产出指标", "质量指标", "亮灯率", "≥98%", 5, assessment=assessment("99%", "10", "10")),
            indicator(
                "满意度指标", "服务对象满意度指标", "居民满意度", "≥90%", 6,
                assessment=assessment("88%", "10", "8", "老旧小区照明改造未完成"),
            ),
            # A row whose actual, score and reason the table left blank: no assessment.
            indicator("效益指标", "社会效益指标", "夜间出行安全", "提升", 7),
        ],
    )  # fmt: skip
    unit_targets = Project(
        name="青禾县农业农村局2024年部门整体支出绩效目标",
        unit=BUREAU,
        amount_wan=None,
        fiscal_year=2024,
        kind=ProjectKind.UNIT,
        department="青禾县人民政府",
        self_evaluation=True,
        line=21,
        indicators=[
            indicator(
                "", "", "重点工作完成率", "≥95%", 23,
                description="年度重点工作按期完成的比例", assessment=assessment("96%", "20", "20"),
            ),
            indicator(
                "", "", "预算执行率", "≥90%", 24, assessment=assessment("85%", "20", "15", "项目资金结转"),
            ),
        ],
    )  # fmt: skip
    roads = Project(
        name="村级道路硬化补助资金",
        unit=TOWNSHIP,
        amount_wan=Decimal("30"),
        fiscal_year=2024,
        kind=ProjectKind.TRANSFER,
        complete=False,
        line=31,
        indicators=[
            indicator(
                "产出指标", "数量指标", "道路硬化里程", "", 33,
                area_targets=(
                    AreaTarget("溪口村", parse_target("3公里")),
                    AreaTarget("鹿鸣村", parse_target("2.5公里")),
                ),
            ),
        ],
    )  # fmt: skip
    farmland = Project(
        name="高标准农田建设项目",
        unit=TOWNSHIP,
        amount_wan=Decimal("120"),
        fiscal_year=2024,
        line=40,
        indicators=[
            indicator(
                "效益指标", "", "粮食产能提升", "提升", 42,
                top_level="实施效果指标",
                grades=(
                    Grade("优", "亩均产能提高≥100公斤"),
                    Grade("良", "亩均产能提高80-100公斤"),
                    Grade("中", "亩均产能提高60-80公斤"),
                    Grade("差", "亩均产能提高<60公斤"),
                ),
                inferred=("line 42: 一级 效益指标 taken from 效果指标",),
                suspect=("line 43: 290% may be an OCR slip for ≥90%",),
            ),
        ],
    )  # fmt: skip
    return Document(
        layout="structural",
        fiscal_year=2024,
        units=[TOWNSHIP, BUREAU, VILLAGE],
        projects=[lights, unit_targets, roads, farmland],
    )
