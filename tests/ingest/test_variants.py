"""Each layout variant, in each reader it can occur in, read to the typed targets it states.

Fixtures are rendered from the 001 sample's own records (tests/fixtures/render.py), changed
by one variant, then read back from the file. The expectations are written out by hand:
what a reviewer reading the table would say each cell means.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ingest import categories
from ingest.pipeline import read_file
from ingest.records import Comparator, Direction, Document, Indicator, Project, TargetKind
from tests.fixtures import render
from tests.fixtures.render import FlatOptions, FormOptions

TITLE = "2023年度部门项目支出预算绩效目标表"
TITLED = FlatOptions(title=TITLE)
Q, L, D, U = TargetKind.QUANTITATIVE, TargetKind.QUALITATIVE, TargetKind.DATE, TargetKind.UNPARSED
GE, GT, EQ, LT, LE, NONE = (
    Comparator.GE,
    Comparator.GT,
    Comparator.EQ,
    Comparator.LT,
    Comparator.LE,
    Comparator.NONE,
)


@dataclass(frozen=True)
class Typed:
    """The target a reader must find for one indicator, and what else the row states."""

    project: str
    indicator: str
    kind: TargetKind
    comparator: Comparator | None = None
    value: str | None = None
    unit: str | None = None
    raw: str | None = None  # checked when given
    placeholder: bool = False
    category: str | None = None  # level-2 concept, checked when given
    medium: tuple[TargetKind, str | None, str | None] | None = None  # kind, value, unit
    weight: str | None = None
    direction: Direction | None = None
    date_end: date | None = None


Writer = Callable[[Document, Path], Path]


def xlsx(options: FlatOptions = TITLED) -> Writer:
    return lambda doc, path: render.write_xlsx(render.flat_rows(doc, options), path.with_suffix(".xlsx"))


def csv(options: FlatOptions = TITLED, encoding: str = "utf-8-sig") -> Writer:
    return lambda doc, path: render.write_csv(
        render.flat_rows(doc, options),
        path.with_suffix(".csv"),
        encoding,  # type: ignore[arg-type]
    )


def flat_pdf(options: FlatOptions = TITLED) -> Writer:
    return lambda doc, path: render.write_flat_pdf(
        render.flat_rows(render.head(doc, 3), options), path.with_suffix(".pdf")
    )


def docx(options: FormOptions | None = None) -> Writer:
    return lambda doc, path: render.write_form_docx(doc, path.with_suffix(".docx"), options)


def pdf(options: FormOptions | None = None) -> Writer:
    return lambda doc, path: render.write_form_pdf(render.head(doc, 3), path.with_suffix(".pdf"), options)


def text(options: FormOptions | None = None) -> Writer:
    return lambda doc, path: render.write_form_lines_text(doc, path.with_suffix(".txt"), options)


def set_targets(changes: dict[tuple[str, str], str]) -> Callable[[Document], Document]:
    """Set the raw target of (project, indicator) pairs, parsed as a reader would."""

    def change(doc: Document) -> Document:
        out = copy.deepcopy(doc)
        for project in out.projects:
            project.indicators = [
                render.with_target(i, changes[(project.name, i.name)])
                if (project.name, i.name) in changes
                else i
                for i in project.indicators
            ]
        return out

    return change


SHEQU = "城乡社区运转经费"
DANGWU = "村级党务工作者津贴"
SIGNS = set_targets(
    {
        (SHEQU, "基层社区规范化建设覆盖率"): "＞90%",
        (SHEQU, "上级部门考核情况良好"): "＝100%",
        (DANGWU, "保障村党务工作者人数"): "≤9人",
        (DANGWU, "落实村党务工作者发放及时性"): ">=98%",
        (DANGWU, "落实村党务工作者补贴资金"): "＜21600元",
    }
)
SIGN_EXPECTATIONS = [
    Typed(SHEQU, "基层社区规范化建设覆盖率", Q, GT, "90", "%"),
    Typed(SHEQU, "上级部门考核情况良好", Q, EQ, "100", "%"),
    Typed(SHEQU, "支持社区个数", Q, NONE, "1", "个"),  # no sign stays no sign
    Typed(SHEQU, "居民幸福指数提升", L, raw="有效发挥"),
    Typed(SHEQU, "社区服务对象满意度", Q, GE, "95", "%"),
    Typed(DANGWU, "保障村党务工作者人数", Q, LE, "9", "人"),
    Typed(DANGWU, "落实村党务工作者发放及时性", Q, GE, "98", "%"),
    Typed(DANGWU, "落实村党务工作者补贴资金", Q, LT, "21600", "元"),
]


@dataclass(frozen=True)
class Variant:
    change: Callable[[Document], Document]
    writers: dict[str, Writer]
    expected: list[Typed]
    projects: int | None = None  # projects read, when the variant is about rows, not values
    warnings: list[str] = field(default_factory=list)  # each must occur in some warning


VARIANTS: dict[str, Variant] = {
    "2021-tree": Variant(
        render.tree_2021,
        {"xlsx": xlsx(), "csv": csv(), "docx": docx(), "pdf": pdf(), "text": text()},
        [
            Typed(SHEQU, "经费补助标准", Q, NONE, "10", "万元", category="economicCost"),
            Typed(SHEQU, "对社会造成的负面影响", L, raw="无", category="socialCost"),
            Typed(SHEQU, "项目实施造成的生态环境破坏", Q, LE, "0", None, category="ecologicalCost"),
            Typed(SHEQU, "支持社区个数", Q, NONE, "1", "个", category="quantity"),
        ],
    ),
    "decorated-levels": Variant(
        render.decorated_levels,
        {"xlsx": xlsx(), "csv": csv(), "docx": docx(), "pdf": pdf(), "text": text()},
        [
            Typed(SHEQU, "支持社区个数", Q, NONE, "1", "个", category="quantity"),
            Typed(SHEQU, "居民幸福指数提升", L, raw="有效发挥", category="socialEffect"),
            Typed(SHEQU, "社区服务对象满意度", Q, GE, "95", "%", category="serviceSatisfaction"),
        ],
    ),
    "signs-in-value": Variant(
        SIGNS, {"xlsx": xlsx(), "csv": csv(), "docx": docx(), "pdf": pdf(), "text": text()}, SIGN_EXPECTATIONS
    ),
    "sign-column-unicode": Variant(
        SIGNS,
        {
            "xlsx": xlsx(FlatOptions(title=TITLE, comparator_column="unicode")),
            "docx": docx(FormOptions("unicode")),
        },
        SIGN_EXPECTATIONS,
    ),
    "sign-column-ascii": Variant(
        SIGNS,
        {
            "csv": csv(FlatOptions(title=TITLE, comparator_column="ascii"), "gb18030"),
            "flat-pdf": flat_pdf(FlatOptions(title=TITLE, comparator_column="ascii")),
        },
        SIGN_EXPECTATIONS,
    ),
    "sign-column-fullwidth": Variant(
        SIGNS,
        {
            "xlsx": xlsx(FlatOptions(title=TITLE, comparator_column="fullwidth")),
            "docx": docx(FormOptions(comparator_column="fullwidth")),
            "pdf": pdf(FormOptions(comparator_column="fullwidth")),
            "text": text(FormOptions(comparator_column="fullwidth")),
        },
        SIGN_EXPECTATIONS,
    ),
    "nature-as-direction": Variant(
        render.with_weights_and_directions,
        {
            "xlsx": xlsx(FlatOptions(title=TITLE, nature_as_direction=True)),
            "csv": csv(FlatOptions(title=TITLE, nature_as_direction=True)),
        },
        [
            # 正向 says more is better; it is not a ≥, so the number keeps no sign.
            Typed(SHEQU, "社区服务对象满意度", Q, NONE, "95", "%", direction=Direction.POSITIVE),
            Typed(SHEQU, "经费补助标准", Q, NONE, "10", "万元", direction=Direction.NEGATIVE),
            Typed(SHEQU, "居民幸福指数提升", L, raw="有效发挥", direction=Direction.POSITIVE),
        ],
    ),
    "weights-directions-explanations": Variant(
        render.with_weights_and_directions,
        {"xlsx": xlsx(FlatOptions(title=TITLE, full=True)), "csv": csv(FlatOptions(title=TITLE, full=True))},
        [
            Typed(SHEQU, "支持社区个数", Q, NONE, "1", "个", weight="10", direction=Direction.POSITIVE),
            Typed(SHEQU, "经费补助标准", Q, NONE, "10", "万元", weight="10", direction=Direction.NEGATIVE),
            Typed(SHEQU, "居民幸福指数提升", L, raw="有效发挥", weight="5"),
        ],
    ),
    "placeholders": Variant(
        render.with_placeholders,
        {"xlsx": xlsx(), "csv": csv(), "docx": docx(), "pdf": pdf(), "text": text()},
        [
            Typed(SHEQU, "支持社区个数", U, raw="≥**株", placeholder=True),
            Typed(SHEQU, "居民幸福指数提升", U, raw="XX", placeholder=True),
            Typed(DANGWU, "落实村党务工作者发放及时性", U, raw="≥**%", placeholder=True),
            Typed(DANGWU, "保障村党务工作者人数", Q, NONE, "9", "人"),
        ],
    ),
    "medium-term": Variant(
        render.with_medium_term,
        {
            "xlsx": xlsx(FlatOptions(title=TITLE, medium_term=True)),
            "csv": csv(FlatOptions(title=TITLE, medium_term=True)),
            "docx": docx(FormOptions(medium_term=True)),
            "pdf": pdf(FormOptions(medium_term=True)),
            "text": text(FormOptions(medium_term=True)),
        },
        [
            Typed(SHEQU, "支持社区个数", Q, NONE, "1", "个", medium=(Q, "3", "个")),
            Typed(SHEQU, "经费补助标准", Q, NONE, "10", "万元", medium=(Q, "30", "万元")),
            Typed(SHEQU, "基层社区规范化建设覆盖率", Q, NONE, "98", "%", medium=(Q, "98", "%")),
            Typed(SHEQU, "居民幸福指数提升", L, raw="有效发挥", medium=(L, None, None)),
        ],
    ),
    "excel-dates": Variant(
        render.with_calendar_dates,
        {
            "xlsx": xlsx(FlatOptions(title=TITLE, excel_dates=True)),
            "csv": csv(FlatOptions(title=TITLE, excel_dates=True)),
        },
        [
            Typed(DANGWU, "落实村党务工作者补贴资金支出时效", D, date_end=date(2023, 12, 31)),
            Typed(SHEQU, "2023年全年", D, NONE, "12", "个月"),  # a duration, not a date serial
            Typed(DANGWU, "保障村党务工作者人数", Q, NONE, "9", "人"),
        ],
    ),
    "blank-rows-and-repeated-headers": Variant(
        lambda doc: doc,
        {
            "xlsx": xlsx(render.PAGED),
            "csv": csv(render.PAGED),
            "flat-pdf": flat_pdf(FlatOptions(title=TITLE, header_every=8, blank_row_every=5)),
        },
        [Typed(SHEQU, "社区服务对象满意度", Q, GE, "95", "%")],
    ),
    "renamed-and-reordered-columns": Variant(
        lambda doc: doc,
        {"xlsx": xlsx(replace(render.RENAMED, title=TITLE))},
        [
            Typed(SHEQU, "社区服务对象满意度", Q, GE, "95", "%"),
            Typed(SHEQU, "支持社区个数", Q, NONE, "1", "个"),
        ],
    ),
}
CASES = [(name, writer) for name, variant in VARIANTS.items() for writer in variant.writers]


def find(doc: Document, project_name: str, indicator_name: str) -> tuple[Project, Indicator]:
    [project] = [p for p in doc.projects if p.name == project_name]
    [indicator] = [i for i in project.indicators if i.name == indicator_name]
    return project, indicator


def decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@pytest.fixture(scope="module")
def baofeng_records() -> Document:
    return render.load_sample()


@pytest.mark.parametrize(("variant", "writer"), CASES, ids=[f"{v}-{w}" for v, w in CASES])
def test_variant_reads_to_its_typed_targets(
    variant: str, writer: str, baofeng_records: Document, tmp_path: Path
) -> None:
    spec = VARIANTS[variant]
    source = spec.change(baofeng_records)
    path = spec.writers[writer](source, tmp_path / variant)
    doc = read_file(path).document
    expected_projects = 3 if "pdf" in writer else len(source.projects)
    assert len(doc.projects) == expected_projects
    assert sum(len(p.indicators) for p in doc.projects) == sum(
        len(p.indicators) for p in source.projects[:expected_projects]
    )
    assert doc.fiscal_year == 2023
    for typed in spec.expected:
        if "pdf" in writer and typed.project not in {p.name for p in doc.projects}:
            continue
        _, indicator = find(doc, typed.project, typed.indicator)
        target = indicator.target
        where = f"{variant}/{writer}: {typed.indicator} read as {target}"
        assert target.kind is typed.kind, where
        assert target.comparator is typed.comparator, where
        assert target.value == decimal_or_none(typed.value), where
        assert (target.unit.text if target.unit else None) == typed.unit, where
        assert target.placeholder is typed.placeholder, where
        if typed.raw is not None:
            assert target.raw == typed.raw, where
        if typed.category is not None:
            category = categories.resolve(indicator.level1, indicator.level2)
            assert category is not None and category.level2 == typed.category, where
        if typed.medium is not None:
            medium = indicator.medium_term_target
            assert medium is not None, where
            kind, value, unit = typed.medium
            assert (medium.kind, medium.value) == (kind, decimal_or_none(value)), where
            assert (medium.unit.text if medium.unit else None) == unit, where
        else:
            assert indicator.medium_term_target is None, where
        if typed.weight is not None:
            assert indicator.weight == Decimal(typed.weight), where
        if typed.direction is not None:
            assert indicator.direction is typed.direction, where
        if typed.date_end is not None:
            assert target.date_end == typed.date_end, where


def test_medium_term_objectives_are_kept_and_marked(baofeng_records: Document, tmp_path: Path) -> None:
    source = render.with_medium_term(baofeng_records)
    for writer in (xlsx(FlatOptions(title=TITLE, medium_term=True)), docx(FormOptions(medium_term=True))):
        doc = read_file(writer(source, tmp_path / "m")).document
        for project in doc.projects:
            medium = [o for o in project.objectives if o.medium_term]
            annual = [o for o in project.objectives if not o.medium_term]
            assert len(medium) == 1 and medium[0].text.startswith("2023年至2025年")
            assert annual, project.name


def test_weights_and_explanations_from_the_full_export(baofeng_records: Document, tmp_path: Path) -> None:
    source = render.with_weights_and_directions(baofeng_records)
    doc = read_file(xlsx(FlatOptions(title=TITLE, full=True))(source, tmp_path / "w")).document
    _, indicator = find(doc, SHEQU, "支持社区个数")
    assert indicator.explanation == "支持社区个数的完成情况"


def test_csv_date_serial_is_reported(baofeng_records: Document, tmp_path: Path) -> None:
    source = render.with_calendar_dates(baofeng_records)
    doc = read_file(csv(FlatOptions(title=TITLE, excel_dates=True))(source, tmp_path / "d")).document
    _, indicator = find(doc, DANGWU, "落实村党务工作者补贴资金支出时效")
    assert indicator.target.raw == "45291"  # the cell as found; the date is what it means
    assert any("45291" in w and "2023-12-31" in w for w in doc.warnings)
