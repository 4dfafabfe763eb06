"""The generated namespace module: in step with the ontology files, and closed."""

from __future__ import annotations

import subprocess
import sys

import pytest
import rdflib.namespace
from rdflib import OWL, RDF, SKOS, URIRef

from ontology import ONTOLOGY_DIR, ontology_graph
from ontology.generate import NAMESPACE_FILE, render
from ontology.namespace import JX, JXCAT, JXCMP, JXFUND, OBEU_MEASURE, QUDT, UNIT


def test_committed_module_matches_a_fresh_generation() -> None:
    """Fails when a .ttl file changed without `python -m ontology.generate`."""
    assert NAMESPACE_FILE == ONTOLOGY_DIR / "namespace.py"
    assert NAMESPACE_FILE.read_text(encoding="utf-8") == render()


def test_check_mode_exits_zero_when_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ontology.generate", "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("namespace", [JX, JXCAT, JXCMP, JXFUND, QUDT, UNIT, OBEU_MEASURE])
def test_unknown_terms_raise(namespace: type[rdflib.namespace.DefinedNamespace]) -> None:
    unknown = "NoSuchTerm"
    with pytest.raises(AttributeError):
        getattr(namespace, unknown)
    with pytest.raises(AttributeError):
        namespace[unknown]


def test_known_terms_are_full_iris() -> None:
    assert JX.Indicator == URIRef("https://w3id.org/jixiao/ns#Indicator")
    assert JX.IndicatorCategoryScheme == URIRef("https://w3id.org/jixiao/ns#IndicatorCategoryScheme")
    assert JXCAT.outputCost == URIRef("https://w3id.org/jixiao/category/outputCost")
    assert JXCMP.none == URIRef("https://w3id.org/jixiao/comparator/none")
    assert JXFUND.fiscal == URIRef("https://w3id.org/jixiao/funding/fiscal")
    assert QUDT.numericValue == URIRef("http://qudt.org/schema/qudt/numericValue")
    assert URIRef("http://qudt.org/vocab/unit/PERCENT") == UNIT.PERCENT
    assert OBEU_MEASURE.amount == URIRef("http://data.openbudgets.eu/ontology/dsd/measure/amount")


def test_every_ontology_term_and_nothing_else_is_in_its_namespace() -> None:
    graph = ontology_graph()
    kinds = (
        OWL.Class,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        SKOS.ConceptScheme,
        SKOS.Concept,
        SKOS.Collection,
        SKOS.OrderedCollection,
        OWL.NamedIndividual,
    )
    for namespace in (JX, JXCAT, JXCMP, JXFUND):
        base = str(namespace)
        defined = {
            str(s).removeprefix(base)
            for kind in kinds
            for s in graph.subjects(RDF.type, kind)
            if str(s).startswith(base)
        }
        assert defined
        assert set(namespace.__annotations__) == defined, base
