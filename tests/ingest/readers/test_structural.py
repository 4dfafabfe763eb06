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


# -- shapes met on held-out cases of our own (x26 onward) -------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one cell per line, no blank lines: a line is a cell, so `≥25个` stays the value and a
        # section heading after the table is no indicator
        (
            "\n".join(
                [
                    "部门名称",
                    "某局",
                    "年度预算总额（万元）",
                    "100",
                    "一级指标",
                    "二级指标",
                    "三级指标",
                    "指标值",
                    "产出指标",
                    "数量指标",
                    "检查单位",
                    "≥25个",
                    "质量指标",
                    "办结率",
                    "不低于90%",
                    "满意度指标",
                    "服务对象满意度指标",
                    "满意度",
                    "≥90%",
                    "四、其他说明",
                    "无",
                ]
            ),
            [
                ("产出指标", "数量指标", "检查单位", "≥25个"),
                ("产出指标", "质量指标", "办结率", "不低于90%"),
                ("满意度指标", "服务对象满意度指标", "满意度", "≥90%"),
            ],
        ),
        # a header wrapped onto a second row; a 一级 label on the middle row of its block keeps
        # the 二级 of the row above it
        (
            "项目名称 甲项目\n一级 二级 三级 年度\n指标 指标 指标 指标值\n数量指标 改造管网长度 ≥18公里\n"
            "产出指标 新建水表 2400只\n社会效益指标 供水保证率 ≥98%\n效益指标 管网漏损率 ≤12%\n",
            [
                ("产出指标", "数量指标", "改造管网长度", "≥18公里"),
                ("产出指标", "数量指标", "新建水表", "2400只"),
                ("效益指标", "社会效益指标", "供水保证率", "≥98%"),
                ("效益指标", "社会效益指标", "管网漏损率", "≤12%"),
            ],
        ),
        # rows above the first label take it when it is the tree's first block (数量指标) ...
        (
            "项目名称 | 甲项目 |\n| 一级指标 | 二级指标 | 三级指标 | 指标值 |\n| | | 新建隔离带 | ≥35公里 |\n"
            "| | 数量指标 | 新建储备库 | 2座 |\n| 产出指标 | | 巡护天数 | ≥180天 |\n",
            [
                ("产出指标", "数量指标", "新建隔离带", "≥35公里"),
                ("产出指标", "数量指标", "新建储备库", "2座"),
                ("产出指标", "数量指标", "巡护天数", "≥180天"),
            ],
        ),
        # ... and not when it is a later block: their own block's label was lost
        (
            "项目名称 | 甲项目 |\n| 一级指标 | 二级指标 | 三级指标 | 指标值 |\n| | | 新建隔离带 | ≥35公里 |\n"
            "| 产出指标 | 时效指标 | 完成时间 | 2025年10月底前 |\n",
            [("", "", "新建隔离带", "≥35公里"), ("产出指标", "时效指标", "完成时间", "2025年10月底前")],
        ),
        # spaces between a sign and its number or an unfilled template's unit
        (
            "项目名称 甲项目\n一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 管网长度 ≥ 9.6公里\n"
            "质量指标 通畅率 ≥ 95 %\n满意度指标 服务对象满意度指标 满意度 ≥ %\n",
            [
                ("产出指标", "数量指标", "管网长度", "≥ 9.6公里"),
                ("产出指标", "质量指标", "通畅率", "≥ 95 %"),
                ("满意度指标", "服务对象满意度指标", "满意度", "≥ %"),
            ],
        ),
        # a 序号 column: the row numbers are no indicators
        (
            "项目名称\t甲项目\n序号\t一级指标\t二级指标\t三级指标\t指标值\n"
            "1\t产出指标\t数量指标\t新增绿地\t≥4.5公顷\n"
            "2\t\t\t种植乔木\t≥2600株\n",
            [
                ("产出指标", "数量指标", "新增绿地", "≥4.5公顷"),
                ("产出指标", "数量指标", "种植乔木", "≥2600株"),
            ],
        ),
        # a name wrapped in its cell comes out of a PDF's text layer with a space inside
        (
            "项目名称 甲项目\n一级指标 二级指标 三级指标 指标值\n"
            "产出指标 数量指标 提升改造村级 综合服务设施 12个\n"
            "可持续影响指标 管护机制 健全\n",
            [
                ("产出指标", "数量指标", "提升改造村级综合服务设施", "12个"),
                ("效益指标", "可持续影响指标", "管护机制", "健全"),
            ],
        ),
        # 一级 | 二级 | 指标值 with no 三级 column: the cell after the levels is the value, a word too
        (
            "项目名称 | 甲项目 |\n| 一级指标 | 二级指标 | 指标值 | 指标说明 |\n"
            "| 产出指标 | 数量指标 | 4.2万份 | 完成更新 |\n"
            "| 效益指标 | 社会效益指标 | 提高 | 健康意识提高 |\n",
            [("产出指标", "数量指标", "", "4.2万份"), ("效益指标", "社会效益指标", "", "提高")],
        ),
        # a 公示 page listing a level's indicators in a sentence under numbered headings
        (
            "项目名称：甲项目。\n（一）产出指标\n1.数量指标：完成加装电梯数量≥40台；惠及住户≥480户。\n"
            "（二）效益指标\n"
            "1.可持续影响指标：运维管理机制逐步健全。\n四、其他需要说明的事项\n无。\n",
            [
                ("产出指标", "数量指标", "完成加装电梯数量", "≥40台"),
                ("产出指标", "数量指标", "惠及住户", "≥480户"),
                ("效益指标", "可持续影响指标", "运维管理机制", "逐步健全"),
            ],
        ),
    ],
)
def test_held_out_shapes(text: str, expected: list[tuple[str, str, str, str]]) -> None:
    assert tree(read(text)) == expected


def test_one_cell_per_line_is_its_own_delimiter() -> None:
    lines = ["一级指标", "二级指标", "三级指标", "指标值", "产出指标", "数量指标", "甲", "≥25个"] * 2
    assert from_text("\n".join(lines)).delimiter is Delimiter.LINES
    assert from_text(
        "项目名称 甲\n一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 甲 1个\n"
    ).delimiter is (Delimiter.SPACES)


def test_inline_form_labels_name_the_project_not_the_title() -> None:
    doc = read(
        "某县2025年某资金绩效目标及评价标准\n资金名称：困难群众救助补助资金    主管部门：某县民政局\n"
        "一级指标\t二级指标\t三级指标\t指标值\n产出指标\t数量指标\t救助人数\t≥4200人\n"
    )
    [project] = doc.projects
    assert project.name == "困难群众救助补助资金"
    assert project.department == "某县民政局" or project.unit.name == "某县民政局"


def test_a_column_without_a_place_keeps_the_columns_after_it() -> None:
    doc = read(
        "项目名称\t甲项目\n一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t完成率\t分值\t得分\t未完成原因\n"
        "产出指标\t数量指标\t更新管道\t≥12公里\t12.4公里\t103%\t15\t14\t\n"
    )
    indicator = only(doc)
    assert indicator.target.raw == "≥12公里"
    assert indicator.assessment is not None and indicator.assessment.actual is not None
    assert indicator.assessment.actual.raw == "12.4公里"
    assert (indicator.assessment.weight, indicator.assessment.score) == (Decimal(15), Decimal(14))


def test_run_together_self_evaluation_rules() -> None:
    """工 after a value is an OCR sign opening the actual; a weight and score glued to the reason
    go to their columns; a sign says the direction, so 增长 before `≥5%` stays in the name; a
    space before a form label ends the project name (`…项目 主管部门`)."""
    doc = read(
        "项目名称甲体育设施维护项目 主管部门乙局 一级指标二级指标三级指标年度指标值实际完成值分值得分"
        "偏差原因分析及改进措施产出指标数量指标维护场地数量≥60处62处1010时效指标维修响应时间≤48小时"
        "工5小时108报修高峰期响应延迟效益指标社会效益指标参与人次同比增长≥5%6.2%1515\n"
    )
    [project] = doc.projects
    assert project.name == "甲体育设施维护项目"
    got = [
        (i.name, i.target.raw, a.actual.raw if a.actual else None, a.weight, a.score, a.reason)
        for i in project.indicators
        if (a := i.assessment) is not None
    ]
    assert got == [
        ("维护场地数量", "≥60处", "62处", Decimal(10), Decimal(10), None),
        ("维修响应时间", "≤48小时", "工5小时", Decimal(10), Decimal(8), "报修高峰期响应延迟"),
        ("参与人次同比增长", "≥5%", "6.2%", Decimal(15), Decimal(15), None),
    ]


@pytest.mark.parametrize(
    ("text", "cells"),
    [
        ("粮食播种面积≥26.5万亩统防统治面积≥8万亩", ["粮食播种面积", "≥26.5万亩", "统防统治面积", "≥8万亩"]),
        (
            "脱贫人口返贫致贫情况不发生规模性返贫产出指标",
            ["脱贫人口返贫致贫情况", "不发生规模性返贫", "产出指标"],
        ),
    ],
)
def test_segment_units_with_wan_and_negated_targets(text: str, cells: list[str]) -> None:
    assert segment(text) == cells


def test_spaced_pinyin_of_several_syllables_is_removed() -> None:
    assert key("新建(xīn jiàn)農村污水處理站") == "新建农村污水处理站"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a row of column numbers under the header is no indicator
        (
            "项目名称\t甲项目\n一级指标\t二级指标\t三级指标\t指标值\t备注\n1\t2\t3\t4\t5\n"
            "产出指标\t数量指标\t新增泊位\t≥420个\t\n",
            [("产出指标", "数量指标", "新增泊位", "≥420个")],
        ),
        # one 指标类别 cell holding both levels
        (
            "项目名称\t甲项目\n指标类别\t指标名称\t指标值\n产出指标-数量指标\t种植面积\t≥1500亩\n"
            "效益指标-生态效益指标\t林地综合利用率\t提高\n",
            [
                ("产出指标", "数量指标", "种植面积", "≥1500亩"),
                ("效益指标", "生态效益指标", "林地综合利用率", "提高"),
            ],
        ),
    ],
)
def test_more_held_out_shapes(text: str, expected: list[tuple[str, str, str, str]]) -> None:
    assert tree(read(text)) == expected


def test_a_project_name_closes_the_tree_above_it() -> None:
    """Two projects in one table: the last row of the first stays the first's."""
    block = (
        "项目名称\t{0}\n一级指标\t二级指标\t三级指标\t指标值\n"
        "产出指标\t数量指标\t{0}甲\t1个\n满意度指标\t{0}乙\t≥90%\n"
    )
    doc = read(block.format("一") + block.format("二"))
    assert [(p.name, [i.name for i in p.indicators]) for p in doc.projects] == [
        ("一", ["一甲", "一乙"]),
        ("二", ["二甲", "二乙"]),
    ]


def test_bare_level_words_of_templates_without_指标() -> None:
    doc = read(
        "项目名称 | 甲项目 |\n| 一级指标 | 二级指标 | 三级指标 | 指标值（数值） |\n"
        "| 产出 | 数量 | 新增托位数 | ≥300个 |\n"
        "| | 质量 | 备案率 | 100% |\n| 满意度 | 服务对象满意度 | 家长满意度 | ≥90% |\n"
    )
    assert [resolve(i.level1, i.level2) for i in doc.projects[0].indicators] == [
        Category("output", "quantity"),
        Category("output", "quality"),
        Category("satisfaction", "serviceSatisfaction"),
    ]


def test_an_indicator_list_without_levels_is_read_with_none() -> None:
    """`绩效指标 | 指标值` alone on a row: indicators with no level written, so none is stored."""
    doc = read("资金名称\t甲资金\n绩效指标\t指标值\n保障运转村数量\t86个\n村民满意度\t≥90%\n")
    assert tree(doc) == [("", "", "保障运转村数量", "86个"), ("", "", "村民满意度", "≥90%")]


def test_two_labels_inside_a_row_are_no_list_header() -> None:
    with pytest.raises(IngestError):
        read("说明 绩效指标 指标值 见附件\n补贴 100人\n")


def test_a_header_repeated_at_a_page_break_continues_the_table() -> None:
    doc = read(
        "项目名称 甲项目\n一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 维修渠道 ≥12公里\n"
        "第 1 页 共 2 页\n一级指标 二级指标 三级指标 指标值\n维修山塘 4座\n"
        "满意度指标 服务对象满意度指标 农户满意度 ≥90%\n— 2 —\n"
    )
    assert [p.name for p in doc.projects] == ["甲项目"]
    assert tree(doc) == [
        ("产出指标", "数量指标", "维修渠道", "≥12公里"),
        ("产出指标", "数量指标", "维修山塘", "4座"),
        ("满意度指标", "服务对象满意度指标", "农户满意度", "≥90%"),
    ]
    assert any("page break" in note for note in doc.inferred)


def test_a_header_after_a_new_project_name_starts_a_project() -> None:
    block = "项目名称 {0}\n一级指标 二级指标 三级指标 指标值\n产出指标 数量指标 {0}甲 1个\n"
    doc = read(block.format("一") + block.format("二"))
    assert [p.name for p in doc.projects] == ["一", "二"]


def test_one_cell_per_line_with_spaces_inside_some_cells() -> None:
    cells = ["项目名称", "甲项目", "一级指标", "二级指标", "三级指标", "指标值", "产出指标", "数量指标",
             "改造 户厕 数量", "≥ 25 个", "质量指标", "验收 合格率", "100 %", "时效指标", "完成时间",
             "2025年 12月底前", "满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"]  # fmt: skip
    split = from_text("\n".join(cells))
    assert split.delimiter is Delimiter.LINES
    assert tree(read("\n".join(cells))) == [
        ("产出指标", "数量指标", "改造户厕数量", "≥ 25 个"),
        ("产出指标", "质量指标", "验收合格率", "100 %"),
        ("产出指标", "时效指标", "完成时间", "2025年 12月底前"),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%"),
    ]


def test_a_header_over_two_rows_of_a_drawn_table() -> None:
    """A grid repeats a rowspan's label on the second header row; the label spanning the columns
    the second row names gives them their place (a reason) or stays theirs (the areas)."""
    labels = "一级指标\t二级指标\t三级指标\t年度指标值\t实际完成值\t分值\t得分"
    doc = read(
        f"项目名称\t甲项目\n{labels}\t偏差原因分析及改进措施\n{labels}\t原因分析\t改进措施\n"
        "产出指标\t时效指标\t响应时间\t≤48小时\t52小时\t10\t8\t雨季集中报修\t增加班组\n"
    )
    indicator = only(doc)
    assert indicator.target.raw == "≤48小时"
    assert indicator.assessment is not None and indicator.assessment.reason == "雨季集中报修"
    areas = "一级指标\t二级指标\t三级指标\t计量单位"
    doc = read(
        f"资金名称\t甲资金\n{areas}\t区域目标值\n{areas}\t鹿鸣镇\t南屿乡\n产出指标\t数量指标\t改造户厕\t户\t320\t180\n"
    )
    assert [(a.area, a.target.raw) for a in only(doc).area_targets] == [
        ("鹿鸣镇", "320户"),
        ("南屿乡", "180户"),
    ]
