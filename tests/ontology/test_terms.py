"""The term files: every term documented, the code lists well-formed, no undefined term used."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, SKOS, Literal, Namespace, URIRef

from ontology import ONTOLOGY_DIR, ONTOLOGY_FILES, SHAPES_FILES, ontology_graph

JX = Namespace("https://w3id.org/jixiao/ns#")
JXCAT = Namespace("https://w3id.org/jixiao/category/")
JXCMP = Namespace("https://w3id.org/jixiao/comparator/")
JXFUND = Namespace("https://w3id.org/jixiao/funding/")
ORG = Namespace("http://www.w3.org/ns/org#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
PROV = Namespace("http://www.w3.org/ns/prov#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
SH = Namespace("http://www.w3.org/ns/shacl#")
OBEU_MEASURE = Namespace("http://data.openbudgets.eu/ontology/dsd/measure/")
# rdflib's XSD warns on unknown attributes, and pytest probes module globals for fixtures.
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")

# The names the ingest code is written against: renaming any of these breaks it.
CLASSES = [
    "BudgetUnit",
    "UnitBudget",
    "Project",
    "FundingShare",
    "Objective",
    "OverallObjective",
    "MediumTermObjective",
    "Indicator",
    "Target",
    "QuantitativeTarget",
    "QualitativeTarget",
    "DateTarget",
    "UnparsedTarget",
    "SourceDocument",
    "SourceLocation",
    "Drafting",
    "Direction",
    "Review",
    "ReviewRule",
    "ReviewFinding",
    "UnitPerformanceTargets",
    "TransferProject",
    "Assessment",
    "AreaTarget",
    "GradedCriterion",
]
OBJECT_PROPERTIES = [
    "unit",
    "funding",
    "fundingSource",
    "hasObjective",
    "hasIndicator",
    "category",
    "target",
    "mediumTermTarget",
    "direction",
    "comparator",
    "rule",
    "aboutProject",
    "assessment",
    "assesses",
    "actualValue",
    "areaTarget",
    "areaUnit",
    "areaValue",
    "gradedCriterion",
]
DATATYPE_PROPERTIES = [
    "fiscalYear",
    "amount",
    "amountWanYuan",
    "projectAttribute",
    "period",
    "periodStart",
    "periodEnd",
    "implementingUnitName",
    "ordinal",
    "level1Label",
    "level2Label",
    "sourceText",
    "weight",
    "explanation",
    "rawText",
    "unitText",
    "unitHead",
    "valueInYuan",
    "qualitativeValue",
    "dateText",
    "dateStart",
    "dateEnd",
    "isPlaceholder",
    "line",
    "sha256",
    "layout",
    "ingestedAt",
    "naturalKey",
    "departmentName",
    "incomplete",
    "selfEvaluated",
    "topLevelLabel",
    "inferenceNote",
    "suspectNote",
    "assessmentWeight",
    "score",
    "deviationReason",
    "areaName",
    "grade",
    "criterion",
]

SCHEMES = {
    JX.IndicatorCategoryScheme: JXCAT,
    JX.ComparatorScheme: JXCMP,
    JX.FundingSourceScheme: JXFUND,
}


@pytest.fixture(scope="module")
def jixiao() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_DIR / "jixiao.ttl")


@pytest.fixture(scope="module")
def terms() -> rdflib.Graph:
    return ontology_graph()


def _langs(graph: rdflib.Graph, subject: URIRef, predicate: URIRef) -> Counter[str | None]:
    return Counter(o.language for o in graph.objects(subject, predicate) if isinstance(o, Literal))


def _concepts(graph: rdflib.Graph, scheme: URIRef) -> set[URIRef]:
    return {c for c in graph.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)}


@pytest.mark.parametrize(
    "path", [*ONTOLOGY_FILES, *SHAPES_FILES, *sorted((ONTOLOGY_DIR / "examples").glob("*.ttl"))]
)
def test_every_turtle_file_parses(path: Path) -> None:
    assert len(rdflib.Graph().parse(path, format="turtle")) > 0


def test_ontology_graph_holds_all_three_term_files_and_is_parsed_once(terms: rdflib.Graph) -> None:
    assert terms is ontology_graph()
    parsed = [rdflib.Graph().parse(path) for path in ONTOLOGY_FILES]
    assert len(terms) == sum(len(graph) for graph in parsed)
    for graph in parsed:
        ground = {t for t in graph if not any(isinstance(n, rdflib.BNode) for n in t)}
        assert ground and ground <= set(terms)


def test_ontology_header_has_a_version(jixiao: rdflib.Graph) -> None:
    (ontology,) = jixiao.subjects(RDF.type, OWL.Ontology)
    assert jixiao.value(ontology, OWL.versionInfo) is not None
    assert jixiao.value(ontology, OWL.versionIRI) is not None


@pytest.mark.parametrize(
    ("names", "rdf_type"),
    [
        (CLASSES, OWL.Class),
        (OBJECT_PROPERTIES, OWL.ObjectProperty),
        (DATATYPE_PROPERTIES, OWL.DatatypeProperty),
    ],
)
def test_the_terms_ingest_relies_on_exist(jixiao: rdflib.Graph, names: list[str], rdf_type: URIRef) -> None:
    missing = [name for name in names if (JX[name], RDF.type, rdf_type) not in jixiao]
    assert missing == []


def test_every_class_and_property_has_zh_and_en_labels_and_an_en_comment(jixiao: rdflib.Graph) -> None:
    defined = {
        s
        for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for s in jixiao.subjects(RDF.type, t)
        if isinstance(s, URIRef)
    }
    assert len(defined) == len(CLASSES) + len(OBJECT_PROPERTIES) + len(DATATYPE_PROPERTIES)
    undocumented = {
        str(term): (labels, comments)
        for term in defined
        if (labels := _langs(jixiao, term, RDFS.label)) != Counter({"zh": 1, "en": 1})
        or (comments := _langs(jixiao, term, RDFS.comment))["en"] != 1
    }
    assert undocumented == {}


@pytest.mark.parametrize(
    ("term", "parent"),
    [
        (JX.BudgetUnit, ORG.FormalOrganization),
        (JX.Project, FOAF.Project),
        (JX.OverallObjective, JX.Objective),
        (JX.QuantitativeTarget, JX.Target),
        (JX.QuantitativeTarget, QUDT.QuantityValue),
        (JX.QualitativeTarget, JX.Target),
        (JX.DateTarget, JX.Target),
        (JX.UnparsedTarget, JX.Target),
        (JX.SourceDocument, PROV.Entity),
        (JX.SourceLocation, PROV.Entity),
        (JX.Drafting, PROV.Activity),
        (JX.Review, PROV.Activity),
        (JX.ReviewFinding, SH.ValidationResult),
        (JX.UnitPerformanceTargets, JX.Project),
        (JX.TransferProject, JX.Project),
    ],
)
def test_subclass_axioms(jixiao: rdflib.Graph, term: URIRef, parent: URIRef) -> None:
    assert (term, RDFS.subClassOf, parent) in jixiao


def test_subproperty_axioms(jixiao: rdflib.Graph) -> None:
    assert (JX.amount, RDFS.subPropertyOf, OBEU_MEASURE.amount) in jixiao
    assert (JX.ingestedAt, RDFS.subPropertyOf, PROV.generatedAtTime) in jixiao


@pytest.mark.parametrize(
    ("prop", "datatype"),
    [
        (JX.fiscalYear, XSD.integer),
        (JX.amount, XSD.decimal),
        (JX.amountWanYuan, XSD.decimal),
        (JX.valueInYuan, XSD.decimal),
        (JX.periodStart, XSD.date),
        (JX.dateEnd, XSD.date),
        (JX.rawText, XSD.string),
        (JX.isPlaceholder, XSD.boolean),
        (JX.line, XSD.integer),
        (JX.ingestedAt, XSD.dateTime),
        (JX.incomplete, XSD.boolean),
        (JX.selfEvaluated, XSD.boolean),
        (JX.score, XSD.decimal),
        (JX.assessmentWeight, XSD.decimal),
        (JX.inferenceNote, XSD.string),
        (JX.suspectNote, XSD.string),
    ],
)
def test_datatype_ranges(jixiao: rdflib.Graph, prop: URIRef, datatype: URIRef) -> None:
    assert jixiao.value(prop, RDFS.range) == datatype


@pytest.mark.parametrize(
    ("prop", "domain", "range_"),
    [
        (JX.assessment, JX.Indicator, JX.Assessment),
        (JX.assesses, JX.Assessment, JX.Target),
        (JX.actualValue, JX.Assessment, JX.Target),
        (JX.areaTarget, JX.Indicator, JX.AreaTarget),
        (JX.areaValue, JX.AreaTarget, JX.Target),
        (JX.areaUnit, JX.AreaTarget, JX.BudgetUnit),
        (JX.gradedCriterion, JX.Indicator, JX.GradedCriterion),
    ],
)
def test_issue_17_links(jixiao: rdflib.Graph, prop: URIRef, domain: URIRef, range_: URIRef) -> None:
    """The actual and the area values are targets by type, but never reached through jx:target."""
    assert (jixiao.value(prop, RDFS.domain), jixiao.value(prop, RDFS.range)) == (domain, range_)
    assert (prop, RDFS.subPropertyOf, JX.target) not in jixiao


def test_scheme_individuals_are_concept_schemes_not_classes(terms: rdflib.Graph) -> None:
    for scheme in SCHEMES:
        assert (scheme, RDF.type, SKOS.ConceptScheme) in terms
        assert (scheme, RDF.type, OWL.Class) not in terms


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_concept_has_notation_zh_preflabel_and_scheme(terms: rdflib.Graph, scheme: URIRef) -> None:
    namespace = SCHEMES[scheme]
    concepts = {
        c for c in terms.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef) and c.startswith(namespace)
    }
    assert concepts, scheme
    assert concepts == _concepts(terms, scheme)
    for concept in concepts:
        assert len(list(terms.objects(concept, SKOS.notation))) == 1, concept
        prefs = _langs(terms, concept, SKOS.prefLabel)
        assert prefs["zh"] == 1 and prefs["en"] == 1 and sum(prefs.values()) == 2, concept
    notations = [str(terms.value(c, SKOS.notation)) for c in concepts]
    assert len(notations) == len(set(notations)), "notations must be unique within a scheme"


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_top_concepts_and_hierarchy_are_consistent(terms: rdflib.Graph, scheme: URIRef) -> None:
    concepts = _concepts(terms, scheme)
    tops = set(terms.objects(scheme, SKOS.hasTopConcept))
    assert tops == set(terms.subjects(SKOS.topConceptOf, scheme))
    for concept in concepts:
        broader = set(terms.objects(concept, SKOS.broader))
        assert (concept in tops) == (not broader), concept
        assert len(broader) <= 1, concept
        for parent in broader:
            assert (parent, SKOS.narrower, concept) in terms, (parent, concept)
        for child in terms.objects(concept, SKOS.narrower):
            assert (child, SKOS.broader, concept) in terms, (concept, child)


def test_category_tree_and_notations() -> None:
    terms = ontology_graph()
    expected = {
        "output": ("1", "产出指标", None),
        "quantity": ("1.1", "数量指标", "output"),
        "quality": ("1.2", "质量指标", "output"),
        "timeliness": ("1.3", "时效指标", "output"),
        "outputCost": ("1.4", "成本指标", "output"),
        "effect": ("2", "效益指标", None),
        "economicEffect": ("2.1", "经济效益指标", "effect"),
        "socialEffect": ("2.2", "社会效益指标", "effect"),
        "ecologicalEffect": ("2.3", "生态效益指标", "effect"),
        "sustainability": ("2.4", "可持续影响指标", "effect"),
        "satisfaction": ("3", "满意度指标", None),
        "serviceSatisfaction": ("3.1", "服务对象满意度指标", "satisfaction"),
        "cost": ("4", "成本指标", None),
        "economicCost": ("4.1", "经济成本指标", "cost"),
        "socialCost": ("4.2", "社会成本指标", "cost"),
        "ecologicalCost": ("4.3", "生态环境成本指标", "cost"),
    }
    actual = {}
    for concept in _concepts(terms, JX.IndicatorCategoryScheme):
        (zh,) = (
            p for p in terms.objects(concept, SKOS.prefLabel) if isinstance(p, Literal) and p.language == "zh"
        )
        parent = terms.value(concept, SKOS.broader)
        actual[str(concept).removeprefix(str(JXCAT))] = (
            str(terms.value(concept, SKOS.notation)),
            str(zh),
            None if parent is None else str(parent).removeprefix(str(JXCAT)),
        )
    assert actual == expected


@pytest.mark.parametrize(
    ("variant", "concept"),
    [
        ("环境效益指标", JXCAT.ecologicalEffect),
        ("社会公众或服务对象满意度指标", JXCAT.serviceSatisfaction),
        ("进度指标", JXCAT.timeliness),
    ],
)
def test_local_variants_are_alt_labels(terms: rdflib.Graph, variant: str, concept: URIRef) -> None:
    assert set(terms.subjects(SKOS.altLabel, Literal(variant, lang="zh"))) == {concept}


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_alt_labels_do_not_collide_with_other_labels(terms: rdflib.Graph, scheme: URIRef) -> None:
    """A reader maps a label to one concept: an altLabel must not name another concept too."""
    owners: dict[str, set[URIRef]] = {}
    for concept in _concepts(terms, scheme):
        for label in terms.objects(concept, SKOS.altLabel):
            owners.setdefault(str(label), set()).add(concept)
    for concept in _concepts(terms, scheme):
        for label in terms.objects(concept, SKOS.prefLabel):
            owners.setdefault(str(label), set()).add(concept)
    shared = {label: c for label, c in owners.items() if len(c) > 1}
    # The one intended clash: 成本指标 under 产出 (pre-2021) and as a first level (2021).
    assert shared == (
        {"成本指标": {JXCAT.outputCost, JXCAT.cost}} if scheme == JX.IndicatorCategoryScheme else {}
    )


def test_tree_collections() -> None:
    terms = ontology_graph()
    common = {
        JXCAT[name]
        for name in [
            "output",
            "quantity",
            "quality",
            "timeliness",
            "effect",
            "economicEffect",
            "socialEffect",
            "ecologicalEffect",
            "sustainability",
            "satisfaction",
            "serviceSatisfaction",
        ]
    }
    pre2021 = set(terms.objects(JXCAT.treePre2021, SKOS.member))
    tree2021 = set(terms.objects(JXCAT.tree2021, SKOS.member))
    assert pre2021 == common | {JXCAT.outputCost}
    assert tree2021 == common | {JXCAT.cost, JXCAT.economicCost, JXCAT.socialCost, JXCAT.ecologicalCost}
    assert pre2021 | tree2021 == _concepts(terms, JX.IndicatorCategoryScheme)
    for collection in (JXCAT.treePre2021, JXCAT.tree2021):
        assert (collection, RDF.type, SKOS.Collection) in terms


def test_comparators() -> None:
    terms = ontology_graph()
    notations = {
        str(c).removeprefix(str(JXCMP)): str(terms.value(c, SKOS.notation))
        for c in _concepts(terms, JX.ComparatorScheme)
    }
    assert notations == {"ge": "≥", "gt": "＞", "eq": "＝", "lt": "＜", "le": "≤", "none": "none"}
    alt = {str(a) for a in terms.objects(JXCMP.ge, SKOS.altLabel)}
    assert {">=", "大于等于"} <= alt


def test_comparator_notations_match_the_ingest_enum() -> None:
    """ingest.records.Comparator's values are documented as the ontology's notations."""
    records = pytest.importorskip("ingest.records")
    terms = ontology_graph()
    notations = {str(terms.value(c, SKOS.notation)) for c in _concepts(terms, JX.ComparatorScheme)}
    assert {member.value for member in records.Comparator} == notations


def test_funding_sources() -> None:
    terms = ontology_graph()
    labels = {
        str(c).removeprefix(str(JXFUND)): str(terms.value(c, SKOS.notation))
        for c in _concepts(terms, JX.FundingSourceScheme)
    }
    assert labels == {"fiscal": "fiscal", "other": "other"}
    assert (JXFUND.fiscal, SKOS.prefLabel, Literal("财政拨款", lang="zh")) in terms
    assert (JXFUND.other, SKOS.prefLabel, Literal("其他资金", lang="zh")) in terms


@pytest.mark.parametrize("path", [*SHAPES_FILES, *sorted((ONTOLOGY_DIR / "examples").glob("*.ttl"))])
def test_shapes_and_examples_use_only_defined_terms(terms: rdflib.Graph, path: Path) -> None:
    """A misspelt jx: term in a shape would make the shape silently match nothing."""
    defined = {s for s in terms.subjects() if isinstance(s, URIRef)}
    ours = tuple(str(ns) for ns in (JX, JXCAT, JXCMP, JXFUND))
    used = {n for triple in rdflib.Graph().parse(path) for n in triple if isinstance(n, URIRef)}
    undefined = {str(n) for n in used if str(n).startswith(ours) and n not in defined}
    assert undefined == set()
