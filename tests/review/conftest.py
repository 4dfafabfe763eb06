"""Review rule cases: small tables in the 000 layout (one row per project), written as text,
ingested into a fresh store and reviewed. Each case changes one thing in a project that passes
every rule, so a test says exactly what makes a finding appear."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao.review import REGISTRY, Finding, Review, ReviewContext, run_review
from jixiao.settings import Settings
from jixiao.store import EmbeddedStore, open_store
from search.sync import load_index, sync
from tests.fakes import FakeEncoder

# The level 1 a level-2 heading goes under, in the 000 layout's numbering.
LEVEL1 = {
    "数量指标": "产出指标",
    "质量指标": "产出指标",
    "时效指标": "产出指标",
    "成本指标": "产出指标",
    "社会效益指标": "效益指标",
    "可持续影响指标": "效益指标",
    "满意度指标": "满意度指标",
    "经济成本指标": "成本指标",  # the 2021 tree: 成本 is a level 1 of its own
}
NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Row:
    category: str  # the level-2 heading, e.g. 数量指标 (满意度指标 has none in this layout)
    name: str
    value: str


@dataclass(frozen=True)
class Proj:
    name: str = "党员培训经费"
    amount: str = "1.00"  # 万元, as the table prints it
    objectives: tuple[str, ...] = ("目标一：通过培训提高党员的党性修养。",)
    rows: tuple[Row, ...] = field(
        default=(
            Row("数量指标", "培训次数", "≥6次/年"),
            Row("质量指标", "培训合格率", "100%"),
            Row("时效指标", "完成时间", "2023年12月底"),
            Row("成本指标", "培训总成本", "≤1万元"),
            Row("社会效益指标", "党员党性修养", "提高"),
            Row("满意度指标", "党员满意度", "≥95%"),
        )
    )

    def with_row(self, category: str, name: str, value: str) -> Proj:
        """This project with the row of that name replaced, or added."""
        kept = replace(self, rows=tuple(r for r in self.rows if r.name != name))
        return kept.plus(category, name, value)

    def plus(self, category: str, name: str, value: str) -> Proj:
        """This project with one more row after its category's rows, even if the name is taken."""
        rows = list(self.rows)
        at = max((n + 1 for n, r in enumerate(rows) if r.category == category), default=len(rows))
        rows.insert(at, Row(category, name, value))
        return replace(self, rows=tuple(rows))

    def without(self, category: str) -> Proj:
        return replace(self, rows=tuple(r for r in self.rows if r.category != category))


GOOD = Proj()


def _cells(project: Proj) -> str:
    objectives = " ".join(f"<p>{o}</p>" for o in project.objectives)
    parts: list[str] = []
    level1_seen: list[str] = []
    level2_seen: dict[str, int] = {}
    for row in project.rows:
        level1 = LEVEL1[row.category]
        if level1 not in level1_seen:
            level1_seen.append(level1)
            parts.append(f"<p>{NUMBERS[len(level1_seen) - 1]}、{level1}</p>")
        if row.category != "满意度指标" and row.category not in level2_seen:
            count = sum(1 for c in level2_seen if LEVEL1[c] == level1)
            level2_seen[row.category] = 0
            parts.append(f"<p>({NUMBERS[count]}) {row.category}：</p>")
        level2_seen[row.category] = level2_seen.get(row.category, 0) + 1
        prefix = "" if row.category == "满意度指标" else f"{level2_seen[row.category]}. "
        parts.append(f"<p>{prefix}{row.name} {row.value}</p>")
    return f"\t{project.name}\t{project.amount}\t{objectives}\t{' '.join(parts)}"


def table(*projects: Proj, total: str | None = None, year: int = 2023, unit: str = "测试镇政府") -> str:
    """A 000-layout document: title, header, the unit (code 901001) with its total, the projects."""
    amount = total if total is not None else f"{sum(float(p.amount) for p in projects):.2f}"
    lines = [
        f"{unit}{year}年部门预算项目支出绩效目标公开表",
        "",
        "单位编码\t单位及项目名称\t金额 (万元)\t绩效目标\t绩效指标",
        f"901\t{unit}\t\t\t",
        f"901001\t{unit}\t{amount}\t\t",
        *(_cells(p) for p in projects),
    ]
    return "\n".join(lines) + "\n"


@dataclass
class Reviewed:
    review: Review
    store: EmbeddedStore
    settings: Settings

    def of(self, rule: str) -> list[Finding]:
        return [f for f in self.review.findings if f.rule == rule]


Reviewer = Callable[..., Reviewed]


@pytest.fixture()
def reviewer(tmp_path: Path) -> Iterator[Reviewer]:
    """`reviewer(text, rules=[...], index=False)`: ingest the text as one document and review it."""
    opened: list[EmbeddedStore] = []
    counter = iter(range(1000))

    def review(text: str, rules: Sequence[str] | None = None, index: bool = False) -> Reviewed:
        data = tmp_path / f"data{next(counter)}"
        settings = Settings(data=data)
        store = open_store(settings)
        opened.append(store)
        store.install_ontology()
        source = tmp_path / "表.txt"
        source.write_text(text, encoding="utf-8")
        ingest_file(source, store, IriMinter(settings.base_iri), None)
        search_index = None
        if index:
            encoder = FakeEncoder()
            sync(store, settings, lambda: encoder, full=True)
            search_index = load_index(settings)
        selected = None if rules is None else [REGISTRY[r] for r in rules]
        return Reviewed(run_review(ReviewContext(store, search_index), selected), store, settings)

    yield review
    for store in opened:
        store.close()
