"""What a reader gets: a document's text, its tables, or both, whatever format it came in.

Formats (`ingest.formats`) turn bytes into a `Source`; layouts (`ingest.readers`) turn a
`Source` into records. The split keeps each layout independent of the file format: the
budget system's flat export reads the same from XLSX, CSV, a Word table or a PDF table.

A table is a list of rows of cells as the document drew them. Merged cells are kept as
merged: a cell spanning three columns is one `GridCell` with `span=3`, and a cell under a
vertical merge is `merged_above` (its text is the merge's, above). Readers choose the view
they need: `texts()` gives one string per drawn cell (form layouts, where position in the
row matters less than order), `columns()` one per grid column (flat tables, matched to a
header by position).

Every row has a `line`, unique and increasing within the document, used as the provenance
line number, and `where`, how a person finds it: "sheet '项目' row 7", "table 2 row 5",
"page 3 table 1 row 4", "line 12".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Format(StrEnum):
    TEXT = "text"
    CSV = "csv"
    XLSX = "xlsx"
    DOCX = "docx"
    PDF = "pdf"
    HTML = "html"


@dataclass(frozen=True, slots=True)
class GridCell:
    text: str
    span: int = 1  # grid columns covered
    merged_above: bool = False  # continues a vertical merge; the text is the cell above's


@dataclass(frozen=True, slots=True)
class GridRow:
    cells: tuple[GridCell, ...]
    line: int
    where: str

    def texts(self) -> list[str]:
        """One string per drawn cell; a cell under a vertical merge is empty ("same as above")."""
        return ["" if c.merged_above else c.text for c in self.cells]

    def columns(self) -> list[str]:
        """One string per grid column: a spanning cell's text in its first column, then blanks."""
        out: list[str] = []
        for cell in self.cells:
            out.append("" if cell.merged_above else cell.text)
            out.extend([""] * (cell.span - 1))
        return out

    def is_blank(self) -> bool:
        return not any(c.text.strip() for c in self.cells if not c.merged_above)


@dataclass(frozen=True, slots=True)
class Table:
    name: str  # "sheet '项目'", "table 2", "page 3 table 1", "body"
    rows: tuple[GridRow, ...]


@dataclass
class Source:
    """One file, read: its text (text formats, a PDF's text layer) and its tables."""

    file_name: str
    format: Format
    text: str | None = None
    tables: list[Table] = field(default_factory=list)
    encoding: str | None = None  # of a text file; None for binary formats
    notes: list[str] = field(default_factory=list)  # what the format layer adjusted, for the report

    @classmethod
    def from_text(cls, text: str, file_name: str = "<text>", encoding: str | None = "utf-8") -> Source:
        return cls(file_name=file_name, format=Format.TEXT, text=text, encoding=encoding)

    def require_text(self, layout: str) -> str:
        """The text for a text layout; a clear error when --layout forced one on a binary format."""
        if self.text is None:
            from ingest.decode import IngestError

            raise IngestError(f"layout {layout} reads text files; this is a {self.format.value} file")
        return self.text

    def describe(self) -> str:
        """What the file holds, in words, for an error that says what was found."""
        rows = self.rows()
        if self.format is Format.XLSX:
            sheets = len(self.tables)
            return (
                f"an Excel workbook with {sheets} non-empty sheet(s)" if sheets else "an empty Excel workbook"
            )
        if self.format is Format.DOCX:
            tables = len({r.where.split(" row ")[0] for r in rows if r.where.startswith("table ")})
            return f"a Word document with {tables} table(s)"
        if self.format is Format.PDF:
            tables = sum(1 for t in self.tables if " table " in t.name)
            pages = len({t.name.split(" ")[1] for t in self.tables if t.name.startswith("page ")})
            return f"a PDF with text on {pages} page(s) and {tables} table(s)"
        if self.format is Format.HTML:
            tables = sum(1 for t in self.tables if t.name.startswith("table "))
            if tables:
                return f"a web page with {tables} table(s)"
            return f"a web page with no table and {len(rows)} line(s) of text"
        if self.format is Format.CSV:
            return f"a delimited text file of {len(rows)} row(s)"
        return "a text file"

    def rows(self) -> list[GridRow]:
        """Every table's rows in document order (forms continue across tables and pages)."""
        return [row for table in self.tables for row in table.rows]

    def where(self, line: int) -> str:
        return self.locations().get(line, f"line {line}")

    def locations(self) -> dict[int, str]:
        """Line -> where, for rows whose place is not just a text line (sheets, tables, pages)."""
        return {r.line: r.where for r in self.rows() if r.where != f"line {r.line}"}
