"""What the search indexes hold: one `Entry` per project, objective and indicator.

An entry carries the text that is embedded and tokenised plus everything a hit shows or a filter
tests (unit, township, year, categories, target), so a search never goes back to the graph.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    PROJECT = "project"
    OBJECTIVE = "objective"
    INDICATOR = "indicator"


@dataclass(frozen=True)
class Ref:
    """A labelled resource: a project, a unit, a category."""

    iri: str
    label: str


@dataclass(frozen=True)
class TargetValue:
    raw: str
    type: str  # quantitative | qualitative | date | unparsed
    comparator: str | None  # ≥ ＞ ＝ ＜ ≤, or None when the target states none
    number: float | None
    unit: str | None


@dataclass(frozen=True)
class Entry:
    iri: str
    kind: Kind
    label: str
    text: str  # what is embedded and tokenised
    document: str  # the named graph (source file) it came from
    unit: Ref | None
    township: Ref | None  # the top of the unit's org:subOrganizationOf chain
    project: Ref | None  # the entry itself for a project
    year: int | None
    level1: Ref | None = None
    level2: Ref | None = None
    target: TargetValue | None = None
    tokens: tuple[str, ...] = field(default=(), compare=False)
    amount: float | None = None  # a project's amount in 万元, as stated (drafting scales cost targets)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["tokens"] = list(self.tokens)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        def ref(key: str) -> Ref | None:
            value = data.get(key)
            return Ref(**value) if value else None

        target = data.get("target")
        return cls(
            iri=data["iri"],
            kind=Kind(data["kind"]),
            label=data["label"],
            text=data["text"],
            document=data["document"],
            unit=ref("unit"),
            township=ref("township"),
            project=ref("project"),
            year=data.get("year"),
            level1=ref("level1"),
            level2=ref("level2"),
            target=TargetValue(**target) if target else None,
            tokens=tuple(data.get("tokens") or ()),
            amount=data.get("amount"),
        )
