"""Findings as RDF: the vocabulary, one named graph replaced per run, and no confusion with the
source documents' graphs (document list, search index state, stats)."""

from __future__ import annotations

from dataclasses import replace

from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SH

from jixiao import stats
from jixiao.review import ReviewContext, review_graph, review_graph_iri, run_review
from jixiao.review.rdf import rule_iri
from ontology.namespace import JX
from search.sync import graph_state
from tests.review.conftest import GOOD, Reviewer, table

SLIP = replace(GOOD, amount="138.02").with_row("成本指标", "落实村干部任职补贴资金", "138.02元")
GRAPH = review_graph_iri("https://w3id.org/jixiao/id/")


def test_the_review_graph_iri_is_under_the_base() -> None:
    assert str(GRAPH) == "https://w3id.org/jixiao/id/review"
    assert review_graph_iri("https://example.org/data") == URIRef("https://example.org/data/review")


def test_a_finding_in_rdf(reviewer: Reviewer) -> None:
    reviewed = reviewer(table(SLIP), rules=["cost-unit-slip"])
    (finding,) = reviewed.review.findings
    g = review_graph(reviewed.review, GRAPH)
    (node,) = g.subjects(RDF.type, JX.ReviewFinding)
    assert g.value(node, SH.focusNode) == URIRef(finding.focus)
    assert g.value(node, SH.resultSeverity) == SH.Violation
    assert g.value(node, JX.rule) == rule_iri("cost-unit-slip")
    assert g.value(node, JX.aboutProject) == URIRef(finding.project or "")
    assert {m.language for m in g.objects(node, SH.resultMessage) if isinstance(m, Literal)} == {"zh", "en"}
    assert set(g.objects(node, SH.value)) == {Literal("138.02元"), Literal("138.02万元")}
    assert g.value(node, PROV.wasGeneratedBy) == GRAPH
    rule = rule_iri("cost-unit-slip")
    assert (rule, RDF.type, JX.ReviewRule) in g
    assert g.value(rule, DCTERMS.identifier) == Literal("cost-unit-slip")
    assert {str(label.language) for label in g.objects(rule, RDFS.label) if isinstance(label, Literal)} == {
        "zh",
        "en",
    }
    assert (GRAPH, RDF.type, JX.Review) in g and g.value(GRAPH, PROV.endedAtTime) is not None
    assert set(g.objects(GRAPH, PROV.used)) == {URIRef(d) for d in reviewed.review.documents} != set()


def test_finding_ids_are_stable_across_runs_and_stores(reviewer: Reviewer) -> None:
    first = reviewer(table(SLIP), rules=["cost-unit-slip"])
    again = run_review(ReviewContext(first.store), first.review.rules)
    elsewhere = reviewer(table(SLIP), rules=["cost-unit-slip"])  # the same table ingested afresh
    ids = [f.id for f in first.review.findings]
    assert len(ids) == 1
    assert [f.id for f in again.findings] == [f.id for f in elsewhere.review.findings] == ids


def test_stored_findings_are_queryable_and_not_a_document(reviewer: Reviewer) -> None:
    reviewed = reviewer(table(SLIP), rules=["cost-unit-slip", "missing-category"])
    store = reviewed.store
    documents, state, figures = store.documents(), graph_state(store), stats.compute(store)
    store.replace_document(review_graph(reviewed.review, GRAPH))

    assert store.documents() == documents
    assert graph_state(store) == state
    after = stats.compute(store)
    # triples count every quad, the review graph's too
    assert after.model_copy(update={"triples": 0}) == figures.model_copy(update={"triples": 0})
    # The union default graph joins findings with what they are about.
    rows = list(
        store.query(
            """PREFIX jx: <https://w3id.org/jixiao/ns#>
               PREFIX sh: <http://www.w3.org/ns/shacl#>
               PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
               SELECT ?project ?name WHERE {
                 ?f a jx:ReviewFinding ;
                    jx:aboutProject/rdfs:label ?project ;
                    sh:focusNode/rdfs:label ?name }"""
        )
    )
    assert [(str(r[0]), str(r[1])) for r in rows] == [("党员培训经费", "落实村干部任职补贴资金")]  # type: ignore[index]


def test_a_new_review_replaces_the_old_one(reviewer: Reviewer) -> None:
    reviewed = reviewer(table(SLIP), rules=["cost-unit-slip"])
    store = reviewed.store
    store.replace_document(review_graph(reviewed.review, GRAPH))
    empty = replace(reviewed.review, findings=[])
    store.replace_document(review_graph(empty, GRAPH))
    count = "ASK { GRAPH ?g { ?f a <https://w3id.org/jixiao/ns#ReviewFinding> } }"
    assert not bool(store.query(count).askAnswer)
