"""The store's headline figures, computed with SPARQL over the union of all documents."""

from __future__ import annotations

from typing import Any

from rdflib import URIRef

from api.contracts import StoreFigures
from jixiao.store import Store
from ontology.namespace import JX

_COUNTED: dict[str, URIRef] = {
    "units": JX.BudgetUnit,
    "projects": JX.Project,
    "objectives": JX.Objective,
    "indicators": JX.Indicator,
}
_TARGET_KINDS: dict[str, URIRef] = {
    "quantitative": JX.QuantitativeTarget,
    "qualitative": JX.QualitativeTarget,
    "date": JX.DateTarget,
    "unparsed": JX.UnparsedTarget,
}


def _count(store: Store, cls: URIRef) -> int:
    # DISTINCT: a unit named in two documents is one unit, stated in two graphs.
    for row in store.query(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a <{cls}> }}"):
        return int(row[0])  # type: ignore[index, arg-type]
    return 0


def compute(store: Store) -> StoreFigures:
    """`jixiao stats`' figures; `--json` writes them as they are (api.contracts.StoreFigures)."""
    figures: dict[str, Any] = {key: _count(store, cls) for key, cls in _COUNTED.items()}
    figures["targets"] = {key: _count(store, cls) for key, cls in _TARGET_KINDS.items()}
    # Quads as stored, over every named graph: what `remove` takes away, plus the ontology's.
    figures["triples"] = store.quad_count()
    return StoreFigures.model_validate(figures)
