"""GET /api/review: the review (审核) of the whole store, findings grouped per project.

Computed afresh on each request from the graph the service holds, with the search index for the
copy-paste rule when there is one, and never stored: a GET does not write (`jixiao review` stores
the findings in their named graph for SPARQL). Reviews run one at a time; each reads the whole
store.
"""

from __future__ import annotations

import enum
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from api.catalogue import Ids
from api.contracts import ReviewReport
from api.resources import Resources, resources
from jixiao.review import ReviewContext, Severity, run_review
from jixiao.review.model import Finding
from jixiao.review.report import groups
from jixiao.review.rules import all_rules
from jixiao.review.run import Review

router = APIRouter(prefix="/api", tags=["api"])
Held = Annotated[Resources, Depends(resources)]
_one_at_a_time = threading.Lock()
# The rule ids as an enum, so the schema lists them and an unknown id is a 422, not an empty page.
RuleId = enum.StrEnum("RuleId", {rule.id: rule.id for rule in all_rules()})  # type: ignore[misc]


def _finding(finding: Finding, review: Review, ids: Ids) -> dict[str, Any]:
    place = review.projects.get(finding.project or "")
    return finding.record(place, ids.id).model_dump(mode="json")


def _counts(review: Review) -> dict[str, Any]:
    counted = review.counts()
    return {
        "total": len(review.findings),
        "by_severity": {s.value: sum(1 for f in review.findings if f.severity == s) for s in Severity},
        "by_rule": {
            rule.id: {s.value: counted.get((rule.id, s), 0) for s in Severity} for rule in review.rules
        },
        "projects": len({f.project for f in review.findings if f.project}),
    }


# A unit budget's township: the top of its unit's org:subOrganizationOf chain (as for projects).
BUDGET_TOWNSHIPS = """
SELECT ?budget ?township WHERE {
  ?budget a jx:UnitBudget ; jx:unit ?unit .
  ?unit org:subOrganizationOf* ?root .
  FILTER NOT EXISTS { ?root org:subOrganizationOf ?parent }
  ?root rdfs:label ?township .
}
"""


def _budget_townships(context: ReviewContext) -> dict[str, str]:
    return {str(row.budget): str(row.township) for row in context.select(BUDGET_TOWNSHIPS)}


@router.get("/review", summary="Review findings (审核), grouped per project", response_model=ReviewReport)
def review(
    held: Held,
    severity: Annotated[
        list[Severity] | None, Query(description="only these severities (repeatable): error, warning, info")
    ] = None,
    rule: Annotated[
        list[RuleId] | None, Query(max_length=50, description="only these rule ids (repeatable)")
    ] = None,
    township: Annotated[
        str | None,
        Query(
            max_length=200,
            description="only findings of this township (its name, as each group's `township` gives it)",
        ),
    ] = None,
) -> dict[str, Any]:
    index = held.search.index if held.search is not None else None
    context = ReviewContext(held.store, index)
    with _one_at_a_time:
        result = run_review(context)
        budgets = _budget_townships(context) if any(f.project is None for f in result.findings) else {}
    counts = _counts(result)  # of everything, so that a filtered page still shows the whole picture

    def township_of(finding: Finding) -> str | None:
        info = result.projects.get(finding.project or "")
        return info.township if info else budgets.get(finding.focus)

    kept = [
        f
        for f in result.findings
        if (not severity or f.severity in severity)
        and (not rule or f.rule in rule)
        and (not township or township_of(f) == township)
    ]
    filtered = Review(kept, result.rules, result.projects, result.documents, result.skipped, result.errors)
    ids = held.catalogue.ids
    listed = []
    for group in groups(filtered):
        project = group.project.to_json() | {"id": ids.id(group.project.iri)} if group.project else None
        listed.append(
            {
                "heading": group.heading,
                "township": township_of(group.findings[0]) or None,
                "project": project,
                "findings": [_finding(f, filtered, ids) for f in group.findings],
            }
        )
    warnings = held.search_warnings() if "copy-paste" not in result.skipped else []
    return {
        "ended_at": result.ended_at.isoformat(timespec="seconds"),
        "rules": [r.to_json() for r in result.rules],
        "skipped": result.skipped,
        "errors": result.errors,
        "counts": counts,
        "shown": len(kept),
        "groups": listed,
        "warnings": warnings,
    }
