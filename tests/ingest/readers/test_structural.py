"""The structural reader's parts, case by case: vocabulary, cell splitting, run-together
segmentation, level inference and value joining (issue 17). The per-family mocks are tested in
test_layout_families.py; these are small cases of our own, one behaviour each."""

from __future__ import annotations

import contextlib
import random
from decimal import Decimal

import pytest

from ingest.categories import Category, resolve
from ingest.decode import IngestError
from ingest.readers.base import detect_reader
from ingest.readers.cells import Delimiter, from_text
from ingest.readers.runs import segment
from ingest.readers.structural import StructuralReader, indicator_name, read_structure, suspect_notes
from ingest.readers.vocabulary import (
    Col,
    Field,
    Level,
    form_field,
    header_col,
    key,
    level_of,
    levels_from_name,
)
from ingest.records import Document, Indicator, ProjectKind
from ingest.source import Source

# -- vocabulary ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("產 出 指 標(biāo)", "产出指标"),
        ("绩??? 效 指 标", "绩效指标"),
        ("（必填）", "(必填)"),
        ("區(qū)級", "区级"),
        ("质量(km)", "质量(km)"),  # a bracket without a tone mark is no pinyin
    ],
)
def test_key_folds_layout_noise(written: str, expected: str) -> None:
    assert key(written) == expected


@pytest.mark.parametrize(
    ("label", "levels"),
    [
        ("产出指标", {Level.ONE}),
        ("产出指标(40-50)分", {Level.ONE}),
        ("一、产出指标", {Level.ONE}),
        ("项目完成指标", {Level.ONE}),
        ("效果指标", {Level.ONE}),
        ("产出值", {Level.ONE}),
        ("数量指标(必填硬性指标)", {Level.TWO}),
        ("(一)数量指标:", {Level.TWO}),
        ("数量值", {Level.TWO}),
        ("产出数量", {Level.TWO}),
        ("社会效益", {Level.TWO}),
        ("成本指标", {Level.ONE, Level.TWO}),
        ("满意度指标", {Level.ONE, Level.TWO}),
        ("实施效果指标", {Level.TOP}),
        ("培训人次", set()),
        ("产出指标完成情况良好的说明文字", set()),
    ],
)
def test_level_names_and_variants(label: str, levels: set[Level]) -> None:
    assert set(level_of(key(label))) == levels


@pytest.mark.parametrize(
    ("label", "seen", "col"),
    [
        ("一级指标", [], Col.LEVEL1),
        ("指标类型", [], Col.LEVEL1),
        ("三级指标", [Col.LEVEL1, Col.LEVEL2], Col.NAME),
        ("指标值及单位", [Col.NAME], Col.VALUE),
        ("年度数值", [Col.NAME], Col.VALUE),
        ("指标值(中期)", [Col.NAME], Col.MEDIUM_VALUE),
        ("度量单位", [Col.VALUE], Col.UNIT),
        ("计算符号", [Col.NAME], Col.NATURE),
        ("全年完成值", [Col.VALUE], Col.ACTUAL),
        ("2023年实际实现值", [Col.VALUE], Col.PRIOR),
        ("绩效指标", [], Col.LEAD),  # the merged cell left of the tree
        ("绩效指标", [Col.LEVEL1], Col.NAME),  # graded tables name the indicator so
        ("项目名称", [], None),
    ],
)
def test_header_labels(label: str, seen: list[Col], col: Col | None) -> None:
    assert header_col(key(label), seen) is col


@pytest.mark.parametrize(
    ("label", "field"),
    [
        ("项目支出名称", Field.NAME),
        ("专项(项目)名称", Field.NAME),
        ("主管部门及代码", Field.DEPARTMENT),
        ("填报单位", Field.UNIT),
        ("年度资金总额:", Field.AMOUNT),
        ("年度总体目标", Field.OBJECTIVE),
        ("(一)中长期绩效目标", Field.LONG_OBJECTIVE),
        ("指标值", None),
    ],
)
def test_form_labels(label: str, field: Field | None) -> None:
    assert form_field(key(label)) is field


@pytest.mark.parametrize(
    ("name", "levels"),
    [
        ("补助对象审核合规率", ("产出指标", "质量指标")),
        ("稳定在岗驾驶员人数", ("产出指标", "数量指标")),
        ("补助发放周期", ("产出指标", "时效指标")),
        ("公交企业满意度", ("满意度指标", "服务对象满意度指标")),
        ("城区公交线路运行保障", None),
    ],
)
def test_levels_from_the_name_words(name: str, levels: tuple[str, str] | None) -> None:
    assert levels_from_name(name) == levels


@pytest.mark.parametrize(
    ("level1", "level2", "category"),
    [
        ("產出指標", "數量指標", Category("output", "quantity")),
        ("产出指标", "产出质量", Category("output", "quality")),
        ("项目完成指标", "", None),
        ("项目效益指标", "社会效益指标", Category("effect", "socialEffect")),
        (
            "社会公众或服务对象满意度指标",
            "社会公众或服务对象满意度指标",
            Category("satisfaction", "serviceSatisfaction"),
        ),
        ("满意度指标", "服务对象或受益者满意度指标", Category("satisfaction", "serviceSatisfaction")),
        ("效益值", "可持续影响值", Category("effect", "sustainability")),
    ],
)
def test_categories_know_the_variants(level1: str, level2: str, category: Category | None) -> None:
    assert resolve(level1, level2) == category


# -- cells --------------------------------------------------------------------------------------


def texts(text: str) -> tuple[Delimiter, list[list[str]]]:
    split = from_text(text)
    return split.delimiter, [[c.text for c in row] for row in split.rows]


@pytest.mark.parametrize(
    ("text", "delimiter", "rows"),
    [
        (
            "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t甲\t1个\n\t\t乙\t2个\n\t质量指标\t丙\t≥90%\n",
            Delimiter.TAB,
            [
                ["一级指标", "二级指标", "三级指标", "指标值"],
                ["产出指标", "数量指标", "甲", "1个"],
                ["", "", "乙", "2个"],
                ["", "质量指标", "丙", "≥90%"],
            ],
        ),
        (
            "| 一级指标 | 二级指标 | 三级指标 | 指标值 | |||\n| 产出指标 | 数量指标 | 甲 | 1个 | |||\n"
            "| 乙 | 2个 | ||||\n| 质量指标 | 丙 | 3 |\n| 时效指标 | 丁 | 年底 |\n",
            Delimiter.PIPE_ROWS,
            [
                ["一级指标", "二级指标", "三级指标", "指标值"],
                ["产出指标", "数量指标", "甲", "1个"],
                ["乙", "2个"],
                ["质量指标", "丙", "3"],
                ["时效指标", "丁", "年底"],
            ],
        ),
        (
            "项目名称 |\n甲项目 |\n||\n产出指标 |\n数量指标 |\n甲 |\n|\n1个 |\n| ||\n乙 |\n2个 |\n||\n",
            Delimiter.PIPE_LINES,
            [["项目名称", "甲项目"], ["产出指标", "数量指标", "甲", "", "1个"], ["乙", "2个"]],
        ),
        (
            "项目名称\n|\n甲项目\n|\n|\n产出指标\n|\n数量指标\n|\n \n|\n1个\n|\n|\n",
            Delimiter.PIPE_LINES,
            [["项目名称", "甲项目"], ["产出指标", "数量指标", "", "1个"]],
        ),
        (
            "项目名称\n\n甲项目\n\n一级\n\n二级\n\n三级\n\n年度数值\n\n备注\n\n产出值\n\n数量值\n\n甲\n\n1个\n\n\u00a0\n\n",
            Delimiter.PARAGRAPHS,
            [
                [
                    "项目名称",
                    "甲项目",
                    "一级",
                    "二级",
                    "三级",
                    "年度数值",
                    "备注",
                    "产出值",
                    "数量值",
                    "甲",
                    "1个",
                    "",
                ]
            ],
        ),
        (
            "一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 中蜂养殖示范点建设数量( ≥**个 ) >=1个\n",
            Delimiter.SPACES,
            [
                ["一级指标", "二级指标", "三级指标", "指标值"],
                ["产出指标", "数量指标", "中蜂养殖示范点建设数量( ≥**个 )", ">=1个"],
            ],
        ),
    ],
)
def test_rows_of_cells_whatever_the_delimiter(text: str, delimiter: Delimiter, rows: list[list[str]]) -> None:
    assert texts(text) == (delimiter, rows)


def test_run_together_text_is_cut_into_cells() -> None:
    text = "一级指标二级指标三级指标指标值产出指标数量指标纸质档案扫描页数80万页质量指标扫描合格率≥98%\n"
    delimiter, rows = texts(text)
    assert delimiter is Delimiter.RUN_TOGETHER
    assert rows == [["一级指标", "二级指标", "三级指标", "指标值", "产出指标", "数量指标",
                     "纸质档案扫描页数", "80万页",
                     "质量指标", "扫描合格率", "≥98%"]]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "cells"),
    [
        # a date glued to words is part of a name
        ("时效指标2022年9月底前完成补助资金拨付10按期完成按期完成10",
         ["时效指标", "2022年9月底前完成补助资金拨付", "10", "按期完成", "按期完成", "10"]),
        # 指标1 numbering goes, the label's own 指标 stays
        ("数量指标指标1受助学生人数101200人1236人10",
         ["数量指标", "受助学生人数", "101200人", "1236人", "10"]),
        # 反映… opens an explanation; 计划标准 is a standard's cell
        ("纸质档案扫描页数反映年度扫描加工完成量80万页计划标准",
         ["纸质档案扫描页数", "反映年度扫描加工完成量", "80万页", "计划标准"]),
        # traditional characters are cut the same way, kept as written
        ("產出數量維護消火栓數量420個420個達成預期指標",
         ["產出數量", "維護消火栓數量", "420個", "420個", "達成預期指標"]),
        # prose lists: items end at ; and 。, a trailing qualitative word is the value
        ("生态效益指标:羊粪还田利用率提高。可持续影响指标,带动作用持续发挥。",
         ["生态效益指标", "羊粪还田利用率", "提高", "可持续影响指标", "带动作用", "持续发挥"]),
        # nothing inside brackets is cut
        ("新建暖棚面积(≥**平方米)>=1600平方米", ["新建暖棚面积(≥**平方米)", ">=1600平方米"]),
    ],
)  # fmt: skip
def test_segment(text: str, cells: list[str]) -> None:
    assert segment(text) == cells


# -- reading ------------------------------------------------------------------------------------


def read(text: str) -> Document:
    return read_structure(Source.from_text(text))


def tree(doc: Document) -> list[tuple[str, str, str, str]]:
    return [(i.level1, i.level2, i.name, i.target.raw) for p in doc.projects for i in p.indicators]


FORM = "项目名称\t甲项目\n主管部门\t058-某镇人民政府\n年度资金总额\t10\n年度目标\t保障运转\n"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # continuation rows inherit the levels above them
        (
            "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t甲\t1个\n乙\t2个\n质量指标\t丙\t≥90%\n",
            [("产出指标", "数量指标", "甲", "1个"), ("产出指标", "数量指标", "乙", "2个"),
             ("产出指标", "质量指标", "丙", "≥90%")],
        ),
        # sign, number and unit in their own columns are joined in that order
        (
            "一级指标\t二级指标\t三级指标\t指标性质\t指标值\t度量单位\n产出指标\t数量指标\t甲\t≥\t95\t%\n",
            [("产出指标", "数量指标", "甲", "≥95%")],
        ),
        # 成本指标 over 经济成本指标 is the 2021 tree's first level
        (
            "一级指标\t二级指标\t三级指标\t指标值\n成本指标\t经济成本指标\t建设成本\t≤80万元\n产出指标\t数量指标\t甲\t1个\n",
            [("成本指标", "经济成本指标", "建设成本", "≤80万元"), ("产出指标", "数量指标", "甲", "1个")],
        ),
        # under 产出指标, 成本指标 is the 二级 and a 经济成本指标 after it, followed by a sign, the name
        (
            "一级指标\t二级指标\t三级指标\t计算符号\t指标值\n产出指标\t数量指标\t甲\t=\t1\n成本指标\t经济成本指标\t≤\t35万元\n",
            [("产出指标", "数量指标", "甲", "=1"), ("产出指标", "成本指标", "经济成本指标", "≤35万元")],
        ),
        # a two-level table: 指标名称 holds the 二级, the row has no name
        (
            "指标类型\t指标名称\t指标值\t指标描述\n产出指标\t数量指标\t6800盏\t完成巡查\n",
            [("产出指标", "数量指标", "", "6800盏")],
        ),
        # 满意度指标 alone spans 一级 and 二级
        (
            "一级指标\t二级指标\t三级指标\t指标值\n满意度指标\t群众满意度\t≥90%\n",
            [("满意度指标", "满意度指标", "群众满意度", "≥90%")],
        ),
        # a value written into the name is split out, numbering removed
        (
            "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t指标1:培训人次 39人次\t\n",
            [("产出指标", "数量指标", "培训人次", "39人次")],
        ),
    ],
)  # fmt: skip
def test_trees(rows: str, expected: list[tuple[str, str, str, str]]) -> None:
    assert tree(read(FORM + rows)) == expected


def only(doc: Document) -> Indicator:
    [project] = doc.projects
    [indicator] = project.indicators
    return indicator


def test_levels_lost_are_inferred_from_the_name_and_said() -> None:
    doc = read(FORM + "一级指标\t二级指标\t三级指标\t指标值\n补助对象审核合规率\t100%\n")
    indicator = only(doc)
    assert (indicator.level1, indicator.level2) == ("产出指标", "质量指标")
    assert indicator.inferred and any("inferred from its name" in note for note in doc.inferred)


def test_level1_inferred_from_a_level2_of_another_branch() -> None:
    doc = read(
        FORM + "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t甲\t1个\n社会效益\t乙\t提高\n"
    )
    second = doc.projects[0].indicators[1]
    assert (second.level1, second.level2) == ("效益指标", "社会效益")
    assert any("一级 效益指标 inferred" in note for note in doc.inferred)


def test_self_evaluation_keeps_target_and_actual_apart() -> None:
    doc = read(
        FORM + "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分\t偏差原因分析及改进措施\n"
        "产出指标\t数量指标\t甲\t≥3500件\t3860\t10\t9.5\t部分滞后\n"
    )
    indicator = only(doc)
    assert indicator.target.raw == "≥3500件"
    assert indicator.assessment is not None
    assert indicator.assessment.actual is not None and indicator.assessment.actual.raw == "3860"
    assert (indicator.assessment.weight, indicator.assessment.score) == (Decimal("10"), Decimal("9.5"))
    assert indicator.assessment.reason == "部分滞后"
    assert doc.projects[0].self_evaluation


def test_weights_glued_to_values_are_cut_at_the_shortest_number() -> None:
    doc = read(
        FORM
        + "一级指标二级指标三级指标分值年度指标值全年完成值得分产出指标数量指标受助学生人数101200人1236人10\n"
    )
    indicator = only(doc)
    assert indicator.target.raw == "1200人"
    assert indicator.assessment is not None and indicator.assessment.score == Decimal("10")


def test_one_value_column_per_area() -> None:
    doc = read(
        FORM + "| 一级指标 | 二级指标 | 三级指标 | 单位 | 甲村 | 乙村 |\n"
        "| 产出指标 | 数量指标 | 护栏长度 | 米 | 1600 | 0 |\n"
        "| 质量指标 | 合格率 | % | 100 | 100 |\n| 时效指标 | 完成时间 | 年 | 2024 | 2024 |\n"
    )
    first = doc.projects[0].indicators[0]
    assert [(a.area, a.target.raw) for a in first.area_targets] == [("甲村", "1600米"), ("乙村", "0米")]
    assert first.target.raw == ""


def test_unfilled_template_and_ocr_slips_are_flagged_never_fixed() -> None:
    doc = read(
        FORM + "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t甲\t座\n质量指标\t乙\t298%\n"
    )
    unfilled, ocr = doc.projects[0].indicators
    assert unfilled.target.raw == "座" and unfilled.target.placeholder and unfilled.suspect
    assert ocr.target.raw == "298%" and any("OCR" in note for note in ocr.suspect)


@pytest.mark.parametrize(
    ("raw", "flagged"),
    [("298%", True), ("工100元", True), ("≥98%", False), ("100%", False), ("120%", False)],
)
def test_suspect_values(raw: str, flagged: bool) -> None:
    assert bool(suspect_notes(raw)) is flagged


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("指标1:受助学 生人数", "受助学生人数"),
        ("1.巡查保洁河道长度", "巡查保洁河道长度"),
        ("★新增蜂箱(≥**箱)", "★新增蜂箱(≥**箱)"),
    ],
)
def test_indicator_names_lose_layout_and_numbering_only(written: str, name: str) -> None:
    assert indicator_name(written) == name


def test_a_cut_document_keeps_its_complete_indicators_and_says_so() -> None:
    doc = read(FORM + "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t甲\t1个\n质量指标\t乙\t≥9")
    [project] = doc.projects
    assert [i.name for i in project.indicators] == ["甲", "乙"]
    assert not project.complete
    assert any("cut off" in w for w in doc.warnings)


def test_form_fields_and_units_codes() -> None:
    doc = read(
        FORM + "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t甲\t1个\n满意度指标\t满意度\t≥90%\n"
    )
    [project] = doc.projects
    assert (project.name, project.unit.code, project.unit.name) == ("甲项目", "058", "某镇人民政府")
    assert project.amount_wan == Decimal("10")
    assert project.objectives[0].text == "保障运转"
    assert project.kind is ProjectKind.PROJECT and project.complete


def test_whole_unit_table_has_no_project_name() -> None:
    doc = read(
        "部门整体支出绩效目标表\n部门(单位)名称\t某局\n绩效指标\t指标名称\t指标权重\t计量单位\t指标性质\t指标值\n"
        "\t预算执行率\t5\t%\t≥\t95\n"
    )
    [project] = doc.projects
    assert project.kind is ProjectKind.UNIT and project.name == "某局"
    assert tree(doc) == [("", "", "预算执行率", "≥95%")]


def test_no_tree_is_a_clear_error_saying_what_was_found() -> None:
    with pytest.raises(IngestError, match=r"found form field name.*1 indicator level name.*no tree header"):
        read("项目名称\t甲项目\n年度资金总额\t10\n产出指标很好\n产出指标\n")


def test_fallback_only_for_sources_with_vocabulary() -> None:
    assert isinstance(
        detect_reader(Source.from_text("| 产出指标 | 数量指标 | 甲 | 1个 |\n")), StructuralReader
    )
    with pytest.raises(IngestError, match="unknown layout"):
        detect_reader(Source.from_text("姓名 电话\n张三 123\n"))


SAMPLE = (
    FORM + "| 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位 |\n"
    "| 产出指标 | 数量指标 | 甲 | ≥ | 95 | % |\n| 乙 | = | 2 | 个 |\n"
    "| 效益指标 | 社会效益指标 | 丙 | | 提高 | |\n"
    "| 满意度指标 | 服务对象满意度指标 | 丁 | ≥ | 90 | % |\n"
)


@pytest.mark.parametrize("seed", range(40))
def test_no_cut_or_shuffle_crashes(seed: int) -> None:
    """Random cuts and line shuffles: read or refused in words, never a traceback."""
    rng = random.Random(seed)
    text = SAMPLE[: rng.randrange(len(SAMPLE) + 1)]
    if seed % 2:
        lines = SAMPLE.split("\n")
        rng.shuffle(lines)
        text = "\n".join(lines)
    with contextlib.suppress(IngestError):
        StructuralReader().read(Source.from_text(text))
