"""Money: cost targets against the project amount, and a unit's total against its projects.

Amounts are compared in 元 (jx:amount, jx:valueInYuan). Tables print amounts in 万元 with two
decimals, so a stated figure is only known to ±0.005 万元 (±50 元): differences within the sum of
those half-units are rounding in the source, not mistakes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from jixiao.review.model import Finding, ReviewContext, Severity, rule
from jixiao.review.rules.common import WAN, decimal, text, wan, yuan_text

HALF_UNIT_WAN = Decimal(50)  # ±0.005 万元: a figure stated in 万元 with two decimals
HALF_UNIT_YUAN = Decimal("0.5")  # a figure stated in whole 元
# How close "one ten-thousandth of the amount" must be: within half a per cent covers the
# rounding of both figures (138.02元 against 1 380 200 元) without matching a merely small value.
SLIP_TOLERANCE = Decimal("0.005")
# A target that is a rate, not a total: per person, per village, per month (元/人, 万元/村,
# 每月人均成本). 万元/年 is a total for the year and stays a total.
TOTAL_PERIODS = frozenset({"年", "全年", "年度"})
RATE_WORDS = ("人均", "每", "单价")

MONEY_TARGETS = """
SELECT ?project ?projectName ?amount ?amountWan ?indicator ?name ?raw ?yuan ?unitText WHERE {
  ?project a jx:Project ;
           rdfs:label ?projectName ;
           jx:amount ?amount ;
           jx:hasIndicator ?indicator .
  OPTIONAL { ?project jx:amountWanYuan ?amountWan }
  ?indicator rdfs:label ?name ;
             jx:target ?target .
  ?target jx:valueInYuan ?yuan ;
          jx:rawText ?raw .
  OPTIONAL { ?target jx:unitText ?unitText }
}
ORDER BY ?project ?indicator
"""


@dataclass(frozen=True)
class MoneyTarget:
    project: str
    project_name: str
    amount: Decimal  # 元
    stated_in_wan: bool  # the project amount was written in 万元
    indicator: str
    name: str
    raw: str
    yuan: Decimal
    unit_text: str

    @property
    def is_rate(self) -> bool:
        per = self.unit_text.partition("/")[2]
        if per and per.split("/")[0] not in TOTAL_PERIODS:
            return True
        return any(word in self.name for word in RATE_WORDS)

    @property
    def amount_half_unit(self) -> Decimal:
        return HALF_UNIT_WAN if self.stated_in_wan else HALF_UNIT_YUAN


def money_targets(context: ReviewContext) -> Iterator[MoneyTarget]:
    for row in context.select(MONEY_TARGETS):
        amount, yuan = decimal(row.amount), decimal(row.yuan)
        if amount is None or yuan is None or amount <= 0:
            continue
        yield MoneyTarget(
            project=text(row.project),
            project_name=text(row.projectName),
            amount=amount,
            stated_in_wan=row.amountWan is not None,
            indicator=text(row.indicator),
            name=text(row.name),
            raw=text(row.raw),
            yuan=yuan,
            unit_text=text(row.unitText),
        )


def _near(value: Decimal, expected: Decimal) -> bool:
    return abs(value - expected) <= SLIP_TOLERANCE * expected


def slip_factor(target: MoneyTarget) -> Decimal | None:
    """10⁻⁴ when the target is the amount written in 元 instead of 万元, 10⁴ the other way round."""
    if _near(target.yuan * WAN, target.amount):
        return 1 / WAN
    if _near(target.yuan, target.amount * WAN):
        return WAN
    return None


@rule(
    "cost-unit-slip",
    "金额指标值与项目金额相差一万倍",
    "Money target off from the project amount by 10⁴ (元 / 万元 slip)",
    # An error: the figure is the project amount in the wrong unit; the table states a cost
    # ten thousand times too small (or large), which no reviewer lets through.
    Severity.ERROR,
    "A money target that is a total (not a rate such as 元/人 or 人均) whose value in 元 is the "
    "project amount divided or multiplied by 10 000, within rounding: 138.02元 in a 138.02 万元 project.",
)
def cost_unit_slip(context: ReviewContext) -> list[Finding]:
    findings = []
    for t in money_targets(context):
        if t.is_rate:
            continue
        factor = slip_factor(t)
        if factor is None:
            continue
        if factor < 1:
            zh = f"是项目金额 {wan(t.amount)} 的万分之一：疑为把“万元”写成了“元”"
            en = f"is one ten-thousandth of the project amount {wan(t.amount)}: 万元 written as 元?"
        else:
            zh = f"是项目金额 {wan(t.amount)} 的一万倍：疑为把“元”写成了“万元”"
            en = f"is ten thousand times the project amount {wan(t.amount)}: 元 written as 万元?"
        findings.append(
            Finding(
                rule="cost-unit-slip",
                severity=Severity.ERROR,
                focus=t.indicator,
                focus_label=t.name,
                message=f"指标“{t.name}”的指标值 {t.raw}{_in_yuan(t)}{zh}。",
                message_en=f"the target {t.raw} of '{t.name}' {en}",
                values=(t.raw, wan(t.amount)),
                project=t.project,
            )
        )
    return findings


def _in_yuan(target: MoneyTarget) -> str:
    """The value in 元 when the raw text does not already say it (2.16万元 → （21600元）)."""
    written = yuan_text(target.yuan)
    return "" if written in target.raw.replace(" ", "") else f"（{written}）"


@rule(
    "cost-above-amount",
    "金额指标值超过项目金额",
    "Money target above the project amount",
    # A warning, not an error: a ceiling above the budget is inconsistent, but it may be a
    # multi-year or multi-source cost; the reviewer asks which figure is right.
    Severity.WARNING,
    "A money target that is a total (not a rate) whose value in 元 exceeds the project amount by more "
    "than the rounding of a 万元 figure (50 元). Slips by 10⁴ are left to cost-unit-slip.",
)
def cost_above_amount(context: ReviewContext) -> list[Finding]:
    findings = []
    for t in money_targets(context):
        excess = t.yuan - t.amount
        if t.is_rate or excess <= t.amount_half_unit or slip_factor(t) is not None:
            continue
        findings.append(
            Finding(
                rule="cost-above-amount",
                severity=Severity.WARNING,
                focus=t.indicator,
                focus_label=t.name,
                message=f"指标“{t.name}”的指标值 {t.raw} 超过项目金额 {wan(t.amount)}（多 {wan(excess)}）："
                "成本指标应与项目预算一致。",
                message_en=f"the target {t.raw} of '{t.name}' exceeds the project amount {wan(t.amount)} "
                f"by {wan(excess)}.",
                values=(t.raw, wan(t.amount)),
                project=t.project,
            )
        )
    return findings


UNIT_TOTALS = """
SELECT ?budget ?unitName ?year ?amount ?amountWan
       (COUNT(?project) AS ?projects) (SUM(?projectAmount) AS ?total)
       (COUNT(?projectWan) AS ?projectsInWan)
WHERE {
  ?budget a jx:UnitBudget ;
          jx:unit ?unit ;
          jx:fiscalYear ?year ;
          jx:amount ?amount .
  OPTIONAL { ?budget jx:amountWanYuan ?amountWan }
  ?unit rdfs:label ?unitName .
  # The unit's own projects in that year, as cookbook query 11 counts them.
  ?project a jx:Project ;
           jx:unit ?unit ;
           jx:fiscalYear ?year ;
           jx:amount ?projectAmount .
  OPTIONAL { ?project jx:amountWanYuan ?projectWan }
}
GROUP BY ?budget ?unitName ?year ?amount ?amountWan
ORDER BY ?budget
"""


@rule(
    "unit-total",
    "单位预算总额与项目合计不符",
    "Unit total differs from the sum of its projects",
    # An error beyond rounding (a project amount or the total is wrong, or a project is missing);
    # info within rounding (588.39 vs 588.38 万元): the source rounded each figure, nothing to fix.
    Severity.ERROR,
    "The total a document states for a unit and year against the sum of the unit's projects that "
    "year. Within the rounding of the figures (±0.005 万元 each, the total and every project) it is "
    "info; beyond, an error.",
)
def unit_total(context: ReviewContext) -> list[Finding]:
    findings = []
    for row in context.select(UNIT_TOTALS):
        budget, total = decimal(row.amount), decimal(row.total)
        projects = int(row.projects)
        if budget is None or total is None or projects == 0 or budget == total:
            continue
        in_wan = int(row.projectsInWan)
        tolerance = HALF_UNIT_WAN * in_wan + HALF_UNIT_YUAN * (projects - in_wan)
        tolerance += HALF_UNIT_WAN if row.amountWan is not None else HALF_UNIT_YUAN
        difference = budget - total
        unit, year = text(row.unitName), text(row.year)
        stated = (
            f"{unit} {year} 年预算总额 {wan(budget)}，{projects} 个项目金额合计 {wan(total)}，"
            f"相差 {wan(difference)}"
        )
        stated_en = (
            f"{unit} {year}: the stated total {wan(budget)} and the sum of its {projects} projects "
            f"{wan(total)} differ by {wan(difference)}"
        )
        if abs(difference) <= tolerance:
            severity = Severity.INFO
            zh = f"{stated}，在各数四舍五入的误差（±{wan(tolerance)}）之内，无需修改。"
            en = f"{stated_en}, within the rounding of the figures (±{wan(tolerance)})."
        else:
            severity = Severity.ERROR
            zh = f"{stated}，超出四舍五入误差（±{wan(tolerance)}）：总额或某个项目金额有误，或有项目未列入。"
            en = f"{stated_en}, beyond rounding (±{wan(tolerance)}): a figure is wrong or a project missing."
        findings.append(
            Finding(
                rule="unit-total",
                severity=severity,
                focus=text(row.budget),
                focus_label=f"{unit} {year}年单位预算",
                message=zh,
                message_en=en,
                values=(wan(budget), wan(total)),
                project=None,
            )
        )
    return findings
