"""Target values: template debris, values that could not be read, impossible percentages, and
satisfaction targets below what reviewers accept."""

from __future__ import annotations

from jixiao.review.model import Finding, ReviewContext, Severity, rule
from jixiao.review.rules.common import decimal, text
from ontology.namespace import JXCMP

# Both the annual target and a medium-term one are checked; the message says which.
TARGETS = """
SELECT ?project ?indicator ?name ?target ?raw ?which %s WHERE {
  ?project a jx:Project ; jx:hasIndicator ?indicator .
  ?indicator rdfs:label ?name .
  { ?indicator jx:target ?target . BIND ("指标值" AS ?which) }
  UNION
  { ?indicator jx:mediumTermTarget ?target . BIND ("中期指标值" AS ?which) }
  ?target jx:rawText ?raw .
  %s
}
ORDER BY ?project ?indicator ?which
"""


def targets_query(condition: str, extra: str = "") -> str:
    """Targets (annual and medium-term) with their indicator and project, meeting `condition`."""
    return TARGETS % (extra, condition)


@rule(
    "placeholder-target",
    "指标值为模板占位符",
    "Template placeholder as target",
    # An error: the unit never filled the value in (≥**株, XX); the table is incomplete.
    Severity.ERROR,
    "Targets that are template debris never filled in (≥**株, XX, a bare ≥ or %), flagged "
    "jx:isPlaceholder at ingest.",
)
def placeholder_target(context: ReviewContext) -> list[Finding]:
    findings = []
    for row in context.select(targets_query("?target jx:isPlaceholder true .")):
        name, raw = text(row.name), text(row.raw)
        findings.append(
            Finding(
                rule="placeholder-target",
                severity=Severity.ERROR,
                focus=text(row.indicator),
                focus_label=name,
                message=f"指标“{name}”的{row.which}“{raw}”是未填写的模板占位符。",
                message_en=f"the target of '{name}' is an unfilled template placeholder: {raw}",
                values=(raw,),
                project=text(row.project),
            )
        )
    return findings


@rule(
    "unparsed-target",
    "指标值为空或无法解析",
    "Empty or unreadable target",
    # An empty target is an error (nothing was set); a value the parser could not read is a
    # warning: often a name and value run together, sometimes only our parser's limit.
    Severity.ERROR,
    "Targets typed jx:UnparsedTarget that are not placeholders: empty (error) or text that is "
    "neither a number, a quality word nor a date (warning).",
)
def unparsed_target(context: ReviewContext) -> list[Finding]:
    findings = []
    query = targets_query("?target a jx:UnparsedTarget . FILTER NOT EXISTS { ?target jx:isPlaceholder true }")
    for row in context.select(query):
        name, raw = text(row.name), text(row.raw)
        if raw.strip():
            severity = Severity.WARNING
            zh = f"指标“{name}”的{row.which}“{raw}”无法解析为数值、定性值或时间，请核对。"
            en = f"the target of '{name}' could not be read as a number, quality or date: {raw}"
        else:
            severity = Severity.ERROR
            zh = f"指标“{name}”的{row.which}为空。"
            en = f"the target of '{name}' is empty."
        findings.append(
            Finding(
                rule="unparsed-target",
                severity=severity,
                focus=text(row.indicator),
                focus_label=name,
                message=zh,
                message_en=en,
                values=(raw,),
                project=text(row.project),
            )
        )
    return findings


# Growth and change rates may exceed 100% or fall below 0 and still be right.
CHANGE_WORDS = (
    "增长",
    "增幅",
    "增速",
    "增加",
    "提高",
    "提升",
    "下降",
    "降低",
    "减少",
    "同比",
    "环比",
    "变化",
)

PERCENT_FILTER = """
?target a jx:QuantitativeTarget ; qudt:numericValue ?value ; jx:unitText ?unit .
FILTER (STRSTARTS(?unit, "%") && (?value > 100 || ?value < 0))
"""


@rule(
    "percent-out-of-range",
    "百分比超出0–100%",
    "Percentage outside 0–100",
    # An error: a rate, share or coverage above 100% (or below 0) cannot happen; usually a typo
    # (1000%) or a count written with a % sign.
    Severity.ERROR,
    "Quantitative targets in % below 0 or above 100, except growth and change rates "
    "(增长率, 提高, 下降…), which may be.",
)
def percent_out_of_range(context: ReviewContext) -> list[Finding]:
    findings = []
    for row in context.select(targets_query(PERCENT_FILTER)):
        name, raw = text(row.name), text(row.raw)
        if any(word in name for word in CHANGE_WORDS):
            continue
        findings.append(
            Finding(
                rule="percent-out-of-range",
                severity=Severity.ERROR,
                focus=text(row.indicator),
                focus_label=name,
                message=f"指标“{name}”的{row.which} {raw} 超出 0–100% 的范围。",
                message_en=f"the target of '{name}' is outside 0–100%: {raw}",
                values=(raw,),
                project=text(row.project),
            )
        )
    return findings


SATISFACTION_MIN = 90  # per cent; the floor most finance bureaus' review guidance sets
# Satisfaction by category (满意度指标 and below), or by name when filed under another category.
SATISFACTION_FILTER = """
?target a jx:QuantitativeTarget ; qudt:numericValue ?value ; jx:unitText ?unit ;
        jx:comparator ?comparator .
FILTER (STRSTARTS(?unit, "%"))
FILTER (EXISTS { ?indicator jx:category/skos:broader* jxcat:satisfaction } || CONTAINS(?name, "满意"))
"""
# A bound from above (≤ 80%) is not a satisfaction goal; dissatisfaction and complaints go the other way.
LOWER_BOUND = frozenset(str(c) for c in (JXCMP.ge, JXCMP.gt, JXCMP.eq, JXCMP.none))
NEGATIVE_WORDS = ("不满意", "投诉", "差评")


@rule(
    "low-satisfaction",
    "满意度指标值低于90%",
    "Satisfaction target below 90%",
    # A warning: 90% is the usual floor in review guidance, not a law; a lower target needs a reason.
    Severity.WARNING,
    f"Satisfaction targets (by category, or 满意 in the name) in % that aim below {SATISFACTION_MIN}% "
    "(≥85%, 80%). Ceilings and dissatisfaction or complaint rates are not checked.",
)
def low_satisfaction(context: ReviewContext) -> list[Finding]:
    findings = []
    query = targets_query(SATISFACTION_FILTER, "?value ?comparator")
    for row in context.select(query):
        name, raw = text(row.name), text(row.raw)
        value = decimal(row.value)
        if value is None or value >= SATISFACTION_MIN or text(row.comparator) not in LOWER_BOUND:
            continue
        if any(word in name for word in NEGATIVE_WORDS):
            continue
        findings.append(
            Finding(
                rule="low-satisfaction",
                severity=Severity.WARNING,
                focus=text(row.indicator),
                focus_label=name,
                message=f"满意度指标“{name}”的{row.which} {raw} 低于 {SATISFACTION_MIN}%。",
                message_en=f"the satisfaction target of '{name}' is below {SATISFACTION_MIN}%: {raw}",
                values=(raw,),
                project=text(row.project),
            )
        )
    return findings
