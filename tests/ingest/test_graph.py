"""Graph-building details that the golden files do not isolate."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from ingest.graph import decimal_literal, document_graph, document_ntriples
from ingest.iri import IriMinter
from ingest.records import Document
from ontology.namespace import JX, JXCAT, QUDT
from ontology.shacl import validate
from tests.ontology.lenient_records import SOURCE, VILLAGE, lenient_document


@pytest.mark.parametrize(
    ("value", "lexical"),
    [
        ("1.70", "1.7"),
        ("10", "10.0"),
        ("1380200.00", "1380200.0"),
        ("0.30", "0.3"),
        ("0", "0.0"),
        ("-0.0", "0.0"),
        ("2838385", "2838385.0"),
        ("1E+1", "10.0"),
        ("-2.50", "-2.5"),
    ],
)
def test_decimal_literals_are_canonical(value: str, lexical: str) -> None:
    literal = decimal_literal(Decimal(value))
    assert str(literal) == lexical
    assert literal.toPython() == Decimal(value)


# --- the fields lenient reads fill (issue 17) ---------------------------------------------------

BASE = "https://w3id.org/jixiao/id/"
NEW_PREDICATES = {
    JX.assessment, JX.assesses, JX.actualValue, JX.assessmentWeight, JX.score, JX.deviationReason,
    JX.areaTarget, JX.areaName, JX.areaUnit, JX.areaValue, JX.gradedCriterion, JX.grade, JX.criterion,
    JX.topLevelLabel, JX.inferenceNote, JX.suspectNote, JX.incomplete, JX.selfEvaluated,
    JX.departmentName,
}  # fmt: skip
NEW_CLASSES = {
    JX.Assessment,
    JX.AreaTarget,
    JX.GradedCriterion,
    JX.UnitPerformanceTargets,
    JX.TransferProject,
}


@pytest.fixture(scope="module")
def lenient() -> Graph:
    return document_graph(lenient_document(), SOURCE, IriMinter(BASE))


def project_named(graph: Graph, name: str) -> URIRef:
    (project,) = graph.subjects(RDFS.label, Literal(name, lang="zh"))
    assert isinstance(project, URIRef)
    return project


def indicator_named(graph: Graph, name: str) -> URIRef:
    (indicator,) = graph.subjects(RDFS.label, Literal(name, lang="zh"))
    assert isinstance(indicator, URIRef) and (indicator, RDF.type, JX.Indicator) in graph
    return indicator


def test_the_bulk_path_emits_the_same_triples(lenient: Graph) -> None:
    triples = document_ntriples(lenient_document(), SOURCE, IriMinter(BASE))
    parsed = Dataset()
    parsed.parse(data=triples.content_nquads() + triples.marker_nquads(), format="nquads")
    assert set(parsed.graph(triples.graph)) == set(lenient)
    assert triples.count == len(lenient)
    assert {p for _, p, _ in lenient} >= NEW_PREDICATES  # the comparison covered every new term


def test_the_graph_of_the_new_fields_conforms(lenient: Graph) -> None:
    report = validate(lenient)
    assert report.violations == []


def test_the_actual_is_kept_apart_from_the_target(lenient: Graph) -> None:
    indicator = indicator_named(lenient, "居民满意度")
    target = lenient.value(indicator, JX.target)
    assessment = lenient.value(indicator, JX.assessment)
    assert assessment is not None and (assessment, RDF.type, JX.Assessment) in lenient
    assert lenient.value(assessment, JX.assesses) == target
    actual = lenient.value(assessment, JX.actualValue)
    assert actual is not None and actual != target
    assert lenient.value(target, JX.rawText) == Literal("≥90%")
    assert lenient.value(target, QUDT.numericValue) == decimal_literal(Decimal(90))
    assert lenient.value(actual, JX.rawText) == Literal("88%")
    assert lenient.value(actual, QUDT.numericValue) == decimal_literal(Decimal(88))
    assert (actual, RDF.type, JX.QuantitativeTarget) in lenient
    assert lenient.value(assessment, JX.assessmentWeight) == decimal_literal(Decimal(10))
    assert lenient.value(assessment, JX.score) == decimal_literal(Decimal(8))
    assert lenient.value(assessment, JX.deviationReason) == Literal("老旧小区照明改造未完成", lang="zh")
    assert list(lenient.objects(indicator, JX.target)) == [target]  # one target, still the target
    project = project_named(lenient, "背街小巷路灯运维经费")
    assert lenient.value(project, JX.selfEvaluated) == Literal(True)


def test_a_row_without_a_self_evaluation_has_no_assessment(lenient: Graph) -> None:
    assert lenient.value(indicator_named(lenient, "夜间出行安全"), JX.assessment) is None


def test_whole_unit_targets_belong_to_the_unit_and_have_no_category(lenient: Graph) -> None:
    targets = project_named(lenient, "青禾县农业农村局2024年部门整体支出绩效目标")
    assert {JX.Project, JX.UnitPerformanceTargets} == set(lenient.objects(targets, RDF.type))
    assert lenient.value(targets, JX.unit) == URIRef(f"{BASE}unit/902")
    assert lenient.value(targets, JX.departmentName) == Literal("青禾县人民政府", lang="zh")
    indicator = indicator_named(lenient, "重点工作完成率")
    assert (targets, JX.hasIndicator, indicator) in lenient
    assert lenient.value(indicator, JX.category) is None
    assert (
        lenient.value(indicator, JX.level1Label) is None and lenient.value(indicator, JX.level2Label) is None
    )
    assert str(indicator).startswith(f"{targets}/indicator/uncategorised-")
    assert lenient.value(indicator, DCTERMS.description) == Literal("年度重点工作按期完成的比例", lang="zh")


def test_a_transfer_cut_off_has_one_target_per_area(lenient: Graph) -> None:
    roads = project_named(lenient, "村级道路硬化补助资金")
    assert {JX.Project, JX.TransferProject} == set(lenient.objects(roads, RDF.type))
    assert lenient.value(roads, JX.incomplete) == Literal(True)
    indicator = indicator_named(lenient, "道路硬化里程")
    assert lenient.value(lenient.value(indicator, JX.target), JX.rawText) == Literal("")
    areas = {}
    for node in lenient.objects(indicator, JX.areaTarget):
        value = lenient.value(node, JX.areaValue)
        areas[str(lenient.value(node, JX.areaName))] = (
            str(lenient.value(value, JX.rawText)),
            lenient.value(value, QUDT.numericValue),
            lenient.value(node, JX.areaUnit),
            int(lenient.value(node, JX.ordinal)),  # type: ignore[arg-type]
        )
    assert areas == {
        "溪口村": ("3公里", decimal_literal(Decimal(3)), IriMinter(BASE).unit(VILLAGE), 1),
        "鹿鸣村": ("2.5公里", decimal_literal(Decimal("2.5")), None, 2),  # no unit of that name
    }
    assert len(list(lenient.objects(indicator, JX.target))) == 1  # area values are not targets


def test_two_levels_under_a_top_level_with_graded_criteria_and_notes(lenient: Graph) -> None:
    indicator = indicator_named(lenient, "粮食产能提升")
    assert lenient.value(indicator, JX.category) == JXCAT.effect  # the level 1: no level 2 given
    assert "/indicator/effect-" in str(indicator)
    assert lenient.value(indicator, JX.topLevelLabel) == Literal("实施效果指标", lang="zh")
    grades = sorted(
        (
            int(lenient.value(n, JX.ordinal)),
            str(lenient.value(n, JX.grade)),
            str(lenient.value(n, JX.criterion)),
        )  # type: ignore[arg-type]
        for n in lenient.objects(indicator, JX.gradedCriterion)
    )
    assert [grade for _, grade, _ in grades] == ["优", "良", "中", "差"]
    assert grades[0][2] == "亩均产能提高≥100公斤"
    assert list(lenient.objects(indicator, JX.inferenceNote)) == [
        Literal("line 42: 一级 效益指标 taken from 效果指标")
    ]
    assert list(lenient.objects(indicator, JX.suspectNote)) == [
        Literal("line 43: 290% may be an OCR slip for ≥90%")
    ]


def test_records_without_the_new_fields_emit_none_of_their_terms(baofeng: Document) -> None:
    graph = document_graph(baofeng, SOURCE, IriMinter(BASE))
    assert len(graph) > 500
    assert {p for _, p, _ in graph} & NEW_PREDICATES == set()
    assert set(graph.objects(None, RDF.type)) & NEW_CLASSES == set()
