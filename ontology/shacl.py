"""Validate a data graph against the jixiao SHACL shapes.

    report = validate(graph)
    report.conforms                  # no violations (warnings allowed)
    group_findings(report.findings)  # [FindingGroup(severity, message, count), ...] for a summary

The shapes and the ontology are parsed once per process. The data is validated together with
the ontology, so that sh:class sees the subclass axioms (a jx:QuantitativeTarget is a jx:Target)
and the category and comparator concepts with their skos:inScheme and skos:broader, without
the caller adding the ontology to the data.

Why not pyshacl's `ont_graph`: it copies only RDFS/OWL axioms (classes, properties, and
owl:NamedIndividual nodes) into the data graph, so the SKOS concepts would be missing and every
jx:category would fail its skos:Concept check. Merging into one plain graph ourselves costs the
same single copy of the data that `ont_graph` would have made.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Literal

import pyshacl
import rdflib
from rdflib import RDF, SH, BNode, ConjunctiveGraph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ontology import SHAPES_FILES, load_graph, ontology_graph

Severity = Literal["violation", "warning"]


@dataclass(frozen=True)
class Finding:
    """One validation result. sh:Info results, if a shape ever has that severity, are warnings.

    `path` is the property IRI for a simple path; a complex path is written in SPARQL
    property-path syntax with full IRIs, e.g. `^<…#hasIndicator>`. `message` is in the language
    asked for. `component` is the local name of the SHACL constraint component that fired
    (MinCountConstraintComponent, SPARQLConstraintComponent, ...).
    """

    severity: Severity
    focus: str
    path: str | None
    message: str
    shape: str
    value: str | None
    component: str


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool  # no violations; warnings do not count
    findings: list[Finding]

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


@dataclass(frozen=True)
class FindingGroup:
    severity: Severity
    message: str
    count: int


@cache
def shapes_graph() -> rdflib.Graph:
    """Both shapes files in one graph, parsed once. Shared: do not modify."""
    return load_graph(SHAPES_FILES)


def validate(data: rdflib.Graph, lang: str = "zh") -> ValidationReport:
    """Validate `data` against the mandatory and recommended shapes.

    `data` may be a Dataset: its named graphs are validated as one union, so that a project in
    one document's graph may point at a unit described in another. `lang` picks which of each
    shape's messages (@zh, @en) goes into `Finding.message`.
    """
    _, results, _ = pyshacl.validate(
        _with_ontology(data),
        shacl_graph=shapes_graph(),
        # Subclass closure is all the shapes need, and SHACL's sh:class and sh:targetClass
        # already follow rdfs:subClassOf in the merged ontology. RDFS inference would also
        # type nodes from rdfs:domain and rdfs:range, which would hide exactly the untyped
        # nodes the mandatory sh:class rules are there to catch (and cost a lot on big graphs).
        inference="none",
        allow_warnings=True,
        # SHACL-AF, for the SPARQL targets of the two arithmetic warnings (see recommended.ttl).
        advanced=True,
        # The merged graph is ours, a throw-away copy: no need for pyshacl to copy it again.
        inplace=True,
    )
    # Only the report's own results: a failed sh:node also lists the nested shape's results
    # under sh:detail, which would count one problem twice.
    findings = sorted(
        (_finding(results, result, lang) for result in results.objects(predicate=SH.result)),
        key=lambda f: (f.severity != "violation", f.shape, f.focus, f.value or ""),
    )
    return ValidationReport(
        conforms=not any(f.severity == "violation" for f in findings),
        findings=findings,
    )


def _with_ontology(data: rdflib.Graph) -> rdflib.Graph:
    merged = rdflib.Graph()
    if isinstance(data, ConjunctiveGraph):
        # A Dataset's triples() sees only its default graph; quads() sees every named graph.
        merged.addN((s, p, o, merged) for s, p, o, _ in data.quads())
    else:
        merged += data
    merged += ontology_graph()
    return merged


def group_findings(findings: Iterable[Finding]) -> list[FindingGroup]:
    """Count findings by (severity, message): violations first, then the most frequent."""
    counts = Counter((f.severity, f.message) for f in findings)
    groups = [FindingGroup(severity, message, n) for (severity, message), n in counts.items()]
    return sorted(groups, key=lambda g: (g.severity != "violation", -g.count, g.message))


def _finding(results: rdflib.Graph, result: Node, lang: str) -> Finding:
    severity = results.value(result, SH.resultSeverity)
    path = results.value(result, SH.resultPath)
    value = results.value(result, SH.value)
    component = results.value(result, SH.sourceConstraintComponent)
    return Finding(
        severity="violation" if severity == SH.Violation else "warning",
        focus=str(results.value(result, SH.focusNode)),
        path=None if path is None else _render_path(results, path),
        message=_message(results, result, lang),
        shape=str(results.value(result, SH.sourceShape)),
        value=None if value is None else str(value),
        component=str(component).removeprefix(str(SH)),
    )


def _message(results: rdflib.Graph, result: Node, lang: str) -> str:
    messages = list(results.objects(result, SH.resultMessage))
    for message in messages:
        if isinstance(message, rdflib.Literal) and message.language == lang:
            return str(message)
    # Any message beats none; pyshacl writes an English one for shapes that have no sh:message.
    return str(messages[0]) if messages else ""


def _render_path(graph: rdflib.Graph, path: Node, nested: bool = False) -> str:
    """A SHACL path as SPARQL property-path text; a plain predicate is its bare IRI."""
    if isinstance(path, URIRef):
        return str(path) if not nested else f"<{path}>"
    if not isinstance(path, BNode):
        return str(path)
    if (path, RDF.first, None) in graph:
        sequence = "/".join(_render_path(graph, p, nested=True) for p in Collection(graph, path))
        return f"({sequence})" if nested else sequence
    if (inverse := graph.value(path, SH.inversePath)) is not None:
        return f"^{_render_path(graph, inverse, nested=True)}"
    if (alternatives := graph.value(path, SH.alternativePath)) is not None:
        parts = (_render_path(graph, p, nested=True) for p in Collection(graph, alternatives))
        return "(" + "|".join(parts) + ")"
    for predicate, suffix in (
        (SH.zeroOrMorePath, "*"),
        (SH.oneOrMorePath, "+"),
        (SH.zeroOrOnePath, "?"),
    ):
        if (inner := graph.value(path, predicate)) is not None:
            return f"{_render_path(graph, inner, nested=True)}{suffix}"
    return str(path)
