"""What a review is made of: findings, rules, and the context rules read the graph through."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
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

    def record(
        self, place: Place | None = None, id_of: Callable[[str], str] | None = None, row: int | None = None
    ) -> FindingRecord:
        """The one JSON shape of a finding (the API's review, a draft's review, `jixiao review --json`):
        `place` is its project's, `id_of` gives the ids of the API's URLs, `row` a draft's row."""
        return FindingRecord(
            id=self.id,
            rule=self.rule,
            severity=self.severity,
            severity_zh=self.severity.zh,
            focus=self.focus,
            focus_id=id_of(self.focus) if id_of else None,
            focus_label=self.focus_label,
            project=self.project,
            project_id=id_of(self.project) if id_of and self.project else None,
            project_label=place.label if place else None,
            unit=place.unit if place else None,
            township=place.township if place else None,
            document=place.document if place else None,
            row=row,
            message=self.message,
            message_en=self.message_en,
            values=list(self.values),
        )

    def to_json(self) -> dict[str, Any]:
        return self.record().model_dump(mode="json")


class Place(Protocol):
    """Where a finding's project is (jixiao.review.run.ProjectInfo)."""

    @property
    def label(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def township(self) -> str: ...
    @property
    def document(self) -> str: ...


class Record(BaseModel):
    """A JSON shape programs read. Every key is declared (extra="forbid"): a key added in code
    without its field fails where the record is made, instead of being dropped from the answer."""

    model_config = ConfigDict(extra="forbid")


class FindingRecord(Record):
    """A review finding as the API, a draft's review and `jixiao review --json` all give it."""

    id: str = Field(description="stable across runs and re-ingests: a hash of the rule, focus and values")
    rule: str = Field(description="the rule's id, e.g. missing-category")
    severity: Severity = Field(description="error, warning or info")
    severity_zh: str = Field(description="the severity in Chinese: 错误, 警告, 提示")
    focus: str = Field(
        description="the IRI of what it is about: a project, indicator, objective or unit budget"
    )
    focus_id: str | None = Field(description="the focus's id in the API's URLs; null where it has no page")
    focus_label: str = Field(description="the focus's name as written")
    project: str | None = Field(description="the IRI of the project it belongs to; null for a unit budget")
    project_id: str | None = Field(description="the project's id in the API's URLs; null where it has none")
    project_label: str | None = Field(description="the project's name; null when not known here")
    unit: str | None = Field(description="the project's budget unit; null when not known here")
    township: str | None = Field(description="the project's township; null when not known here")
    document: str | None = Field(description="the file the project was read from; null when not known here")
    row: int | None = Field(description="a draft's table row it is about (1-based); null outside a draft")
    message: str = Field(description="what is wrong, in Chinese, for the reviewer")
    message_en: str = Field(description="the same in English")
    values: list[str] = Field(description="the offending values exactly as written")


class RuleRecord(Record):
    """A review rule as the API lists it."""

    id: str = Field(description="the rule's id, e.g. missing-category")
    title: str = Field(description="its name in Chinese")
    title_en: str = Field(description="its name in English")
    severity: Severity = Field(description="the highest severity it reports")
    description: str = Field(description="what it checks and why, in English")


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

    def record(self) -> RuleRecord:
        return RuleRecord(
            id=self.id,
            title=self.title,
            title_en=self.title_en,
            severity=self.severity,
            description=self.description,
        )

    def to_json(self) -> dict[str, Any]:
        return self.record().model_dump(mode="json")


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
