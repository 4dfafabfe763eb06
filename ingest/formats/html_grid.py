"""An HTML table's rowspan/colspan expanded into the grid model of `ingest.source`.

    <tr><td rowspan="2" colspan="2">产出指标</td><td>村数</td></tr>      产出指标(span 2) | 村数
    <tr><td>覆盖率</td></tr>                                   ->   产出指标(span 2, merged_above) | 覆盖率

A cell spanning columns is one `GridCell` with `span`; every row under a rowspan gets a
`merged_above` cell over the same columns, carrying the text of the cell above (views that
want "same as above", `texts()` and `columns()`, show it empty). A gap that no cell covers
(a short row beside a rowspan) becomes one empty cell, so that grid columns stay aligned.

Spans come from the page and may be hostile (`rowspan="100000"`, `colspan="99999"`): a
rowspan stops at the table's last row, a colspan at `MAX_COLSPAN` or at a column a rowspan
from above already holds (the overlap HTML calls a table model error), and the cells drawn
are counted against a `CellBudget`, so that no value can make the grid outgrow the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ingest.decode import IngestError
from ingest.source import GridCell

MAX_COLSPAN = 64  # the widest real target table has ~40 columns (one per village)


class RawCell(NamedTuple):
    """A `<td>`/`<th>` as written: its text and its spans as integers (0 means "to the end")."""

    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Grid:
    rows: tuple[tuple[GridCell, ...], ...]
    cut: int  # spans cut at the table's edge, at MAX_COLSPAN or at a cell already there


class CellBudget:
    """Grid cells (and lines of prose) a page may still produce; `take` raises IngestError past
    the limit. Counted as cells are made, so a hostile page stops before it fills memory."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.left = limit

    def take(self, cells: int) -> None:
        self.left -= cells
        if self.left < 0:
            raise IngestError(
                f"a web page of more than {self.limit:,} cells and lines: not a page of target tables "
                "(a table has a few hundred cells), or one built to exhaust memory"
            )


@dataclass
class _Merge:
    """A rowspan still open below its cell: the columns it holds and the rows it has left."""

    text: str
    span: int
    rows_left: int


def expand(rows: Sequence[Sequence[RawCell]], budget: CellBudget) -> Grid:
    """The grid of a table's rows, spans expanded and clamped (see the module docstring)."""
    open_merges: dict[int, _Merge] = {}  # first column -> the merge holding it from above
    out: list[tuple[GridCell, ...]] = []
    cut = 0
    for r, raw_row in enumerate(rows):
        placed: dict[int, GridCell] = {}
        held: set[int] = set()
        for column, merge in open_merges.items():
            placed[column] = GridCell(merge.text, span=merge.span, merged_above=True)
            held.update(range(column, column + merge.span))
        opened: dict[int, _Merge] = {}
        column = 0
        rows_left = len(rows) - r  # this row included
        for text, rowspan, colspan in raw_row:
            while column in held:
                column += 1
            span = max(1, min(colspan, MAX_COLSPAN))
            cut += span < colspan
            for k in range(1, span) if held else ():
                if column + k in held:  # a rowspan from above sits there: stop before it
                    span = k
                    cut += 1
                    break
            placed[column] = GridCell(text, span=span)
            if rowspan != 1:
                down = rows_left if rowspan <= 0 else min(rowspan, rows_left)
                cut += rowspan > rows_left
                if down > 1:
                    opened[column] = _Merge(text, span, down - 1)
            column += span
        out.append(_aligned(placed, budget))
        for merge in open_merges.values():
            merge.rows_left -= 1
        open_merges = {c: m for c, m in open_merges.items() if m.rows_left > 0}
        open_merges.update(opened)
    return Grid(rows=tuple(out), cut=cut)


def _aligned(placed: dict[int, GridCell], budget: CellBudget) -> tuple[GridCell, ...]:
    """The row's cells in column order, each gap no cell covers filled by one empty cell."""
    cells: list[GridCell] = []
    column = 0
    for start in sorted(placed):
        if start > column:
            cells.append(GridCell("", span=start - column))
        cell = placed[start]
        cells.append(cell)
        column = start + cell.span
    budget.take(max(column, 1))
    return tuple(cells)
