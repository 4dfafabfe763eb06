"""Word documents (.docx): paragraphs and tables in body order, merged cells kept merged.

A form table in Word is preceded by paragraphs (the form's title, its year), so the body
is read as one stream: a paragraph becomes a one-cell row, a table contributes its rows.
Cells come from the table's XML (`w:tc`), not python-docx's grid view, which repeats a
merged cell's text in every grid column it covers: here a horizontal merge is one cell with
a span (`w:gridSpan`) and a vertical merge's continuation (`w:vMerge`) is `merged_above`.

The ZIP is checked before this runs (ingest.formats.archive). python-docx parses with lxml and
`resolve_entities=False`, and libxml2 stops an expanding entity: a "billion laughs" document is
refused, a declared entity stays unexpanded (tests/ingest/formats/test_archive.py).
"""

from __future__ import annotations

import io

import docx
from docx.table import Table as WordTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from ingest.formats.archive import unreadable
from ingest.source import Format, GridCell, GridRow, Source, Table


def read_docx(data: bytes, file_name: str) -> Source:
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # lxml and python-docx raise many kinds on damaged XML
        raise unreadable("Word document", exc) from None
    rows: list[GridRow] = []
    tables = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if text:
                line = len(rows) + 1
                rows.append(GridRow((GridCell(text),), line, f"paragraph before table {tables + 1}"))
        elif isinstance(block, WordTable):
            tables += 1
            rows.extend(_table_rows(block, tables, len(rows)))
    return Source(file_name=file_name, format=Format.DOCX, tables=[Table(name="body", rows=tuple(rows))])


def _table_rows(table: WordTable, number: int, offset: int) -> list[GridRow]:
    rows: list[GridRow] = []
    for r, tr in enumerate(table._tbl.tr_lst, start=1):
        cells: list[GridCell] = []
        if tr.grid_before:
            cells.append(GridCell("", span=tr.grid_before))
        for tc in tr.tc_lst:
            span = tc.grid_span
            if tc.vMerge == "continue":
                cells.append(GridCell("", span=span, merged_above=True))
            else:
                cells.append(GridCell(_Cell(tc, table).text.strip(), span=span))
        line = offset + len(rows) + 1
        rows.append(GridRow(tuple(cells), line, f"table {number} row {r}"))
    return rows
