"""The same indicator twice in one project: same name (normalised) under the same category."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ingest.iri import normalize_key
from jixiao.review.model import Finding, ReviewContext, Severity, rule
from jixiao.review.rules.common import text

# Numbering a table put before the name (1. 2、 (3) ①): not part of the name.
ENUMERATOR = re.compile(r"^(?:[0-9]+[.、)）]|[(（][0-9一二三四五六七八九十]+[)）]|[①-⑳])+")

INDICATORS = """
SELECT ?project ?indicator ?name ?category ?level2 ?ordinal ?raw WHERE {
  ?project a jx:Project ; jx:hasIndicator ?indicator .
  ?indicator rdfs:label ?name .
  OPTIONAL { ?indicator jx:category ?category }
  OPTIONAL { ?indicator jx:level2Label ?level2 }
  OPTIONAL { ?indicator jx:ordinal ?ordinal }
  OPTIONAL { ?indicator jx:target/jx:rawText ?raw }
}
ORDER BY ?project ?ordinal ?indicator
"""


@dataclass(frozen=True)
class Row:
    indicator: str
    name: str
    raw: str


def name_key(name: str) -> str:
    return ENUMERATOR.sub("", normalize_key(name))


@rule(
    "duplicate-indicator",
    "重复指标",
    "Duplicated indicator",
    # A warning: a repeated row is a copy-paste slip, and it double-weights the indicator when
    # the table is scored; the fix is to delete one or say what the second one measures.
    Severity.WARNING,
    "Two or more indicators of one project with the same name (normalised: width, spaces, "
    "punctuation, leading numbers) under the same category. One finding per repeat.",
)
def duplicate_indicator(context: ReviewContext) -> list[Finding]:
    groups: defaultdict[tuple[str, str, str], list[Row]] = defaultdict(list)
    seen: set[str] = set()
    for row in context.select(INDICATORS):
        indicator = text(row.indicator)
        if indicator in seen:
            continue
        seen.add(indicator)
        # Without a mapped category, the level-2 label as written decides what "same category" is.
        category = text(row.category) or normalize_key(text(row.level2))
        key = (text(row.project), category, name_key(text(row.name)))
        groups[key].append(Row(indicator, text(row.name), text(row.raw)))
    findings = []
    for (project, _, _), rows in groups.items():
        first = rows[0]
        for repeat in rows[1:]:
            findings.append(
                Finding(
                    rule="duplicate-indicator",
                    severity=Severity.WARNING,
                    focus=repeat.indicator,
                    focus_label=repeat.name,
                    message=f"指标“{repeat.name}”在同一项目的同一类别下重复出现"
                    f"（指标值 {first.raw or '空'} 与 {repeat.raw or '空'}）。",
                    message_en=f"'{repeat.name}' appears twice under the same category of this project "
                    f"(targets {first.raw!r} and {repeat.raw!r}).",
                    values=(repeat.name, first.raw, repeat.raw),
                    project=project,
                )
            )
    return findings
