"""Layout "form-table": the one-form-per-project table as a real table, in Word or PDF.

The body's paragraphs (the form's title and year) and table rows come in document order;
each drawn cell is one cell, a vertical merge's continuation an empty one ("same as
above"), which is how the form-lines text extraction shows it too. `FormParser` reads both.
"""

from __future__ import annotations

from ingest.readers.columns import Role, match_header
from ingest.readers.common import tidy
from ingest.readers.form import Cell, FormParser, Row
from ingest.records import Document
from ingest.source import Source


class FormTableReader:
    name = "form-table"
    description = (
        "tables (Word, PDF, Excel) with a 项目名称 row and a tree header 一级指标 | … | 三级指标 | 指标值, "
        "one form per project"
    )

    def detect(self, source: Source) -> bool:
        named = tree = False
        for row in source.rows():
            cells = [tidy(t) for t in row.texts()]
            if cells and cells[0] == "项目名称" and any(cells[1:]):
                named = True
            header = match_header(cells, (Role.LEVEL1, Role.NAME))
            if header is not None and Role.PROJECT not in header.positions:
                tree = True
            if named and tree:
                return True
        return False

    def read(self, source: Source) -> Document:
        places = source.locations()
        rows: list[Row] = [[Cell(text, row.line) for text in row.texts()] for row in source.rows()]
        parser = FormParser(Document(layout=self.name), lambda line: places.get(line, f"line {line}"))
        return parser.read(rows)
