"""Layout "form-lines": the one-form-per-project table, extracted one table cell per line.

A line starting with a tab opens a cell; a line without one continues the cell before it;
a blank line ends a table row. The rows then go to `ingest.readers.form.FormParser`, which
knows the form (its docstring shows one).
"""

from __future__ import annotations

import re

from ingest.readers.form import Cell, FormParser, Row
from ingest.records import Document
from ingest.source import Source

__all__ = ["Cell", "FormLinesReader", "Row", "rows"]


def rows(text: str) -> list[Row]:
    """Cells grouped into rows, following the tab / continuation / blank-line rules above."""
    result: list[Row] = []
    row: Row = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip() and not line.startswith("\t"):
            if row:
                result.append(row)
                row = []
            continue
        if line.startswith("\t"):
            row.append(Cell(line[1:], lineno))
        elif row:
            previous = row[-1]
            previous.text = f"{previous.text}\n{line}" if previous.text.strip() else line
        else:
            row.append(Cell(line, lineno))
    if row:
        result.append(row)
    return result


class FormLinesReader:
    name = "form-lines"
    description = "one form per project with labels 项目名称, 一级指标, 三级指标, 指标值, one cell per line"

    def detect(self, source: Source) -> bool:
        text = source.text
        if text is None:
            return False
        # Each label is a cell of its own: a line holding just a tab and the label (a tab-separated
        # table has the same words, but several to a line). "指标值" may be "年度指标值".
        labels = (
            *(rf"^\t\s*{label}\s*$" for label in ("项目名称", "一级指标", "三级指标")),
            r"^\t[^\t\n]*指标值\s*$",
        )
        return all(re.search(pattern, text, re.M) for pattern in labels)

    def read(self, source: Source) -> Document:
        return FormParser(Document(layout=self.name)).read(rows(source.require_text(self.name)))
