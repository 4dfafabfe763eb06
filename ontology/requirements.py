"""The categories a review requires of every project, read from the ontology (`jxcat:required`).

One source for the review rule, cookbook query 04 (which reads the same collection in SPARQL),
drafting's required slots, and the pages (through /api/draft and /api/categories), so that a
change of the rules is a change of `categories.ttl` (issue 18).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SKOS
from rdflib.term import Node

from ontology import ontology_graph
from ontology.namespace import JXCAT


@dataclass(frozen=True)
class Requirement:
    """One required group: a category, or a collection any of whose members meets it."""

    iri: str
    label: str  # 数量指标 … 满意度指标, as the forms and the review say it
    label_en: str
    members: tuple[str, ...]  # the categories that meet it (and any category under one of them)
    level1: str  # the first-level category a form puts it under (its first member's, or itself)

    @property
    def short(self) -> str:
        """数量, 质量 … 满意度: the label without 指标, for sentences that list them."""
        return self.label.removesuffix("指标")


def _label(graph: Graph, node: URIRef, language: str) -> str:
    for value in graph.objects(node, SKOS.prefLabel):
        if isinstance(value, Literal) and value.language == language:
            return str(value)
    raise ValueError(f"{node} has no skos:prefLabel in {language}")


@cache
def required_categories() -> tuple[Requirement, ...]:
    graph = ontology_graph()
    head = graph.value(JXCAT.required, SKOS.memberList)
    if head is None:
        raise ValueError("categories.ttl: jxcat:required has no skos:memberList")
    found = []
    for node in Collection(graph, head):
        assert isinstance(node, URIRef)
        # A group: any member meets it, and the first is what a form proposes.
        listed = graph.value(node, SKOS.memberList)
        members = tuple(str(m) for m in Collection(graph, listed)) if listed is not None else (str(node),)
        first = URIRef(members[0])
        broader = graph.value(first, SKOS.broader)
        found.append(
            Requirement(
                iri=str(node),
                label=_label(graph, node, "zh"),
                label_en=_label(graph, node, "en"),
                members=members,
                level1=str(broader if broader is not None else first),
            )
        )
    return tuple(found)


def required_sentence() -> str:
    """数量、质量、时效、成本、效益和满意度: the groups as a Chinese list."""
    shorts = [r.short for r in required_categories()]
    return "、".join(shorts[:-1]) + "和" + shorts[-1]


def categories_under(iris: tuple[str, ...]) -> set[str]:
    """The categories whose skos:broader chain reaches one of `iris` (not `iris` themselves)."""
    graph = ontology_graph()
    roots = {URIRef(i) for i in iris}
    found: set[str] = set()
    for narrower, _, above in graph.triples((None, SKOS.broader, None)):
        seen = {narrower}
        broader: Node | None = above
        while isinstance(broader, URIRef) and broader not in seen:
            if broader in roots and narrower not in roots:
                found.add(str(narrower))
                break
            seen.add(broader)
            broader = graph.value(broader, SKOS.broader)
    return found
