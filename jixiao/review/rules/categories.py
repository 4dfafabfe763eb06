"""Every project needs 数量, 质量, 时效 and 成本 output indicators, an 效益 and a 满意度 indicator."""

from __future__ import annotations

from jixiao.review.model import Finding, ReviewContext, Severity, rule
from jixiao.review.rules.common import text
from ontology.cookbook import cookbook_query
from ontology.requirements import required_categories, required_sentence

# The cookbook's query already says what a review means by "missing" (成本 counts in either tree,
# a category counts through its broader ones): the rule is that query, turned into findings. The
# groups themselves are the ontology's jxcat:required (ontology/requirements.py), read by both.
QUERY = "04-missing-required-categories"


@rule(
    "missing-category",
    "缺少必备类别指标",
    "Missing required indicator category",
    # An error: finance bureaus send back a table without one of the six required groups.
    Severity.ERROR,
    "Each project with indicators must have at least one 数量, 质量, 时效, 成本 (either tree), 效益 "
    "and 满意度 indicator. One finding per project and missing group (cookbook query 04).",
)
def missing_category(context: ReviewContext) -> list[Finding]:
    findings = []
    names = [r.label_en.removesuffix(" indicators") for r in required_categories()]
    required_en = ", ".join(names[:-1]) + " and " + names[-1]
    for row in context.rows(cookbook_query(QUERY).text):
        missing = text(row.missing)
        findings.append(
            Finding(
                rule="missing-category",
                severity=Severity.ERROR,
                focus=text(row.project),
                focus_label=text(row.projectName),
                message=f"项目缺少{missing}：审核要求每个项目都有{required_sentence()}指标。",
                message_en=f"the project has no {missing} indicator (required: {required_en}).",
                values=(missing,),
                project=text(row.project),
            )
        )
    return findings
