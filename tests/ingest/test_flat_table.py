"""The flat export's own rules, on small hand-written tables (CSV, read as a user's file would be)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.decode import IngestError
from ingest.formats import read_source
from ingest.readers.base import detect_reader
from ingest.records import Comparator, Document, TargetKind

HEADER = "单位名称,项目名称,预算数,年度目标,一级指标,二级指标,三级指标,指标性质,指标值,度量单位"


def read(text: str, name: str = "2023年绩效目标.csv") -> Document:
    source = read_source(text.encode("utf-8"), name)
    reader = detect_reader(source)
    assert reader.name == "flat-table"
    return reader.read(source)


def test_project_cells_on_every_row_are_one_project() -> None:
    doc = read(
        f"{HEADER}\n"
        '820001-井研县马踏镇人民政府,村级运转,"1,380,200.00",保障运转,产出指标,数量指标,补助村数,≥,9,个\n'
        '820001-井研县马踏镇人民政府,村级运转,"1,380,200.00",保障运转,产出指标,数量指标,覆盖率,＝,100,%\n'
    )
    [project] = doc.projects
    assert (project.unit.code, project.unit.name) == ("820001", "井研县马踏镇人民政府")
    assert project.amount_wan == Decimal("138.02")
    assert project.fiscal_year == 2023  # from the file name
    assert [i.name for i in project.indicators] == ["补助村数", "覆盖率"]


def test_blank_cells_continue_unit_project_and_levels() -> None:
    doc = read(
        f"{HEADER}\n"
        "058-平罗县宝丰镇人民政府,甲,100000,目标,产出指标,数量指标,甲一,,1个,\n"
        ",,,,,,甲二,,2个,\n"
        ",,,,,质量指标,甲三,,98%,\n"
        ",乙,20000,目标,满意度指标,服务对象满意度指标,乙一,≥,95,%\n"
    )
    first, second = doc.projects
    assert [(i.level1, i.level2, i.name) for i in first.indicators] == [
        ("产出指标", "数量指标", "甲一"),
        ("产出指标", "数量指标", "甲二"),
        ("产出指标", "质量指标", "甲三"),
    ]
    assert second.unit is first.unit
    assert (second.amount_wan, second.indicators[0].target.comparator) == (Decimal(2), Comparator.GE)


def test_amount_in_wan_when_the_header_says_so() -> None:
    doc = read(
        HEADER.replace("预算数", "预算数（万元）")
        + "\n058-宝丰镇,甲,138.02,目标,产出指标,数量指标,甲一,,1个,\n"
    )
    assert doc.projects[0].amount_wan == Decimal("138.02")
    assert not doc.warnings


def test_amount_that_looks_like_wan_is_warned_about() -> None:
    doc = read(f"{HEADER}\n058-宝丰镇,甲,138.02,目标,产出指标,数量指标,甲一,,1个,\n")
    assert doc.projects[0].amount_wan == Decimal("0.013802")
    assert any("预算数（万元）" in w for w in doc.warnings)


@pytest.mark.parametrize(
    ("extra_header", "extra_cell", "warning"),
    [
        ("备注", "无", "columns not kept (the ontology has no place for them): 备注"),
        ("权重", "十分", "weight '十分' is not a number"),
    ],
)
def test_what_is_not_kept_is_said(extra_header: str, extra_cell: str, warning: str) -> None:
    doc = read(
        f"{HEADER},{extra_header}\n058-宝丰镇,甲,100000,目标,产出指标,数量指标,甲一,,1个,,{extra_cell}\n"
    )
    assert any(warning in w for w in doc.warnings), doc.warnings


def test_unknown_nature_is_warned_and_the_value_read_without_it() -> None:
    doc = read(f"{HEADER}\n058-宝丰镇,甲,100000,目标,产出指标,数量指标,甲一,优秀,9,个\n")
    target = doc.projects[0].indicators[0].target
    assert (target.kind, target.comparator, target.value) == (TargetKind.QUANTITATIVE, Comparator.NONE, 9)
    assert any("指标性质 '优秀'" in w for w in doc.warnings)


def test_value_inside_the_name_when_the_value_cell_is_blank() -> None:
    doc = read(f"{HEADER}\n058-宝丰镇,甲,100000,目标,产出指标,数量指标,培训乡村两级调委会成员数 39人次,,,\n")
    indicator = doc.projects[0].indicators[0]
    assert (indicator.name, indicator.target.raw, indicator.target.value) == (
        "培训乡村两级调委会成员数",
        "39人次",
        39,
    )


def test_no_year_anywhere_is_warned() -> None:
    doc = read(f"{HEADER}\n058-宝丰镇,甲,100000,目标,产出指标,数量指标,甲一,,1个,\n", name="export.csv")
    assert doc.projects[0].fiscal_year is None
    assert any("no fiscal year found" in w for w in doc.warnings)


def test_year_column() -> None:
    doc = read(f"年度,{HEADER}\n2024,058-宝丰镇,甲,100000,目标,产出指标,数量指标,甲一,,1个,\n", name="x.csv")
    assert doc.projects[0].fiscal_year == 2024


def test_indicator_rows_before_any_project_are_skipped_with_a_warning() -> None:
    doc = read(
        f"{HEADER}\n,,,,产出指标,数量指标,孤儿,,1个,\n058-宝丰镇,甲,1000,目标,产出指标,数量指标,甲一,,1个,\n"
    )
    assert [p.name for p in doc.projects] == ["甲"]
    assert any("before any project" in w for w in doc.warnings)


def test_a_spreadsheet_that_is_not_a_target_table() -> None:
    source = read_source("姓名,部门,电话\n张三,财政所,123\n".encode(), "通讯录.csv")
    found = r"unknown layout \(a delimited text file of 2 row\(s\)\): looked for"
    with pytest.raises(IngestError, match=found):
        detect_reader(source)


def test_unit_named_once_above_the_header() -> None:
    header = HEADER.removeprefix("单位名称,")
    doc = read(
        f"2023年项目支出绩效目标表\n单位名称：058-平罗县宝丰镇人民政府\n{header}\n甲,100000,目标,产出指标,数量指标,甲一,,1个,\n"
    )
    [project] = doc.projects
    assert (project.unit.code, project.unit.name, project.fiscal_year) == (
        "058",
        "平罗县宝丰镇人民政府",
        2023,
    )


def test_no_unit_anywhere_says_so() -> None:
    header = HEADER.removeprefix("单位名称,")
    source = read_source(f"{header}\n甲,100000,目标,产出指标,数量指标,甲一,,1个,\n".encode(), "2023.csv")
    doc = detect_reader(source).read(source)
    assert not doc.projects
    assert any("no 单位名称 column" in w for w in doc.warnings)


def test_utf16_export_from_excel() -> None:
    text = HEADER.replace(",", "\t") + "\n058-宝丰镇\t甲\t100000\t目标\t产出指标\t数量指标\t甲一\t\t1个\t\n"
    source = read_source(text.encode("utf-16"), "2023年.txt")
    assert source.encoding == "utf-16"
    assert detect_reader(source).read(source).projects[0].indicators[0].name == "甲一"
