"""Both sample layouts read into complete records: counts, amounts, objectives, the tree."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest import categories
from ingest.decode import IngestError
from ingest.readers.base import detect_reader, reader_named
from ingest.readers.form_lines import rows
from ingest.readers.paragraph_table import split_items
from ingest.records import Document, Project
from ingest.source import Source
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE


def by_name(doc: Document, name: str) -> Project:
    return next(p for p in doc.projects if p.name == name)


def test_layouts_are_detected() -> None:
    for path, layout in ((PARAGRAPH_TABLE, "paragraph-table"), (FORM_LINES, "form-lines")):
        assert detect_reader(Source.from_text(path.read_text(encoding="utf-8"))).name == layout


def test_unknown_layout_lists_what_was_looked_for() -> None:
    with pytest.raises(IngestError) as info:
        detect_reader(Source.from_text("项目\t金额\n一\t二\n"))
    message = str(info.value)
    assert "unknown layout" in message
    assert "paragraph-table" in message and "form-lines" in message


def test_reader_named_rejects_unknown() -> None:
    with pytest.raises(IngestError, match="unknown layout 'xlsx'"):
        reader_named("xlsx")


# -- 000: 浩门镇 -------------------------------------------------------------------------------


def test_haomen_projects_and_amounts(haomen: Document) -> None:
    assert haomen.fiscal_year == 2023
    assert len(haomen.projects) == 28
    assert sum(p.amount_wan for p in haomen.projects if p.amount_wan) == Decimal("588.38")
    [total] = haomen.unit_totals
    assert (total.unit.code, total.amount_wan, total.fiscal_year) == ("407001", Decimal("588.39"), 2023)


def test_haomen_units_and_parent(haomen: Document) -> None:
    assert [(u.code, u.name, u.parent_code) for u in haomen.units] == [
        ("407", "门源县浩门镇政府", None),
        ("407001", "门源县浩门镇政府", "407"),
    ]
    assert {p.unit.code for p in haomen.projects} == {"407001"}


def test_haomen_repeated_headers_are_not_projects(haomen: Document) -> None:
    assert not any("单位" in p.name for p in haomen.projects)


def test_haomen_names_lose_extraction_spaces(haomen: Document) -> None:
    assert haomen.projects[0].name == "调委会工作补助经费"
    assert haomen.projects[2].name == "维稳经费及应急经费"


def test_haomen_numbered_objectives(haomen: Document) -> None:
    project = by_name(haomen, "维稳经费及应急经费")
    assert [o.ordinal for o in project.objectives] == [1, 2, 3, 4]
    assert project.objectives[1].label == "目标二"
    assert project.objectives[1].text.startswith("计划2021年内开展社会稳定宣传活动15次")
    women = by_name(haomen, "妇联工作经费")
    assert [o.label for o in women.objectives] == ["目标1", "目标2", "目标3"]


def test_every_project_has_objectives_and_indicators(haomen: Document, baofeng: Document) -> None:
    for project in haomen.projects + baofeng.projects:
        assert project.objectives, project.name
        assert project.indicators, project.name
        for indicator in project.indicators:
            assert indicator.level1 and indicator.name, indicator
            assert categories.resolve(indicator.level1, indicator.level2) is not None, indicator
            assert indicator.target.raw is not None


def test_haomen_first_project_tree(haomen: Document) -> None:
    project = haomen.projects[0]
    rows = [(i.level1, i.level2, i.name, i.target.raw) for i in project.indicators]
    assert rows[0] == ("产出指标", "数量指标", "培训乡村两级调委会成员数", "39人次")
    assert rows[8] == ("产出指标", "成本指标", "宣传活动成本", "≤1.02万元")
    assert rows[-1] == ("满意度指标", "", "群众满意度", "≥95%")
    assert len(rows) == 14


def test_haomen_several_items_in_one_paragraph(haomen: Document) -> None:
    project = by_name(haomen, "2023年村级公益事业建设一事一议财政奖补资金")
    costs = [(i.name, i.target.raw) for i in project.indicators if i.level2 == "成本指标"]
    assert costs == [
        ("设计费", "0.76万元"),
        ("监理费", "0.5万元"),
        ("结(决)算审查费", "0.4万元"),
        ("招标代理费", "0.3万元"),
        ("工程质量检测费", "0.24万元"),
        ("编制费", "0.2万元"),
    ]


def test_haomen_missing_level1_heading_is_inferred_with_warning(haomen: Document) -> None:
    project = by_name(haomen, "民政工作经费")
    social = [i for i in project.indicators if i.level2 == "社会效益指标"]
    assert social and all(i.level1 == "效益指标" for i in social)
    assert any("line 30" in w and "no level-1 heading" in w for w in haomen.warnings)


def test_haomen_satisfaction_numbered_as_level2(haomen: Document) -> None:
    project = by_name(haomen, "维稳经费及应急经费")
    last = project.indicators[-1]
    assert (last.level1, last.level2, last.name) == ("满意度指标", "满意度指标", "群众满意度")


@pytest.mark.parametrize(
    ("paragraph", "expected", "items"),
    [
        ("1. 培训乡村两级调委会成员数 39人次", 1, ["培训乡村两级调委会成员数 39人次"]),
        ("群众满意度 ≥95%", 1, ["群众满意度 ≥95%"]),
        ("2.36名村干部年报酬、工伤保险1065712.65元/年", 2, ["36名村干部年报酬、工伤保险1065712.65元/年"]),
        ("1. 设计费 0.76万元 2. 监理费0.5万元", 1, ["设计费 0.76万元", "监理费0.5万元"]),
        ("2. 取暖费收费标准 4.5/平方米", 2, ["取暖费收费标准 4.5/平方米"]),
        ("127名委员全年支出总额 2838385元/年", 1, ["127名委员全年支出总额 2838385元/年"]),
        ("1. 人员配备合理性 合理", 3, ["人员配备合理性 合理"]),  # sources restart numbering
        ("1.人代工作成本率 2.125万元", 1, ["人代工作成本率 2.125万元"]),
        ("1. 妇联工作经费总成本 ≤ 2.55万元/年", 1, ["妇联工作经费总成本 ≤ 2.55万元/年"]),
    ],
)
def test_split_items(paragraph: str, expected: int, items: list[str]) -> None:
    assert split_items(paragraph, expected)[0] == items


# -- 001: 宝丰镇 -------------------------------------------------------------------------------


def test_baofeng_projects(baofeng: Document) -> None:
    assert baofeng.fiscal_year == 2023
    assert len(baofeng.projects) == 14
    assert [(u.code, u.name) for u in baofeng.units] == [("058", "平罗县宝丰镇人民政府")]
    first = baofeng.projects[0]
    assert (first.name, first.amount_wan, first.attribute, first.period) == (
        "城乡社区运转经费",
        Decimal("10"),
        "一年期项目",
        "2023年1月至12月",
    )
    assert first.implementing_unit == "平罗县宝丰镇人民政府"
    assert [(f.source, f.amount_wan) for f in first.funding] == [("fiscal", Decimal("10")), ("other", None)]


def test_baofeng_overall_objective(baofeng: Document) -> None:
    [objective] = baofeng.projects[0].objectives
    assert objective.ordinal is None
    assert objective.text.startswith("保障社区组织正常运转")


def test_baofeng_name_above_its_label(baofeng: Document) -> None:
    project = by_name(baofeng, "政府长聘人员经费")
    assert project.amount_wan == Decimal("6.59")
    assert any("项目名称 is empty" in w and "政府长聘人员经费" in w for w in baofeng.warnings)


def test_baofeng_same_as_above_cells(baofeng: Document) -> None:
    project = by_name(baofeng, "社区党组织建设工作经费")
    rows = [(i.level1, i.level2, i.name, i.target.raw.strip()) for i in project.indicators]
    assert rows[:4] == [
        ("产出指标", "数量指标（必填硬性指标）", "开展三会一课", "4次/季度"),
        ("产出指标", "数量指标（必填硬性指标）", "织党员教育培训", "200人次"),
        ("产出指标", "数量指标（必填硬性指标）", "组织开展主题党员活动", "4次"),
        ("产出指标", "数量指标（必填硬性指标）", "订阅购买党建资料（含党报党刊）", "4份"),
    ]
    assert rows[-1] == ("满意度指标", "服务对象满意度指标（必填）", "本单位党员满意度", "≥90%")


def test_baofeng_typo_labels_still_categorised(baofeng: Document) -> None:
    labels = {i.level2 for p in baofeng.projects for i in p.indicators}
    assert "成本指标（必填硬性标）" in labels
    resolved = categories.resolve("产出指标", "成本指标（必填硬性标）")
    assert resolved == categories.Category("output", "outputCost")


def test_baofeng_unit_slip_kept_as_written(baofeng: Document) -> None:
    project = by_name(baofeng, "村干部任职补贴")
    cost = next(i for i in project.indicators if i.level2.startswith("成本"))
    assert (cost.name, cost.target.raw) == ("落实村干部任职补贴资金", "138.02元")


def test_form_rows_follow_tab_and_continuation_rules() -> None:
    text = "\t项目资金\n（万元）\n\t 年度资金总额：\n\t10\n\n\t\n2023年全年\n\t 12个月\n"
    assert [[c.text for c in row] for row in rows(text)] == [
        ["项目资金\n（万元）", " 年度资金总额：", "10"],
        ["2023年全年", " 12个月"],
    ]


# -- truncated files ---------------------------------------------------------------------------


def test_truncated_paragraph_table_is_refused() -> None:
    full = PARAGRAPH_TABLE.read_text(encoding="utf-8")
    text = full[: len(full) // 2]  # mid-row
    with pytest.raises(IngestError, match="truncated at line"):
        detect_reader(Source.from_text(text)).read(Source.from_text(text))


def test_table_cut_between_paragraphs_warns() -> None:
    full = PARAGRAPH_TABLE.read_text(encoding="utf-8")
    text = full[: full.index("</p>", full.index("2023年村级公益事业")) + 4]  # first </p> of the last row
    text = text.rsplit("\t", 1)[0] + "\t<p>一、产出指标</p>"  # a complete-looking but cut tree
    doc = reader_named("paragraph-table").read(Source.from_text(text))
    assert any("may be truncated" in w for w in doc.warnings)


def test_form_cut_before_its_tree_is_refused() -> None:
    lines = FORM_LINES.read_text(encoding="utf-8").split("\n")
    text = "\n".join(lines[:300])  # the fourth form stops at its tree's header
    with pytest.raises(IngestError, match="has no indicator table"):
        detect_reader(Source.from_text(text)).read(Source.from_text(text))


def test_form_cut_inside_its_tree_warns() -> None:
    lines = FORM_LINES.read_text(encoding="utf-8").split("\n")
    doc = reader_named("form-lines").read(Source.from_text("\n".join(lines[:1150])))
    assert any("may be truncated" in w for w in doc.warnings)
