"""The one-form-per-project target table (部门项目支出预算绩效目标表), whatever carried it.

The same form arrives as a text extraction (one cell per line, layout "form-lines"), as a
Word table or as a PDF table (layout "form-table"). Those readers turn their file into rows
of cells and hand them to `FormParser`, which knows the form. A form looks like (cells
joined by " | "):

    部门项目支出预算绩效目标表                                  <- a new form starts
    ( 2023年度)
    项目名称 | 城乡社区运转经费
    主管部门及代码 | 058-平罗县宝丰镇人民政府 | 实施单位 | 平罗县宝丰镇人民政府
    项目属性 | 一年期项目 | 项目期 | 2023年1月至12月
    项目资金（万元） | 年度资金总额： | 10
      | 其中：财政拨款 | 10
      | 其他资金 |
    年度总体目标 | 保障社区组织正常运转……
    名称 | 一级指标 | 二级指标 | 三级指标 | 指标值
    绩效指标 | 产出指标 | 数量指标（必填硬性指标） | 支持社区个数 | 1个
      |   |   | 基层社区规范化建设覆盖率 | 98%           <- empty cells: same as above

The tree's header row names its columns, so variants read by the same code: a sign in its
own column (… | 三级指标 | 指标性质 | 指标值 | 度量单位), medium-term and annual values side by
side (… | 中期指标值 | 年度指标值), weights. Tree rows are right-aligned to the header:
cells missing on the left, like empty ones, mean "same as above".

One form in the 001 sample has the project name in a row of its own *above* the 项目名称
label, whose value cell is empty; that orphan row is taken as the name, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ingest import categories
from ingest.decode import IngestError
from ingest.readers.columns import Header, Role, indicator_of_row, match_header
from ingest.readers.common import (
    category_warning,
    find_year,
    objectives_from_paragraphs,
    parse_amount,
    tidy,
)
from ingest.records import BudgetUnit, Document, FundingShare, Indicator, Objective, Project

FORM_TITLE = "项目支出预算绩效目标表"
UNIT_WITH_CODE = re.compile(r"^\s*(\d{2,})\s*[-－—_ ]\s*(.+)$")


@dataclass
class Cell:
    text: str
    line: int


Row = list[Cell]
Where = Callable[[int], str]


def line_where(line: int) -> str:
    return f"line {line}"


def split_unit(cell: str, line: int | None) -> BudgetUnit:
    """`058-平罗县宝丰镇人民政府` -> code 058, name 平罗县宝丰镇人民政府; a plain name stays whole."""
    match = UNIT_WITH_CODE.match(cell)
    if match:
        return BudgetUnit(name=tidy(match.group(2)), code=match.group(1), line=line)
    return BudgetUnit(name=tidy(cell), line=line)


@dataclass
class _Form:
    start_line: int
    fiscal_year: int | None = None
    name: str | None = None
    name_line: int | None = None
    orphan: Cell | None = None  # a lone cell before 项目名称, maybe the misplaced name
    unit: BudgetUnit | None = None
    implementing_unit: str | None = None
    attribute: str | None = None
    period: str | None = None
    amount_cell: str = ""
    funding: list[FundingShare] | None = None
    overall: Cell | None = None
    medium: Cell | None = None
    tree: Header | None = None
    level1: str = ""
    level2: str = ""
    indicators: list[Indicator] = field(default_factory=list)

    def is_empty(self) -> bool:
        return self.name is None and self.unit is None and self.orphan is None and not self.indicators


_TREE_REQUIRED = (Role.LEVEL1, Role.NAME)


class FormParser:
    """Reads forms from rows of cells into `doc`. `where` names a line for warnings."""

    def __init__(self, doc: Document, where: Where = line_where) -> None:
        self.doc = doc
        self.where = where

    def read(self, rows: list[Row]) -> Document:
        doc = self.doc
        form: _Form | None = None
        for row in rows:
            cells = [tidy(c.text) for c in row]
            first = cells[0] if cells else ""
            if doc.title is None and first:
                doc.title = first
            if FORM_TITLE in "".join(cells):
                # A document title ("附件2：…项目支出预算绩效目标表") above the first form's own
                # title opens nothing: the form starts at the last title before its content.
                year = None
                if form is not None and form.is_empty():
                    year = form.fiscal_year
                elif form is not None:
                    self._finish(form)
                form = _Form(start_line=row[0].line, fiscal_year=year)
                continue
            if form is None:
                continue
            if form.tree is not None:
                self._tree_row(row, form)
            else:
                self._header_row(row, cells, form)
        if form is not None:
            last = self._finish(form)
            if last and not any(
                categories.level1_concept(i.level1) == "satisfaction" for i in last.indicators
            ):
                # Forms end with their 满意度 rows; a last form without one may have been cut off.
                doc.warnings.append(
                    f"{self.where(form.start_line)}: the last form {last.name!r} has no 满意度 row; "
                    "the file may be truncated"
                )
        if doc.projects:
            doc.fiscal_year = doc.projects[0].fiscal_year
        return doc

    def _header_row(self, row: Row, cells: list[str], form: _Form) -> None:
        first = cells[0]
        values = cells[1:]
        if re.fullmatch(r"[(（]?\s*\d{4}\s*年度?\s*[)）]?", first):
            form.fiscal_year = find_year(first)
        elif first == "项目名称":
            form.name = values[0] if values and values[0] else None
            form.name_line = row[1].line if form.name else None
            if form.name is None and form.orphan is not None:
                form.name, form.name_line = tidy(form.orphan.text), form.orphan.line
                self.doc.warnings.append(
                    f"{self.where(row[0].line)}: 项目名称 is empty; took {form.name!r} from the row "
                    f"above it ({self.where(form.orphan.line)})"
                )
        elif first.startswith("主管部门"):
            form.unit = split_unit(values[0] if values else "", row[0].line)
            if "实施单位" in values:
                i = values.index("实施单位")
                form.implementing_unit = values[i + 1] if i + 1 < len(values) else None
        elif first == "项目属性":
            form.attribute = values[0] if values else None
            if "项目期" in values:
                i = values.index("项目期")
                form.period = values[i + 1] if i + 1 < len(values) else None
        elif first.startswith("项目资金") or (not first and any("资金" in v or "拨款" in v for v in values)):
            self._funding_row(values, form)
        elif first in ("年度总体目标", "年度目标"):
            form.overall = row[1] if len(row) > 1 else None
        elif first in ("中期目标", "长期目标"):
            form.medium = row[1] if len(row) > 1 else None
        elif first == "总体目标" and len(row) > 2 and "年度目标" not in cells:
            form.overall = row[1]
        elif (
            header := match_header(cells, _TREE_REQUIRED)
        ) is not None and Role.PROJECT not in header.positions:
            form.tree = header
        elif len(cells) == 1 and first and form.name is None:
            form.orphan = row[0]

    @staticmethod
    def _funding_row(values: list[str], form: _Form) -> None:
        label = values[0] if values else ""
        amount = values[1] if len(values) > 1 else ""
        if "总额" in label:
            form.amount_cell = amount
        elif "财政拨款" in label:
            form.funding = [*(form.funding or []), FundingShare("fiscal", parse_amount(amount))]
        elif "其他资金" in label:
            form.funding = [*(form.funding or []), FundingShare("other", parse_amount(amount))]

    def _tree_row(self, row: Row, form: _Form) -> None:
        header = form.tree
        assert header is not None
        width = len(header.labels)
        texts = [c.text for c in row]
        if len([t for t in texts if t.strip()]) == 0:
            return  # a blank row between pages
        if header.same_as([tidy(t) for t in texts]):
            return  # the tree's header repeated on a new page
        if len(row) < 2:
            self.doc.warnings.append(
                f"{self.where(row[0].line if row else 0)}: indicator row with under two cells skipped"
            )
            return
        # Right-align to the header: missing leading cells mean "same as above".
        cells = [""] * (width - len(texts)) + texts[-width:]
        level1, level2 = header.cell(cells, Role.LEVEL1), header.cell(cells, Role.LEVEL2)
        if tidy(level1):
            form.level1, form.level2 = tidy(level1), ""
        if tidy(level2):
            form.level2 = tidy(level2)
        name_index = header.positions[Role.NAME] - (width - len(texts))
        name_cell = row[name_index] if 0 <= name_index < len(row) else row[-1]
        # The 名称 column's one filled cell ("绩效指标") labels the whole tree, not this row.
        shown = texts[1:] if tidy(texts[0]) == "绩效指标" else texts
        source_text = " | ".join(tidy(t) for t in shown)
        indicator, problems = indicator_of_row(
            header, cells, form.level1, form.level2, source_text, name_cell.line
        )
        self.doc.warnings += [f"{self.where(name_cell.line)}: {problem}" for problem in problems]
        if warning := category_warning(indicator, self.where(name_cell.line)):
            self.doc.warnings.append(warning)
        form.indicators.append(indicator)

    def _finish(self, form: _Form) -> Project | None:
        """The form's project, added to the document; None (with a warning) for a form without one."""
        doc = self.doc
        if not form.name:
            doc.warnings.append(f"{self.where(form.start_line)}: form without a project name skipped")
            return None
        if form.unit is None:
            doc.warnings.append(f"{self.where(form.start_line)}: form {form.name!r} names no unit; skipped")
            return None
        if not form.indicators:
            # Every form ends with its indicator table; a form without one was cut off.
            raise IngestError(
                f"truncated at {self.where(form.start_line)}: form {form.name!r} has no indicator table"
            )
        project = Project(
            name=form.name,
            unit=form.unit,
            amount_wan=parse_amount(form.amount_cell),
            fiscal_year=form.fiscal_year,
            attribute=form.attribute,
            period=form.period,
            implementing_unit=form.implementing_unit,
            # Split rows with no amount at all say nothing of the split (a flat export alike).
            funding=form.funding
            if form.funding and any(f.amount_wan is not None for f in form.funding)
            else [],
            indicators=form.indicators,
            line=form.name_line or form.start_line,
        )
        if project.amount_wan is None:
            doc.warnings.append(
                f"{self.where(form.start_line)}: project {form.name!r} has no readable amount"
            )
        if form.overall is not None:
            project.objectives = objectives_of_cell(form.overall)
        if form.medium is not None:
            project.objectives += [replace(o, medium_term=True) for o in objectives_of_cell(form.medium)]
        if not any((u.code, u.name) == (form.unit.code, form.unit.name) for u in doc.units):
            doc.units.append(form.unit)
        doc.projects.append(project)
        return project


_GOAL_BREAK = re.compile(r"\n(?=\s*目标\s*(?:[一二三四五六七八九十]+|\d+))")


def objectives_of_cell(cell: Cell) -> list[Objective]:
    # Numbered goals on lines of their own in one cell (a Word cell's paragraphs) are separate
    # goals; other line breaks are wrapping and stay inside one paragraph.
    return objectives_from_paragraphs(_GOAL_BREAK.split(cell.text), cell.line)
