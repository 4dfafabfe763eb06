"""Findings as RDF, in one named graph that each review replaces.

Vocabulary (ontology/jixiao.ttl, "Review"): a finding is a jx:ReviewFinding ⊑ sh:ValidationResult
with SHACL's sh:focusNode, sh:resultSeverity, sh:resultMessage (@zh and @en) and sh:value, plus
jx:rule and jx:aboutProject. The graph's own IRI names the run (a jx:Review ⊑ prov:Activity, with
prov:endedAtTime and prov:used for each document reviewed), as a document's graph IRI names the
document. Rules get IRIs under RULE_NAMESPACE, with labels and descriptions written here: they are
defined in code, so each run states the definitions it used.

The graph is not a source document (it has no jx:SourceDocument), so `documents()`, the search
index and `stats` do not count it; SPARQL's default graph (the union) includes it, so analysts join
findings with projects and indicators directly.
"""

from __future__ import annotations

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, SH

from jixiao.review.model import Finding, Rule, Severity
from jixiao.review.run import Review
from ontology import bind_prefixes
from ontology.namespace import JX

RULE_NAMESPACE = Namespace("https://w3id.org/jixiao/review/rule/")
SEVERITY = {Severity.ERROR: SH.Violation, Severity.WARNING: SH.Warning, Severity.INFO: SH.Info}


def review_graph_iri(base_iri: str) -> URIRef:
    """`<base>review`, e.g. https://w3id.org/jixiao/id/review: one graph for the latest review."""
    return URIRef(base_iri + ("" if base_iri.endswith(("/", "#")) else "/") + "review")


def finding_iri(graph: URIRef, finding: Finding) -> URIRef:
    return URIRef(f"{graph}/finding/{finding.id}")


def rule_iri(rule: Rule | str) -> URIRef:
    return RULE_NAMESPACE[rule if isinstance(rule, str) else rule.id]


def review_graph(review: Review, graph: URIRef) -> Graph:
    """The findings, the rules and the run as one graph named `graph`."""
    g = Graph(identifier=graph)
    bind_prefixes(g)
    g.bind("sh", SH)
    g.bind("prov", PROV)
    g.bind("jxrule", RULE_NAMESPACE)
    g.add((graph, RDF.type, JX.Review))
    g.add((graph, RDFS.label, Literal("审核", lang="zh")))
    g.add((graph, PROV.endedAtTime, Literal(review.ended_at.isoformat(), datatype=XSD.dateTime)))
    for document in review.documents:
        g.add((graph, PROV.used, URIRef(document)))
    for r in review.rules:
        node = rule_iri(r)
        g.add((node, RDF.type, JX.ReviewRule))
        g.add((node, DCTERMS.identifier, Literal(r.id)))
        g.add((node, RDFS.label, Literal(r.title, lang="zh")))
        g.add((node, RDFS.label, Literal(r.title_en, lang="en")))
        g.add((node, RDFS.comment, Literal(r.description, lang="en")))
    for finding in review.findings:
        node = finding_iri(graph, finding)
        g.add((node, RDF.type, JX.ReviewFinding))
        g.add((node, JX.rule, rule_iri(finding.rule)))
        g.add((node, SH.focusNode, URIRef(finding.focus)))
        g.add((node, SH.resultSeverity, SEVERITY[finding.severity]))
        g.add((node, SH.resultMessage, Literal(finding.message, lang="zh")))
        g.add((node, SH.resultMessage, Literal(finding.message_en, lang="en")))
        for value in finding.values:
            g.add((node, SH.value, Literal(value)))
        if finding.project:
            g.add((node, JX.aboutProject, URIRef(finding.project)))
        g.add((node, JX.naturalKey, Literal(finding.key)))
        g.add((node, PROV.wasGeneratedBy, graph))
    return g
