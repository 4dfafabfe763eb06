"""The draft export builds ingest's records and goes through ingest's one graph builder (issue 18).

What a row becomes as a record (`draft_document`), which IRIs a draft keeps (pinned: the values the
export wrote before it went through the builder), and the labels the old export typed wrongly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rdflib import RDF, RDFS, URIRef

from ingest.records import NO_UNIT, BudgetUnit, Objective
from jixiao.drafting.draft import DraftTable, TableRow
from jixiao.drafting.export import FRAME_LABEL, draft_document, draft_graph, row_category, standard_frame
from ontology.namespace import JX, JXCAT
from ontology.shacl import validate

BASE = "https://w3id.org/jixiao/id/"
P1 = BASE + "project/058/2023/73d07ba997dd/indicator/quantity-911829c9326f"
P2 = BASE + "project/407001/2023/ee0663289f12/indicator/quantity-86c2404dcf28"
FRAME = str(standard_frame(BASE))


def row(raw: str = "≥5个", **fields: Any) -> TableRow:
    defaults: dict[str, Any] = {"level1": "产出指标", "level2": "数量指标", "label": "支持社区个数"}
    return TableRow(**{**defaults, **fields, "raw": raw})


def table(rows: list[TableRow], **fields: Any) -> DraftTable:
    project: dict[str, Any] = {
        "name": "城乡社区运转经费",
        "objective": "保障社区正常运转。",
        "amount": 12.5,
        "unit": "平罗县宝丰镇",
        "year": 2024,
    }
    return DraftTable(rows=rows, **{**project, **fields})


# --- a row as a record ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"precedents": [P1, P2, P1]}, {"derived_from": (P1, P2), "category": "quantity"}),
        # a generic (通用) row derives from the standard frame
        ({"generic": True}, {"derived_from": (FRAME,)}),
        ({"precedents": [P1], "generic": True}, {"derived_from": (P1, FRAME)}),
        # a row added by hand derives from nothing
        ({}, {"derived_from": ()}),
        # how a value was adapted is a note on the target
        ({"adaptation": "按年度改写"}, {"note": "按年度改写"}),
        ({"adaptation": ""}, {"note": None}),
        # blank labels are no labels; a draft was read from nothing
        ({"level1": "  ", "level2": " "}, {"level1": "", "level2": "", "category": None, "source_text": ""}),
        # the draft's own category (the level-2 label in the pre-2021 tree), not ingest's 2021 reading
        ({"level1": "成本指标", "level2": "成本指标"}, {"category": "outputCost"}),
        # a label naming no indicator category: left to ingest's resolver, which finds none either
        ({"level1": "≥", "level2": ""}, {"category": None}),
    ],
)
def test_a_row_as_a_record(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    (project,) = draft_document(table([row(**fields)]), BASE).projects
    (indicator,) = project.indicators
    seen = {
        "derived_from": indicator.derived_from,
        "category": indicator.category,
        "note": indicator.target.note,
        "level1": indicator.level1,
        "level2": indicator.level2,
        "source_text": indicator.source_text,
    }
    assert {key: seen[key] for key in expected} == expected


def test_the_project_as_records() -> None:
    doc = draft_document(table([row(precedents=[P1]), row(label="通用", generic=True)]), BASE)
    (project,) = doc.projects
    assert doc.units == [BudgetUnit("平罗县宝丰镇")] and project.unit == BudgetUnit("平罗县宝丰镇")
    assert (project.name, project.amount_wan, project.fiscal_year) == (
        "城乡社区运转经费",
        Decimal("12.5"),
        2024,
    )
    assert project.objectives == [Objective("保障社区正常运转。", None)]
    assert project.derived_from == (BASE + "project/058/2023/73d07ba997dd", FRAME)
    assert doc.drafting is not None and doc.drafting.label == "起草：城乡社区运转经费（草稿）"
    assert [(s.iri, s.label) for s in doc.drafting.sources] == [(FRAME, FRAME_LABEL)]

    bare = draft_document(
        table([row(precedents=[P1])], unit="  ", objective=" ", year=None, amount=None), BASE
    )
    (project,) = bare.projects
    assert project.unit == NO_UNIT and bare.units == []
    assert project.objectives == [] and project.amount_wan is None and project.fiscal_year is None
    assert bare.drafting is not None and bare.drafting.sources == ()  # every row has a precedent


# --- IRIs: as the export minted them before it went through the builder -----------------------------

PROJECT = BASE + "draft/project/n-8373d62cf8dd/2024/2ff2abbb734f"


def test_the_iris_are_the_ones_the_export_always_minted() -> None:
    rows = [
        row(precedents=[P1]),
        row("提高", level1="效益指标", level2="社会效益指标", label="居民满意程度", precedents=[P2]),
        row("2024年12月底", level2="时效指标", label="完成时间", precedents=[P1], adaptation="按年度改写"),
    ]
    graph = draft_graph(table(rows), BASE)
    minted = {str(s) for s in graph.subjects() if str(s).startswith(BASE + "draft/")}
    indicators = ("quantity-911829c9326f", "socialEffect-10c10036973c", "timeliness-754a8a2e2dba")
    assert minted == {
        PROJECT,
        PROJECT + "/drafting",
        PROJECT + "/objective/overall",
        BASE + "draft/unit/n-8373d62cf8dd",
        *(f"{PROJECT}/indicator/{i}" for i in indicators),
        *(f"{PROJECT}/indicator/{i}/target" for i in indicators),
    }
    assert validate(graph).conforms


# --- labels the old export typed wrongly --------------------------------------------------------------


@pytest.mark.parametrize(
    ("level1", "level2", "category", "iri_part"),
    [
        # was uncategorised with a jx:level1Label (Indicator-categoryWhenLabelled failed); ingest
        # reads the decorated level 1 as 产出
        ("产出指标（必填）", "", JXCAT.output, "/indicator/output-"),
        # was jx:category jxcmp:ge and `…/indicator/ge-…` (Indicator-category failed: no category)
        ("≥", "", None, "/indicator/uncategorised-"),
        # was jx:category jx:FundingSourceScheme and `…/indicator/ns#FundingSourceScheme-…`
        ("资金来源", "", None, "/indicator/uncategorised-"),
        # unchanged
        ("产出指标", "数量指标（必填硬性指标）", JXCAT.quantity, "/indicator/quantity-"),
        ("效益", "", JXCAT.effect, "/indicator/effect-"),
        ("满意度指标", "", JXCAT.serviceSatisfaction, "/indicator/serviceSatisfaction-"),
    ],
)
def test_a_label_that_names_no_category_gives_none(
    level1: str, level2: str, category: URIRef | None, iri_part: str
) -> None:
    graph = draft_graph(table([row(level1=level1, level2=level2, precedents=[P1])]), BASE)
    (indicator,) = graph.subjects(RDF.type, JX.Indicator)
    assert graph.value(indicator, JX.category) == category
    assert iri_part in str(indicator) and "#" not in str(indicator)
    assert graph.value(indicator, RDFS.label) is not None
    if category is None:
        assert row_category(row(level1=level1, level2=level2)) is None
