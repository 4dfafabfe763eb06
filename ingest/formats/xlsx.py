"""Excel workbooks (.xlsx) as grids, one table per worksheet, with merged cells kept merged.

openpyxl rather than pandas: the reader needs the merges (the budget system merges a
project's cells down over its indicator rows) and the number formats (a date, a percentage),
which pandas drops. Values are shown as Excel shows them, not as Python reprs: 95.0 -> "95",
0.95 formatted as a percentage -> "95%", a date -> "2023年12月31日".

Sheets are streamed (openpyxl's read-only mode): a normal workbook loaded whole took about 1 KB
per cell, so a 100k-row export needed gigabytes before any reading began (issue 16). Read-only
mode does not give the merged ranges, which a sheet's XML lists after its rows; they are read
from the XML first, in a separate pass (`merged_ranges`), and applied row by row as the rows
stream past. Rows and cells are counted against `IngestLimits` as they come.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from ingest.decode import IngestError
from ingest.formats.archive import unreadable
from ingest.limits import DEFAULT_LIMITS, IngestLimits
from ingest.source import Format, GridCell, GridRow, Source, Table

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@dataclass(frozen=True)
class Merge:
    top: int
    left: int
    bottom: int
    right: int


class _Budget:
    """Rows and cells read so far, against the limits (all sheets of one workbook)."""

    def __init__(self, limits: IngestLimits) -> None:
        self.limits = limits
        self.rows = 0
        self.cells = 0

    def take(self, rows: int, cells: int, where: str) -> None:
        self.rows += rows
        self.cells += cells
        if self.rows > self.limits.max_rows:
            raise IngestError(
                f"more than {self.limits.max_rows} rows (at {where}): too large for one target table;"
                " split the workbook, or raise the limit (JIXIAO_INGEST_MAX_ROWS)"
            )
        if self.cells > self.limits.max_cells:
            raise IngestError(
                f"more than {self.limits.max_cells} cells (at {where}): too large for one target table;"
                " split the workbook, or raise the limit (JIXIAO_INGEST_MAX_CELLS)"
            )


def read_xlsx(data: bytes, file_name: str, limits: IngestLimits = DEFAULT_LIMITS) -> Source:
    source = Source(file_name=file_name, format=Format.XLSX)
    budget = _Budget(limits)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and unknown extensions: noise to a user.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            offset = 0
            for sheet in book.worksheets:
                # Read-only sheets keep their part's name, and the book its open archive (private
                # names of openpyxl 3.1; tests/ingest/formats/test_xlsx.py fails if they go).
                path = getattr(sheet, "_worksheet_path", None)
                archive: zipfile.ZipFile = getattr(book, "_archive")  # noqa: B009
                merges = merged_ranges(archive.open(path), budget) if path else []
                sheet.reset_dimensions()  # a <dimension> may lie; rows are as long as their cells
                table = _sheet_table(sheet.title, sheet.iter_rows(), merges, offset, budget)
                if table.rows:
                    source.tables.append(table)
                    offset = table.rows[-1].line
        finally:
            book.close()
    except IngestError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged XML
        raise unreadable("Excel workbook", exc) from None
    return source


def merged_ranges(xml: IO[bytes], budget: _Budget) -> list[Merge]:
    """The sheet's merged ranges (`<mergeCell ref="A2:A9"/>`), sorted by top row.

    lxml's iterparse keeps only the merge elements; entities are not resolved and no DTD or
    network is read, so a "billion laughs" sheet expands nothing. The merges' area counts as
    cells: a hostile `A1:XFD1048576` is refused, not walked."""
    merges: list[Merge] = []
    area = 0
    with xml:
        events = etree.iterparse(
            xml, events=("end",), tag=f"{{{_MAIN}}}mergeCell", resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False,
        )  # fmt: skip
        for _, element in events:
            ref = element.get("ref") or ""
            element.clear()
            try:
                left, top, right, bottom = range_boundaries(ref)
            except (ValueError, TypeError):
                continue  # a damaged reference: Excel itself drops it
            if None in (left, top, right, bottom):
                continue  # a whole row or column ("A:A"): not a cell merge Excel writes
            merge = Merge(top, left, bottom, right)  # type: ignore[arg-type]
            area += (merge.bottom - merge.top + 1) * (merge.right - merge.left + 1)
            if area > budget.limits.max_cells:
                raise IngestError(
                    f"merged ranges cover more than {budget.limits.max_cells} cells (at {ref[:30]!a}):"
                    " too large for one target table, or a damaged sheet"
                )
            merges.append(merge)
    merges.sort(key=lambda m: (m.top, m.left))
    return merges


def _sheet_table(
    title: str, sheet_rows: Iterable[tuple[Any, ...]], merges: list[Merge], offset: int, budget: _Budget
) -> Table:
    """Rows numbered on from `offset`, so a one-sheet workbook's lines are its Excel row numbers."""
    rows: list[GridRow] = []
    name = f"sheet {title!r}"
    active: list[Merge] = []  # merges covering the current row
    waiting = iter(merges)
    upcoming = next(waiting, None)
    last = max((m.bottom for m in merges), default=0)
    r = 0
    for r, cells in _numbered(sheet_rows, last):
        while upcoming is not None and upcoming.top <= r:
            active.append(upcoming)
            upcoming = next(waiting, None)
        active = [m for m in active if m.bottom >= r]
        covered: dict[int, int] = {}  # col -> left col of its merge
        spans: dict[int, int] = {}
        for m in active:
            spans[m.left] = m.right - m.left + 1
            for c in range(m.left, m.right + 1):
                if (r, c) != (m.top, m.left):
                    covered[c] = m.left
        width = max(len(cells), max((m.right for m in active), default=0))
        budget.take(1, width, f"{name} row {r}")
        grid: list[GridCell] = []
        for c in range(1, width + 1):
            origin = covered.get(c)
            if origin is not None and origin != c:
                continue  # inside a horizontal merge: the merge's first cell spans it
            span = spans.get(c, 1)
            if origin is not None:
                grid.append(GridCell("", span=span, merged_above=True))
            elif c <= len(cells):
                cell = cells[c - 1]
                value = getattr(cell, "value", None)
                grid.append(GridCell(cell_text(value, getattr(cell, "number_format", "General")), span=span))
            else:
                grid.append(GridCell("", span=span))
        while grid and not grid[-1].text and not grid[-1].merged_above:
            grid.pop()  # trailing blanks: styled but empty cells to the right
        rows.append(GridRow(tuple(grid), offset + r, f"{name} row {r}"))
    while rows and rows[-1].is_blank():
        rows.pop()
    return Table(name=name, rows=tuple(rows))


Numbered = Iterator[tuple[int, tuple[Any, ...]]]


def _numbered(sheet_rows: Iterable[tuple[Any, ...]], last_merged: int) -> Numbered:
    """(row number, cells) from 1, going on with empty rows down to the last merged row (a merge
    can reach below the last row that holds a value, as it did in openpyxl's full mode)."""
    count = 0
    for count, cells in enumerate(sheet_rows, start=1):
        yield count, cells
    for r in range(count + 1, last_merged + 1):
        yield r, ()


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
