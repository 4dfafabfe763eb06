"""Layout "form-lines": one form per project, extracted one table cell per line.

A line starting with a tab opens a cell; a line without one continues the cell before it;
a blank line ends a table row. A form looks like (cells joined by " | "):

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

One form in the sample has the project name in a row of its own *above* the 项目名称 label,
whose value cell is empty; that orphan row is taken as the name, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest import categories
from ingest.decode import IngestError
from ingest.readers.common import (
    category_warning,
    find_year,
    make_indicator,
    objectives_from_paragraphs,
    parse_amount,
    tidy,
)
from ingest.records import BudgetUnit, Document, FundingShare, Indicator, Project

_FORM_TITLE = "项目支出预算绩效目标表"
_UNIT_WITH_CODE = re.compile(r"^\s*(\d{2,})\s*[-－—_ ]\s*(.+)$")


@dataclass
class Cell:
    text: str
    line: int


Row = list[Cell]


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


def _texts(row: Row) -> list[str]:
    return [tidy(c.text) for c in row]


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
    in_tree: bool = False
    level1: str = ""
    level2: str = ""
    indicators: list[Indicator] = field(default_factory=list)


class FormLinesReader:
    name = "form-lines"
    description = "one form per project with labels 项目名称, 一级指标, 三级指标, 指标值, one cell per line"

    def detect(self, text: str) -> bool:
        return all(f"\t{label}" in text for label in ("项目名称", "一级指标", "三级指标", "指标值"))

    def read(self, text: str) -> Document:
        doc = Document(layout=self.name)
        form: _Form | None = None
        for row in rows(text):
            cells = _texts(row)
            first = cells[0] if cells else ""
            if doc.title is None and first:
                doc.title = first
            if _FORM_TITLE in "".join(cells):
                if form is not None:
                    self._finish(form, doc)
                form = _Form(start_line=row[0].line)
                continue
            if form is None:
                continue
            if form.in_tree:
                self._tree_row(row, form, doc)
            else:
                self._header_row(row, cells, form, doc)
        if form is not None:
            last = self._finish(form, doc)
            if last and not any(
                categories.level1_concept(i.level1) == "satisfaction" for i in last.indicators
            ):
                # Forms end with their 满意度 rows; a last form without one may have been cut off.
                doc.warnings.append(
                    f"line {form.start_line}: the last form {last.name!r} has no 满意度 row; "
                    "the file may be truncated"
                )
        if doc.projects:
            doc.fiscal_year = doc.projects[0].fiscal_year
        return doc

    def _header_row(self, row: Row, cells: list[str], form: _Form, doc: Document) -> None:
        first = cells[0]
        values = cells[1:]
        if re.fullmatch(r"[(（]?\s*\d{4}\s*年度?\s*[)）]?", first):
            form.fiscal_year = find_year(first)
        elif first == "项目名称":
            form.name = values[0] if values and values[0] else None
            form.name_line = row[1].line if form.name else None
            if form.name is None and form.orphan is not None:
                form.name, form.name_line = tidy(form.orphan.text), form.orphan.line
                doc.warnings.append(
                    f"line {row[0].line}: 项目名称 is empty; took {form.name!r} from the row above it "
                    f"(line {form.orphan.line})"
                )
        elif first.startswith("主管部门"):
            form.unit = self._unit(values[0] if values else "", row[0].line)
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
        elif first == "年度总体目标":
            form.overall = row[1] if len(row) > 1 else None
        elif first == "名称" and "一级指标" in values:
            form.in_tree = True
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

    @staticmethod
    def _unit(cell: str, line: int) -> BudgetUnit:
        match = _UNIT_WITH_CODE.match(cell)
        if match:
            return BudgetUnit(name=tidy(match.group(2)), code=match.group(1), line=line)
        return BudgetUnit(name=tidy(cell), line=line)

    def _tree_row(self, row: Row, form: _Form, doc: Document) -> None:
        texts = [c.text for c in row]
        if tidy(texts[0]) == "绩效指标":  # the 名称 column, filled on the first row only
            row, texts = row[1:], texts[1:]
        if len(row) < 2:
            doc.warnings.append(
                f"line {row[0].line if row else '?'}: indicator row with under two cells skipped"
            )
            return
        # Right-align to 一级 | 二级 | 三级 | 指标值: missing leading cells mean "same as above".
        padded = [""] * (4 - len(texts)) + texts[-4:]
        level1, level2, name, value = padded
        if tidy(level1):
            form.level1, form.level2 = tidy(level1), ""
        if tidy(level2):
            form.level2 = tidy(level2)
        name_cell = row[-2] if len(row) >= 2 else row[-1]
        indicator = make_indicator(
            form.level1,
            form.level2,
            name,
            value,
            " | ".join(tidy(t) for t in texts),
            name_cell.line,
        )
        if warning := category_warning(indicator, f"line {name_cell.line}"):
            doc.warnings.append(warning)
        form.indicators.append(indicator)

    @staticmethod
    def _finish(form: _Form, doc: Document) -> Project | None:
        """The form's project, added to the document; None (with a warning) for a form without one."""
        if not form.name:
            doc.warnings.append(f"line {form.start_line}: form without a project name skipped")
            return None
        if form.unit is None:
            doc.warnings.append(f"line {form.start_line}: form {form.name!r} names no unit; skipped")
            return None
        if not form.indicators:
            # Every form ends with its indicator table; a form without one was cut off.
            raise IngestError(
                f"truncated at line {form.start_line}: form {form.name!r} has no indicator table"
            )
        project = Project(
            name=form.name,
            unit=form.unit,
            amount_wan=parse_amount(form.amount_cell),
            fiscal_year=form.fiscal_year,
            attribute=form.attribute,
            period=form.period,
            implementing_unit=form.implementing_unit,
            funding=form.funding or [],
            indicators=form.indicators,
            line=form.name_line or form.start_line,
        )
        if project.amount_wan is None:
            doc.warnings.append(f"line {form.start_line}: project {form.name!r} has no readable amount")
        if form.overall is not None:
            project.objectives = objectives_from_paragraphs([form.overall.text], form.overall.line)
        if not any((u.code, u.name) == (form.unit.code, form.unit.name) for u in doc.units):
            doc.units.append(form.unit)
        doc.projects.append(project)
        return project
