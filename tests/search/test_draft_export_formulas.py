"""No cell of an exported draft is a formula (issue 16, item 2), whatever its text starts with.

openpyxl stores a text beginning with `=` as a live formula (`=HYPERLINK(…)`, `=cmd|' /C calc'!A0`,
`=WEBSERVICE(…)`), and every label and value of a draft comes from a request or a stored document.
Each case is checked in the sheet XML itself: a formula is an `<f>` element, whatever a reader
library makes of it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl  # type: ignore[import-untyped]
import pytest
from lxml import etree

from jixiao.drafting.draft import DraftTable, TableRow
from jixiao.drafting.export import FORM_SHEET, HEADER, PRECEDENT_SHEET, draft_xlsx
from tests.jixiao.conftest import jixiao

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PAYLOADS = [
    "=1+1",
    '=HYPERLINK("http://127.0.0.1:9/x","点击")',
    "=cmd|' /C calc'!A0",
    '=WEBSERVICE("http://127.0.0.1:9/")',
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
]


def formulas(xlsx: bytes) -> list[str]:
    """The `<f>` elements of every worksheet, as `sheet!cell: formula`."""
    found = []
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                root = etree.fromstring(archive.read(name))
                for cell in root.iter(f"{MAIN}c"):
                    formula = cell.find(f"{MAIN}f")
                    if formula is not None:
                        found.append(f"{name}!{cell.get('r')}: {formula.text}")
    return found


def texts(xlsx: bytes) -> dict[str, set[str]]:
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    return {
        sheet.title: {str(v) for line in sheet.iter_rows(values_only=True) for v in line if v is not None}
        for sheet in book.worksheets
    }


def draft(payload: str) -> DraftTable:
    rows = [
        TableRow(
            level1=payload,
            level2="数量指标",
            label=payload,
            raw=payload,
            adaptation=payload,
            precedents=[payload],
        )
    ]
    return DraftTable(name=payload, unit=payload, amount=None, year=2024, objective=payload, rows=rows)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_every_sheet_stores_formula_text_as_text(payload: str) -> None:
    xlsx = draft_xlsx(draft(payload))
    assert formulas(xlsx) == []
    kept = payload.replace("\r", "\n") if payload.startswith("\r") else payload  # XML normalises CR
    found = texts(xlsx)
    for sheet in (FORM_SHEET, PRECEDENT_SHEET):
        assert any(kept.strip() in text for text in found[sheet]), (sheet, found[sheet])


def test_the_case_fails_without_the_guard() -> None:
    """openpyxl on its own writes `=1+1` as a formula: what the guard is for."""
    book = openpyxl.Workbook()
    book.active.append(["=1+1"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert formulas(buffer.getvalue()) == ["xl/worksheets/sheet1.xml!A1: 1+1"]


def test_a_stored_formula_value_reaches_the_draft_as_text(tmp_path: Path) -> None:
    """A CSV whose 指标值 is `=1+1`: stored as written, then exported as text in both sheets."""
    table = tmp_path / "公式.csv"
    with table.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        unit, name, amount, objective = "公式镇人民政府", "村级道路养护经费", 150000, "养护村级道路"
        writer.writerow(
            [unit, name, amount, objective, "成本指标", "经济成本指标", "养护单价", "≤", "=1+1", "万元/年"]
        )
        writer.writerow(["", "", "", "", "产出指标", "数量指标", "养护里程", "≥", '=HYPERLINK("x")', "公里"])
    data = tmp_path / "data"
    code, _, err = jixiao(data, "ingest", str(table))
    assert code == 0, err
    xlsx = tmp_path / "draft.xlsx"
    code, _, err = jixiao(data, "draft", "--name", "村级道路养护经费", "--amount", "15", "--xlsx", str(xlsx))
    assert code == 0, err
    written = xlsx.read_bytes()
    assert formulas(written) == []
    everything = " ".join(t for sheet in texts(written).values() for t in sheet)
    assert "=1+1" in everything
