"""Layout "structural": any target table, recovered from its cells and the closed vocabulary.

Today's readers know the exact shapes of the samples; published tables come in many more
(saved pages, text copied from document sites, pasted browser tables, OCR output, templates of
other provinces). This reader takes every source no exact reader claims:

1. `cells` turns the source into rows of cells, whatever the delimiter;
2. the cells are read as one stream: form labels (项目名称, 主管部门, 年度资金总额, 年度目标 …)
   take the cell after them, until a tree header (一级指标 | 二级指标 | 三级指标 | 指标值 …);
3. `tree` cuts the cells after the header into indicator records by what each cell says;
4. records become `Indicator`s with their targets (`parse_target`), self-evaluation
   (`Assessment`), per-area targets and grades; what was inferred (levels from the vocabulary,
   a year from the title) and what was dropped goes to the document's report.

A new project starts at a project-name label, at a new tree header after indicators, or, in a
flat export, at a row whose project cell changes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from ingest import categories
from ingest.decode import IngestError
from ingest.readers.cells import Cell, Delimiter, Split, from_source
from ingest.readers.columns import compose_target, direction_of
from ingest.readers.common import tidy, unwrap
from ingest.readers.tree import Chunker, Record, Streamed, TreeHeader, header_at, is_sign, is_value_like
from ingest.readers.vocabulary import (
    Col,
    Field,
    Level,
    ends_tree,
    form_field,
    header_col,
    heading_name,
    key,
    level_of,
    levels_from_name,
    match_text,
    only_level1,
)
from ingest.records import (
    AreaTarget,
    Assessment,
    BudgetUnit,
    Document,
    Grade,
    Indicator,
    Objective,
    Project,
    ProjectKind,
    Target,
    TargetKind,
)
from ingest.source import Source
from ingest.target import parse_target, split_name_and_target

__all__ = ["StructuralReader", "read_structure"]

_FORM_CHROME = re.compile(r"^(?:审核意见|盖章|\(盖章\))|公章")
_TRANSFER = re.compile(r"转移支付|区域绩效|下达.*(?:资金|投资)")
_CODE_PREFIX = re.compile(r"^\s*[(\[（【]?(\d{3,})[A-Za-z0-9]*[)\]）】]?\s*[-－—_]?\s*(?=\S)")
_NUMBERING = re.compile(
    r"^\s*(?:指标\s*\d+\s*[:：]?|\d{1,2}\s*[.、．]\s*|[(（]\s*[一二三四五六七八九十\d]{1,2}\s*[)）]\s*)"
)
_AMOUNT = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_YEAR_CELL = re.compile(r"(20\d{2})\s*年")
_OCR_GE = re.compile(r"^2(\d{2}(?:\.\d+)?)%$")


def _decimal(text: str) -> Decimal | None:
    match = _AMOUNT.search(unicodedata.normalize("NFKC", text))
    if not match:
        return None
    try:
        return Decimal(match.group().replace(",", ""))
    except InvalidOperation:
        return None


def _number(text: str) -> Decimal | None:
    cleaned = unicodedata.normalize("NFKC", text).strip().rstrip("%分")
    if not re.fullmatch(r"[-+]?\d+(?:\.\d+)?", cleaned):
        return None
    return Decimal(cleaned)


def indicator_name(text: str) -> str:
    """The 三级 cell without layout artefacts and numbering: `指标1:受助学 生人数` -> `受助学生人数`."""
    name = tidy(unwrap(text))
    previous = None
    while previous != name:
        previous = name
        name = _NUMBERING.sub("", name, count=1).strip()
    return name


def suspect_notes(raw: str) -> list[str]:
    """OCR slips a person should check; the value stays as written."""
    text = unicodedata.normalize("NFKC", raw).strip()
    notes = []
    match = _OCR_GE.match(text)
    if match and Decimal(text[:-1]) > 100:
        notes.append(f"{raw!r} is over 100%: maybe an OCR '2' for '≥' (≥{match.group(1)}%)")
    if re.match(r"^[工二]\s*\d", text):
        notes.append(f"{raw!r} starts with {text[0]!r}: maybe an OCR slip for '≥'")
    return notes


@dataclass
class _Project:
    line: int
    name: str | None = None
    unit: str | None = None
    department: str | None = None
    amount: Decimal | None = None
    amount_in_yuan: bool = False
    objective: str | None = None
    long_objective: str | None = None
    year: int | None = None
    kind: ProjectKind = ProjectKind.PROJECT
    self_evaluation: bool = False
    complete: bool = True
    indicators: list[Indicator] = field(default_factory=list)

    def has_content(self) -> bool:
        return bool(self.indicators)


class _Reader:
    def __init__(self, source: Source, split: Split) -> None:
        self.source = source
        self.split = split
        self.doc = Document(layout=StructuralReader.name)
        self.stream: list[Streamed] = []
        for row in _join_stacked_header(split.rows):
            n = 0
            for whole in row:
                for cell in _inline_fields(whole):
                    self.stream.append(Streamed(cell, n == 0))
                    n += 1
        self.stream = _merge_split_labels(self.stream)
        self.projects: list[_Project] = []
        self.project = _Project(line=1)
        self.yuan = False
        self.kind = ProjectKind.PROJECT
        self.self_evaluation = False
        self.found: dict[str, int] = {}
        self.pending_name: str | None = None
        self.form_since_tree = False  # a form field or a heading since the last tree header

    # -- the stream ------------------------------------------------------------------------

    def read(self) -> Document:
        stream = self.stream
        i = 0
        chunker: Chunker | None = None
        header: TreeHeader | None = None
        while i < len(stream):
            item = stream[i]
            k = key(item.cell.text)
            self._note_context(item.cell, k)
            started = header_at(stream, i)
            if started is None and header is None and self._fragment_starts(i):
                started = (_FRAGMENT_HEADER, i)
                self.doc.inferred.append(
                    f"{self.source.where(item.cell.line)}: no tree header; the rows are read as "
                    "一级 | 二级 | 三级 | 指标值 | 实际完成值 from their level names"
                )
            started_at = i
            if started is not None:
                if chunker is not None:
                    self._flush(chunker, header)
                previous, above = header, chunker
                header, i = started
                self._count("tree header")
                # The same header again with nothing of a form between (a page break of a PDF
                # or a printed sheet): the table goes on, in the same project and block.
                repeated = (
                    previous is not None
                    and previous.cols == header.cols
                    and not self.form_since_tree
                    and self.project.has_content()
                )
                if self.project.has_content() and not _block_label(stream, started_at) and not repeated:
                    self._new_project(item.cell.line)
                if repeated:
                    self.doc.inferred.append(
                        f"{self.source.where(item.cell.line)}: the tree header repeated (a page break); "
                        "the rows below go on the same table"
                    )
                self.form_since_tree = False
                if self.project.name is None and self.pending_name:
                    self.project.name = self.pending_name
                    self.doc.inferred.append(
                        f"{self.source.where(item.cell.line)}: project name {self.pending_name!r} taken from "
                        "the heading above its table"
                    )
                self.pending_name = None
                chunker = Chunker(header)
                chunker.wrapped_names = self.split.delimiter is Delimiter.SPACES
                if repeated and above is not None:
                    chunker.level1, chunker.level2, chunker.top = above.level1, above.level2, above.top
                continue
            field_ = form_field(k)
            if field_ is not None and not (chunker is not None and header is not None and header.pre):
                at = self._field_value_at(i)
                if at is not None:
                    if chunker is not None:
                        # The tree above ends before the field: its last row is its project's,
                        # not the one a 项目名称 starts.
                        self._flush(chunker, header)
                        chunker = None
                    self._set_field(field_, stream[at].cell, item.cell)
                    i = at + 1
                    continue
            if chunker is not None and header is not None:
                if ends_tree(k) or (item.cell.prose and k):
                    self._flush(chunker, header)
                    chunker = None
                    self.doc.dropped.append(
                        f"{self.source.where(item.cell.line)}: {tidy(item.cell.text)[:40]!r}: "
                        "the tree ends here (signature, total or review line)"
                    )
                    i += 1
                    continue
                if header_col(k, []) in (Col.LEVEL1, Col.LEVEL2, Col.NAME, Col.VALUE):
                    # A header label inside the rows: a sheet's labels repeated (column-major
                    # dumps) or a broken header. A lone name before it is no indicator.
                    self._drop_lone(chunker)
                    self._drop_unvalued(chunker)
                    chunker.close()
                    self._drain(chunker, header)
                    i += 1
                    continue
                chunker.feed(item, _ahead(stream, i))
                self._drain(chunker, header)
            i += 1
        if chunker is not None and header is not None:
            self._flush(chunker, header, at_end=True)
        self._new_project(0)
        return self._document()

    def _fragment_starts(self, i: int) -> bool:
        """A fragment without its header: a row opening with a 一级 word, then a 二级 word."""
        item = self.stream[i]
        if not item.row_start or not only_level1(key(item.cell.text)):
            return False
        following = next((s.cell.text for s in self.stream[i + 1 : i + 3] if s.cell.text), "")
        return Level.TWO in level_of(key(following))

    def _note_context(self, cell: Cell, k: str) -> None:
        if re.search(r"单位[:：]?元$|\(元\)$|金额单位[:：]?元", k):
            self.yuan = True
        elif "万元" in k and len(k) < 12:
            self.yuan = False
        if "整体" in k and ("绩效" in k or "支出" in k) and len(k) < 60:
            self.kind = ProjectKind.UNIT
        elif self.kind is ProjectKind.PROJECT and len(k) < 80 and _TRANSFER.search(k):
            self.kind = ProjectKind.TRANSFER
        if re.search(r"自评(?:表|报告|结果)", k) and len(k) < 60:
            self.self_evaluation = True  # a 自评表 title; "年底前完成绩效自评" in a notice is not one
        if self.project.year is None and not self.project.indicators:
            match = _YEAR_CELL.search(unicodedata.normalize("NFKC", cell.text))
            if match and ("年度" in k or "绩效" in k or "预算" in k or len(k) <= 12):
                self.project.year = int(match.group(1))
                if len(k) > 12:
                    self.doc.inferred.append(
                        f"{self.source.where(cell.line)}: year {match.group(1)} taken from the title "
                        f"{tidy(cell.text)[:40]!r}"
                    )
        named = (
            None
            if form_field(k)
            else heading_name(tidy(unicodedata.normalize("NFKC", cell.text)).replace(" ", ""))
        )
        if named:
            self.pending_name = named
            self.form_since_tree = True
        if self.doc.title is None and k and len(k) <= 80 and "绩效" in k:
            self.doc.title = tidy(cell.text)

    def _count(self, what: str) -> None:
        self.found[what] = self.found.get(what, 0) + 1

    def _field_value_at(self, i: int) -> int | None:
        """Where the value of the form label at stream[i] is; None when it has none."""
        for j in range(i + 1, min(i + 4, len(self.stream))):
            cell = self.stream[j].cell
            k = key(cell.text)
            if not k:
                continue
            if form_field(k) is not None or header_col(k, []) is not None or level_of(k):
                return None
            if _FORM_CHROME.search(k):
                return None  # 主管部门 | 审核意见 (盖章): a review box, not the department
            return j
        return None

    def _set_field(self, field_: Field, cell: Cell, label: Cell) -> None:
        self.form_since_tree = True
        text = tidy(cell.text)
        project = self.project
        self._count(f"form field {field_.value}")
        if field_ is Field.NAME:
            if project.name is not None or project.indicators:
                self._new_project(cell.line)
                project = self.project
            name = _CODE_PREFIX.sub("", text) if re.match(r"^\s*\d{6,}", text) else text
            project.name = name
            project.line = cell.line
        elif field_ is Field.UNIT:
            if project.unit is None:
                project.unit = text
        elif field_ is Field.DEPARTMENT:
            if project.department is None:
                project.department = text
        elif field_ is Field.AMOUNT:
            if project.amount is None:
                amount = _decimal(text)
                if amount is not None:
                    yuan = (self.yuan and "万" not in text) or (
                        "元" in key(label.text) and "万元" not in key(label.text)
                    )
                    project.amount = amount / 10000 if yuan else amount
        elif field_ is Field.OBJECTIVE and project.objective is None:
            project.objective = text
        elif field_ is Field.LONG_OBJECTIVE and project.long_objective is None:
            project.long_objective = text

    # -- projects and indicators -----------------------------------------------------------

    def _new_project(self, line: int) -> None:
        if self.project.has_content() or self.project.name:
            self.projects.append(self.project)
        year = self.project.year
        self.project = _Project(line=line, year=year)

    def _drain(self, chunker: Chunker, header: TreeHeader | None) -> None:
        assert header is not None
        for record in chunker.done:
            self._record(record, header)
        chunker.done.clear()

    def _drop_unvalued(self, chunker: Chunker) -> None:
        """Before labels repeated inside the rows (a sheet dumped column by column), a record whose
        value is no value is the form's text around the labels, not an indicator."""
        last = chunker.record
        if last is None or last.name is None:
            return
        values = [c.text for j, c in last.cells.items() if chunker.post[j] is Col.VALUE]
        if values and not any(is_value_like(v) for v in values):
            chunker.record = None
            self.doc.dropped.append(
                f"{self.source.where(last.line)}: {tidy(last.name.text)[:40]!r}: dropped, text between "
                "repeated header labels, its 'value' is no value"
            )

    def _drop_lone(self, chunker: Chunker, at_end: bool = False) -> None:
        last = chunker.record
        lone = last is not None and not (last.cells or last.pre or last.next_col)
        # A name of a few characters at the very end was cut mid-word (`截`, `服务`).
        cut = at_end and last is not None and last.name is not None and len(key(last.name.text)) <= 4
        stray = cut or (last is not None and not (last.has_level1 or last.has_level2))
        if last is not None and last.name is not None and lone and stray:
            # A name with nothing after it where the tree stops: a line cut mid-row, or a stray
            # heading of what follows, not an indicator.
            chunker.record = None
            self.doc.dropped.append(
                f"{self.source.where(last.line)}: {tidy(last.name.text)[:40]!r}: dropped, nothing follows it "
                "before the table ends"
            )

    def _flush(self, chunker: Chunker, header: TreeHeader | None, at_end: bool = False) -> None:
        last = chunker.record
        self._drop_lone(chunker, at_end)
        chunker.finish()
        self._drain(chunker, header)
        if at_end and self.project.indicators:
            cut = last is not None and not last.is_empty() and not self._has_value(last, chunker)
            no_satisfaction = not any(
                categories.level1_concept(i.level1) == "satisfaction"
                or (categories.resolve(i.level1, i.level2) or categories.Category("", "")).level1
                == "satisfaction"
                for i in self.project.indicators
            )
            if cut or no_satisfaction:
                self.project.complete = False

    @staticmethod
    def _has_value(record: Record, chunker: Chunker) -> bool:
        post = chunker.post
        return any(post[j] in (Col.VALUE, Col.AREA, Col.GRADE) for j in record.cells)

    def _record(self, record: Record, header: TreeHeader) -> None:
        where = self.source.where(record.line)
        if header.pre:
            self._flat_project(record, header)
        built = build_indicator(record, header)
        if built is None:
            self.doc.dropped.append(
                f"{where}: {' | '.join(record.source)[:60]!r}: no indicator name or value"
            )
            return
        indicator, notes = built
        notes = record.inferred + notes
        self.project.indicators.append(indicator)
        if header.self_evaluation:
            self.project.self_evaluation = True
        self.doc.inferred += [f"{where}: {note}" for note in notes]

    def _flat_project(self, record: Record, header: TreeHeader) -> None:
        """A flat export's project cells, right-aligned to the project columns (merged cells
        drop the leading ones: the unit, then the project)."""
        if not record.pre:
            return
        labels = header.pre[-len(record.pre) :] if len(record.pre) <= len(header.pre) else header.pre
        cells = record.pre[-len(labels) :]
        values: dict[Field, Cell] = {}
        for label, cell in zip(labels, cells, strict=False):
            f = form_field(key(label))
            if f is not None:
                values[f] = cell
        name = values.get(Field.NAME)
        if name is not None and tidy(name.text) != (self.project.name or ""):
            if self.project.name is not None or self.project.indicators:
                unit = self.project.unit
                self._new_project(name.line)
                self.project.unit = unit
            self.project.name = tidy(name.text)
            self.project.line = name.line
        for f, cell in values.items():
            if f is not Field.NAME:
                label = next(text for text in header.pre if form_field(key(text)) is f)
                self._set_field(f, cell, Cell(label, 0))

    def _document(self) -> Document:
        doc = self.doc
        projects = [p for p in self.projects if p.indicators]
        if not projects:
            raise IngestError(self._nothing_found())
        for draft in projects:
            unit_text = draft.unit or draft.department or ""
            unit = _budget_unit(unit_text, draft.line)
            department = _budget_unit(draft.department, draft.line).name if draft.department else None
            kind = self.kind
            name = draft.name or ""
            if not name:
                if kind is ProjectKind.PROJECT and draft.unit and not draft.department:
                    kind = ProjectKind.UNIT
                name = unit.name if kind is ProjectKind.UNIT else (doc.title or "")
                doc.inferred.append(
                    f"{self.source.where(draft.line)}: no project name; named {name!r} after the "
                    + ("unit" if kind is ProjectKind.UNIT else "document title")
                )
            project = Project(
                name=name,
                unit=unit,
                amount_wan=draft.amount,
                fiscal_year=draft.year,
                department=department if department and department != unit.name else None,
                kind=kind,
                self_evaluation=draft.self_evaluation or self.self_evaluation,
                complete=draft.complete,
                indicators=draft.indicators,
                line=draft.line,
            )
            if draft.objective:
                project.objectives.append(Objective(text=draft.objective, ordinal=None, line=draft.line))
            if draft.long_objective:
                project.objectives.append(
                    Objective(text=draft.long_objective, ordinal=None, line=draft.line, medium_term=True)
                )
            if not project.complete:
                doc.warnings.append(
                    f"{self.source.where(draft.line)}: project {project.name!r} looks cut off: the document "
                    "ends inside its indicator table; every complete indicator is kept"
                )
            if unit.name and not any(u.name == unit.name and u.code == unit.code for u in doc.units):
                doc.units.append(unit)
            doc.projects.append(project)
        years = [p.fiscal_year for p in doc.projects if p.fiscal_year]
        doc.fiscal_year = years[0] if years else None
        return doc

    def _nothing_found(self) -> str:
        what = self.source.describe()
        lines = len((self.source.text or "").splitlines())
        if self.source.text is not None and what == "a text file":
            what = f"a text file of {lines} lines"
        found = [f"{n} {w}" if n > 1 else w for w, n in self.found.items()]
        levels = sum(1 for s in self.stream if level_of(key(s.cell.text)))
        if levels:
            found.append(f"{levels} indicator level name(s)")
        found_text = ", ".join(found) if found else "nothing a target table holds"
        return (
            f"no indicator tree in {what} (cells read as {self.split.delimiter.value}): found {found_text}, "
            "but no tree header (一级指标/二级指标/三级指标/指标值) with indicator rows under it"
        )


# The columns of a fragment that starts below its header (the rows still say their levels).
_FRAGMENT_HEADER = TreeHeader(
    [Col.LEVEL1, Col.LEVEL2, Col.NAME, Col.VALUE, Col.ACTUAL, Col.REMARK],
    ["一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "备注"],
    0,
)


_BLOCK = re.compile(r"^(?:长期|中期|年度|中长期)绩效指标$")


def _block_label(stream: list[Streamed], at: int) -> bool:
    """A header under a 长期绩效指标 / 年度绩效指标 label: another block of the same project."""
    for item in reversed(stream[max(0, at - 2) : at + 1]):
        if item.cell.text:
            return bool(_BLOCK.match(key(item.cell.text)))
    return False


def _stacked_header(upper: list[Cell], lower: list[Cell]) -> list[Cell] | None:
    """A header row wrapped onto a second row cell by cell (`一级 | 二级 | 三级 | 年度` over
    `指标 | 指标 | 指标 | 指标值`, or `年度 | 全年` over `指标值 | 实际值`): the one header row they
    spell, column by column; None when the two rows are not that."""
    if len(upper) != len(lower) or len(upper) < 3:
        return None
    first = next((key(c.text) for c in upper if key(c.text)), "")
    if header_col(first, []) not in (Col.LEAD, Col.LEVEL1, Col.LEVEL2):
        return None
    joined: list[Cell] = []
    completed = 0
    for top, bottom in zip(upper, lower, strict=True):
        kb = key(bottom.text)
        if not kb:
            joined.append(top)
            continue
        if level_of(kb) or is_value_like(bottom.text):
            return None
        text = f"{top.text}{bottom.text}"
        if header_col(key(text), [Col.LEVEL1]) is None:
            return None
        if header_col(key(top.text), [Col.LEVEL1]) is None or key(top.text) in ("一级", "二级", "三级"):
            completed += 1
        joined.append(Cell(text, top.line))
    filled = sum(1 for c in lower if key(c.text))
    return joined if filled >= 2 and completed >= 2 else None


def _spanned_header(upper: list[Cell], lower: list[Cell]) -> list[Cell] | None:
    """A header over two rows of a drawn table: the labels spanning both rows come again on the
    second (a grid repeats a rowspan's text), and one label of the first row spans the columns
    the second row names (`偏差原因分析及改进措施` over `原因分析 | 改进措施`, `区域目标值` over the
    townships). The one header row they make; None when the rows are not that."""
    prefix = 0
    while (
        prefix < min(len(upper), len(lower))
        and key(upper[prefix].text)
        and key(upper[prefix].text) == key(lower[prefix].text)
    ):
        prefix += 1
    if prefix < 2 or header_col(key(upper[0].text), []) not in (Col.LEAD, Col.LEVEL1, Col.LEVEL2):
        return None
    spans = [c for c in upper[prefix:] if key(c.text)]
    extras = [c for c in lower[prefix:] if key(c.text)]
    if len(spans) != 1 or len(extras) < 2:
        return None
    span = spans[0]
    if any(level_of(key(c.text)) or is_value_like(c.text) for c in extras):
        return None
    if header_col(key(span.text), [Col.LEVEL1]) is Col.AREA:
        return [*lower[:prefix], span, *extras]  # the area names stay the columns' labels
    if header_col(key(span.text), [Col.LEVEL1]) is None:
        return None
    # Sub-labels the vocabulary knows stay; the others are columns of the spanning label.
    labels = [
        c if header_col(key(c.text), [Col.LEVEL1]) is not None else Cell(span.text, c.line) for c in extras
    ]
    return [*lower[:prefix], *labels]


def _column_numbers(row: list[Cell]) -> bool:
    """A row of column numbers under a header (`1 | 2 | 3 | 4 | 5`), as budget forms print."""
    texts = [key(c.text) for c in row if key(c.text)]
    return len(texts) >= 3 and texts == [str(n) for n in range(1, len(texts) + 1)]


def _join_stacked_header(rows: list[list[Cell]]) -> list[list[Cell]]:
    out: list[list[Cell]] = []
    i = 0
    while i < len(rows):
        if _column_numbers(rows[i]):
            i += 1
            continue
        joined = None
        if i + 1 < len(rows):
            joined = _stacked_header(rows[i], rows[i + 1]) or _spanned_header(rows[i], rows[i + 1])
        out.append(joined or rows[i])
        i += 2 if joined else 1
    return out


_JOINED_LEVELS = re.compile(r"^\s*(\S{2,12}?指标|\S{2,6})\s*[-－—–/／·]\s*(\S{2,16})\s*$")
_INLINE_LABEL = re.compile(r"^\s*([^\s:：]{2,12})\s*[:：]\s*(\S.*)$")
_NEXT_LABEL = re.compile(r"\s+(?=[^\s:：]{2,12}\s*[:：]\s*\S)")


def _inline_fields(cell: Cell) -> list[Cell]:
    """`资金名称：困难群众救助补助资金    主管部门：枫溪县民政局`: form labels written with their
    values in one cell (a line of a form typed as text) become label and value cells, as a
    drawn form has them. Only a known form label opens such a cell."""
    joined = _JOINED_LEVELS.match(cell.text)
    if joined and Level.ONE in level_of(key(joined.group(1))) and Level.TWO in level_of(key(joined.group(2))):
        # 产出指标-数量指标: one 指标类别 cell holding both levels.
        return [Cell(joined.group(1), cell.line), Cell(joined.group(2), cell.line)]
    match = _INLINE_LABEL.match(cell.text)
    if match is None or form_field(key(match.group(1))) is None or (cell.prose and len(cell.text) > 80):
        return [cell]
    out: list[Cell] = []
    for part in _NEXT_LABEL.split(cell.text.strip()):
        found = _INLINE_LABEL.match(part)
        if found is None or form_field(key(found.group(1))) is None:
            if not out:
                return [cell]
            out[-1] = Cell(f"{out[-1].text} {part}", cell.line)  # a colon inside the value
            continue
        out += [Cell(found.group(1), cell.line), Cell(found.group(2).strip(), cell.line)]
    return out


def _ahead(stream: list[Streamed], i: int, count: int = 3) -> list[str]:
    """The texts of the next cells of the same row (a row break ends what a cell can see)."""
    out: list[str] = []
    for item in stream[i + 1 : i + 1 + count]:
        if item.row_start:
            break
        out.append(item.cell.text)
    return out


def _merge_split_labels(stream: list[Streamed]) -> list[Streamed]:
    """Level names split over two cells: `项目完成` + `指标`, `产出指标` + `(40-50)分`."""
    from ingest.readers.vocabulary import is_label_tail

    out: list[Streamed] = []
    i = 0
    while i < len(stream):
        item = stream[i]
        # A vertical label split into one character a cell: 绩 | 效 | 指 | 标.
        run = 0
        while i + run < len(stream) and run < 8 and len(key(stream[i + run].cell.text)) == 1:
            run += 1
        if run >= 2:
            joined = "".join(key(s.cell.text) for s in stream[i : i + run])
            if level_of(joined) or header_col(joined, []) is not None:
                out.append(Streamed(Cell(joined, item.cell.line), item.row_start))
                i += run
                continue
        if i + 1 < len(stream):
            nxt = stream[i + 1]
            k, nk = key(item.cell.text), key(nxt.cell.text)
            if k and nk and len(k) <= 16:
                merged = level_of(k + nk) and not level_of(k)
                tail = level_of(k) and is_label_tail(nk)
                if merged or tail:
                    cell = Cell(f"{item.cell.text}{nxt.cell.text}", item.cell.line)
                    out.append(Streamed(cell, item.row_start))
                    i += 2
                    continue
        out.append(item)
        i += 1
    return out


_UNIT_CODE = re.compile(r"^\s*[(\[（【]?(\d{3,})[)\]）】]?\s*[-－—_]?\s*(.+)$")


def _budget_unit(text: str | None, line: int | None) -> BudgetUnit:
    text = tidy(text or "")
    match = _UNIT_CODE.match(text)
    if match:
        return BudgetUnit(name=tidy(match.group(2)), code=match.group(1), line=line)
    return BudgetUnit(name=text, line=line)


def _cell_of(record: Record, post: list[Col], col: Col, nth: int = 0) -> str:
    found = [record.cells[j].text for j in sorted(record.cells) if post[j] is col]
    return found[nth] if len(found) > nth else ""


def build_indicator(record: Record, header: TreeHeader) -> tuple[Indicator, list[str]] | None:
    """An `Indicator` from a record, and notes on what was inferred; None when it holds none."""
    post = header.post
    notes: list[str] = []
    level1, level2 = record.level1, record.level2
    name_text = record.name.text if record.name is not None else ""
    medium_name = ""
    values = [record.cells[j].text for j in sorted(record.cells) if post[j] is Col.VALUE]
    value = values[-1] if values else ""
    if header.dual:
        # 中期 and 年度 side by side: the last value is the year's; the annual name and 二级
        # sit in the second set of columns.
        second_names = [record.cells[j].text for j in sorted(record.cells) if post[j] is Col.NAME]
        second_l2 = [record.cells[j].text for j in sorted(record.cells) if post[j] is Col.LEVEL2]
        if second_names and second_names[-1]:
            medium_name, name_text = name_text, second_names[-1]
        if second_l2 and second_l2[-1]:
            level2 = second_l2[-1]
    medium = values[0] if len(values) > 1 else _cell_of(record, post, Col.MEDIUM_VALUE)
    prior = _cell_of(record, post, Col.PRIOR)
    if not value and prior:
        value, prior = prior, ""  # one value under 上年实际 | 预期: it is the target
    natures = [record.cells[j].text for j in sorted(record.cells) if post[j] in (Col.NATURE, Col.DIRECTION)]
    sign = next((n for n in natures if is_sign(n)), "")
    direction = next((d for n in natures if (d := direction_of(n)) is not None), None)
    unit = _cell_of(record, post, Col.UNIT)
    areas = [
        (header.post_labels[j], record.cells[j].text) for j in sorted(record.cells) if post[j] is Col.AREA
    ]
    grades = [
        (header.post_labels[j], record.cells[j].text) for j in sorted(record.cells) if post[j] is Col.GRADE
    ]
    name = indicator_name(name_text) if name_text else ""
    raw = unwrap(value)
    if value:
        raw = compose_target(sign, value, unit).target.raw
    elif name and not areas and not grades:
        split_name, split_raw = split_name_and_target(re.sub(r"\s+", " ", name_text).strip())
        if split_raw:
            name, raw = indicator_name(split_name), split_raw
            notes.append(f"value {split_raw!r} read from inside the name {name!r}")
    if not name and not raw and not areas and not grades:
        return None
    if not level1 and not level2 and Col.LEVEL2 in header.cols and name:
        guessed = levels_from_name(name)
        if guessed is not None:
            level1, level2 = guessed
            notes.append(f"{name!r}: levels lost in the source; {level1}/{level2} inferred from its name")
    category = categories.resolve(level1, level2)
    if category is not None and level2 and categories.level1_concept(level1) != category.level1:
        inferred = categories.LEVEL1_LABEL[category.level1]
        if level1:
            notes.append(f"{name!r}: {level2} sits under {level1} in the source; 一级 {inferred} inferred")
        else:
            notes.append(f"{name!r}: 一级 {inferred} inferred from {level2}")
        level1 = inferred
    target = parse_target(raw)
    suspect = suspect_notes(raw)
    if target.placeholder and raw and not re.search(r"\d", raw):
        suspect.append(f"{raw!r}: an unfilled template cell (a sign or unit with no number)")
    weight = _number(_cell_of(record, post, Col.WEIGHT))
    actual_text = _cell_of(record, post, Col.ACTUAL)
    score = _number(_cell_of(record, post, Col.SCORE))
    reason = tidy(_cell_of(record, post, Col.REASON)) or None
    assessment = None
    if header.self_evaluation and (actual_text or score is not None or reason):
        assessment = Assessment(
            actual=parse_target(unwrap(actual_text)) if actual_text else None,
            weight=weight,
            score=score,
            reason=reason,
        )
    description = tidy(_cell_of(record, post, Col.DESCRIPTION) or _cell_of(record, post, Col.REMARK)) or None
    explanation = tidy(_cell_of(record, post, Col.EXPLANATION)) or None
    indicator = Indicator(
        level1=tidy(level1),
        level2=tidy(level2),
        name=name,
        target=target if (raw or not areas) else Target(raw="", kind=TargetKind.UNPARSED),
        source_text=" | ".join(tidy(t) for t in record.source),
        line=record.line,
        medium_term_target=parse_target(unwrap(medium)) if medium.strip() else None,
        weight=weight,
        direction=direction,
        explanation=explanation,
        description=description,
        top_level=tidy(record.top) if record.top else None,
        area_targets=tuple(
            AreaTarget(tidy(area), compose_target(sign, text, unit).target) for area, text in areas if text
        ),
        grades=tuple(Grade(tidy(grade), tidy(text)) for grade, text in grades if text),
        assessment=assessment,
        inferred=tuple(notes),
        suspect=tuple(suspect),
    )
    if medium_name and medium_name != name:
        indicator = replace(indicator, explanation=explanation or f"中期: {tidy(medium_name)}")
    return indicator, notes


def read_structure(source: Source) -> Document:
    return _Reader(source, from_source(source)).read()


_VOCABULARY = re.compile(r"产出指标|效益指标|满意度指标|数量指标|质量指标|一级指标|三级指标|产出值|绩效指标")


class StructuralReader:
    name = "structural"
    description = (
        "any table with indicator level names (产出指标/效益指标/满意度指标…) under a tree header "
        "(一级指标/二级指标/三级指标/指标值), whatever separates its cells"
    )

    def detect(self, source: Source) -> bool:
        """Any level name or tree label anywhere: cheap, and never asked before the exact readers
        (see readers.base.detect_reader), so it only decides between reading and refusing."""
        texts = [source.text or ""] + [c.text for row in source.rows()[:2000] for c in row.cells]
        return any(_VOCABULARY.search(match_text(t[:200000])) for t in texts if t)

    def read(self, source: Source) -> Document:
        try:
            return read_structure(source)
        except IngestError:
            raise
        except Exception as error:
            raise IngestError(
                f"structural reader failed on {source.describe()}: {type(error).__name__}: {error}"
            ) from error
