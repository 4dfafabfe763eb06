"""Delimited text (CSV, TSV) becomes a grid only when it is one; encodings as for any text."""

from __future__ import annotations

import pytest

from ingest.decode import IngestError
from ingest.formats.text import read_text
from ingest.source import Format

HEADER = "单位名称,项目名称,预算数,一级指标,二级指标,三级指标,指标值"


def test_csv_by_header_whatever_the_name() -> None:
    text = f'{HEADER}\n058-宝丰镇,运转经费,"100,000.00",产出指标,数量指标,村数,9个\n'
    source = read_text(text.encode("utf-8"), "export.txt")
    assert source.format is Format.CSV
    [table] = source.tables
    assert table.rows[1].columns()[2] == "100,000.00"  # quoted thousands separator stays one cell
    assert [r.line for r in table.rows] == [1, 2]


def test_csv_gbk_and_bom() -> None:
    text = f"{HEADER}\n058-宝丰镇,运转经费,1,产出指标,数量指标,村数,9个\n"
    for data, encoding in (
        (text.encode("gb18030"), "gb18030"),
        (b"\xef\xbb\xbf" + text.encode(), "utf-8-sig"),
    ):
        source = read_text(data, "a.csv", delimited_hint=True)
        assert source.encoding == encoding
        assert source.tables[0].rows[1].columns()[1] == "运转经费"


def test_multiline_cell_keeps_its_line_number() -> None:
    text = (
        f'{HEADER}\n058-宝丰镇,运转经费,1,"目标一：甲\n目标二：乙",数量指标,村数,9个\n'
        "058-宝丰镇,乙,1,产出,数量,村,1\n"
    )
    rows = read_text(text.encode(), "a.csv").tables[0].rows
    assert [r.line for r in rows] == [1, 2, 4]
    assert rows[1].columns()[3] == "目标一：甲\n目标二：乙"


def test_tab_separated_header() -> None:
    text = HEADER.replace(",", "\t") + "\n058-宝丰镇\t运转经费\t1\t产出指标\t数量指标\t村数\t9个\n"
    assert read_text(text.encode(), "a.txt").tables[0].rows[1].columns()[5] == "村数"


def test_plain_text_gets_no_grid() -> None:
    source = read_text("部门项目支出预算绩效目标表\n\t项目名称\n".encode(), "a.txt")
    assert source.format is Format.TEXT and not source.tables


def test_stray_quote_inside_a_cell_is_text() -> None:
    text = f'{HEADER}\n058-宝丰镇,农村"三资"管理,1,产出指标,数量指标,村数,9个\n'
    assert read_text(text.encode(), "a.csv").tables[0].rows[1].columns()[1] == '农村"三资"管理'


def test_truncated_inside_a_quoted_cell() -> None:
    text = f'{HEADER}\n058-宝丰镇,运转经费,1,"目标一：保障'
    with pytest.raises(IngestError, match="truncated"):
        read_text(text.encode(), "a.csv")
