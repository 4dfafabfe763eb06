"""Layout "flat-table": the budget system's export (预算管理一体化系统), one row per leaf indicator.

    单位名称 | 项目名称 | 预算数 | 年度目标 | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 | 度量单位
        | 权重 | 指标方向性
    820001-井研县马踏镇人民政府 | 村级运转 | 1,380,200.00 | 目标一：… | 产出指标 | 数量指标 | 补助村数
        | ≥ | 9 | 个 | 10 | 正向
      |  |  |  |  |  | 覆盖率 | ＝ | 100 | % | 10 | 正向

Columns are found by header name and its synonyms (`ingest.readers.columns`), in any
order, from XLSX, CSV, a Word table or a PDF table alike. Project cells are filled on the
project's first row only (Excel merges them down), so a blank project cell continues the
project above, and blank 一级/二级 cells continue theirs. Amounts are in 元 unless the
header says 万元; they are stored in 万元 like every other layout. Blank rows and headers
repeated at page breaks are skipped. Columns the ontology has no place for are reported,
not silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from ingest import categories
from ingest.readers.columns import Header, Role, indicator_of_row, match_header
from ingest.readers.common import category_warning, find_year, parse_amount, tidy
from ingest.readers.form import Cell, objectives_of_cell, split_unit
from ingest.records import BudgetUnit, Document, FundingShare, Indicator, Project, TargetKind
from ingest.source import GridRow, Source, Table
from ingest.target import parse_target

_REQUIRED = (Role.PROJECT, Role.NAME)
_UNIT_LINE = re.compile(r"(?:预算|主管)?(?:单位|部门)(?:名称)?(?:及代码)?\s*[:：]\s*(\S+)")
_HEADER_WINDOW = 30  # rows searched for the header: titles and notes may sit above it
_WAN = Decimal(10000)
# Excel's day 0 (its 1900 leap-year bug makes serials from March 1900 on count from here).
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIALS = range(36526, 73051)  # 2000-01-01 .. 2099-12-31


@dataclass
class _State:
    header: Header
    yuan_per_amount: Decimal
    funding_scale: dict[Role, Decimal]
    amount_stated: bool = False
    year: int | None = None
    unit: BudgetUnit | None = None
    project: Project | None = None
    level1: str = ""
    level2: str = ""
    seen: set[tuple[str | None, str, int | None, str]] = field(default_factory=set)


def find_header(table: Table) -> tuple[int, Header] | None:
    for i, row in enumerate(table.rows[:_HEADER_WINDOW]):
        header = match_header([tidy(c) for c in row.columns()], _REQUIRED)
        if header is not None:
            return i, header
    return None


def _cover_year(source: Source, header_table: Table) -> int | None:
    """A year in the first rows of another sheet without a header: a cover (封面) or notes sheet."""
    for table in source.tables:
        if table is header_table or find_header(table) is not None:
            continue
        for row in table.rows[:5]:
            if year := find_year(" ".join(row.texts())):
                return year
    return None


def _continues(table: Table, state: _State) -> bool:
    """True when a header-less table has the width of the header before it."""
    width = len(state.header.labels)
    rows = [r for r in table.rows if not r.is_blank()]
    return bool(rows) and all(abs(len(r.columns()) - width) <= 1 for r in rows[:3])


class FlatTableReader:
    name = "flat-table"
    description = (
        "a header row with 项目名称, 三级指标 (or 指标名称) and 指标值 (or 目标值), one row per indicator "
        "(the budget system's export, as XLSX, CSV, or a Word/PDF table)"
    )

    def detect(self, source: Source) -> bool:
        return any(find_header(table) is not None for table in source.tables)

    def read(self, source: Source) -> Document:
        doc = Document(layout=self.name)
        state: _State | None = None
        preamble: list[str] = []  # text before the first header, outside its table (a PDF's title)
        for table in source.tables:
            found = find_header(table)
            if found is not None:
                state = self._read_table(source, table, *found, doc, state, preamble)
            elif state is not None and _continues(table, state):
                # A PDF table cut by a page break without its header: the rows go on.
                for row in table.rows:
                    self._row(row, state, state.year, doc)
            elif state is None:
                preamble += [tidy(" ".join(r.texts())) for r in table.rows if not r.is_blank()]
        years = {p.fiscal_year for p in doc.projects if p.fiscal_year}
        doc.fiscal_year = min(years) if len(years) == 1 else None
        amounts = sorted(p.amount_wan for p in doc.projects if p.amount_wan is not None)
        median = amounts[len(amounts) // 2] if amounts else None
        if state is not None and not state.amount_stated and median is not None and median < 1:
            # Half the projects under 1 万元 (10,000 元): more likely a table in 万元 without the unit.
            doc.warnings.append(
                "the amount header names no unit, so amounts are read as 元 (the budget system's export); "
                f"half the projects would then be under 10,000 元 (median {median * _WAN} "
                "元). If the table is in 万元, say so in the header, e.g. 预算数（万元）"
            )
        return doc

    def _read_table(
        self,
        source: Source,
        table: Table,
        at: int,
        header: Header,
        doc: Document,
        previous: _State | None,
        preamble: list[str],
    ) -> _State:
        above = [*preamble, *(tidy(" ".join(r.texts())) for r in table.rows[:at] if not r.is_blank())]
        if doc.title is None and above:
            doc.title = above[0]
        year = next((y for y in map(find_year, [*above, table.name, source.file_name]) if y), None)
        year = year or _cover_year(source, table)
        if previous is not None and previous.header.positions == header.positions:
            # The same header again (a PDF's next page, an export's next sheet): a project whose
            # cells are blank on the first rows continues from the table before.
            previous.header = header
            state = previous
            year = year or previous.year
        else:
            scale, stated = header.amount_scale(Role.AMOUNT, Decimal(1))
            funding = {role: header.amount_scale(role, scale)[0] for role in (Role.FISCAL, Role.OTHER_FUNDS)}
            state = _State(header, scale, funding, amount_stated=stated)
            if year is None and not header.has(Role.YEAR):
                doc.warnings.append(
                    f"{table.name}: no fiscal year found (no 年度 column, and no year in a title above the "
                    "header, the sheet name, another sheet's title or the file name); projects filed "
                    "without a year"
                )
            if header.unmapped:
                doc.warnings.append(
                    f"{table.name}: columns not kept (the ontology has no place for them): "
                    + ", ".join(header.unmapped)
                )
        state.year = year
        if not header.has(Role.UNIT) and state.unit is None:
            # A one-unit export may name its unit once, above the header: "单位名称：宝丰镇人民政府".
            named = next((m.group(1) for m in map(_UNIT_LINE.search, above) if m), None)
            if named:
                state.unit = self._unit(tidy(named), "", table.rows[0].line, doc)
            else:
                doc.warnings.append(
                    f"{table.name}: no 单位名称 column and no line such as 单位名称：… above the header; "
                    "rows cannot be filed under a unit"
                )
        for row in table.rows[at + 1 :]:
            self._row(row, state, year, doc)
        return state

    def _row(self, row: GridRow, state: _State, year: int | None, doc: Document) -> None:
        header = state.header
        cells = row.columns()
        tidied = [tidy(c) for c in cells]
        if row.is_blank() or header.same_as(tidied):
            return
        unit_cell = tidy(header.cell(cells, Role.UNIT))
        if unit_cell:
            state.unit = self._unit(unit_cell, tidy(header.cell(cells, Role.UNIT_CODE)), row.line, doc)
        name = tidy(header.cell(cells, Role.PROJECT))
        if name:
            row_year = find_year(header.cell(cells, Role.YEAR) + "年") if header.has(Role.YEAR) else year
            current = state.project
            if current is None or (current.name, current.unit) != (name, state.unit):
                if state.unit is None:
                    doc.warnings.append(f"{row.where}: project {name!r} has no unit (单位名称); skipped")
                    state.project = None
                    return
                state.project = self._project(name, state.unit, row_year or year, cells, row, state, doc)
        project = state.project
        if project is None:
            if any(tidied):
                doc.warnings.append(f"{row.where}: indicator row before any project; skipped")
            return
        self._indicator(row, cells, state, project, doc)

    @staticmethod
    def _unit(cell: str, code: str, line: int, doc: Document) -> BudgetUnit:
        unit = split_unit(cell, line)
        if code and unit.code is None:
            unit = replace(unit, code=code)
        for known in doc.units:
            if (known.code, known.name) == (unit.code, unit.name):
                return known
        doc.units.append(unit)
        return unit

    def _project(
        self,
        name: str,
        unit: BudgetUnit,
        year: int | None,
        cells: list[str],
        row: GridRow,
        state: _State,
        doc: Document,
    ) -> Project:
        header = state.header
        amount = parse_amount(header.cell(cells, Role.AMOUNT))
        if amount is None and header.has(Role.AMOUNT):
            doc.warnings.append(
                f"{row.where}: project {name!r} has no readable amount ({header.cell(cells, Role.AMOUNT)!r})"
            )
        project = Project(
            name=name,
            unit=unit,
            amount_wan=None if amount is None else amount * state.yuan_per_amount / _WAN,
            fiscal_year=year,
            attribute=tidy(header.cell(cells, Role.ATTRIBUTE)) or None,
            period=tidy(header.cell(cells, Role.PERIOD)) or None,
            implementing_unit=tidy(header.cell(cells, Role.IMPLEMENTING)) or None,
            line=row.line,
        )
        funding_cells = [header.cell(cells, r) for r in (Role.FISCAL, Role.OTHER_FUNDS)]
        for role, source in ((Role.FISCAL, "fiscal"), (Role.OTHER_FUNDS, "other")):
            # Both blank: the table says nothing of the split. One filled: the other is stated blank.
            if header.has(role) and any(c.strip() for c in funding_cells):
                share = parse_amount(header.cell(cells, role))
                wan = None if share is None else share * state.funding_scale[role] / _WAN
                project.funding.append(FundingShare(source, wan))
        goals = header.cell(cells, Role.OBJECTIVE)
        if goals.strip():
            project.objectives = objectives_of_cell(Cell(goals, row.line))
        medium = header.cell(cells, Role.MEDIUM_OBJECTIVE)
        if medium.strip():
            project.objectives += [
                replace(o, medium_term=True) for o in objectives_of_cell(Cell(medium, row.line))
            ]
        key = (unit.code, unit.name, year, name)
        if key in state.seen:
            doc.warnings.append(
                f"{row.where}: project {name!r} appears again after other projects; its rows are kept "
                "as a second project of the same name"
            )
        state.seen.add(key)
        state.level1 = state.level2 = ""
        doc.projects.append(project)
        return project

    def _indicator(
        self, row: GridRow, cells: list[str], state: _State, project: Project, doc: Document
    ) -> None:
        header = state.header
        level1, level2 = tidy(header.cell(cells, Role.LEVEL1)), tidy(header.cell(cells, Role.LEVEL2))
        if level1:
            state.level1, state.level2 = level1, ""
        if level2:
            state.level2 = level2
        name, value = header.cell(cells, Role.NAME), header.cell(cells, Role.VALUE)
        if not tidy(name):
            if tidy(value):
                doc.warnings.append(f"{row.where}: value {value!r} without an indicator name; skipped")
            return
        source_text = " | ".join(tidy(c) for c in cells).rstrip(" |")
        indicator, problems = indicator_of_row(
            header, cells, state.level1, state.level2, source_text, row.line
        )
        doc.warnings += [f"{row.where}: {problem}" for problem in problems]
        indicator = self._date_serial(indicator, row, doc)
        if warning := category_warning(indicator, row.where):
            doc.warnings.append(warning)
        project.indicators.append(indicator)

    @staticmethod
    def _date_serial(indicator: Indicator, row: GridRow, doc: Document) -> Indicator:
        """A deadline typed as a date in Excel and saved as CSV arrives as its serial (45291).

        Only a bare whole number in this century's serial range, under a 时效 category, is read
        as a date: anywhere else 45291 is as likely a count or an amount. The raw text stays.
        """
        target = indicator.target
        category = categories.resolve(indicator.level1, indicator.level2)
        if (
            category is None
            or category.level2 != "timeliness"
            or target.kind is not TargetKind.QUANTITATIVE
            or target.unit is not None
            or target.value is None
            or target.value != target.value.to_integral_value()
            or int(target.value) not in _SERIALS
            or not re.fullmatch(r"\s*\d{5}\s*", target.raw)
        ):
            return indicator
        day = _EXCEL_EPOCH + timedelta(days=int(target.value))
        parsed = parse_target(f"{day.year}年{day.month}月{day.day}日")
        doc.warnings.append(
            f"{row.where}: {target.raw.strip()} under {indicator.level2 or indicator.level1} read as "
            f"the Excel date serial of {day.isoformat()}"
        )
        return replace(indicator, target=replace(parsed, raw=target.raw))
