"""Entries read from the graph with SPARQL: what is embedded, and the metadata filters rely on."""

from __future__ import annotations

from collections import Counter

import pytest

from jixiao.store import EmbeddedStore
from search.entries import Entry, Kind
from search.texts import Recipe, category_by_label, category_labels, category_refs, read_entries

CADRE_COST = "https://w3id.org/jixiao/id/project/058/2023/73d07ba997dd/indicator/outputCost-5f8c990b01a5"
JXCAT = "https://w3id.org/jixiao/category/"


def by_iri(entries: list[Entry]) -> dict[str, Entry]:
    return {entry.iri: entry for entry in entries}


def test_every_project_objective_and_indicator_is_an_entry(sample_entries: list[Entry]) -> None:
    counts = Counter(entry.kind for entry in sample_entries)
    assert counts == {Kind.PROJECT: 42, Kind.OBJECTIVE: 84, Kind.INDICATOR: 460}
    assert len(by_iri(sample_entries)) == len(sample_entries)  # no IRI twice


def test_indicator_text_and_metadata(sample_entries: list[Entry]) -> None:
    entry = by_iri(sample_entries)[CADRE_COST]
    assert entry.text == "落实村干部任职补贴资金；产出指标/成本指标；目标 138.02元"
    assert entry.project is not None and entry.project.label == "村干部任职补贴"
    assert entry.unit is not None and entry.unit.label == "平罗县宝丰镇人民政府"
    assert entry.year == 2023
    assert entry.level1 is not None and entry.level1.iri == JXCAT + "output"
    assert entry.level2 is not None and entry.level2.iri == JXCAT + "outputCost"
    assert entry.target is not None
    assert (entry.target.raw, entry.target.type, entry.target.number, entry.target.unit) == (
        "138.02元",
        "quantitative",
        138.02,
        "元",
    )
    assert entry.target.comparator is None  # the table gives no ≥/≤


def test_comparators_and_target_types_come_through(sample_entries: list[Entry]) -> None:
    targets = [e.target for e in sample_entries if e.kind == Kind.INDICATOR and e.target]
    assert len(targets) == 460
    assert Counter(t.type for t in targets) == {
        "quantitative": 296,
        "qualitative": 118,
        "date": 42,
        "unparsed": 4,
    }
    satisfaction = [t for t in targets if t.raw == "≥90%"]
    assert satisfaction and all(t.comparator == "≥" and t.number == 90.0 for t in satisfaction)


def test_every_indicator_has_a_level1_category(sample_entries: list[Entry]) -> None:
    indicators = [e for e in sample_entries if e.kind == Kind.INDICATOR]
    assert all(e.level1 is not None for e in indicators)
    # 二级 is missing only where a table gave a bare level-1 category
    assert sum(e.level2 is None for e in indicators) < 5


def test_sub_unit_belongs_to_its_township(sample_entries: list[Entry]) -> None:
    townships = {(e.unit.iri, e.township.iri) for e in sample_entries if e.unit and e.township}
    assert ("https://w3id.org/jixiao/id/unit/407001", "https://w3id.org/jixiao/id/unit/407") in townships
    assert {t for _, t in townships} == {
        "https://w3id.org/jixiao/id/unit/407",
        "https://w3id.org/jixiao/id/unit/058",
    }


def test_one_document_alone(sample_store: EmbeddedStore, sample_entries: list[Entry]) -> None:
    graph = by_iri(sample_entries)[CADRE_COST].document
    mine = read_entries(sample_store, graph)
    assert {e.iri for e in mine} == {e.iri for e in sample_entries if e.document == graph}
    assert len(mine) == 139


@pytest.mark.parametrize(
    ("recipe", "text"),
    [
        (Recipe.NAME, "落实村干部任职补贴资金"),
        (Recipe.NAME_CATEGORY, "落实村干部任职补贴资金；产出指标/成本指标"),
        (Recipe.NAME_CATEGORY_TARGET, "落实村干部任职补贴资金；产出指标/成本指标；目标 138.02元"),
        (Recipe.FULL, "落实村干部任职补贴资金；产出指标/成本指标；目标 138.02元；项目 村干部任职补贴"),
    ],
)
def test_recipes(sample_store: EmbeddedStore, sample_entries: list[Entry], recipe: Recipe, text: str) -> None:
    graph = by_iri(sample_entries)[CADRE_COST].document
    assert by_iri(read_entries(sample_store, graph, recipe))[CADRE_COST].text == text


def test_objective_text_is_one_line(sample_entries: list[Entry]) -> None:
    objectives = [e for e in sample_entries if e.kind == Kind.OBJECTIVE]
    assert objectives and all("\n" not in e.text and "  " not in e.text and e.text for e in objectives)


@pytest.mark.parametrize(
    ("label", "level", "local"),
    [("数量指标", 2, "quantity"), ("数量", 2, "quantity"), ("quantity", None, "quantity"),
     ("产出指标", 1, "output"), ("服务对象满意度指标", 2, "serviceSatisfaction"),
     (" 成本指标 ", 2, "outputCost"), ("成本指标", 1, "cost"), ("数量指标", 1, None),
     ("没有这个", None, None)],
)  # fmt: skip
def test_category_by_label(label: str, level: int | None, local: str | None) -> None:
    found = category_by_label(label, level)
    assert (found.rsplit("/", 1)[-1] if found else None) == local


def test_category_refs_split_levels() -> None:
    level1, level2 = category_refs(JXCAT + "quantity")
    assert level1 is not None and level1.label == "产出指标"
    assert level2 is not None and level2.label == "数量指标"
    assert category_refs(JXCAT + "output")[1] is None
    assert category_refs(JXCAT + "nonsense") == (None, None)


def test_category_labels_are_indicator_categories_only() -> None:
    labels = category_labels()
    assert "数量指标" in labels and "数量" in labels
    assert not any("体系" in label or "类别" in label for label in labels)


def test_project_text_is_its_name_and_first_indicators(sample_entries: list[Entry]) -> None:
    project = by_iri(sample_entries)["https://w3id.org/jixiao/id/project/058/2023/73d07ba997dd"]
    assert project.text.startswith("村干部任职补贴：保障村干部人数、村干部任职补贴发放质量、")
    assert project.text.count("、") == 3  # four names
    assert project.label == "村干部任职补贴"
