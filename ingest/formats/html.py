"""Web pages: saved pages (.html, .htm), web archives (.mhtml, .mht), and the Office-HTML that
budget systems export under an `.xls` name. Recognised by their bytes (`html_sniff`).

The page becomes one stream in reading order, so that a reader walking `source.rows()` sees
the headings and sentences between the tables too (several projects a page, each introduced
by prose naming its unit and amount):

    tables: "text 1"   one-cell rows, a line each: 鹤田市2025年重点项目绩效目标公开 / 一、城市…
            "table 1"  the first table's rows, merges kept (see ingest.formats.html_grid)
            "text 2"   the prose between the tables …
    text:   the same stream, one line per row: prose as it is, a table row as its grid columns
            joined by tabs; a cell of several lines as `<p>…</p> <p>…</p>`, the way the budget
            system's paragraph table shows one (layout paragraph-table reads it so)

An Office-HTML export holds each cell as Excel displayed it ("1,184,000.00", "95%"); its
`mso-number-format` styles only tell Excel how to re-read the text, so the text is kept as
written, like every value.

Line N of `text` is the row whose `line` is N, so text layouts and table layouts cite the
same line numbers. Which text and tables make the stream is `ingest.formats.html_flow`'s
job; the charset is `ingest.formats.html_charset`'s.

Every byte may be hostile: pages over `MAX_PAGE_BYTES` or with more than `MAX_MARKUP` tags
are refused before parsing; lxml parses without huge_tree (libxml2 then stops at 255 levels of
nesting, which is reported), never loads a DTD or an external entity, and never touches the
network; spans are clamped and cells counted against the workbook limit (`html_grid`).
"""

from __future__ import annotations

import email
import re
from collections import Counter

from lxml import etree
from lxml.etree import _Element as Element

from ingest.decode import IngestError
from ingest.formats.html_charset import decode_page
from ingest.formats.html_flow import Block, page_blocks
from ingest.formats.html_grid import CellBudget
from ingest.formats.html_sniff import is_archive
from ingest.limits import DEFAULT_LIMITS, IngestLimits
from ingest.source import Format, GridCell, GridRow, Source, Table

MAX_PAGE_BYTES = 50 * 1024 * 1024  # a page of target tables is kilobytes; an export of a year, a few MB
MAX_MARKUP = 2_000_000  # '<' in a page: libxml2 builds a node for each tag before any limit applies

_FRAMESET = re.compile(rb"<frameset[\s>]", re.I)
_TOO_DEEP = "the page nests tags deeper than 255 levels (unclosed tags?) and parsing stopped there"


def read_html(data: bytes, file_name: str, limits: IngestLimits = DEFAULT_LIMITS) -> Source:
    """The page as a Source; cells and lines count against `limits.max_cells`, as a workbook's do."""
    max_bytes = min(MAX_PAGE_BYTES, limits.max_file_bytes)
    if len(data) > max_bytes:
        raise IngestError(
            f"a web page of {len(data) / 2**20:.0f} MB, over the {max_bytes // 2**20} MB limit: "
            "a page of target tables is far smaller; save the table itself"
        )
    pages = _archive_pages(data) if is_archive(data) else [(data, None)]
    budget = CellBudget(limits.max_cells)
    blocks: list[Block] = []
    notes: list[str] = []
    encodings: list[str] = []
    for body, declared in pages:
        page = decode_page(body, declared)
        notes.extend(page.notes)
        encodings.append(page.encoding)
        root, cut_short = _parse(page.text)
        if root is not None:
            blocks.extend(page_blocks(root, budget))
        if cut_short:
            if not blocks:
                raise IngestError(f"{_TOO_DEEP}, before any text")
            notes.append(f"{_TOO_DEEP}: the rest of the page is not read")
    source = _source(file_name, blocks, notes)
    source.encoding = encodings[0] if encodings else None
    return source


def _archive_pages(data: bytes) -> list[tuple[bytes, str | None]]:
    """The archive's page, its transfer encoding (quoted-printable, base64) undone, with the
    charset its part declares. A saved Excel workbook's page is a frameset, one part per sheet:
    then every HTML part, in order. (A browser's archive of a page also holds its iframes.)"""
    try:
        message = email.message_from_bytes(data)
        parts = [
            (payload, part.get_content_charset())
            for part in message.walk()
            if part.get_content_type() == "text/html"
            and isinstance(payload := part.get_payload(decode=True), bytes)
        ]
    except (RecursionError, ValueError, LookupError) as exc:
        raise IngestError(f"not a readable web archive (MHTML: {type(exc).__name__})") from None
    if not parts:
        raise IngestError("a web archive (MHTML) with no HTML page in it")
    if _FRAMESET.search(parts[0][0][:65536]):
        return parts[1:] or parts
    return parts[:1]


def _parse(text: str) -> tuple[Element | None, bool]:
    """The page's tree, and whether libxml2 stopped early at its nesting limit."""
    if text.count("<") > MAX_MARKUP:
        raise IngestError(f"a web page of more than {MAX_MARKUP:,} tags: not a page of target tables")
    # The text is already decoded: parse its UTF-8 bytes as UTF-8, so that libxml2 does not
    # re-decode it by the page's meta tag. Plain etree elements, not lxml.html's: looking up
    # lxml.html's element classes costs more than the rest of the reading.
    parser = etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=False
    )
    try:
        root = etree.fromstring(text.encode("utf-8"), parser)  # None for a page of only comments
    except etree.LxmlError as exc:
        raise IngestError(f"not a readable web page ({type(exc).__name__}: {exc})") from None
    # Past 255 levels (unclosed tags pile up in broken pages) libxml2 stops parsing, silently.
    return root, any("Excessive depth" in error.message for error in parser.error_log)


def _source(file_name: str, blocks: list[Block], notes: list[str]) -> Source:
    tables: list[Table] = []
    lines: list[str] = []
    prose: list[str] = []
    count: Counter[str] = Counter()

    def flush_prose() -> None:
        if prose:
            count["text"] += 1
            name = f"text {count['text']}"
            rows = []
            for k, line in enumerate(prose, start=1):
                lines.append(line)
                rows.append(GridRow((GridCell(line),), len(lines), f"{name} line {k}"))
            tables.append(Table(name=name, rows=tuple(rows)))
            prose.clear()

    for block in blocks:
        if isinstance(block, str):
            prose.append(block)
            continue
        flush_prose()
        count["table"] += 1
        name = f"table {count['table']}"
        rows = []
        for number, cells in block.rows:
            row = GridRow(cells, len(lines) + 1, f"{name} row {number}")
            lines.append("\t".join(_text_cell(c) for c in row.columns()).rstrip("\t"))
            rows.append(row)
        tables.append(Table(name=name, rows=tuple(rows)))
        if block.cut:
            notes.append(
                f"{name}: {block.cut} merged cell(s) reached past the table's edge or over another cell "
                "and were cut"
            )
    flush_prose()
    return Source(file_name=file_name, format=Format.HTML, text="\n".join(lines), tables=tables, notes=notes)


def _text_cell(text: str) -> str:
    return text if "\n" not in text else " ".join(f"<p>{line}</p>" for line in text.split("\n"))
