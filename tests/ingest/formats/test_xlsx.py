"""Workbooks: merged cells kept merged, values shown as Excel shows them, bad files refused."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from ingest.decode import IngestError
from ingest.formats.xlsx import cell_text, read_xlsx
from ingest.source import GridCell


def _book(build: object) -> bytes:
    workbook = Workbook()
    build(workbook.active)  # type: ignore[operator]
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (None, "General", ""),
        (95.0, "General", "95"),
        (0.95, "0%", "95%"),
        (1380200, "#,##0.00", "1380200"),
        (138.02, "General", "138.02"),
        (1e-7, "General", "0.0000001"),
        (date(2023, 12, 31), "yyyy/m/d", "2023年12月31日"),
        (datetime(2023, 12, 31), "yyyy/m/d", "2023年12月31日"),
        (datetime(2023, 12, 31, 9, 30), "yyyy/m/d h:mm", "2023年12月31日 09:30"),
        ("≥95%", "General", "≥95%"),
        (True, "General", "是"),
    ],
)
def test_cell_text(value: object, number_format: str, text: str) -> None:
    assert cell_text(value, number_format) == text
    assert Decimal(1)  # keep Decimal imported for readers of the table above


def test_merges_become_spans_and_continuations() -> None:
    def build(sheet: object) -> None:
        sheet.append(["项目名称", "运转经费", None, None])  # type: ignore[attr-defined]
        sheet.append(["一级", "产出", "村数", "9个"])  # type: ignore[attr-defined]
        sheet.append([None, None, "覆盖率", "98%"])  # type: ignore[attr-defined]
        sheet.merge_cells("B1:D1")  # type: ignore[attr-defined]
        sheet.merge_cells("A2:A3")  # type: ignore[attr-defined]

    source = read_xlsx(_book(build), "a.xlsx")
    [table] = source.tables
    first, _, third = table.rows
    assert first.cells == (GridCell("项目名称"), GridCell("运转经费", span=3))
    assert first.columns() == ["项目名称", "运转经费", "", ""]
    assert third.cells[0] == GridCell("", merged_above=True)
    assert third.texts() == ["", "", "覆盖率", "98%"]
    assert [r.line for r in table.rows] == [1, 2, 3]
    assert third.where == "sheet 'Sheet' row 3"


def test_every_sheet_is_a_table_numbered_on() -> None:
    workbook = Workbook()
    workbook.active.append(["a"])  # type: ignore[union-attr]
    workbook.create_sheet("二").append(["b"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = read_xlsx(buffer.getvalue(), "a.xlsx")
    assert [t.name for t in source.tables] == ["sheet 'Sheet'", "sheet '二'"]
    assert [r.line for r in source.rows()] == [1, 2]


def test_damaged_workbook() -> None:
    data = _book(lambda sheet: sheet.append(["a"]))
    with pytest.raises(IngestError, match="not a readable Excel workbook"):
        read_xlsx(data[: len(data) // 2], "a.xlsx")
