"""The record fields a draft fills (issue 18: the draft export goes through the one graph builder):
`Indicator.category`, `Indicator.derived_from`, `Target.note`, `Project.derived_from`, `NO_UNIT`,
`Document.drafting` with its `SourceEntity`s, and `drafted_graph`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from rdflib import RDF, RDFS, Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV

from ingest.graph import SourceInfo, document_graph, document_ntriples, drafted_graph
from ingest.iri import IriMinter
from ingest.records import (
    NO_UNIT,
    BudgetUnit,
    Document,
    Drafting,
    Indicator,
    Objective,
    Project,
    SourceEntity,
    UnitTotal,
)
from ingest.target import parse_target
from ontology.namespace import JX, JXCAT
from ontology.shacl import validate

BASE = "https://w3id.org/jixiao/id/draft/"
PRECEDENT = "https://w3id.org/jixiao/id/project/058/2023/73d07ba997dd"
PRECEDENT_INDICATOR = PRECEDENT + "/indicator/quantity-911829c9326f"
FRAME = "https://w3id.org/jixiao/id/draft/frame"
BAOFENG = BudgetUnit("宝丰镇")
SOURCE = SourceInfo("表.txt", "0" * 64, "form-lines", datetime(2024, 1, 2, 3, 4, 5))
# Terms only a draft's fields make: none of them in a document read from a file without them.
DRAFT_PREDICATES = {PROV.wasGeneratedBy, PROV.used, RDFS.comment}
DRAFT_CLASSES = {JX.Drafting, PROV.Activity, PROV.Entity}


def indicator(name: str = "支持社区个数", **fields: Any) -> Indicator:
    defaults: dict[str, Any] = {
        "level1": "产出指标",
        "level2": "数量指标",
        "name": name,
        "target": parse_target("≥5个"),
        "source_text": "",
    }
    return Indicator(**{**defaults, **fields})


def drafted(*indicators: Indicator, unit: BudgetUnit = BAOFENG, **project: Any) -> Document:
    fields: dict[str, Any] = {
        "name": "城乡社区运转经费",
        "unit": unit,
        "amount_wan": Decimal("12.5"),
        "fiscal_year": 2024,
        "objectives": [Objective("保障社区正常运转。", None)],
        "indicators": list(indicators) or [indicator(derived_from=(PRECEDENT_INDICATOR,))],
        "derived_from": (PRECEDENT,),
    }
    return Document(
        layout="draft",
        units=[unit] if unit != NO_UNIT else [],
        projects=[Project(**{**fields, **project})],
        drafting=Drafting("起草：城乡社区运转经费（草稿）", (SourceEntity(FRAME, "标准框架"),)),
    )


def only(graph: Graph, kind: URIRef) -> URIRef:
    (node,) = graph.subjects(RDF.type, kind)
    assert isinstance(node, URIRef)
    return node


def target_of(graph: Graph, node: URIRef) -> URIRef:
    target = graph.value(node, JX.target)
    assert isinstance(target, URIRef)
    return target


# --- each field, the triples it makes ----------------------------------------------------------


def derived(graph: Graph, node: URIRef) -> set[str]:
    return {str(o) for o in graph.objects(node, PROV.wasDerivedFrom)}


@pytest.mark.parametrize(
    ("fields", "check"),
    [
        # derived_from: one prov:wasDerivedFrom each, duplicates once
        (
            {"derived_from": (PRECEDENT_INDICATOR, FRAME, FRAME)},
            lambda g, i: derived(g, i) == {PRECEDENT_INDICATOR, FRAME},
        ),
        # a row the drafter added has none: nothing is made up
        ({"derived_from": ()}, lambda g, i: derived(g, i) == set()),
        # category given: it is the jx:category and names the IRI, whatever the labels say
        (
            {"category": "economicCost", "level1": "产出指标", "level2": "数量指标"},
            lambda g, i: (
                g.value(i, JX.category) == JXCAT.economicCost and "/indicator/economicCost-" in str(i)
            ),
        ),
        # category not given: resolved from the labels as for a filed table
        (
            {"level1": "产出指标（必填）", "level2": ""},
            lambda g, i: g.value(i, JX.category) == JXCAT.output and "/indicator/output-" in str(i),
        ),
        # a note on the target: an rdfs:comment on the target node, not on the indicator
        (
            {"target": replace(parse_target("2024年12月底"), note="按年度改写")},
            lambda g, i: (
                g.value(target_of(g, i), RDFS.comment) == Literal("按年度改写")
                and g.value(i, RDFS.comment) is None
            ),
        ),
        (
            {"target": parse_target("2024年12月底")},
            lambda g, i: g.value(target_of(g, i), RDFS.comment) is None,
        ),
        # empty source text: no jx:sourceText "" (a draft was read from nothing); given: kept verbatim
        ({"source_text": ""}, lambda g, i: g.value(i, JX.sourceText) is None),
        (
            {"source_text": " 支持社区个数 | ≥5个 "},
            lambda g, i: g.value(i, JX.sourceText) == Literal(" 支持社区个数 | ≥5个 "),
        ),
    ],
)
def test_an_indicator_field_and_its_triples(
    fields: dict[str, Any], check: Callable[[Graph, URIRef], bool]
) -> None:
    graph = drafted_graph(drafted(indicator(**fields)), IriMinter(BASE))
    node = only(graph, JX.Indicator)
    assert check(graph, node), sorted(graph.predicate_objects(node))


def test_the_drafting_generated_every_entity_and_used_what_the_project_derives_from() -> None:
    graph = drafted_graph(drafted(derived_from=(PRECEDENT, FRAME)), IriMinter(BASE))
    project, unit = only(graph, JX.Project), only(graph, JX.BudgetUnit)
    activity = only(graph, JX.Drafting)
    assert activity == URIRef(f"{project}/drafting")
    assert (activity, RDF.type, PROV.Activity) in graph
    assert graph.value(activity, RDFS.label) == Literal("起草：城乡社区运转经费（草稿）", lang="zh")
    assert (
        {str(o) for o in graph.objects(activity, PROV.used)} == {PRECEDENT, FRAME} == derived(graph, project)
    )
    generated = set(graph.subjects(PROV.wasGeneratedBy, activity))
    assert generated == {project, unit, only(graph, JX.Objective), only(graph, JX.Indicator)}
    # the frame is described here; the precedents are in the store already
    assert graph.value(URIRef(FRAME), RDF.type) == PROV.Entity
    assert graph.value(URIRef(FRAME), RDFS.label) == Literal("标准框架", lang="zh")
    assert (URIRef(PRECEDENT), None, None) not in graph
    # read from no file: no source document, no source line, no ingest time
    assert not set(graph.subjects(RDF.type, JX.SourceDocument)) | set(
        graph.subjects(RDF.type, JX.SourceLocation)
    )
    assert not list(graph.objects(None, JX.ingestedAt))


def test_a_draft_without_a_unit_has_no_unit_and_says_na() -> None:
    graph = drafted_graph(drafted(unit=NO_UNIT), IriMinter(BASE))
    project = only(graph, JX.Project)
    assert str(project).startswith(BASE + "project/na/2024/")
    assert graph.value(project, JX.naturalKey) == Literal("na/2024/城乡社区运转经费")
    assert graph.value(project, JX.unit) is None and not list(graph.subjects(RDF.type, JX.BudgetUnit))
    fired = {f.shape.rsplit("#", 1)[-1] for f in validate(graph).violations}
    assert fired == {"Project-unit"}  # the mandatory shapes say so, rightly


def test_a_drafted_document_conforms() -> None:
    doc = drafted(indicator(derived_from=(PRECEDENT_INDICATOR,), category="quantity"))
    report = validate(drafted_graph(doc, IriMinter(BASE)))
    assert report.conforms, [(f.shape, f.focus, f.message) for f in report.violations]


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (Document(layout="form-lines"), "not a drafted document"),
        (
            replace(drafted(), unit_totals=[UnitTotal(BudgetUnit("宝丰镇"), Decimal(1), 2024)]),
            "no unit totals",
        ),
    ],
)
def test_drafted_graph_refuses_what_is_no_draft(doc: Document, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        drafted_graph(doc, IriMinter(BASE))


# --- read documents: the fields are additive ------------------------------------------------------


def test_a_read_document_keeps_its_source_lines_and_adds_what_it_was_derived_from() -> None:
    """`derived_from`, `category` and `note` on a document read from a file: added beside its
    source lines, never instead; the bulk path writes the same triples."""
    doc = replace(
        drafted(
            indicator(
                derived_from=(PRECEDENT_INDICATOR,),
                category="quality",
                line=7,
                target=replace(parse_target("≥5个"), note="注"),
            ),
            line=3,
        ),
        drafting=None,
    )
    graph = document_graph(doc, SOURCE, IriMinter(BASE))
    node, project = only(graph, JX.Indicator), only(graph, JX.Project)
    location = IriMinter(BASE).source_line(SOURCE.file_name, 7)
    assert derived(graph, node) == {PRECEDENT_INDICATOR, str(location)}
    assert derived(graph, project) == {PRECEDENT, str(IriMinter(BASE).source_line(SOURCE.file_name, 3))}
    assert graph.value(node, JX.category) == JXCAT.quality
    assert graph.value(target_of(graph, node), RDFS.comment) == Literal("注")
    assert not list(graph.subjects(RDF.type, JX.Drafting)) and not list(
        graph.objects(None, PROV.wasGeneratedBy)
    )

    triples = document_ntriples(doc, SOURCE, IriMinter(BASE))
    parsed = Dataset()
    parsed.parse(data=triples.content_nquads() + triples.marker_nquads(), format="nquads")
    assert set(parsed.graph(triples.graph)) == set(graph)


def test_records_without_the_draft_fields_emit_none_of_their_terms(baofeng: Document) -> None:
    graph = document_graph(baofeng, SOURCE, IriMinter("https://w3id.org/jixiao/id/"))
    indicators = set(graph.subjects(RDF.type, JX.Indicator))
    assert len(indicators) > 50
    assert {p for _, p, _ in graph} & DRAFT_PREDICATES == set()
    assert set(graph.objects(None, RDF.type)) & DRAFT_CLASSES == set()
    # every indicator read from a file keeps its source text (only an empty one is left out)
    assert all(graph.value(i, JX.sourceText) is not None for i in indicators)
