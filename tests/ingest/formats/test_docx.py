"""Word documents: paragraphs and tables in body order, merges from the table XML."""

from __future__ import annotations

import io

import docx
import pytest

from ingest.decode import IngestError
from ingest.formats.docx import read_docx
from ingest.source import GridCell


def _document() -> bytes:
    document = docx.Document()
    document.add_paragraph("部门项目支出预算绩效目标表")
    document.add_paragraph("( 2023年度)")
    table = document.add_table(rows=3, cols=4)
    table.cell(0, 0).text = "项目名称"
    merged = table.cell(0, 1).merge(table.cell(0, 3))
    merged.text = "运转经费"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "绩效指标"
    for column, text in enumerate(["产出指标", "村数", "9个"], start=1):
        table.cell(1, column).text = text
    for column, text in enumerate(["", "覆盖率", "98%"], start=1):
        table.cell(2, column).text = text
    document.add_paragraph("附注")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_body_order_and_merges() -> None:
    rows = read_docx(_document(), "a.docx").rows()
    assert [r.texts()[0] for r in rows[:2]] == ["部门项目支出预算绩效目标表", "( 2023年度)"]
    _, _, name, first, second, note = rows
    assert name.cells == (GridCell("项目名称"), GridCell("运转经费", span=3))
    assert first.cells[0] == GridCell("绩效指标")
    assert second.cells[0] == GridCell("", merged_above=True)
    assert second.texts() == ["", "", "覆盖率", "98%"]
    assert note.texts() == ["附注"]
    assert [r.line for r in rows] == [1, 2, 3, 4, 5, 6]
    assert (name.where, note.where) == ("table 1 row 1", "paragraph before table 2")


def test_damaged_document() -> None:
    data = _document()
    with pytest.raises(IngestError, match="not a readable Word document"):
        read_docx(data[: len(data) // 2], "a.docx")
