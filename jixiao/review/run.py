"""Run every rule over the store and collect what they find, with the projects they are about."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jixiao.review.model import Finding, ReviewContext, Rule, RuleSkipped, Severity
from jixiao.review.rules import all_rules
from jixiao.review.rules.common import text
from ontology import prologue


class ReviewError(RuntimeError):
    """The review cannot run on this store as it is."""


@dataclass(frozen=True)
class ProjectInfo:
    iri: str
    label: str
    unit: str  # the budget unit's name
    township: str  # the top of its org:subOrganizationOf chain
    year: int | None
    document: str  # the source file it was read from

    def to_json(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "label": self.label,
            "unit": self.unit,
            "township": self.township,
            "year": self.year,
            "document": self.document,
        }


@dataclass
class Review:
    findings: list[Finding]
    rules: list[Rule]
    projects: dict[str, ProjectInfo]
    documents: list[str]  # the source documents' graphs that were reviewed
    skipped: dict[str, str] = field(default_factory=dict)  # rule id -> why it did not run
    errors: dict[str, str] = field(default_factory=dict)  # rule id -> what went wrong
    ended_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def counts(self) -> Counter[tuple[str, Severity]]:
        return Counter((f.rule, f.severity) for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "ended_at": self.ended_at.isoformat(timespec="seconds"),
            "rules": [r.to_json() for r in self.rules],
            "skipped": self.skipped,
            "errors": self.errors,
            "projects": {iri: p.to_json() for iri, p in self.projects.items() if iri in self._cited()},
            "findings": [f.to_json() for f in self.findings],
        }

    def _cited(self) -> set[str]:
        return {f.project for f in self.findings if f.project}


PROJECTS = """
SELECT ?project ?label ?unitName ?township ?year ?file WHERE {
  GRAPH ?g { ?project a jx:Project ; rdfs:label ?label . }
  OPTIONAL { ?g dcterms:title ?file }
  OPTIONAL { ?project jx:fiscalYear ?year }
  OPTIONAL {
    ?project jx:unit ?unit .
    ?unit rdfs:label ?unitName ; org:subOrganizationOf* ?root .
    FILTER NOT EXISTS { ?root org:subOrganizationOf ?parent }
    ?root rdfs:label ?township .
  }
}
"""
DOCUMENTS = "SELECT ?g WHERE { GRAPH ?g { ?g a jx:SourceDocument } } ORDER BY ?g"
# The category rule counts through the SKOS hierarchy, which lives in the ontology graph.
HAS_ONTOLOGY = "ASK { jxcat:quantity skos:broader jxcat:output }"


def _projects(context: ReviewContext) -> dict[str, ProjectInfo]:
    found: dict[str, ProjectInfo] = {}
    for row in context.select(PROJECTS):
        iri = text(row.project)
        if iri in found and found[iri].unit:
            continue
        found[iri] = ProjectInfo(
            iri=iri,
            label=text(row.label),
            unit=text(row.unitName),
            township=text(row.township),
            year=int(row.year) if row.year is not None else None,
            document=text(row.file),
        )
    return found


def _order(finding: Finding, projects: dict[str, ProjectInfo]) -> tuple[object, ...]:
    info = projects.get(finding.project or "")
    place = (info.township, info.unit, info.label) if info else ("", "", "")
    return (*place, finding.project or "", finding.severity.rank, finding.rule, finding.focus, finding.values)


def run_review(context: ReviewContext, rules: list[Rule] | None = None) -> Review:
    """Every rule (or `rules`) over the context. A rule that fails is recorded, not raised: the
    others' findings still count, and the caller decides (the CLI exits 1 and stores nothing)."""
    if not bool(context.store.query(prologue() + HAS_ONTOLOGY)):
        raise ReviewError("the ontology is not in the store (EmbeddedStore.install_ontology)")
    selected = all_rules() if rules is None else rules
    projects = _projects(context)
    documents = [text(row.g) for row in context.select(DOCUMENTS)]
    review = Review(findings=[], rules=selected, projects=projects, documents=documents)
    for r in selected:
        try:
            review.findings.extend(r.check(context))
        except RuleSkipped as skipped:
            review.skipped[r.id] = str(skipped)
        except Exception as exc:  # one broken rule must not hide the others' findings
            review.errors[r.id] = f"{type(exc).__name__}: {exc}"
    review.findings.sort(key=lambda f: _order(f, projects))
    return review
