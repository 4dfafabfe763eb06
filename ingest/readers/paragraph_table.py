"""Layout "paragraph-table": one tab-separated row per project, the tree inside `<p>` paragraphs.

    单位编码 | 单位及项目名称 | 金额 (万元) | 绩效目标 | 绩效指标
    407      | 门源县浩门镇政府 |            |          |            <- unit row (code, name)
    407001   | 门源县浩门镇政府 | 588.39     |          |            <- unit row with its stated total
             | 党校工作经费     | 1.70       | <p>目标一：…</p> | <p>一、产出指标</p> <p>(一) 数量指标：</p>
                                                              <p>1. 机关党员人数 22人</p> …

The header row repeats on every page. Inside the indicator cell a paragraph is a level-1
heading (`一、产出指标`), a level-2 heading (`(一) 数量指标：`) or one or more numbered items
(`1. 设计费 0.76万元 2. 监理费0.5万元`).
"""

from __future__ import annotations

import html
import re

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
from ingest.records import BudgetUnit, Document, Indicator, Project, UnitTotal
from ingest.source import Source

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_LEVEL1 = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*(.*指标.*?)[:：]?\s*$")
_LEVEL2 = re.compile(r"^\s*[(（]\s*[一二三四五六七八九十]+\s*[)）]\s*(.*指标.*?)[:：]?\s*$")
# Item numbering: "1." "2、" at the start or after a space. Whether it is numbering or a
# decimal ("2.36名村干部" is item 2, "0.76万元" is a number) is settled by the expected next index.
_ITEM_MARK = re.compile(r"(?:^|(?<=\s))(\d{1,2})\s*[.．、]\s*")
_CODE = re.compile(r"^\d{3,}$")


def paragraphs(cell: str) -> list[str]:
    found = _PARAGRAPH.findall(cell)
    texts = found if found else [cell]
    return [html.unescape(t).strip() for t in texts if t.strip()]


def split_items(paragraph: str, expected: int) -> tuple[list[str], int]:
    """Split a paragraph into items at numbering that continues the sequence.

    Returns the items (numbering removed) and the next expected index. A paragraph with no
    numbering is one item; the sequence then restarts at the heading's next item.
    """
    cuts: list[tuple[int, int]] = []  # (start of mark, end of mark)
    index = expected
    for match in _ITEM_MARK.finditer(paragraph):
        number = int(match.group(1))
        at_start = match.start() == 0
        # At the start any small number is numbering (sources skip and repeat: "1. … 1. …");
        # inside a paragraph only the expected next index not glued to a digit is, so
        # "人代工作成本率 2.125万元" and "≤ 2.55万元" stay whole.
        glued_digit = paragraph[match.end() : match.end() + 1].isdigit()
        if (at_start and number <= index + 1) or (number == index and not glued_digit):
            cuts.append((match.start(), match.end()))
            index = number + 1
    if not cuts:
        return [paragraph.strip()], expected
    items = []
    head = paragraph[: cuts[0][0]].strip()
    if head:
        items.append(head)
    for i, (_, end) in enumerate(cuts):
        stop = cuts[i + 1][0] if i + 1 < len(cuts) else len(paragraph)
        items.append(paragraph[end:stop].strip())
    return [item for item in items if item], index


class ParagraphTableReader:
    name = "paragraph-table"
    description = "tab-separated rows with header 单位编码 | 单位及项目名称 | 金额 and <p> paragraphs"

    def detect(self, source: Source) -> bool:
        text = source.text
        if text is None:
            return False
        head = text[:20000]
        return "单位编码\t" in head and "单位及项目名称" in head and "<p>" in text

    def read(self, source: Source) -> Document:
        text = source.require_text(self.name)
        doc = Document(layout=self.name)
        unit: BudgetUnit | None = None
        units_by_code: dict[str, BudgetUnit] = {}
        for lineno, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            cells = line.split("\t")
            if len(cells) == 1:
                if doc.title is None:
                    doc.title = tidy(cells[0])
                    doc.fiscal_year = find_year(cells[0])
                continue
            code, name = cells[0].strip(), tidy(cells[1])
            if code == "单位编码" or "单位及项目名称" in name:
                continue  # the header repeated on each page
            if not _CODE.match(code) and (len(cells) < 5 or cells[4].count("<p>") != cells[4].count("</p>")):
                # A project row always has five cells and closes every paragraph; anything
                # less is a cut-off file, and half a project must not be stored as a whole one.
                raise IngestError(f"truncated at line {lineno}: project row {name!r} is incomplete")
            cells += [""] * (5 - len(cells))
            amount = cells[2]
            if _CODE.match(code):
                parent = next(
                    (c for c in sorted(units_by_code, key=len, reverse=True) if code.startswith(c)), None
                )
                unit = BudgetUnit(name=name, code=code, parent_code=parent, line=lineno)
                units_by_code[code] = unit
                doc.units.append(unit)
                total = parse_amount(amount)
                if total is not None:
                    doc.unit_totals.append(UnitTotal(unit, total, doc.fiscal_year, lineno))
                continue
            if not name:
                doc.warnings.append(f"line {lineno}: row without a project name skipped")
                continue
            if unit is None:
                doc.warnings.append(f"line {lineno}: project {name!r} before any unit row; skipped")
                continue
            doc.projects.append(self._project(unit, name, amount, cells[3], cells[4], lineno, doc))
        if doc.projects and not any(
            categories.level1_concept(i.level1) == "satisfaction" for i in doc.projects[-1].indicators
        ):
            # Trees end with 满意度; a cut that falls exactly between paragraphs shows only this way.
            doc.warnings.append(
                f"line {doc.projects[-1].line}: the last project {doc.projects[-1].name!r} has no 满意度 "
                "indicator; the file may be truncated"
            )
        return doc

    def _project(
        self, unit: BudgetUnit, name: str, amount: str, goals: str, tree: str, lineno: int, doc: Document
    ) -> Project:
        amount_wan = parse_amount(amount)
        if amount_wan is None:
            doc.warnings.append(f"line {lineno}: project {name!r} has no readable amount ({amount!r})")
        project = Project(
            name=name,
            unit=unit,
            amount_wan=amount_wan,
            fiscal_year=doc.fiscal_year,
            objectives=objectives_from_paragraphs(paragraphs(goals), lineno),
            line=lineno,
        )
        project.indicators = self._indicators(tree, lineno, doc)
        return project

    def _indicators(self, tree: str, lineno: int, doc: Document) -> list[Indicator]:
        indicators: list[Indicator] = []
        level1 = level2 = ""
        expected = 1
        for paragraph in paragraphs(tree):
            if m := _LEVEL1.match(paragraph):
                level1, level2, expected = tidy(m.group(1)), "", 1
                continue
            if m := _LEVEL2.match(paragraph):
                # Always a level 2, even "(三) 满意度指标": _checked_level1 then moves to the
                # first level it belongs under when the source left that heading out.
                level2 = tidy(m.group(1))
                level1 = self._checked_level1(level1, level2, lineno, doc)
                expected = 1
                continue
            items, expected = split_items(paragraph, expected)
            for item in items:
                indicator = make_indicator(level1, level2, item, "", paragraph, lineno)
                if warning := category_warning(indicator, f"line {lineno}"):
                    doc.warnings.append(warning)
                indicators.append(indicator)
        return indicators

    @staticmethod
    def _checked_level1(level1: str, level2: str, lineno: int, doc: Document) -> str:
        """The level 1 a level-2 heading belongs under. When the source skipped the level-1
        heading ("(一) 社会效益指标" straight after 成本), the level 2 decides, with a warning."""
        category = categories.resolve(level1, level2)
        if category is None or categories.level1_concept(level1) == category.level1:
            return level1
        inferred = categories.LEVEL1_LABEL[category.level1]
        doc.warnings.append(
            f"line {lineno}: {level2!r} follows {level1 or 'nothing'!r} with no level-1 heading; "
            f"filed under {inferred}"
        )
        return inferred
