"""Excel workbooks (.xlsx) as grids, one table per worksheet, with merged cells kept merged.

openpyxl rather than pandas: the reader needs the merges (the budget system merges a
project's cells down over its indicator rows) and the number formats (a date, a percentage),
which pandas drops. Values are shown as Excel shows them, not as Python reprs: 95.0 -> "95",
0.95 formatted as a percentage -> "95%", a date -> "2023年12月31日".
"""

from __future__ import annotations

import io
import warnings
import zipfile
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ingest.decode import IngestError
from ingest.source import Format, GridCell, GridRow, Source, Table


def read_xlsx(data: bytes, file_name: str) -> Source:
    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and unknown extensions: noise to a user.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise IngestError(f"not a readable Excel workbook ({type(exc).__name__}: {exc})") from None
    except Exception as exc:  # openpyxl raises many kinds on damaged XML
        raise IngestError(f"not a readable Excel workbook ({type(exc).__name__})") from None
    source = Source(file_name=file_name, format=Format.XLSX)
    offset = 0
    for sheet in book.worksheets:
        table = _sheet_table(sheet, offset)
        if table.rows:
            source.tables.append(table)
            offset = table.rows[-1].line
    return source


def _sheet_table(sheet: Worksheet, offset: int) -> Table:
    """Rows numbered on from `offset`, so a one-sheet workbook's lines are its Excel row numbers."""
    covered: dict[tuple[int, int], tuple[int, int]] = {}  # (row, col) -> (top row, left col) of its merge
    spans: dict[tuple[int, int], int] = {}
    for merged in sheet.merged_cells.ranges:
        top, left, bottom, right = merged.min_row, merged.min_col, merged.max_row, merged.max_col
        for r in range(top, bottom + 1):
            spans[(r, left)] = right - left + 1
            for c in range(left, right + 1):
                if (r, c) != (top, left):
                    covered[(r, c)] = (top, left)
    rows: list[GridRow] = []
    name = f"sheet {sheet.title!r}"
    for r, cells in enumerate(sheet.iter_rows(), start=1):
        grid: list[GridCell] = []
        for c, cell in enumerate(cells, start=1):
            origin = covered.get((r, c))
            if origin is not None and origin[1] != c:
                continue  # inside a horizontal merge: the merge's first cell spans it
            span = spans.get((r, c), 1)
            if origin is not None:
                grid.append(GridCell("", span=span, merged_above=True))
            else:
                grid.append(GridCell(cell_text(cell.value, cell.number_format), span=span))
        while grid and not grid[-1].text and not grid[-1].merged_above:
            grid.pop()  # trailing blanks: styled but empty cells to the right
        rows.append(GridRow(tuple(grid), offset + r, f"{name} row {r}"))
    while rows and rows[-1].is_blank():
        rows.pop()
    return Table(name=name, rows=tuple(rows))


def cell_text(value: Any, number_format: str = "General") -> str:
    """A cell's value as Excel would show it, near enough for a reader to parse."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return _chinese_date(value.date())
        return f"{_chinese_date(value.date())} {value:%H:%M}"
    if isinstance(value, date):
        return _chinese_date(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if "%" in (number_format or ""):
            return f"{plain(number * 100)}%"
        return plain(number)
    return str(value)


def plain(number: Decimal) -> str:
    """No exponent, no trailing zeros: Decimal("1380200.0") -> "1380200", 0.95 -> "0.95"."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
