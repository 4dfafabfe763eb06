"""A drafted table (DraftTable) as files: the budget system's target form (XLSX) and RDF (Turtle).

`draft_xlsx(table)` writes the layout of the 预算管理一体化系统 export, one row per indicator:

    单位名称 | 项目名称 | 预算数（万元） | 年度目标 | 一级指标 | 二级指标 | 三级指标 | 指标性质 | 指标值 |
    度量单位 | 权重 | 指标方向性

with the project cells on the project's first row only, merged down over its rows, as the system
does; the amount in 万元 as the header says, thin borders on every cell, and set up to print
(landscape, A4, fitted to the page width, the header row repeated on every page). 指标方向性 is
the row's own, else read from its sign (≥ ＞: 正向, ≤ ＜: 反向). A second sheet, 前例, says that
the table is a draft and lists, per indicator, the value as written and the precedents it came
from by project, township, indicator and value (their IRIs last, for tracing them).

`draft_turtle(table, base_iri)` writes the same draft under the ontology: the table becomes ingest's
records (`draft_document`: a Document with one Project, its Objective and Indicators) and goes
through ingest's one graph builder (`ingest.graph.drafted_graph`), so it has the classes, target
typing and IRI scheme of a filed table, but minted under `{base}draft/…` so that a draft never
collides with an ingested project, and marked as a draft: the project, its objective, its
indicators and its unit are `prov:wasGeneratedBy` a `jx:Drafting` activity, and every indicator is
`prov:wasDerivedFrom` the precedents' indicators (a generic row: the standard frame).

Both read a row's target the same way (`row_target`): the raw text, typed by ingest's parser; the
row's comparator/number/unit only when the raw text does not parse and they were given.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from ingest import categories
from ingest.graph import drafted_graph
from ingest.iri import IriMinter
from ingest.records import (
    NO_UNIT,
    BudgetUnit,
    Comparator,
    Document,
    Drafting,
    Indicator,
    Objective,
    Project,
    SourceEntity,
    Target,
    TargetKind,
    Unit,
)
from ingest.target import parse_target
from jixiao.drafting.draft import DraftTable, TableRow
from ontology import ontology_graph
from ontology.namespace import JX, JXCAT
from search.texts import category_by_label

HEADER = (
    "单位名称",
    "项目名称",
    "预算数（万元）",
    "年度目标",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标性质",
    "指标值",
    "度量单位",
    "权重",
    "指标方向性",
)
FORM_SHEET = "项目支出绩效目标表"
PRECEDENT_SHEET = "前例"
PRECEDENT_HEADER = (
    "序号",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值原文",
    "调整说明",
    "前例项目",
    "前例乡镇",
    "前例指标",
    "前例指标值",
    "前例指标 IRI",
)
DRAFT_NOTE = (
    "草稿：本表由 jixiao 依据前例（其他单位类似项目已填报的指标）生成，尚未申报，请逐项核对、修改后再填报。"
    " / Draft generated from precedents (what similar projects elsewhere filed); not filed."
)
NO_PRECEDENT = "（无前例：自行添加）"  # a row the drafter added: no precedent indicator
GENERIC = (
    "（通用指标：标准框架，非前例）"  # a row of the standard frame (jixiao.drafting.draft.GENERIC_FRAME)
)
DIRECTIONS = {"≥": "正向", "＞": "正向", "≤": "反向", "＜": "反向"}
QUALITATIVE = "定性"  # 指标性质 of a qualitative target, as the budget systems write it
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TURTLE_MEDIA_TYPE = "text/turtle"

_WIDTHS = {
    "A": 20, "B": 26, "C": 12, "D": 44, "E": 12, "F": 18, "G": 30, "H": 9, "I": 14, "J": 10, "K": 8, "L": 10,
}  # fmt: skip
_PRECEDENT_WIDTHS = {
    "A": 6, "B": 12, "C": 18, "D": 30, "E": 16, "F": 40, "G": 28, "H": 22, "I": 30, "J": 16, "K": 60,
}  # fmt: skip
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_AMOUNT_FORMAT = "#,##0.00####"
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")  # lone surrogates and non-characters
_FILENAME_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


# --- a row's target ----------------------------------------------------------------------------


def row_target(row: TableRow) -> Target:
    """The row's target as ingest would type its value: `row.raw` is what will be filed.

    The row's own comparator/number/unit are used only when the raw text does not parse and a
    number was given (a value typed into the number field with no text): they are what the
    drafter's suggestion was parsed into, so for an unedited row both agree.
    """
    parsed = parse_target(row.raw)
    if parsed.kind is not TargetKind.UNPARSED or row.number is None:
        return parsed
    try:
        comparator = Comparator(row.comparator) if row.comparator else Comparator.NONE
    except ValueError:
        comparator = Comparator.NONE
    unit = None
    if row.unit:
        numerator, *per = row.unit.split("/")
        unit = Unit(row.unit, numerator, tuple(per))
    return Target(
        raw=row.raw,
        kind=TargetKind.QUANTITATIVE,
        comparator=comparator,
        value=Decimal(repr(row.number)),
        unit=unit,
    )


@dataclass(frozen=True)
class FormValue:
    """What the form's last three columns hold for one row."""

    nature: str  # 指标性质: ≥ ≤ ＝ ＞ ＜ for a number, 定性 for a word, "" otherwise
    value: int | float | str  # 指标值: the number when quantitative, else the value as written
    unit: str  # 度量单位


def form_value(row: TableRow) -> FormValue:
    """A quantitative target splits into sign, number and unit (a bare number has no sign: the
    form's 指标性质 then stays empty rather than guessing ＝); a qualitative one is 定性 with its
    text; a date or anything else keeps its text, with no 指标性质 (the systems have none for it)."""
    target = row_target(row)
    if target.kind is TargetKind.QUANTITATIVE and target.value is not None:
        sign = "" if target.comparator in (None, Comparator.NONE) else str(target.comparator)
        return FormValue(sign, _number(target.value), target.unit.text if target.unit else "")
    if target.kind is TargetKind.QUALITATIVE:
        return FormValue(QUALITATIVE, row.raw.strip(), "")
    return FormValue("", row.raw.strip(), "")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def direction_of(row: TableRow, value: FormValue) -> str | None:
    """指标方向性: the row's own, else its sign's (≥ ＞ 正向, ≤ ＜ 反向); none for ＝, words, dates."""
    return row.direction or DIRECTIONS.get(value.nature)


# --- XLSX ----------------------------------------------------------------------------------------


def _text(value: str | None) -> str | None:
    """A cell's text: None for nothing, without the control characters XLSX cannot hold."""
    if value is None:
        return None
    cleaned = _NOT_XML.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))
    return cleaned if cleaned.strip() else None


def draft_xlsx(table: DraftTable) -> bytes:
    """The table in the budget system's target-form layout; see the module docstring."""
    workbook = Workbook()
    form = workbook.create_sheet(FORM_SHEET, 0)
    workbook.remove(workbook.worksheets[1])  # the default empty sheet
    form.append(HEADER)
    project: list[str | float | None] = [
        _text(table.unit),
        _text(table.name),
        # In 万元, as the header says (预算数（万元）): a reader of the layout takes the unit from it.
        round(table.amount, 6) if table.amount is not None else None,
        _text(table.objective),
    ]
    # A project with no indicator still gets its row.
    rows: list[TableRow | None] = list(table.rows) or [None]
    for position, row in enumerate(rows):
        cells: list[str | int | float | None] = list(project) if position == 0 else [None] * 4
        if row is not None:
            value = form_value(row)
            shown = value.value if not isinstance(value.value, str) else _text(value.value)
            cells += [_text(row.level1), _text(row.level2), _text(row.label), value.nature or None, shown]
            cells += [_text(value.unit), row.weight, direction_of(row, value)]
        form.append(cells)
    last = len(rows) + 1
    _style_form(form, last)  # before merging: a merged range takes its borders from its first cell
    if len(rows) > 1:
        for column in range(1, 5):
            form.merge_cells(start_row=2, end_row=last, start_column=column, end_column=column)
    _precedents_sheet(workbook.create_sheet(PRECEDENT_SHEET), table)
    _store_as_text(workbook)
    workbook.properties.title = f"{_text(table.name) or ''} 绩效目标草稿"
    workbook.properties.subject = "项目支出绩效目标表（草稿）"
    workbook.properties.keywords = "草稿 draft"
    workbook.properties.creator = "jixiao"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# What makes a spreadsheet read a cell as a formula (or, for tab and CR, what CSV-to-sheet tools
# strip before one); OWASP's list for CSV/formula injection.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def _store_as_text(workbook: Workbook) -> None:
    """Every text cell written as a string cell, whatever it starts with.

    openpyxl infers a formula from a leading `=` (`=HYPERLINK(…)`, `=cmd|…`, `=WEBSERVICE(…)`), and
    every label and value here comes from a document or a request. A string cell is shown as
    text; the quote prefix also keeps Excel and WPS from turning it into a formula when a user
    edits the cell.
    """
    for sheet in workbook.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if cell.value.startswith(_FORMULA_STARTS):
                        cell.quotePrefix = True


def _style_form(form: Any, last: int) -> None:
    bold = Font(bold=True)
    for cell in form[1]:
        cell.font = bold
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for letter, width in _WIDTHS.items():
        form.column_dimensions[letter].width = width
    for line in form.iter_rows(min_row=2, max_row=last, max_col=len(HEADER)):
        for column, cell in enumerate(line, start=1):
            cell.alignment = Alignment(vertical="center", wrap_text=column in (1, 2, 4, 7))
    for line in form.iter_rows(min_row=1, max_row=last, max_col=len(HEADER)):
        for cell in line:
            cell.border = _BORDER
    form["C2"].number_format = _AMOUNT_FORMAT
    form.freeze_panes = "A2"
    _print_setup(form)


def _print_setup(sheet: Any) -> None:
    """Landscape A4, as wide as the page (as many pages down as it takes), the header on each page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4


def _precedents_sheet(sheet: Any, table: DraftTable) -> None:
    year = f"{table.year}年" if table.year else "未填 / not given"
    sheet.append([DRAFT_NOTE])
    sheet.append([f"项目名称：{_text(table.name) or ''}；预算年度：{year}；预算数单位：万元"])
    sheet.append([])
    sheet.append(PRECEDENT_HEADER)
    for position, row in enumerate(table.rows, start=1):
        head = [position, _text(row.level1), _text(row.level2), _text(row.label), _text(row.raw)]
        head.append(_text(row.adaptation))
        sources = {str(s.get("indicator")): s for s in row.sources}
        for iri in row.precedents:
            source = sources.get(iri, {})
            project = source.get("project") or precedent_project(iri) or iri  # a name; else where it is
            sheet.append(
                [
                    *head,
                    _text(project),
                    _text(source.get("township")),
                    _text(source.get("label")),
                    _text(source.get("target")),
                    _text(iri),
                ]
            )
        if not row.precedents:
            sheet.append([*head, GENERIC if row.generic else NO_PRECEDENT, None, None, None, None])
    sheet["A1"].font = Font(bold=True, color="C00000")
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for line in sheet.iter_rows(min_row=4, max_row=sheet.max_row, max_col=len(PRECEDENT_HEADER)):
        for cell in line:
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    for letter, width in _PRECEDENT_WIDTHS.items():
        sheet.column_dimensions[letter].width = width
    _print_setup(sheet)
    sheet.print_title_rows = "4:4"


# --- RDF ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftIris:
    project: URIRef
    project_key: str  # the natural key its hash was computed from, as ingest keeps it
    unit: URIRef | None  # None when the table names no unit
    unit_key: str


def draft_minter(base_iri: str) -> IriMinter:
    """Ingest's minter under `{base}draft/`: a draft's IRIs follow ingest's scheme there."""
    return IriMinter((base_iri if base_iri.endswith(("/", "#")) else base_iri + "/") + "draft/")


def draft_unit(table: DraftTable) -> BudgetUnit:
    """The table's unit as a record: by name (drafts have no unit code), else NO_UNIT."""
    name = (table.unit or "").strip()
    return BudgetUnit(name=name) if name else NO_UNIT


def draft_iris(table: DraftTable, base_iri: str) -> DraftIris:
    """Where a draft's project and unit live: under `{base}draft/`.

    The path mirrors an ingested project's (`project/{unitkey}/{year}/{hash(name)}`), so the same
    name, year and unit always give the same draft IRI, and `draft/` keeps it apart from them.
    """
    minter, unit = draft_minter(base_iri), draft_unit(table)
    year = table.year or None
    return DraftIris(
        minter.project(unit, year, table.name),
        minter.project_key(unit, year, table.name),
        minter.unit(unit) if unit != NO_UNIT else None,
        minter.unit_key(unit),
    )


def row_category(row: TableRow) -> URIRef | None:
    """The category concept of a row: its level-2 label, else (decorated labels) ingest's resolver,
    else its level-1 label alone (a table that gives only a level 1). Only a concept of the
    indicator category scheme counts: a label that names another concept (≥, 资金来源) names none."""
    found = _concept(category_by_label(row.level2, 2)) if row.level2.strip() else None
    if found is None:
        resolved = categories.resolve(row.level1, row.level2)
        found = str(JXCAT[resolved.level2]) if resolved else None
    if found is None and row.level1.strip():
        found = _concept(category_by_label(row.level1, 1))
    return URIRef(found) if found else None


def _concept(iri: str | None) -> str | None:
    """`iri` when it is an indicator category (category_by_label also knows comparators, funding
    sources and the schemes and collections, which are no indicator's jx:category)."""
    if iri is None or not iri.startswith(str(JXCAT)):
        return None
    return iri if (URIRef(iri), SKOS.inScheme, JX.IndicatorCategoryScheme) in ontology_graph() else None


def precedent_project(indicator: str) -> str | None:
    """The project of a precedent indicator: indicator IRIs are `{project}/indicator/…`."""
    project, marker, _rest = indicator.rpartition("/indicator/")
    return project if marker and project else None


FRAME_LABEL = "绩效目标标准框架：必备类别与通用指标（jixiao）"


def standard_frame(base_iri: str) -> URIRef:
    """The standard frame a generic row comes from: one resource under `{base}draft/`."""
    return URIRef((base_iri if base_iri.endswith(("/", "#")) else base_iri + "/") + "draft/frame")


def draft_document(table: DraftTable, base_iri: str) -> Document:
    """The draft as the records ingest builds a graph from, drafted rather than read.

    Every indicator derives from its precedents' indicators, a generic row from the standard frame;
    the project from the precedents' projects, and from the frame when a row is generic or no row
    has a precedent (the frame is then what the draft started from).
    """
    frame = str(standard_frame(base_iri))
    precedents = dict.fromkeys(p for row in table.rows for p in row.precedents)
    projects = list(dict.fromkeys(p for p in map(precedent_project, precedents) if p))
    uses_frame = not projects or any(row.generic for row in table.rows)
    unit = draft_unit(table)
    project = Project(
        name=table.name,
        unit=unit,
        amount_wan=Decimal(repr(table.amount)) if table.amount is not None else None,
        fiscal_year=table.year or None,
        objectives=[Objective(table.objective, None)] if table.objective.strip() else [],
        indicators=[_indicator(row, frame) for row in table.rows],
        derived_from=(*projects, *([frame] if uses_frame else [])),
    )
    return Document(
        layout="draft",
        title=table.name,
        fiscal_year=table.year or None,
        units=[unit] if unit != NO_UNIT else [],
        projects=[project],
        drafting=Drafting(
            f"起草：{table.name}（草稿）",
            (SourceEntity(frame, FRAME_LABEL),) if uses_frame else (),
        ),
    )


def _indicator(row: TableRow, frame: str) -> Indicator:
    category = row_category(row)
    return Indicator(
        # A blank label says nothing: no jx:level1Label "  ".
        level1=row.level1 if row.level1.strip() else "",
        level2=row.level2 if row.level2.strip() else "",
        name=row.label,
        # Typed as ingest types a value, so a draft's target is what ingesting it would give.
        target=replace(row_target(row), note=row.adaptation or None),
        source_text="",  # read from nothing
        # The row's own category; None lets ingest resolve the labels as it does a filed table's.
        category=str(category).removeprefix(str(JXCAT)) if category is not None else None,
        derived_from=(*dict.fromkeys(row.precedents), *([frame] if row.generic else [])),
    )


def draft_graph(table: DraftTable, base_iri: str) -> Graph:
    """The draft under the ontology; see the module docstring."""
    graph = drafted_graph(draft_document(table, base_iri), draft_minter(base_iri))
    graph.bind("prov", PROV)
    graph.bind("dcterms", DCTERMS)
    return graph


def draft_turtle(table: DraftTable, base_iri: str) -> str:
    """The draft as Turtle, with a comment saying that it is one."""
    note = "# 绩效目标草稿 (draft), generated by jixiao from precedents: not a filed table.\n"
    return note + draft_graph(table, base_iri).serialize(format="turtle")


# --- file names -----------------------------------------------------------------------------------


def attachment(name: str, suffix: str) -> str:
    """A Content-Disposition for `<project name>-绩效目标草稿.<suffix>`, with `draft.<suffix>` for
    clients that do not read RFC 5987 `filename*`."""
    stem = _FILENAME_UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip(" ._")[:80] or "draft"
    encoded = quote(f"{stem}-绩效目标草稿.{suffix}", safe="")
    return f"attachment; filename=\"draft.{suffix}\"; filename*=UTF-8''{encoded}"
