"""Objectives, indicators and targets that name a year other than the fiscal year.

A 2023 table that says 计划2021年举办… or 2021年12月31日 was usually copied from an earlier year's
table and not updated. Some other years are right, and are not reported:
- a span that contains the fiscal year (2023年至2025年 in a medium-term goal, 2022年至2023年);
- years within the project's own period (a continuing project running to 2025);
- later years in a medium-term objective or target (they look ahead by definition);
- an earlier year as a baseline or evaluation (较2022年提高, 2022年度自评, 截至2022年底);
- an earlier year as the origin of a debt being paid (2018年…项目质保金, 以前年度欠款).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from jixiao.review.model import Finding, ReviewContext, Severity, rule
from jixiao.review.rules.common import text

YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})\s*年")
SPAN = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})\s*年?(?:[0-9]{1,2}\s*月)?\s*(?:至|到|—|–|-|~|～)\s*((?:19|20)[0-9]{2})\s*年"
)
# An earlier year that is a point of comparison or the subject of an evaluation.
BASELINE_BEFORE = re.compile(r"(?:较|比|相比|对比|同比|与|截至|截止|高于|低于|超过)\s*$")
BASELINE_AFTER = re.compile(r"^\s*年?度?\s*(?:自评|绩效评价|评价|考核|决算|审计|基础上|同期|水平|底数|实际)")
# Words saying an earlier year's obligation is being paid now.
PAST_OBLIGATION = ("质保金", "尾款", "欠", "结转", "以前年度", "往年", "历年", "遗留", "补缴", "补发")

OBJECTIVES = """
SELECT ?project ?year ?start ?end ?entity ?text ?medium WHERE {
  ?project a jx:Project ; jx:fiscalYear ?year ; jx:hasObjective ?entity .
  OPTIONAL { ?project jx:periodStart ?start }
  OPTIONAL { ?project jx:periodEnd ?end }
  ?entity dcterms:description ?text .
  BIND (EXISTS { ?entity a jx:MediumTermObjective } AS ?medium)
}
"""

INDICATORS = """
SELECT ?project ?year ?start ?end ?entity ?label ?text ?medium WHERE {
  ?project a jx:Project ; jx:fiscalYear ?year ; jx:hasIndicator ?entity .
  OPTIONAL { ?project jx:periodStart ?start }
  OPTIONAL { ?project jx:periodEnd ?end }
  ?entity rdfs:label ?label .
  {
    ?entity rdfs:label ?text .
    BIND (false AS ?medium)
  } UNION {
    ?entity jx:target/jx:rawText ?text .
    BIND (false AS ?medium)
  } UNION {
    ?entity jx:mediumTermTarget/jx:rawText ?text .
    BIND (true AS ?medium)
  }
}
"""


@dataclass(frozen=True)
class Mention:
    project: str
    entity: str
    label: str
    kind: str  # 绩效目标 | 指标
    text: str
    years: tuple[int, ...]


def allowed_years(fiscal: int, start: int | None, end: int | None) -> range:
    """The fiscal year and the project's own period."""
    first = min(fiscal, start) if start is not None else fiscal
    last = max(fiscal, end) if end is not None else fiscal
    return range(first, last + 1)


def other_years(sentence: str, allowed: range, medium_term: bool) -> list[int]:
    """The years in `sentence` a reviewer should look at; see the module docstring."""
    found: list[int] = []
    # A span overlapping the allowed years names its ends rightly (2023年至2025年).
    spans = [m for m in SPAN.finditer(sentence) if int(m[1]) < allowed.stop and int(m[2]) >= allowed.start]
    obligation = any(word in sentence for word in PAST_OBLIGATION)
    for match in YEAR.finditer(sentence):
        year = int(match[1])
        if year in allowed or any(s.start() <= match.start() < s.end() for s in spans):
            continue
        if year > allowed.stop - 1 and medium_term:
            continue
        if year < allowed.start:
            before, after = sentence[: match.start()], sentence[match.end() :]
            if obligation or BASELINE_BEFORE.search(before) or BASELINE_AFTER.match(after):
                continue
        if year not in found:
            found.append(year)
    return found


def _year(node: object) -> int | None:
    return None if node is None else int(str(node)[:4])


def mentions(context: ReviewContext) -> Iterator[Mention]:
    for query, kind in ((OBJECTIVES, "绩效目标"), (INDICATORS, "指标")):
        for row in context.select(query):
            allowed = allowed_years(int(row.year), _year(row.start), _year(row.end))
            sentence = text(row.text)
            years = other_years(sentence, allowed, bool(row.medium.toPython()))
            if years:
                label = text(row.label) if kind == "指标" else sentence
                yield Mention(text(row.project), text(row.entity), label, kind, sentence, tuple(years))


@rule(
    "other-year",
    "提到预算年度以外的年份",
    "Names a year other than the fiscal year",
    # A warning: usually text copied from an earlier year's table and not updated, but the
    # year may be right (an earlier project's bill, a heating season): the reviewer asks.
    Severity.WARNING,
    "Objectives, indicator names and targets that name a year outside the fiscal year and the "
    "project period (2021 in a 2023 table), except spans containing the fiscal year, later years in "
    "medium-term goals, baselines (较2022年, 2022年度自评) and earlier years' debts (质保金, 欠款).",
)
def other_year(context: ReviewContext) -> list[Finding]:
    by_entity: dict[str, list[Mention]] = {}
    for mention in mentions(context):
        by_entity.setdefault(mention.entity, []).append(mention)
    findings = []
    for entity, found in sorted(by_entity.items()):
        first = found[0]
        years = sorted({y for m in found for y in m.years})
        listed = "、".join(f"{y}年" for y in years)
        texts = tuple(dict.fromkeys(m.text for m in found))
        if first.kind == "绩效目标":
            zh = f"绩效目标提到{listed}，与预算年度不符：是否沿用了往年的表格？"
            named = ", ".join(map(str, years))
            en = f"the objective names {named}, not the fiscal year: copied from an old table?"
        else:
            zh = f"指标“{first.label}”提到{listed}，与预算年度不符：是否沿用了往年的表格？"
            en = f"the indicator '{first.label}' names {', '.join(map(str, years))}, not the fiscal year."
        findings.append(
            Finding(
                rule="other-year",
                severity=Severity.WARNING,
                focus=entity,
                focus_label=first.label,
                message=zh,
                message_en=en,
                values=texts,
                project=first.project,
            )
        )
    return findings
