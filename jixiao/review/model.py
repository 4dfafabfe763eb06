"""What a review is made of: findings, rules, and the context rules read the graph through."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from rdflib.query import Result

from ontology import prologue
from search.index import SearchIndex


class Severity(StrEnum):
    """How much a finding matters; the order is the order findings are listed in."""

    ERROR = "error"  # the table is wrong as filed: a reviewer sends it back
    WARNING = "warning"  # probably wrong; a reviewer has to look
    INFO = "info"  # worth knowing, nothing to fix (rounding, a hint)

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def zh(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


@dataclass(frozen=True)
class Finding:
    rule: str  # the rule's id, e.g. "missing-category"
    severity: Severity
    focus: str  # IRI of the entity it is about: a project, indicator, objective or unit budget
    focus_label: str  # that entity's name as written, for people
    message: str  # Chinese, for the reviewer
    message_en: str
    values: tuple[str, ...] = ()  # the offending values exactly as written (raw text, amounts)
    project: str | None = None  # the project the focus belongs to; None for a unit budget

    @property
    def key(self) -> str:
        """Stable across runs and re-ingests (entity IRIs are): what judgements and the IRI hang on."""
        return "\n".join((self.rule, self.focus, *self.values))

    @property
    def id(self) -> str:
        return hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule": self.rule,
            "severity": self.severity.value,
            "focus": self.focus,
            "focus_label": self.focus_label,
            "project": self.project,
            "message": self.message,
            "message_en": self.message_en,
            "values": list(self.values),
        }


class Queryable(Protocol):
    """The store (or any rdflib graph or dataset): rules read the graph only through SPARQL."""

    def query(self, sparql: str) -> Result: ...


@dataclass
class ReviewContext:
    """What rules may read. `index` (the search index, with its vectors) is optional: the rule
    that needs embeddings is skipped without it."""

    store: Queryable
    index: SearchIndex | None = None

    def select(self, sparql: str) -> Iterator[Any]:
        """Rows of a SELECT written with the project's prefixes (jx:, jxcat:, skos:, …) left implicit."""
        yield from self.rows(prologue() + sparql)

    def rows(self, sparql: str) -> Iterator[Any]:
        """Rows of a complete SELECT (a cookbook query brings its own PREFIX lines)."""
        yield from self.store.query(sparql)


class RuleSkipped(Exception):
    """A rule cannot run on this context (no search index for the embedding rule): not an error."""


Check = Callable[[ReviewContext], list[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # Chinese
    title_en: str
    severity: Severity  # the highest severity it reports; a finding may be milder (rounding: info)
    description: str  # English: what it checks and why, as shown in `jixiao review --rules` and the API
    check: Check = field(compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "title_en": self.title_en,
            "severity": self.severity.value,
            "description": self.description,
        }


REGISTRY: dict[str, Rule] = {}


def rule(
    id: str, title: str, title_en: str, severity: Severity, description: str
) -> Callable[[Check], Check]:
    """Register a check function as a rule. Rules run in registration order."""

    def register(check: Check) -> Check:
        if id in REGISTRY:
            raise ValueError(f"two review rules with the id {id!r}")
        REGISTRY[id] = Rule(id, title, title_en, severity, description, check)
        return check

    return register
