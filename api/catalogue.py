"""What the pages show about one project, one indicator, the units and the categories, read from
the graph by SPARQL (the ontology is the contract: nothing here knows how a file was read)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import pyoxigraph as ox

from api.sparql import ProtocolError, QueryEngine
from ontology import prologue
from ontology.requirements import required_categories
from search.texts import COMPARATORS, TARGET_TYPES, category_refs

PREFIXES = prologue()

PROJECT = """
SELECT ?label ?year ?amount ?wan ?unit ?attribute ?period ?implementer ?document ?file ?line WHERE {
  ?p a jx:Project ; rdfs:label ?label .
  OPTIONAL { ?p jx:fiscalYear ?year }
  OPTIONAL { ?p jx:amount ?amount }
  OPTIONAL { ?p jx:amountWanYuan ?wan }
  OPTIONAL { ?p jx:unit ?unit }
  OPTIONAL { ?p jx:projectAttribute ?attribute }
  OPTIONAL { ?p jx:period ?period }
  OPTIONAL { ?p jx:implementingUnitName ?implementer }
  OPTIONAL { ?p prov:wasDerivedFrom ?loc . ?loc prov:hadPrimarySource ?document .
             OPTIONAL { ?loc jx:line ?line } OPTIONAL { ?document dcterms:title ?file } }
} LIMIT 1
"""

OBJECTIVES = """
SELECT ?o ?text ?ordinal ?overall WHERE {
  ?p jx:hasObjective ?o . ?o dcterms:description ?text .
  OPTIONAL { ?o jx:ordinal ?ordinal }
  BIND(EXISTS { ?o a jx:OverallObjective } AS ?overall)
} ORDER BY DESC(?overall) ?ordinal ?o
"""

# A target's typed fields, for whichever target ?t is bound to (jx:target, jx:mediumTermTarget).
TARGET_FIELDS = """
    OPTIONAL { ?t a ?type . FILTER(?type != jx:Target) }
    OPTIONAL { ?t jx:comparator ?comparator }
    OPTIONAL { ?t qudt:numericValue ?number }
    OPTIONAL { ?t jx:unitText ?unitText }
    OPTIONAL { ?t jx:isPlaceholder ?placeholder }"""

INDICATORS = f"""
SELECT ?i ?label ?ordinal ?category ?level1Label ?level2Label ?raw ?type ?comparator ?number ?unitText
       ?placeholder ?project WHERE {{
  ?project jx:hasIndicator ?i . ?i rdfs:label ?label .
  OPTIONAL {{ ?i jx:ordinal ?ordinal }}
  OPTIONAL {{ ?i jx:category ?category }}
  OPTIONAL {{ ?i jx:level1Label ?level1Label }}
  OPTIONAL {{ ?i jx:level2Label ?level2Label }}
  OPTIONAL {{
    ?i jx:target ?t . ?t jx:rawText ?raw .{TARGET_FIELDS}
  }}
}} ORDER BY ?ordinal ?i
"""

# One indicator's page details: where it was read, and what some tables add (weight, direction,
# explanation, a medium-term value).
INDICATOR_DETAILS = f"""
SELECT ?sourceText ?document ?file ?line ?where ?weight ?direction ?explanation
       ?raw ?type ?comparator ?number ?unitText ?placeholder WHERE {{
  OPTIONAL {{ ?i jx:sourceText ?sourceText }}
  OPTIONAL {{ ?i prov:wasDerivedFrom ?loc . ?loc prov:hadPrimarySource ?document .
             OPTIONAL {{ ?loc jx:line ?line }} OPTIONAL {{ ?loc rdfs:label ?where }}
             OPTIONAL {{ ?document dcterms:title ?file }} }}
  OPTIONAL {{ ?i jx:weight ?weight }}
  OPTIONAL {{ ?i jx:direction ?direction }}
  OPTIONAL {{ ?i jx:explanation ?explanation }}
  OPTIONAL {{
    ?i jx:mediumTermTarget ?t . ?t jx:rawText ?raw .{TARGET_FIELDS}
  }}
}} LIMIT 1
"""
DIRECTIONS = {"positive": "正向", "negative": "反向"}

UNITS = """
SELECT ?unit ?label ?code ?parent
       (COUNT(DISTINCT ?project) AS ?projects) (COUNT(DISTINCT ?indicator) AS ?indicators) WHERE {
  ?unit a jx:BudgetUnit .
  OPTIONAL { ?unit rdfs:label ?label }
  OPTIONAL { ?unit org:identifier ?code }
  OPTIONAL { ?unit org:subOrganizationOf ?parent }
  OPTIONAL { ?project jx:unit ?unit . ?project a jx:Project .
             OPTIONAL { ?project jx:hasIndicator ?indicator } }
} GROUP BY ?unit ?label ?code ?parent ORDER BY ?code ?label
"""

# A unit and the units above it (a department, its township, …): what a page needs of units.
UNIT_CHAIN = """
SELECT ?u ?label ?code ?parent WHERE {
  ?start org:subOrganizationOf* ?u . ?u a jx:BudgetUnit .
  OPTIONAL { ?u rdfs:label ?label }
  OPTIONAL { ?u org:identifier ?code }
  OPTIONAL { ?u org:subOrganizationOf ?parent }
}
"""

CATEGORY_COUNTS = """
SELECT ?category (COUNT(?i) AS ?n) WHERE { ?i a jx:Indicator ; jx:category ?category } GROUP BY ?category
"""

CATEGORY_TREE = """
SELECT ?c ?zh ?en ?notation ?broader WHERE {
  ?c skos:inScheme jx:IndicatorCategoryScheme ; skos:prefLabel ?zh .
  FILTER(lang(?zh) = "zh")
  OPTIONAL { ?c skos:prefLabel ?en . FILTER(lang(?en) = "en") }
  OPTIONAL { ?c skos:notation ?notation }
  OPTIONAL { ?c skos:broader ?broader }
} ORDER BY ?notation
"""

# The standard order of the tree on a target form, whatever order a table listed it in.
LEVEL1_ORDER = ["output", "cost", "effect", "satisfaction"]


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Ids:
    """IRIs <-> the short ids in URLs: an IRI minus the base (`project/820001/2023/ab12…`)."""

    base: str

    def id(self, iri: str) -> str:
        return iri[len(self.base) :] if iri.startswith(self.base) else iri

    def iri(self, id_or_iri: str) -> str:
        text = id_or_iri.strip()
        if text.startswith(("http://", "https://", "urn:")):
            return text
        return self.base + text.lstrip("/")


class Catalogue:
    def __init__(self, store: QueryEngine, ids: Ids) -> None:
        self.store = store
        self.ids = ids

    def _select(self, body: str, **bound: str) -> list[dict[str, Any]]:
        """Rows as Python values; `bound` fixes variables to IRIs (a VALUES block at the start)."""
        if bound:
            try:
                terms = " ".join(str(ox.NamedNode(iri)) for iri in bound.values())  # validated, escaped
            except ValueError as exc:
                raise NotFound(f"not an IRI: {exc}") from None
            variables = " ".join(f"?{name}" for name in bound)
            body = body.replace("WHERE {", f"WHERE {{ VALUES ({variables}) {{ ({terms}) }}", 1)
        # pyoxigraph's results must be dropped on this thread: a remote store's failure while they
        # are read is re-raised here, outside the frame that holds them (as in api.sparql.Endpoint).
        failure: ProtocolError | None = None
        try:
            return self._rows(PREFIXES + body)
        except ProtocolError as exc:
            failure = ProtocolError(exc.status, exc.message)
        raise failure

    def _rows(self, text: str) -> list[dict[str, Any]]:
        solutions = self.store.query(text, use_default_graph_as_union=True)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [{name: _python(row[name]) for name in names} for row in solutions]

    def _ref(self, iri: str, label: str | None) -> dict[str, str]:
        return {"iri": iri, "id": self.ids.id(iri), "label": label or iri}

    def _unit(self, iri: str | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """(unit, township): the township is the top of the unit's org:subOrganizationOf chain."""
        if iri is None:
            return None, None
        chain = {r["u"]: r for r in self._select(UNIT_CHAIN, start=iri)}
        if iri not in chain:
            return {**self._ref(iri, None), "code": None}, None  # the same shape as brief()
        top, seen = iri, {iri}
        while chain[top]["parent"] in chain and chain[top]["parent"] not in seen:
            top = chain[top]["parent"]
            seen.add(top)

        def brief(unit: str) -> dict[str, Any]:
            return {**self._ref(unit, chain[unit]["label"]), "code": chain[unit]["code"]}

        return brief(iri), brief(top)

    # -- the views --

    def project(self, id_or_iri: str) -> dict[str, Any]:
        iri = self.ids.iri(id_or_iri)
        rows = self._select(PROJECT, p=iri)
        if not rows:
            raise NotFound(f"no project {id_or_iri}")
        row = rows[0]
        unit, township = self._unit(row["unit"])
        objectives = [
            {"iri": o["o"], "id": self.ids.id(o["o"]), "text": o["text"], "ordinal": o["ordinal"],
             "overall": bool(o["overall"])}
            for o in self._select(OBJECTIVES, p=iri)
        ]  # fmt: skip
        indicators = [self._indicator(r) for r in self._select(INDICATORS, project=iri)]
        return {
            **self._ref(iri, row["label"]),
            "year": row["year"],
            "amount_yuan": row["amount"],
            "amount_wan_yuan": row["wan"],
            "unit": unit,
            "township": township,
            "attribute": row["attribute"],
            "period": row["period"],
            "implementing_unit": row["implementer"],
            "source": _source(row),
            "objectives": objectives,
            "indicator_count": len(indicators),
            "tree": _tree(indicators),
        }

    def indicator(self, id_or_iri: str) -> dict[str, Any]:
        iri = self.ids.iri(id_or_iri)
        rows = [r for r in self._select(INDICATORS, i=iri)]
        if not rows:
            raise NotFound(f"no indicator {id_or_iri}")
        found = self._indicator(rows[0])
        project_rows = self._select(PROJECT, p=rows[0]["project"])
        project = project_rows[0] if project_rows else {"label": None, "year": None, "unit": None}
        unit, township = self._unit(project["unit"])
        [facts] = self._select(INDICATOR_DETAILS, i=iri) or [{}]
        direction = str(facts.get("direction") or "").rsplit("#", 1)[-1]
        return {
            **found,
            "medium_term_target": _target(facts) if facts.get("raw") is not None else None,
            "weight": facts.get("weight"),
            "direction": DIRECTIONS.get(direction),
            "explanation": facts.get("explanation"),
            "project": self._ref(rows[0]["project"], project["label"]),
            "year": project["year"],
            "unit": unit,
            "township": township,
            "source_text": facts.get("sourceText"),
            "source": _source(facts),
        }

    def _indicator(self, row: dict[str, Any]) -> dict[str, Any]:
        level1, level2 = category_refs(row["category"]) if row["category"] else (None, None)
        target = _target(row) if row["raw"] is not None else None
        return {
            **self._ref(row["i"], row["label"]),
            "ordinal": row["ordinal"],
            "level1": {"iri": level1.iri, "label": level1.label} if level1 else None,
            "level2": {"iri": level2.iri, "label": level2.label} if level2 else None,
            "level1_as_written": row["level1Label"],
            "level2_as_written": row["level2Label"],
            "target": target,
        }

    def units(self) -> list[dict[str, Any]]:
        rows = self._select(UNITS)
        labels = {r["unit"]: r["label"] for r in rows}
        return [
            {
                **self._ref(r["unit"], r["label"]),
                "code": r["code"],
                "parent": self._ref(r["parent"], labels.get(r["parent"])) if r["parent"] else None,
                "projects": r["projects"],
                "indicators": r["indicators"],
            }
            for r in rows
        ]

    def categories(self) -> list[dict[str, Any]]:
        """The SKOS category tree (both trees' level 1, their level 2) with indicator counts, each
        category marked with the review requirement it meets (`requirement`: 数量指标 … or null)."""
        counts = {r["category"]: r["n"] for r in self._select(CATEGORY_COUNTS)}
        meets = {m: r.label for r in required_categories() for m in r.members}
        nodes: dict[str, dict[str, Any]] = {}
        broader: dict[str, str] = {}
        for r in self._select(CATEGORY_TREE):
            nodes[r["c"]] = {
                "iri": r["c"],
                "id": r["c"].rsplit("/", 1)[-1],
                "label": r["zh"],
                "label_en": r["en"],
                "notation": r["notation"],
                "indicators": counts.get(r["c"], 0),
                "requirement": meets.get(r["c"]),
                "children": [],
            }
            if r["broader"]:
                broader[r["c"]] = r["broader"]
        roots = []
        for iri, node in nodes.items():
            parent = nodes.get(broader.get(iri, ""))
            if parent is None:
                roots.append(node)
            else:
                parent["children"].append(node)
        for root in roots:
            root["indicators"] += sum(child["indicators"] for child in root["children"])
        return roots


def _tree(indicators: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Indicators grouped level 1 -> level 2, level 1 in the standard order, source order within."""
    tree: dict[str, tuple[dict[str, Any], dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]]] = {}
    for indicator in indicators:
        level1 = indicator["level1"] or {"iri": None, "label": indicator["level1_as_written"] or "未分类"}
        level2 = indicator["level2"] or {"iri": None, "label": indicator["level2_as_written"] or "未分类"}
        _, seconds = tree.setdefault(level1["label"], (level1, {}))
        seconds.setdefault(level2["label"], (level2, []))[1].append(indicator)

    def order(level1: dict[str, Any]) -> int:
        local = (level1["iri"] or "").rsplit("/", 1)[-1]
        return LEVEL1_ORDER.index(local) if local in LEVEL1_ORDER else len(LEVEL1_ORDER)

    return [
        {"level1": level1, "groups": [{"level2": l2, "indicators": items} for l2, items in seconds.values()]}
        for level1, seconds in sorted(tree.values(), key=lambda pair: order(pair[0]))
    ]


def _target(row: dict[str, Any]) -> dict[str, Any]:
    type_name = row["type"].rsplit("#", 1)[-1] if row.get("type") else None
    comparator = row["comparator"].rsplit("/", 1)[-1] if row.get("comparator") else None
    return {
        "raw": row["raw"],
        "type": TARGET_TYPES.get(type_name or "", None),
        "comparator": COMPARATORS.get(comparator or "", comparator),
        "number": row.get("number"),
        "unit": row.get("unitText"),
        "placeholder": bool(row.get("placeholder")),
    }


def _source(row: dict[str, Any]) -> dict[str, Any] | None:
    if not row.get("document"):
        return None
    return {
        "document": row["document"],
        "file": row.get("file"),
        "line": row.get("line"),
        "where": row.get("where"),  # sheet, table or page of a spreadsheet, Word or PDF file
    }


def _python(term: Any) -> Any:
    """A SPARQL term as JSON-friendly Python: IRIs and strings as str, numbers as numbers."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value.rsplit("#", 1)[-1]
        if datatype in ("integer", "int", "long", "gYear"):
            try:
                return int(term.value)
            except ValueError:
                return term.value
        if datatype in ("decimal", "double", "float"):
            try:
                return float(Decimal(term.value))
            except InvalidOperation:
                return term.value
        if datatype == "boolean":
            return term.value in ("true", "1")
        return term.value
    return term.value
