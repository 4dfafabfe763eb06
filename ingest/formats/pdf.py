"""PDFs with a text layer: tables from their ruling lines, the text around them in reading order.

Budget offices print the target table (项目支出绩效目标表) to PDF from Excel or WPS, so the
table keeps its drawn grid and pdfplumber can rebuild the cells from the lines. A form is
read top to bottom, title and year first, so each page is cut into regions by vertical
position: a run of text lines outside every table becomes a table of one-cell rows ("page 1
text"), and each table keeps its own rows ("page 1 table 1"). A table continued on the next
page is simply the next page's table; the layout reader walks `Source.rows()` across both.

Merged cells are rebuilt from the cell boxes, not from `extract()`, which only gives None
for a merged position and cannot say whether the merge came from the left or from above.

Only when no page has a ruled table are columns guessed from text alignment, and then only
kept if they look like a table; the report says so, because such columns may be wrong.
A PDF without any characters is a scan, and one whose fonts have no Unicode map reads as
glyph numbers ("(cid:1158)"): both need OCR, which jixiao does not do itself, so both are
refused rather than stored as empty or garbled data.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.page import Page
from pdfplumber.pdf import PDF
from pdfplumber.table import Table as PlumberTable
from pdfplumber.utils.exceptions import PdfminerException

from ingest.decode import IngestError
from ingest.source import Format, GridCell, GridRow, Source, Table

Box = tuple[float, float, float, float]  # x0, top, x1, bottom (pdfplumber's page coordinates)

_TEXT_STRATEGY = {"vertical_strategy": "text", "horizontal_strategy": "text"}
_TEXT_ALIGNMENT_NOTE = "no ruled tables in the PDF: table columns were found from text alignment"
# Cell edges are snapped to within 3 pt by pdfplumber; 1 pt absorbs float noise only.
_TOLERANCE = 1.0
# Acrobat looks for %%EOF in the last 1024 bytes; a file cut short has none there.
_EOF_WINDOW = 1024
# A stray symbol in an odd font is tolerable (and noted); a whole text layer of glyph ids is not.
_MAX_UNDECODED_SHARE = 0.05


def read_pdf(data: bytes, file_name: str, max_pages: int | None = None) -> Source:
    """Read a PDF's text layer into a Source, or raise IngestError saying why not. A PDF of more
    than `max_pages` pages is refused before any page is read (JIXIAO_INGEST_MAX_PAGES)."""
    _check_complete(data)
    pdf = _open(data)
    try:
        if max_pages is not None and len(pdf.pages) > max_pages:
            raise IngestError(
                f"a PDF of {len(pdf.pages)} pages (at most {max_pages} are read, JIXIAO_INGEST_MAX_PAGES):"
                " too large for a target table; split it"
            )
        return _read(pdf, file_name)
    except IngestError:
        raise
    except Exception as exc:  # pdfminer raises many kinds on damaged content streams
        raise IngestError(f"not a readable PDF ({_describe(exc)})") from None
    finally:
        pdf.close()


def _check_complete(data: bytes) -> None:
    # pdfminer rebuilds a missing cross-reference table by scanning for objects, so a file cut
    # short can open and silently lose its last pages; refuse it instead.
    if b"%%EOF" not in data.rstrip(b"\x00\t\n\r\f ")[-_EOF_WINDOW:]:
        raise IngestError("not a readable PDF (truncated: no %%EOF end marker; the file was cut short?)")


def _open(data: bytes) -> PDF:
    try:
        return pdfplumber.open(io.BytesIO(data))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, PDFEncryptionError):
            raise IngestError(
                "encrypted PDF: it needs a password to open; save an unprotected copy and try again"
            ) from None
        raise IngestError(f"not a readable PDF ({_describe(cause)})") from None
    except Exception as exc:
        raise IngestError(f"not a readable PDF ({_describe(exc)})") from None


def _describe(exc: Exception) -> str:
    detail = " ".join(str(exc).split())  # one line, whatever the library put in the message
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _read(pdf: PDF, file_name: str) -> Source:
    pages = pdf.pages
    if not pages:
        raise IngestError("not a readable PDF (it has no pages)")
    notes = _check_text_layer(pages)
    found, aligned = _find_tables(pages)
    numbers = itertools.count(1)
    tables = [
        table
        for p, (page, page_tables) in enumerate(zip(pages, found, strict=True), start=1)
        for table in _page_tables(page, p, page_tables, numbers, skip_blank=aligned)
    ]
    text = "\n".join(page.extract_text() for page in pages)
    notes += [_TEXT_ALIGNMENT_NOTE] if aligned else []
    return Source(file_name=file_name, format=Format.PDF, text=text, tables=tables, notes=notes)


def _check_text_layer(pages: Sequence[Page]) -> list[str]:
    """Refuse a PDF whose text cannot be read; a note when a few characters could not be decoded."""
    chars = [str(char["text"]) for page in pages for char in page.chars]
    if not chars:
        raise IngestError(
            "no text layer: the PDF looks scanned (pages are images); run OCR on it first "
            "(e.g. ocrmypdf -l chi_sim) and ingest the result"
        )
    # pdfminer writes "(cid:1158)" for a glyph whose font has no Unicode map (no ToUnicode, a
    # private encoding): the text is there but unreadable, and must not be stored as data.
    undecoded = sum(1 for text in chars if text.startswith("(cid:"))
    if undecoded > len(chars) * _MAX_UNDECODED_SHARE:
        raise IngestError(
            f"text layer cannot be decoded: {undecoded} of {len(chars)} characters use fonts without "
            "a Unicode map; run OCR on it first (e.g. ocrmypdf --force-ocr -l chi_sim) and ingest the result"
        )
    if undecoded:
        return [f"{undecoded} character(s) in fonts without a Unicode map read as (cid:N) placeholders"]
    return []


def _find_tables(pages: Sequence[Page]) -> tuple[list[list[PlumberTable]], bool]:
    """Each page's tables, top to bottom, and whether they were found from text alignment."""
    ruled = [_sorted(page.find_tables()) for page in pages]
    if any(ruled):
        return ruled, False
    aligned = [_sorted(_aligned_tables(page)) for page in pages]
    return aligned, any(aligned)


def _aligned_tables(page: Page) -> list[PlumberTable]:
    # A title or note starting at the table's left edge is one wide "word" to pdfplumber's text
    # strategy: it joins the first column and its width hides the next column's edge. So columns
    # are found from lines of two or more words, and the cells then read from all the page's text.
    lines = page.extract_text_lines()
    in_rows = {id(char) for line in lines if len(line["text"].split()) >= 2 for char in line["chars"]}
    columns = page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in in_rows)
    tables = [PlumberTable(page, t.cells) for t in columns.find_tables(_TEXT_STRATEGY)]
    return [t for t in tables if _looks_like_table(t)]


def _sorted(tables: list[PlumberTable]) -> list[PlumberTable]:
    return sorted(tables, key=lambda t: (t.bbox[1], t.bbox[0]))


def _looks_like_table(table: PlumberTable) -> bool:
    # Rows with text, not rows: the text strategy also makes a row of each gap between lines.
    filled = sum(1 for row in table.extract() if any(row))
    return filled >= 2 and len(_column_starts(table)) >= 2


# -- a page's regions in reading order -------------------------------------------------------------


@dataclass(frozen=True)
class _TextLine:
    top: float
    text: str


def _page_tables(
    page: Page, p: int, found: list[PlumberTable], numbers: Iterator[int], *, skip_blank: bool
) -> Iterator[Table]:
    """The page's text runs and tables, top to bottom, each row numbered from the running count."""
    regions: list[tuple[float, _TextLine | PlumberTable]] = [(t.bbox[1], t) for t in found]
    regions += [(line.top, line) for line in _lines_outside(page, [_box(t.bbox) for t in found])]
    regions.sort(key=lambda region: region[0])  # stable: a line level with a table's top follows it
    text_lines = itertools.count(1)
    table_numbers = {id(t): n for n, t in enumerate(found, start=1)}
    run: list[GridRow] = []
    for _, region in regions:
        if isinstance(region, _TextLine):
            k = next(text_lines)
            run.append(GridRow((GridCell(region.text),), next(numbers), f"page {p} text line {k}"))
            continue
        if run:
            yield Table(name=f"page {p} text", rows=tuple(run))
            run = []
        name = f"page {p} table {table_numbers[id(region)]}"
        yield Table(name=name, rows=tuple(_table_rows(region, name, numbers, skip_blank=skip_blank)))
    if run:
        yield Table(name=f"page {p} text", rows=tuple(run))


def _lines_outside(page: Page, boxes: list[Box]) -> list[_TextLine]:
    outside = page.filter(_not_in_boxes(boxes)) if boxes else page
    texts = ((float(line["top"]), str(line["text"]).strip()) for line in outside.extract_text_lines())
    return [_TextLine(top, text) for top, text in texts if text]


def _not_in_boxes(boxes: list[Box]) -> Callable[[dict[str, Any]], bool]:
    def keep(obj: dict[str, Any]) -> bool:
        if obj.get("object_type") != "char":
            return True
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x < x1 and top <= y < bottom for x0, top, x1, bottom in boxes)

    return keep


def _box(bbox: Sequence[float]) -> Box:
    x0, top, x1, bottom = bbox
    return (float(x0), float(top), float(x1), float(bottom))


# -- one table's rows, merges rebuilt from the cell boxes ------------------------------------------


def _table_rows(
    table: PlumberTable, where: str, numbers: Iterator[int], *, skip_blank: bool
) -> Iterator[GridRow]:
    """The table's rows; skip_blank drops the empty rows the text strategy makes of line spacing."""
    starts = _column_starts(table)
    cells = [_box(c) for c in table.cells]
    grids = (
        _row_cells([None if c is None else _box(c) for c in row.cells], texts, starts, cells)
        for row, texts in zip(table.rows, table.extract(), strict=True)
    )
    kept = (grid for grid in grids if not (skip_blank and all(not c.text for c in grid)))
    for r, grid in enumerate(kept, start=1):
        yield GridRow(tuple(grid), next(numbers), f"{where} row {r}")


def _column_starts(table: PlumberTable) -> list[float]:
    # The same list pdfplumber lays every row out against: one slot per distinct cell left edge.
    return sorted({float(c[0]) for c in table.cells})


def _row_cells(
    boxes: list[Box | None], texts: list[str | None], starts: list[float], cells: list[Box]
) -> list[GridCell]:
    out: list[GridCell] = []
    j = 0
    while j < len(starts):
        box = boxes[j]
        if box is not None:
            span = _span(box[2], j, starts, boxes)
            out.append(GridCell((texts[j] or "").strip(), span=span))
        else:
            # No cell starts in this column, and the cell to the left does not reach it (its span
            # would have skipped this slot): the slot belongs to a merge from above, or is empty.
            top = _row_top(boxes)
            above = _covering_above(starts[j], top, cells)
            span = _span(above[2], j, starts, boxes) if above else 1
            out.append(GridCell("", span=span, merged_above=above is not None))
        j += span
    return out


def _span(x1: float, j: int, starts: list[float], boxes: list[Box | None]) -> int:
    """Grid columns from j that a cell ending at x1 covers, stopping at the next drawn cell."""
    span = 1
    while j + span < len(starts) and starts[j + span] < x1 - _TOLERANCE and boxes[j + span] is None:
        span += 1
    return span


def _row_top(boxes: list[Box | None]) -> float:
    # pdfplumber groups a table's cells into rows by their top edge, so all share it.
    return min(b[1] for b in boxes if b is not None)


def _covering_above(x: float, top: float, cells: list[Box]) -> Box | None:
    """The cell that starts in an earlier row and reaches down over column x of this row."""
    for x0, c_top, x1, bottom in cells:
        if (
            x0 <= x + _TOLERANCE
            and x1 > x + _TOLERANCE
            and c_top < top - _TOLERANCE
            and bottom > top + _TOLERANCE
        ):
            return (x0, c_top, x1, bottom)
    return None
