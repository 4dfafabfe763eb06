"""The required categories come from one place, the ontology's jxcat:required (issue 18): the
review rule, cookbook query 04, drafting's slots and /api/categories all follow it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS, SKOS

from jixiao.drafting.draft import REQUIRED
from jixiao.store import ontology_terms
from ontology.cookbook import cookbook_query
from ontology.namespace import JX, JXCAT
from ontology.requirements import categories_under, required_categories, required_sentence

CAT = "https://w3id.org/jixiao/category/"


def test_the_six_groups_in_the_order_of_a_form() -> None:
    assert [r.label for r in required_categories()] == [
        "数量指标",
        "质量指标",
        "时效指标",
        "成本指标",
        "效益指标",
        "满意度指标",
    ]
    assert required_sentence() == "数量、质量、时效、成本、效益和满意度"


@pytest.mark.parametrize(
    ("label", "members", "level1"),
    [
        ("数量指标", ("quantity",), "output"),
        ("成本指标", ("outputCost", "cost"), "output"),  # either tree; a form proposes the first
        ("效益指标", ("effect",), "effect"),  # a first level: any level 2 under it
    ],
)
def test_a_group_and_what_meets_it(label: str, members: tuple[str, ...], level1: str) -> None:
    [found] = [r for r in required_categories() if r.label == label]
    assert found.members == tuple(CAT + m for m in members)
    assert found.level1 == CAT + level1


def test_categories_under_follow_broader_chains() -> None:
    assert categories_under((CAT + "cost",)) == {
        CAT + "economicCost",
        CAT + "socialCost",
        CAT + "ecologicalCost",
    }
    assert categories_under((CAT + "quantity",)) == set()


def test_drafting_slots_are_the_requirements() -> None:
    assert [s.label for s in REQUIRED] == [r.label for r in required_categories()]
    [cost] = [s for s in REQUIRED if s.label == "成本指标"]
    assert cost.level2 == CAT + "outputCost" and CAT + "economicCost" in cost.meets


def _missing(terms: Graph, categories: list[str]) -> list[str]:
    """Cookbook 04 over the terms and one project whose indicators have `categories`."""
    data = Graph()
    data += terms
    project, unit = URIRef("urn:x:project"), URIRef("urn:x:unit")
    data.add((project, RDF.type, JX.Project))
    data.add((project, RDFS.label, Literal("测试项目")))
    data.add((project, JX.unit, unit))
    data.add((unit, RDFS.label, Literal("测试镇")))
    for n, category in enumerate(categories):
        indicator = URIRef(f"urn:x:indicator{n}")
        data.add((project, JX.hasIndicator, indicator))
        data.add((indicator, JX.category, URIRef(CAT + category)))
    store = ox.Store()
    store.load(data.serialize(format="nt"), ox.RdfFormat.N_TRIPLES)
    rows = store.query(cookbook_query("04-missing-required-categories").text)
    assert isinstance(rows, ox.QuerySolutions)
    return sorted(str(row["missing"].value) for row in rows)


def test_cookbook_04_reads_the_groups_from_the_ontology() -> None:
    terms = ontology_terms()
    has = ["quantity", "quality", "economicCost", "socialEffect"]
    assert _missing(terms, has) == ["时效指标", "满意度指标"]
    # Drop 满意度 from jxcat:required, in the data only: the query no longer asks for it.
    head = terms.value(JXCAT.required, SKOS.memberList)
    assert head is not None
    kept = [member for member in Collection(terms, head) if member != JXCAT.satisfaction]
    Collection(terms, head).clear()
    shorter = BNode()
    Collection(terms, shorter, kept)
    terms.set((JXCAT.required, SKOS.memberList, shorter))
    assert _missing(terms, has) == ["时效指标"]
