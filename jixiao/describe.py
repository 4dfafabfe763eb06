"""Human-readable names for graph nodes, so findings say "党校工作经费 › 培训及时率", not an IRI."""

from __future__ import annotations

from rdflib import RDFS, Graph, URIRef

from ontology.namespace import JX


def describe(graph: Graph, node: URIRef) -> str:
    """The project and indicator (or objective) a node belongs to, by their labels."""
    indicator = next(graph.subjects(JX.target, node), None)  # when the node is a target
    subject = indicator if isinstance(indicator, URIRef) else node
    parts: list[str] = []
    project = next(graph.subjects(JX.hasIndicator, subject), None) or next(
        graph.subjects(JX.hasObjective, subject), None
    )
    for part in (project, subject):
        if isinstance(part, URIRef):
            label = graph.value(part, RDFS.label)
            if label is not None:
                parts.append(str(label))
    return " › ".join(parts) if parts else str(node)
