"""A parsed web page as a stream of blocks in reading order: lines of prose, and tables.

    <h3>一、城市公共自行车系统运维项目</h3>             "一、城市公共自行车系统运维项目"
    <p>（一）项目概况。…年度预算安排420万元…</p>   ->  "（一）项目概况。…年度预算安排420万元…"
    <table>…</table>                                    TableBlock(rows of GridCells)
    <p>市城市管理局将按季度开展绩效运行监控。</p>        "市城市管理局将按季度开展绩效运行监控。"

Prose is kept because it carries what the tables do not (several projects a page, each
introduced by a heading and a sentence naming its unit and amount). Page chrome is not:
scripts and styles, navigation (`<nav>`, a page-level `<header>`/`<footer>`, elements whose
class or id starts with nav/menu/crumb/position/foot…), lines that are nothing but links
(a menu bar, 【打印本页】【关闭窗口】) and "当前位置：" breadcrumbs. Chrome that holds a table
is kept: sites put content in odd places.

The tables are the innermost ones. Government sites lay pages out with a table whose cells
hold the content tables; such a layout table's rows that hold a table are read as flow (their
text as prose, their tables as tables), and its other rows as a table of their own. A table
of one column is a box drawn around prose and is read as prose, and so is a table of nothing
but links (a menu bar), whose lines then go as chrome.

Cell text keeps line breaks (`<br>`, `<p>`, `<div>`, `<li>` …) as "\\n": a whole indicator tree
may sit in one cell as paragraphs. Whitespace is collapsed within each line, `&nbsp;` included.
A label written vertically, one character a line (绩<br>效<br>指<br>标), is one word again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.etree import _Element as Element

from ingest.formats.html_grid import CellBudget, RawCell, expand
from ingest.source import GridCell

# Elements whose content is never text a reader wants.
_DROPPED = frozenset(
    {
        "head", "title", "script", "style", "noscript", "template", "iframe", "frame", "object",
        "embed", "applet", "svg", "math", "canvas", "map", "audio", "video", "select", "option",
        "button", "input", "textarea", "xml",
    }
)  # fmt: skip
# Elements that begin and end a line of text.
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
        "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
        "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li",
        "listing", "main", "nav", "ol", "p", "plaintext", "pre", "section", "summary", "td", "th",
        "tr", "ul", "xmp",
    }
)  # fmt: skip
_TABLE_PARTS = frozenset({"table", "caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "td", "th"})
_CHROME_TAGS = frozenset({"nav", "aside", "menu"})
_PAGE_FRAME = frozenset({"header", "footer"})  # chrome when the page's, not an article's
_CONTENT = frozenset({"article", "main", "section"})
# The first word of a class or id that names chrome on Chinese government sites (dqwz: 当前位置).
_CHROME_NAMES = frozenset(
    {
        "nav", "navbar", "navigation", "menu", "crumb", "crumbs", "breadcrumb", "breadcrumbs",
        "position", "location", "dqwz", "top", "topbar", "header", "foot", "footer", "bottom",
        "copyright", "tools", "toolbar", "sidebar",
    }
)  # fmt: skip
_CHROME_LINE = re.compile(r"^(?:您?(?:当前|现在)(?:的|所在)?位置|当前所在位置)\s*[:：]")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CANDIDATES = "|".join(
    [f"//{tag}" for tag in sorted(_DROPPED | _CHROME_TAGS | _PAGE_FRAME)]
    + ["//*[(@class or @id or @style or @hidden) and not(self::td or self::th or self::tr)]"]
)
_IDEOGRAPH = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPAN = re.compile(r"\s*(\d{1,7})")
# libxml2 stops nesting at 255 levels without huge_tree; deeper than this is read flat.
_MAX_DEPTH = 300


@dataclass(frozen=True)
class TableBlock:
    rows: tuple[tuple[int, tuple[GridCell, ...]], ...]  # (row number in the table, its cells)
    cut: int  # spans cut at the table's edge (see html_grid)


Block = str | TableBlock


def page_blocks(root: Element, budget: CellBudget) -> list[Block]:
    """The page's prose lines and tables, in document order. Removes chrome from `root`."""
    _strip(root)
    flow = _Flow(budget)
    flow.walk(root, in_link=False, in_pre=False, depth=0)
    flow.newline()
    return flow.blocks


def cell_text(cell: Element) -> str:
    """A cell's text, one line per paragraph or `<br>`, whitespace collapsed within lines."""
    if not len(cell):  # most cells hold plain text: skip the walk
        return " ".join((cell.text or "").split())
    flow = _Flow(None)
    flow.walk(cell, in_link=False, in_pre=False, depth=0)
    flow.newline()
    lines = [b for b in flow.blocks if isinstance(b, str)]
    if len(lines) > 1 and all(len(line) == 1 and _IDEOGRAPH.match(line) for line in lines):
        return "".join(lines)  # a label written vertically, a <br> after each character: 绩<br>效<br>指<br>标
    return "\n".join(lines)


def _strip(root: Element) -> None:
    # Only elements that can be chrome are looked at: a page of 200,000 cells has few of them.
    candidates = root.xpath(_CANDIDATES)
    for el in [el for el in candidates if _is_chrome(el)]:
        _drop(el)


def _is_chrome(el: Element) -> bool:
    tag = el.tag
    if tag in _DROPPED:
        return True
    if tag in ("html", "body") or (tag in _TABLE_PARTS and tag != "table"):
        return False  # a hidden row or cell still holds its place in the rowspans around it
    if el.get("hidden") is not None or _HIDDEN.search(el.get("style", "")):
        return True
    chrome = (
        tag in _CHROME_TAGS
        or (tag in _PAGE_FRAME and not any(a.tag in _CONTENT for a in el.iterancestors()))
        or _chrome_name(el.get("class", ""))
        or _chrome_name(el.get("id", ""))
    )
    return chrome and el.find(".//table") is None


def _drop(el: Element) -> None:
    """Remove the element and what it holds, keeping its tail: the text after it is not chrome."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _chrome_name(names: str) -> bool:
    return any(re.split(r"[-_]", name.lower(), maxsplit=1)[0] in _CHROME_NAMES for name in names.split())


class _Flow:
    """Text pieces gathered into lines, and lines and tables into blocks.

    With a budget it reads a page: lines with no word outside a link, and breadcrumbs, are
    dropped. Without one it reads a cell, where every line is kept."""

    def __init__(self, budget: CellBudget | None) -> None:
        self.budget = budget
        self.blocks: list[Block] = []
        self._pieces: list[str] = []
        self._words_outside_links = False

    def text(self, text: str | None, in_link: bool, in_pre: bool) -> None:
        if not text:
            return
        for i, part in enumerate(text.split("\n") if in_pre else [text]):
            if i:
                self.newline()
            self._pieces.append(part)
            if not in_link and any(ch.isalnum() for ch in part):
                self._words_outside_links = True

    def newline(self) -> None:
        line = " ".join("".join(self._pieces).split())
        if line and (self.budget is None or (self._words_outside_links and not _CHROME_LINE.match(line))):
            if self.budget is not None:
                self.budget.take(1)
            self.blocks.append(line)
        self._pieces = []
        self._words_outside_links = False

    def walk(self, el: Element, in_link: bool, in_pre: bool, depth: int) -> None:
        tag = el.tag
        if not isinstance(tag, str):
            return  # a comment or processing instruction the parser kept
        if depth > _MAX_DEPTH:
            self.text(" ".join(el.itertext()), in_link, in_pre=False)
            return
        if tag == "br":
            self.newline()
            return
        if tag == "table":
            self._table(el, depth)
            return
        block = tag in _BLOCK
        if block:
            self.newline()
        in_link = in_link or tag == "a"
        in_pre = in_pre or tag in ("pre", "listing", "plaintext", "xmp")
        self.text(el.text, in_link, in_pre)
        for child in el:
            self.walk(child, in_link, in_pre, depth + 1)
            self.text(child.tail, in_link, in_pre)
        if block:
            self.newline()

    def _table(self, table: Element, depth: int) -> None:
        self.newline()
        for caption in table.findall("caption"):
            self.walk(caption, in_link=False, in_pre=False, depth=depth + 1)
        rows = _rows(table)
        if table.find(".//table") is None:
            self._grid(rows, depth)
            return
        run: list[list[Element]] = []  # rows of the layout table that hold no table
        for row in rows:
            if any(cell.find(".//table") is not None for cell in row):
                self._grid(run, depth)
                run = []
                for cell in row:
                    self.walk(cell, in_link=False, in_pre=False, depth=depth + 1)
            else:
                run.append(row)
        self._grid(run, depth)

    def _grid(self, rows: list[list[Element]], depth: int) -> None:
        one_column = all(len(row) <= 1 and _span(row[0], "colspan") <= 1 for row in rows if row)
        if one_column or _only_links(rows):
            # A box around prose, or a menu bar drawn as a table: read as flow, where lines of
            # nothing but links are dropped.
            for row in rows:
                for cell in row:
                    self.walk(cell, in_link=False, in_pre=False, depth=depth + 1)
            return
        if self.budget is None:  # a table in a cell (only a layout table's cells hold one)
            self.blocks.extend(line for row in rows for cell in row for line in cell_text(cell).split("\n"))
            return
        self.newline()
        raw = [[RawCell(cell_text(c), _span(c, "rowspan"), _span(c, "colspan")) for c in row] for row in rows]
        grid = expand(raw, self.budget)
        kept = tuple(
            (number, cells)
            for number, cells in enumerate(grid.rows, start=1)
            if any(c.text for c in cells if not c.merged_above)
        )
        if kept:
            self.blocks.append(TableBlock(kept, grid.cut))


def _only_links(rows: list[list[Element]]) -> bool:
    """True when every word in the cells is inside a link (stops at the first plain word)."""
    linked = False
    for row in rows:
        for cell in row:
            links = list(cell.iter("a"))
            if _words("".join(cell.itertext())) > sum(_words("".join(a.itertext())) for a in links):
                return False
            linked = linked or bool(links)
    return linked


def _words(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _rows(table: Element) -> list[list[Element]]:
    """The table's own rows of cells: through thead/tbody/tfoot (and a <form> the markup put
    there), not into nested tables; cells written outside any <tr> make a row of their own."""
    rows: list[list[Element]] = []
    loose: list[Element] = []

    def visit(parent: Element) -> None:
        nonlocal loose
        for child in parent:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == "tr":
                if loose:
                    rows.append(loose)
                    loose = []
                rows.append(_cells(child))
            elif tag in ("td", "th"):
                loose.append(child)
            elif tag and tag not in ("table", "caption"):
                visit(child)

    visit(table)
    if loose:
        rows.append(loose)
    return rows


def _cells(row: Element) -> list[Element]:
    cells: list[Element] = []
    for child in row:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("td", "th"):
            cells.append(child)
        elif tag and tag not in ("tr", "table"):
            cells.extend(_cells(child))
    return cells


def _span(cell: Element, name: str) -> int:
    """rowspan/colspan as browsers read it: leading digits, else 1 ("2px" is 2, "abc" is 1)."""
    value = cell.get(name)
    if value is None:
        return 1
    match = _SPAN.match(value)
    return int(match.group(1)) if match else 1
