"""Read the searchable entries out of the graph with SPARQL, and compose the text each is embedded as.

The graph (through the ontology) is the only contract with ingest: nothing here imports ingest's
records. Composition is a `Recipe` so the benchmark can compare what helps; the default is the one
measured best (bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from enum import StrEnum
from functools import cache
from typing import Any, Protocol

from rdflib import Literal
from rdflib.query import Result

from ontology import ontology_graph, prologue
from search.entries import Entry, Kind, Ref, TargetValue


class Recipe(StrEnum):
    """What an indicator's text holds besides its name (objectives and projects are fixed)."""

    NAME = "name"  # 落实村干部任职补贴资金
    NAME_CATEGORY = "name+category"  # … 产出指标/成本指标
    NAME_CATEGORY_TARGET = "name+category+target"  # … 目标 138.02元
    FULL = "name+category+target+project"  # … 项目 村干部任职补贴


DEFAULT_RECIPE = Recipe.NAME_CATEGORY_TARGET
PROJECT_INDICATOR_NAMES = 4  # a project's text: its name and this many of its indicators' names

PREFIXES = prologue()

# Every query reads `GRAPH ?g`, the document's named graph; reading one document alone puts its
# IRI in place of ?g (`_scoped`), so Oxigraph reads that graph's quads and nothing else.
PROJECTS = """
SELECT ?g ?iri ?label ?year ?unit ?amount WHERE { GRAPH ?g {
  ?iri a jx:Project ; rdfs:label ?label .
  OPTIONAL { ?iri jx:fiscalYear ?year }
  OPTIONAL { ?iri jx:unit ?unit }
  OPTIONAL { ?iri jx:amountWanYuan ?amount }
} }
"""

OBJECTIVES = """
SELECT ?g ?iri ?text ?project ?ordinal WHERE { GRAPH ?g {
  ?project jx:hasObjective ?iri .
  ?iri dcterms:description ?text .
  OPTIONAL { ?iri jx:ordinal ?ordinal }
} }
"""

INDICATORS = """
SELECT ?g ?iri ?label ?project ?ordinal ?category ?raw ?type ?comparator ?number ?unitText WHERE { GRAPH ?g {
  ?project jx:hasIndicator ?iri .
  ?iri rdfs:label ?label .
  OPTIONAL { ?iri jx:ordinal ?ordinal }
  OPTIONAL { ?iri jx:category ?category }
  OPTIONAL {
    ?iri jx:target ?t .
    ?t jx:rawText ?raw .
    OPTIONAL { ?t a ?type . FILTER(?type != jx:Target) }
    OPTIONAL { ?t jx:comparator ?comparator }
    OPTIONAL { ?t qudt:numericValue ?number }
    OPTIONAL { ?t jx:unitText ?unitText }
  }
} }
"""

UNITS = """
SELECT ?unit ?label ?parent WHERE { GRAPH ?g {
  ?unit a jx:BudgetUnit .
  OPTIONAL { ?unit rdfs:label ?label }
  OPTIONAL { ?unit org:subOrganizationOf ?parent }
} }
"""

TARGET_TYPES = {
    "QuantitativeTarget": "quantitative",
    "QualitativeTarget": "qualitative",
    "DateTarget": "date",
    "UnparsedTarget": "unparsed",
}
COMPARATORS = {"ge": "≥", "gt": "＞", "eq": "＝", "lt": "＜", "le": "≤"}


class Queryable(Protocol):
    """Anything with rdflib's `query`: the store, a Graph, a Dataset."""

    def query(self, sparql: str) -> Result: ...


def read_entries(
    source: Queryable,
    graph: str | None = None,
    recipe: Recipe = DEFAULT_RECIPE,
    project_indicators: int = PROJECT_INDICATOR_NAMES,
) -> list[Entry]:
    """Every project, objective and indicator in the store, or in one document's graph.

    With `graph`, every query (units too) reads that graph alone: the work is the document's size,
    whatever the store holds. A `VALUES ?g` binding did not scope it: reading one 8-entry
    document took 12 ms beside 3 documents and 1.26 s beside 5,009 (issue 16), and the units of
    the whole store were read for each document. What another document says (a unit's label)
    does not enter this one's texts either."""

    def rows(body: str) -> Iterator[Any]:
        yield from source.query(PREFIXES + _scoped(body, graph))

    units = _units(source, graph)
    projects: dict[str, Entry] = {}
    for row in rows(PROJECTS):
        iri = str(row.iri)
        label = str(row.label)
        unit = units.get(str(row.unit)) if row.unit is not None else None
        project = Entry(
            iri=iri,
            kind=Kind.PROJECT,
            label=label,
            text=label,
            document=graph or str(row.g),
            unit=unit[0] if unit else None,
            township=unit[1] if unit else None,
            project=Ref(iri, label),
            year=int(row.year) if row.year is not None else None,
            amount=float(row.amount) if row.amount is not None else None,
        )
        projects.setdefault(iri, project)

    entries: list[Entry] = list(projects.values())
    for row in rows(OBJECTIVES):
        owner = projects.get(str(row.project))
        if owner is None:
            continue
        text = " ".join(str(row.text).split())
        entries.append(_child(owner, str(row.iri), Kind.OBJECTIVE, text, text))

    indicators: dict[str, Entry] = {}
    order: dict[str, int] = {}
    for row in rows(INDICATORS):
        iri = str(row.iri)
        owner = projects.get(str(row.project))
        if owner is None or iri in indicators:
            continue  # a second row only repeats the target's class (jx:Target's subclasses)
        level1, level2 = category_refs(str(row.category)) if row.category is not None else (None, None)
        target = _target(row)
        label = " ".join(str(row.label).split())
        text = indicator_text(label, level1, level2, target, owner, recipe)
        indicators[iri] = _child(owner, iri, Kind.INDICATOR, label, text, level1, level2, target)
        order[iri] = int(row.ordinal) if row.ordinal is not None else 0
    entries.extend(indicators.values())
    # Grouped once: scanning every indicator for each project was quadratic (530 s for the texts
    # of 100k indicators, bench/RESULTS.md "Scale").
    by_project: dict[str, list[Entry]] = {}
    for indicator in indicators.values():
        if indicator.project is not None:
            by_project.setdefault(indicator.project.iri, []).append(indicator)
    return [
        _with_indicator_names(entry, by_project.get(entry.iri, ()), order, project_indicators)
        for entry in entries
    ]


def _with_indicator_names(entry: Entry, own: Iterable[Entry], order: dict[str, int], count: int) -> Entry:
    """A project's text is its name and its first indicators' names: "村委会办公经费：办公经费标准、…".

    A name alone is too short to place a project ("组干部补贴"); its first indicators (quantity,
    quality, cost, in table order) say what it pays for. Measured on the benchmark
    (bench/RESULTS.md): project precedents hit@3 9/17 with the name only, 16/17 with four names,
    11/17 with eight or sixteen (the later, generic effect and satisfaction indicators blur it);
    hybrid nDCG@10 0.627 -> 0.649.
    """
    if entry.kind != Kind.PROJECT or count <= 0:
        return entry
    ordered = sorted(own, key=lambda i: order.get(i.iri, 0))
    names = list(dict.fromkeys(i.label for i in ordered))[:count]
    return replace(entry, text=f"{entry.label}：{'、'.join(names)}" if names else entry.label)


def indicator_text(
    label: str,
    level1: Ref | None,
    level2: Ref | None,
    target: TargetValue | None,
    project: Entry,
    recipe: Recipe,
) -> str:
    parts = [label]
    if recipe != Recipe.NAME:
        path = "/".join(ref.label for ref in (level1, level2) if ref is not None)
        if path:
            parts.append(path)
    if recipe in (Recipe.NAME_CATEGORY_TARGET, Recipe.FULL) and target is not None and target.raw:
        parts.append(f"目标 {target.raw}")
    if recipe == Recipe.FULL:
        parts.append(f"项目 {project.label}")
    return "；".join(parts)


def _child(
    owner: Entry,
    iri: str,
    kind: Kind,
    label: str,
    text: str,
    level1: Ref | None = None,
    level2: Ref | None = None,
    target: TargetValue | None = None,
) -> Entry:
    return Entry(
        iri=iri,
        kind=kind,
        label=label,
        text=text,
        document=owner.document,
        unit=owner.unit,
        township=owner.township,
        project=owner.project,
        year=owner.year,
        level1=level1,
        level2=level2,
        target=target,
    )


def _target(row: Any) -> TargetValue | None:
    if row.raw is None:
        return None
    kind = TARGET_TYPES.get(_local(row.type), "unparsed") if row.type is not None else "unparsed"
    comparator = COMPARATORS.get(_local(row.comparator)) if row.comparator is not None else None
    number = float(row.number.toPython()) if isinstance(row.number, Literal) else None
    unit = str(row.unitText) if row.unitText is not None else None
    return TargetValue(
        raw=" ".join(str(row.raw).split()), type=kind, comparator=comparator, number=number, unit=unit
    )


def _scoped(body: str, graph: str | None) -> str:
    """The query for all documents (`GRAPH ?g`), or with one document's graph IRI in place of ?g."""
    if graph is None:
        return body
    if any(c in graph for c in '<>"{}|^`\\ '):
        raise ValueError(f"not a graph IRI: {graph!r}")
    return body.replace("SELECT ?g ", "SELECT ", 1).replace("GRAPH ?g {", f"GRAPH <{graph}> {{", 1)


def _units(source: Queryable, graph: str | None = None) -> dict[str, tuple[Ref, Ref]]:
    """Each unit with its township: the top of its org:subOrganizationOf chain."""
    labels: dict[str, str] = {}
    parents: dict[str, str] = {}
    rows: Iterator[Any] = iter(source.query(PREFIXES + _scoped(UNITS, graph)))
    for row in rows:
        unit = str(row.unit)
        if row.label is not None:
            labels.setdefault(unit, str(row.label))
        if row.parent is not None:
            parents.setdefault(unit, str(row.parent))

    def top(unit: str) -> str:
        seen = {unit}
        while unit in parents and parents[unit] not in seen:
            unit = parents[unit]
            seen.add(unit)
        return unit

    result = {}
    for unit in set(labels) | set(parents):
        root = top(unit)
        result[unit] = (Ref(unit, labels.get(unit, unit)), Ref(root, labels.get(root, root)))
    return result


@cache
def _categories() -> dict[str, tuple[str, str | None]]:
    """Category IRI -> (its Chinese label, its broader category's IRI)."""
    graph = ontology_graph()  # parsed once per process, shared
    query = """
    PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
    SELECT ?c ?label ?broader WHERE {
      ?c skos:prefLabel ?label . FILTER(lang(?label) = "zh")
      OPTIONAL { ?c skos:broader ?broader }
    }"""
    return {
        str(row.c): (str(row.label), str(row.broader) if row.broader is not None else None)  # type: ignore[union-attr]
        for row in graph.query(query)
    }


def category_refs(category: str) -> tuple[Ref | None, Ref | None]:
    """(level 1, level 2) for a category IRI; a level-1 category has no level 2."""
    known = _categories()
    if category not in known:
        return None, None
    label, broader = known[category]
    if broader is None or broader not in known:
        return Ref(category, label), None
    return Ref(broader, known[broader][0]), Ref(category, label)


def category_by_label(label: str, level: int | None = None) -> str | None:
    """The category IRI whose Chinese label or local name is `label` (for filters typed by users).

    `level` settles the one label both trees use: 成本指标 is a level-2 category under 产出 before
    2021 (outputCost) and a level-1 category from 2021 (cost).
    """
    wanted = label.strip()
    known = _categories()
    for iri, (name, broader) in known.items():
        is_level1 = broader is None or broader not in known
        if level is not None and is_level1 != (level == 1):
            continue
        if wanted in (name, iri.rsplit("/", 1)[-1], name.removesuffix("指标")):
            return iri
    return None


def _local(term: Any) -> str:
    return str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def category_labels() -> list[str]:
    """Every category's Chinese label, also without its 指标 suffix (数量指标, 数量)."""
    # Only the indicator categories, not the scheme and collection names ("2021年指标体系").
    labels = [
        label for label, _broader in _categories().values() if label.endswith("指标") and "体系" not in label
    ]
    return list(dict.fromkeys([*labels, *(label.removesuffix("指标") for label in labels)]))
