"""The review rules (jixiao/review/) run on a draft before it is exported.

The draft is written as ingest would write it (`jixiao.drafting.export.draft_graph`), put with the
ontology's terms into an in-memory Oxigraph store, and reviewed there: the same SPARQL, the same
findings as `jixiao review` gives a filed table (cost against the amount, missing categories,
other years, percentages, satisfaction, placeholders, duplicates). The rules that compare a
table with others (`unit-total`: a unit's projects; `copy-paste`: the search index) have nothing
to compare a lone draft with and are not run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import RDF, Dataset, URIRef
from rdflib.query import Result

from jixiao.drafting.draft import DraftTable
from jixiao.drafting.export import draft_graph
from jixiao.review import Finding, ReviewContext, run_review
from jixiao.review.rules import all_rules
from jixiao.store import ontology_terms
from ontology.namespace import JX

SKIPPED = ("unit-total", "copy-paste")  # they compare with other tables, which a draft has none of


class _Queryable:
    """The dataset as the review reads a store: SPARQL in, a result out."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def query(self, sparql: str) -> Result:
        return self.dataset.query(sparql)


def review_table(table: DraftTable, base_iri: str) -> list[Finding]:
    """The findings of the review rules on one draft table, in the review's order."""
    return _review(table, base_iri)[0]


def _review(table: DraftTable, base_iri: str) -> tuple[list[Finding], dict[str, int]]:
    store = ox.Store()  # in memory
    dataset = Dataset(store=OxigraphStore(store=store), default_union=True)
    terms = ontology_terms()
    for triple in terms:
        dataset.add((*triple, URIRef(str(terms.identifier))))  # type: ignore[arg-type]
    # No rule reads where a row came from; a precedent IRI rdflib takes and Oxigraph refuses
    # ("http://%") must not stop the review.
    unsourced = replace(table, rows=[replace(row, precedents=[]) for row in table.rows])
    graph = draft_graph(unsourced, base_iri)
    rows = {
        str(s): int(str(o))
        for s, o in graph.subject_objects(JX.ordinal)
        if (s, RDF.type, JX.Indicator) in graph
    }
    name = URIRef(str(base_iri).rstrip("/") + "/draft/review-graph")
    for triple in graph:
        dataset.add((*triple, name))  # type: ignore[arg-type]
    rules = [r for r in all_rules() if r.id not in SKIPPED]
    review = run_review(ReviewContext(store=_Queryable(dataset)), rules)
    if review.errors:
        raise RuntimeError(f"the review could not run on the draft: {review.errors}")
    return review.findings, rows


def review_json(table: DraftTable, base_iri: str) -> dict[str, Any]:
    """What the page shows before export: findings (with the row they are about) and counts."""
    findings, rows = _review(table, base_iri)
    by_severity: dict[str, int] = {}
    for f in findings:
        by_severity[f.severity.value] = by_severity.get(f.severity.value, 0) + 1
    return {
        # `row`: the table row (1-based, in `table.rows` order) a finding is about; None for the project
        "findings": [f.record(row=rows.get(f.focus)).model_dump(mode="json") for f in findings],
        "counts": {"total": len(findings), "by_severity": by_severity},
        "rules": [r.to_json() for r in all_rules() if r.id not in SKIPPED],
    }
