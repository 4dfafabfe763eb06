"""Turn a document into rows of cells, whatever separated its cells.

Published tables reach us flattened in many ways; each is undone here into the same shape,
a list of rows of `Cell`s, so that the structural reader never looks at delimiters:

- grids (HTML, Word, Excel, PDF tables): one cell per drawn cell, rows as drawn;
- tab-separated lines (a browser's clipboard, TSV exports): one row per line;
- pipe rows (`a | b | c |`, trailing `||||` where cells were merged): one row per line;
- one cell per line closed by `|`, or `|` on a line of its own between cells: a run of pipes
  with nothing between them (`||`, `|` then `|`) closes a row;
- one cell per paragraph (blank lines between, U+00A0 for an empty cell): no row breaks;
- space-separated lines: one row per line, cells split at whitespace outside brackets.

A row is only a hint: a stream without row breaks is one long row, and the tree reader cuts
it into indicators by what the cells say. Empty cells are kept where the text shows them
(they hold a column's place); junk pinyin (`區(qū)`) is removed from every cell.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from enum import StrEnum

from ingest.readers.runs import lists_items, looks_run_together, segment
from ingest.readers.vocabulary import strip_pinyin
from ingest.source import Format, Source


@dataclass
class Cell:
    text: str  # as written, trimmed, junk pinyin removed; "" for an empty cell
    line: int
    prose: bool = False  # a paragraph of a page between its tables, not a table cell


Row = list[Cell]


class Delimiter(StrEnum):
    GRID = "grid"
    TAB = "tab"
    PIPE_ROWS = "pipe rows"
    PIPE_LINES = "one cell per line with pipes"
    PARAGRAPHS = "one cell per paragraph"
    LINES = "one cell per line"
    SPACES = "space-separated lines"
    RUN_TOGETHER = "run-together text cut by the vocabulary"


@dataclass(frozen=True)
class Split:
    rows: list[Row]
    delimiter: Delimiter


class _Lines:
    """Offset -> line number for a text."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def _cell(text: str, line: int) -> Cell:
    # Line breaks inside a cell are the cell's wrapping; the words stay in order.
    joined = " ".join(part.strip() for part in text.split("\n") if part.strip())
    return Cell(strip_pinyin(joined).strip(), line)


def from_source(source: Source) -> Split:
    """The rows of a source: its own grids when a binary format drew them, else its text split."""
    if source.tables and (source.text is None or source.format not in (Format.TEXT, Format.CSV)):
        rows: list[Row] = []
        for table in source.tables:
            # A one-column table is how a page's prose between its tables arrives.
            prose = all(sum(1 for c in row.cells if c.text.strip()) <= 1 for row in table.rows)
            for row in table.rows:
                cells = [_cell(c.text, row.line) for c in row.cells]
                for cell in cells:
                    cell.prose = prose
                rows.append(cells)
        return Split(rows, Delimiter.GRID)
    return from_text(source.text or "")


_PAGE_NUMBER = re.compile(
    r"^\s*(?:第\s*\d{1,4}\s*页\s*[,，/]?\s*(?:共\s*\d{1,4}\s*页)?|[-—–]\s*\d{1,4}\s*[-—–]|"
    r"共\s*\d{1,4}\s*页\s*[,，/]?\s*第\s*\d{1,4}\s*页)\s*$"
)
_INTERNAL_PIPE = re.compile(r"[^|\s][^|\n]*\|[ \t]*[^|\s]")


def from_text(text: str) -> Split:
    """Rows of a text, by the delimiter most of its lines use."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    # A page's number printed between the rows of a table (`第 1 页 共 2 页`, `— 2 —`) is no cell.
    lines = ["" if _PAGE_NUMBER.match(line) else line for line in text.split("\n")]
    filled = [line for line in lines if line.strip()]
    if not filled:
        return Split([], Delimiter.SPACES)
    tabbed = sum(1 for line in filled if "\t" in line.strip())
    if tabbed >= 3 and tabbed >= 0.3 * len(filled):
        return Split(_tab_rows(lines), Delimiter.TAB)
    piped = [line for line in filled if "|" in line]
    if len(piped) >= 3 and len(piped) >= 0.3 * len(filled):
        internal = sum(1 for line in piped if _INTERNAL_PIPE.search(line))
        if internal >= 3 and internal >= 0.3 * len(piped):
            return Split(_pipe_rows(lines), Delimiter.PIPE_ROWS)
        content = [line for line in filled if line.replace("|", "").strip()]
        closed = sum(1 for line in content if line.rstrip().endswith("|"))
        if closed >= 0.6 * len(content):
            return Split(_closed_lines(lines), Delimiter.PIPE_LINES)
        return Split(_pipe_lines(text), Delimiter.PIPE_LINES)
    if any(looks_run_together(line) or lists_items(line) for line in filled):
        return Split(_run_together(lines), Delimiter.RUN_TOGETHER)
    blank = len(lines) - len(filled)
    if blank >= 0.3 * len(lines) and len(filled) >= 10:
        return Split(_paragraphs(lines), Delimiter.PARAGRAPHS)
    if _one_cell_per_line(filled):
        return Split(_paragraphs(lines), Delimiter.LINES)
    return Split(_space_rows(lines), Delimiter.SPACES)


def _one_cell_per_line(filled: list[str]) -> bool:
    """A table saved one cell per line, without blank lines: nearly every line is one cell (no
    space inside it), so a line break separates cells, not rows, as paragraphs do."""
    if len(filled) < 12:
        return False
    parts = [len(split_spaces(line.strip())) for line in filled]
    single = sum(1 for n in parts if n == 1)
    rows = sum(1 for n in parts if n >= 4)  # a line of four cells or more is a table row
    return single >= 0.6 * len(filled) and rows <= 0.1 * len(filled)


# A document site splits a long text into numbered chunks ("2、…") wherever a page ended, even
# inside a word: the chunk goes back onto the line before.
_CHUNK = re.compile(r"^\s*\d{1,2}、(?!\d)")


def _run_together(lines: list[str]) -> list[Row]:
    """Each line of a run-together text, cut into cells by the vocabulary and value shapes."""
    joined: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if _CHUNK.match(line) and joined:
            last_number, last = joined[-1]
            joined[-1] = (last_number, last.rstrip() + _CHUNK.sub("", line).strip())
            continue
        joined.append((number, _CHUNK.sub("", line) if _CHUNK.match(line) else line))
    rows: list[Row] = []
    for number, line in joined:
        cells = [Cell(strip_pinyin(piece), number) for piece in segment(strip_pinyin(line))]
        cells = [c for c in cells if c.text]
        if cells:
            rows.append(cells)
    return rows


def _tab_rows(lines: list[str]) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if "\t" in line:
            rows.append([_cell(part, number) for part in line.split("\t")])
        elif line.count("|") >= 2:  # a pasted pipe table among the tab rows
            parts = line.strip().strip("|").split("|")
            rows.append([_cell(part, number) for part in parts])
        elif looks_run_together(line):
            rows.append([Cell(piece, number) for piece in segment(strip_pinyin(line))])
        else:
            rows.append([_cell(line, number)])
    return rows


# A drawn rule between rows: Markdown's `| --- | :---: |`, ASCII art's `+----+----+`, box drawing.
_RULE = re.compile(r"^[\s|:+=\-─━┄┈┼┬┴├┤┌┐└┘]*[-=─━┄┈]{3,}[\s|:+=\-─━┄┈┼┬┴├┤┌┐└┘]*$")


def is_rule(line: str) -> bool:
    return bool(_RULE.match(line))


def _pipe_rows(lines: list[str]) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or not line.replace("|", "").strip() or is_rule(line):
            continue  # blank, only the padding of merged cells, or a rule between rows
        if "|" not in line:
            # A line without a pipe in a pipe table: text around the table (a signature, a date).
            rows.append([Cell(_cell(line, number).text, number, prose=True)])
            continue
        parts = line.split("|")
        if line.lstrip().startswith("|"):
            parts = parts[1:]
        cells = [_cell(part, number) for part in parts]
        while cells and not cells[-1].text:
            cells.pop()
        rows.append(cells)
    return rows


def _pipe_lines(text: str) -> list[Row]:
    """Cells closed by `|`; nothing but line breaks between two pipes closes the row."""
    where = _Lines(text)
    rows: list[Row] = []
    row: Row = []
    offset = 0
    for part in text.split("|"):
        start, offset = offset, offset + len(part) + 1
        if not part.strip("\n"):
            if row:
                rows.append(row)
                row = []
            continue
        lead = len(part) - len(part.lstrip())
        row.append(_cell(part, where.of(start + lead)))
    if row:
        rows.append(row)
    return rows


_TAIL = re.compile(r"^(.*?)((?:\|\s*)+)$")


def _closed_lines(lines: list[str]) -> list[Row]:
    """One cell per line, each closed by ` |`: a line of one `|` is an empty cell, a run of
    pipes (`||`, `| ||`) closes the row."""
    rows: list[Row] = []
    row: Row = []

    def close() -> None:
        nonlocal row
        if any(c.text for c in row):
            rows.append(row)
        row = []

    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped == "|":
            row.append(Cell("", number))
            continue
        match = _TAIL.match(stripped)
        body, tail = (match.group(1), match.group(2)) if match else (stripped, "")
        if body.strip():
            parts = body.split("|")
            row.extend(_cell(part, number) for part in parts)
        if tail.count("|") >= 2 or not body.strip():
            close()
    close()
    return rows


def _paragraphs(lines: list[str]) -> list[Row]:
    """One cell per paragraph, no row breaks: the whole text is one stream."""
    stream: Row = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            if "\u00a0" in line or "\u3000" in line:
                stream.append(Cell("", number))  # a U+00A0 paragraph: an empty cell
            continue
        stream.append(_cell(line, number))
    return [stream]


_BRACKETS = {"(": ")", "（": "）"}


def split_spaces(line: str) -> list[str]:
    """Whitespace-separated cells, keeping a bracketed note whole: `数量( ≥**个 )` is one cell."""
    cells: list[str] = []
    current: list[str] = []
    depth = 0
    for char in line:
        if char in _BRACKETS:
            depth += 1
        elif char in ")）" and depth:
            depth -= 1
        if char.isspace() and depth == 0:
            if current:
                cells.append("".join(current))
                current = []
            continue
        current.append(char)
    if current:
        cells.append("".join(current))
    return cells


# A value that spaces cut apart: a sign alone (`≥ 95%`, `≥ %` in an unfilled template), or a
# percent sign after its number (`95 %`).
_LONE_SIGN = re.compile(r"^(?:[≥≤<>=≧≦﹦＝＞＜]|>=|<=)$")
_SIGN_OPERAND = re.compile(r"^(?:\d|[%‰*＊]|[Xx×]{2})")


def _join_value_parts(parts: list[str]) -> list[str]:
    out: list[str] = []
    for part in parts:
        signed = bool(out) and bool(_LONE_SIGN.match(out[-1])) and bool(_SIGN_OPERAND.match(part))
        percent = bool(out) and part in ("%", "‰") and bool(re.search(r"\d$", out[-1]))
        if signed or percent:
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def _space_rows(lines: list[str]) -> list[Row]:
    rows: list[Row] = []
    for number, line in enumerate(lines, start=1):
        cells = [_cell(part, number) for part in _join_value_parts(split_spaces(line))]
        cells = [c for c in cells if c.text]
        if cells:
            rows.append(cells)
    return rows
