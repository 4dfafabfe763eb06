"""Text files: the samples' layouts as they are, and delimited tables (CSV/TSV) as grids.

A text file always keeps its text, for the text layouts. It also gets a grid when it is a
delimited table: a `.csv`/`.tsv` name, or a header line naming 项目名称 and 三级指标 (or
指标名称) between delimiters. The grid is not built for every text file because a stray
quote in a free-text layout would make the csv module swallow the lines after it.
"""

from __future__ import annotations

import csv
import io

from ingest.decode import IngestError, decode
from ingest.source import Format, GridCell, GridRow, Source, Table

_DELIMITERS = (",", "\t", ";")
_HEADER_WORDS = ("项目名称",)
_LEAF_WORDS = ("三级指标", "指标名称")


def read_text(data: bytes, file_name: str, delimited_hint: bool = False) -> Source:
    decoded = decode(data)
    text = decoded.text
    delimiter = _header_delimiter(text)
    if delimiter is None and not delimited_hint:
        return Source(
            file_name=file_name,
            format=Format.TEXT,
            text=text,
            encoding=decoded.encoding,
            notes=list(decoded.notes),
        )
    delimiter = delimiter or _commonest_delimiter(text)
    return Source(
        file_name=file_name,
        format=Format.CSV,
        text=text,
        tables=[_grid(text, delimiter)],
        encoding=decoded.encoding,
        notes=list(decoded.notes),
    )


def _header_delimiter(text: str) -> str | None:
    """The delimiter of a flat table's header line within the first 50 lines, if there is one."""
    for line in text.split("\n")[:50]:
        if any(w in line for w in _HEADER_WORDS) and any(w in line for w in _LEAF_WORDS):
            counts = {d: line.count(d) for d in _DELIMITERS}
            best = max(counts, key=lambda d: counts[d])
            if counts[best] >= 3:
                return best
    return None


def _commonest_delimiter(text: str) -> str:
    lines = [line for line in text.split("\n")[:50] if line.strip()]
    return max(_DELIMITERS, key=lambda d: sum(line.count(d) for line in lines))


def _grid(text: str, delimiter: str) -> Table:
    try:
        return _parse(text, delimiter, strict=True)
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise IngestError("truncated: the last row opens a quoted cell that never closes") from None
    # Quotes inside a cell (农村"三资") are not CSV quoting: read them as text.
    return _parse(text, delimiter, strict=False)


def _parse(text: str, delimiter: str, strict: bool) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    rows: list[GridRow] = []
    start = 1
    for record in reader:
        line = start
        start = reader.line_num + 1
        rows.append(GridRow(tuple(GridCell(cell) for cell in record), line, f"line {line}"))
    return Table(name="table", rows=tuple(rows))
