"""Assemble an indicator tree from a stream of cells: the header, then one record per indicator.

The header (一级指标 | 二级指标 | 三级指标 | 指标值 …) names the columns. After it every cell is
placed by what it says, not by where it sits, because flattening moves cells: merged level
cells vanish (continuation rows start at 二级 or 三级), empty cells vanish or stay, a stream may
have no row breaks at all. A record is:

    [level-1 word] [level-2 word] name  post-columns…        e.g. 产出指标 | 数量指标 | 培训人次 | ≥ | 95 | %

Level words come from the closed vocabulary (`vocabulary.level_of`), so a row that starts with
a name inherits the levels above it. Post columns take cells in header order, each by shape: a
sign column only takes a sign, a unit column a short unit, a weight column a number; a column a
cell does not fit is skipped (the column was empty and its cell lost), and a cell no column takes
starts the next record. A row break, where the source has one, always ends a record.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from ingest.categories import level1_concept, resolve
from ingest.readers.cells import Cell
from ingest.readers.runs import UNITS
from ingest.readers.vocabulary import (
    Col,
    Field,
    Level,
    ends_tree,
    form_field,
    header_col,
    is_cost_level2,
    is_weak_level2,
    key,
    level_of,
)
from ingest.records import TargetKind
from ingest.target import parse_target


@dataclass(frozen=True)
class Streamed:
    """A cell of the flattened document with its place: does it open a row of the source?"""

    cell: Cell
    row_start: bool


@dataclass
class TreeHeader:
    cols: list[Col]  # levels, name and post columns, in reading order
    labels: list[str]  # each column's label as written ("" where none)
    line: int
    pre: list[str] = field(default_factory=list)  # flat exports: the project columns' labels
    serial: bool = False  # a 序号 column before the levels: each row opens with its number

    @property
    def post(self) -> list[Col]:
        """The columns after the name (or after the levels when there is no name column)."""
        for col in (Col.NAME, Col.LEVEL2, Col.LEVEL1):
            if col in self.cols:
                return self.cols[self.cols.index(col) + 1 :]
        return list(self.cols)

    @property
    def post_labels(self) -> list[str]:
        return self.labels[len(self.cols) - len(self.post) :]

    @property
    def dual(self) -> bool:
        """中期 and 年度 column sets side by side: the second set holds the annual target."""
        return self.cols.count(Col.NAME) > 1 and self.cols.count(Col.LEVEL2) > 1

    @property
    def has_levels(self) -> bool:
        return Col.LEVEL1 in self.cols or Col.LEVEL2 in self.cols

    @property
    def self_evaluation(self) -> bool:
        return Col.ACTUAL in self.cols or Col.SCORE in self.cols


_SPANNED = {Col.VALUE: {Col.PRIOR, Col.VALUE}, Col.GRADE: {Col.GRADE}}


def _normalise(pairs: list[tuple[Col, str]]) -> list[tuple[Col, str]]:
    """Undo two-row headers flattened into one run of labels.

    - `绩效指标 | 年度指标值 | 实际完成值 | 分值 | 得分 | 原因` over
      `一级 | 二级 | 三级 | 性质 | 指标值 | 单位`:
      the levels' labels sit on the second row (vertically merged), so they come first, and a
      first-row span the second row spells out (年度指标值) is dropped;
    - `… | 指标值 | 依据 | 2023年实际实现值 | 预期2024年实现值`: a span (指标值, 评价标准) whose
      sub-labels come last is replaced by them, in place.
    """
    pairs = [p for p in pairs if p[0] is not Col.LEAD]
    cols = [c for c, _ in pairs]
    if Col.LEVEL1 in cols and cols.index(Col.LEVEL1) > 0:
        first = cols.index(Col.LEVEL1)
        after = pairs[first:]
        spelled = {c for c, _ in after}
        pairs = after + [p for p in pairs[:first] if p[0] not in spelled]
    for span, subs in _SPANNED.items():
        cols = [c for c, _ in pairs]
        tail = len(pairs)
        while tail > 0 and cols[tail - 1] in subs:
            tail -= 1
        suffix = pairs[tail:]
        if len(suffix) >= 2 and span in cols[:tail]:
            at = cols.index(span)
            pairs = pairs[:at] + suffix + pairs[at + 1 : tail]
    return pairs


def _labels_resume(stream: list[Streamed], j: int) -> bool:
    """Whether the header's labels go on after the level names starting at stream[j]."""
    for item in stream[j : j + 12]:
        k = key(item.cell.text)
        if not k or level_of(k) or header_col(k, []) is Col.LEAD:
            continue
        return header_col(k, []) is not None  # the exact labels only, no template wording
    return False


def header_at(stream: list[Streamed], i: int) -> tuple[TreeHeader, int] | None:
    """The tree header starting at stream[i], and the index after it; None if none starts there."""
    first = key(stream[i].cell.text)
    serial = False
    if first in _SERIAL_LABELS and i + 1 < len(stream) and not stream[i + 1].row_start:
        # 序号 | 一级指标 | …: the rows' numbers are no cells of the tree.
        nxt = header_col(key(stream[i + 1].cell.text), [])
        if nxt in (Col.LEVEL1, Col.LEVEL2):
            serial = True
            i += 1
            first = key(stream[i].cell.text)
    start_col = header_col(first, [])
    pre: list[str] = []
    j = i
    if start_col is None and form_field(first) is not None:
        # A flat export: project columns (单位名称 | 项目名称 | 预算数 | 年度目标) before the tree's.
        while j < len(stream) and (j == i or not stream[j].row_start):
            text = stream[j].cell.text
            if header_col(key(text), []) is not None or form_field(key(text)) is None:
                break
            pre.append(text)
            j += 1
        if j >= len(stream) or stream[j].row_start or header_col(key(stream[j].cell.text), []) is None:
            return None
        if not any(form_field(key(label)) is Field.NAME for label in pre):
            return None
        start_col = header_col(key(stream[j].cell.text), [])
    if start_col not in (Col.LEAD, Col.LEVEL1, Col.LEVEL2, Col.NAME):
        return None
    pairs: list[tuple[Col, str]] = []
    seen: list[Col] = []
    last_row_start = i
    while j < len(stream):
        text = stream[j].cell.text
        if not text:
            j += 1
            continue
        col = header_col(key(text), seen)
        if col is None and level_of(key(text)) and Col.LEVEL1 in seen and _labels_resume(stream, j):
            # A sheet flattened column by column puts the level names between the labels.
            j += 1
            continue
        if col is None or (col is Col.LEAD and pairs):
            break
        if stream[j].row_start:
            last_row_start = j
        if col is Col.NAME and Col.NAME in seen:
            earlier = seen.index(Col.NAME)
            if key(pairs[earlier][1]) == "绩效指标" and Col.LEVEL2 not in seen[earlier:]:
                pairs[earlier] = (Col.LEAD, pairs[earlier][1])  # the lead cell, met late
                seen[earlier] = Col.LEAD
        pairs.append((col, text))
        seen.append(col)
        j += 1
    cols = set(seen)
    leveled = Col.LEVEL1 in cols or Col.LEVEL2 in cols
    if not leveled and _indicator_list(stream, i, j, seen):
        # 绩效指标 | 指标值 alone on a row: a list of indicators with no levels written; their
        # names tell the levels (build_indicator). The lead label is the name column here.
        pairs = [(Col.NAME, t) if c is Col.LEAD else (c, t) for c, t in pairs]
        header = TreeHeader([c for c, _ in pairs], [t for _, t in pairs], stream[i].cell.line, pre)
        return header, j
    if start_col is Col.NAME:
        return None
    if not (leveled or (Col.LEAD in cols and Col.NAME in cols)):
        return None
    if not cols & {Col.NAME, Col.VALUE, Col.GRADE, Col.AREA, Col.UNIT}:
        return None
    if len(pairs) < 3:
        return None
    # One value column per area (村, 乡镇, 县): labels no vocabulary knows, right after the header
    # on the header's own row, in a table that has no single value column.
    if Col.VALUE not in {c for c, _ in pairs} and Col.GRADE not in {c for c, _ in pairs}:
        while j < len(stream) and not stream[j].row_start and j > last_row_start:
            text = stream[j].cell.text
            if text and (level_of(key(text)) or is_value_like(text) or len(key(text)) > 16):
                break
            if text:
                places = _PLACES.findall(key(text))
                if len(places) >= 3 and "".join(places) == key(text):
                    pairs += [(Col.AREA, place) for place in places]  # 石桥区云岭县梅岭县, run together
                else:
                    pairs.append((Col.AREA, text))
            j += 1
    areas = [p for p in pairs if p[0] is Col.AREA]
    if len(areas) > 1 and header_col(key(areas[0][1]), []) is Col.AREA:
        pairs.remove(areas[0])  # 区域目标值 spans the area columns named after it
    pairs = _normalise(pairs)
    header = TreeHeader([c for c, _ in pairs], [t for _, t in pairs], stream[i].cell.line, pre, serial)
    return header, j


_SERIAL_LABELS = {"序号", "编号", "序"}


def _indicator_list(stream: list[Streamed], i: int, j: int, seen: list[Col]) -> bool:
    """Whether stream[i:j] is a header row of only a name and a value column (and columns after
    the value): `绩效指标 | 指标值`, `指标名称 | 目标值 | 备注`, the whole row and nothing else."""
    if len(seen) < 2 or seen[0] not in (Col.LEAD, Col.NAME) or seen[1] is not Col.VALUE:
        return False
    if Col.NAME in seen[1:] or Col.LEAD in seen[1:]:
        return False
    if not stream[i].row_start or any(s.row_start for s in stream[i + 1 : j]):
        return False  # the labels are one row of their own
    return j >= len(stream) or stream[j].row_start


_CJK_CHARS = "\u3400-\u9fff"
_PLACES = re.compile(r"[\u4e00-\u9fff]{1,5}?(?:区|县|市|镇|乡|村|街道)")


# -- cell shapes ------------------------------------------------------------------------------

_SIGN = re.compile(
    r"^(?:[≥≤<>=≧≦]|>=|<=|=>|=<|大于等于|小于等于|大于|小于|等于|不低于|不少于|不高于|不超过)$"
)
_NATURE_WORDS = {
    "定性",
    "定量",
    "定性指标",
    "定量指标",
    "正向",
    "反向",
    "正向指标",
    "反向指标",
    "逆向",
    "是/否",
}
_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?%?$")
# The words a qualitative target is made of.
_WORD_TARGET = re.compile(
    r"^(?:逐步|持续|不断|明显|显著|有效|进一步|稳步|基本|全面|按时|按期)?"
    r"(?:提高|提升|改善|健全|完善|有效|良好|减少|降低|下降|建立|增强|规范|稳定|达标|合格|完成|落实|是|否|无|优|良)$"
)
# A number with the word that says its direction: 缩短30%以上, 提高5个百分点.
_DIRECTED = re.compile(r"^(?:缩短|提高|提升|增长|增加|下降|降低|减少)\d")


def sign_text(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def is_sign(text: str) -> bool:
    return bool(_SIGN.match(sign_text(text)))


def is_value_like(text: str) -> bool:
    """A number, date, sign or placeholder: what a value cell holds, never a name."""
    stripped = text.strip()
    if not stripped:
        return False
    if is_sign(stripped[:1]) or is_sign(stripped[:2]):
        return True
    target = parse_target(stripped)
    # Template debris is a value alone (`≥**%`), not inside a name (`新增蜂箱数量(≥**箱)`).
    return target.kind in (TargetKind.QUANTITATIVE, TargetKind.DATE) or (
        target.placeholder and len(key(text)) <= 8
    )


def fits(col: Col, text: str) -> bool:
    """Whether a non-empty cell can be in a column, by its shape."""
    k = key(text)
    if col is Col.NATURE:
        return is_sign(text) or k in _NATURE_WORDS
    if col is Col.VALUE_TYPE:
        return k in {"定性", "定量", "定性指标", "定量指标"}
    if col is Col.DIRECTION:
        return k in _NATURE_WORDS or is_sign(text)
    if col is Col.UNIT:
        if len(k) > 8 or re.search(r"\d", k) or is_sign(text) or k in _NATURE_WORDS:
            return False
        # A unit is one character, a known unit, or built of units: 万元/台, 元/人·月, 辆次.
        return len(k) == 1 or "/" in k or "·" in k or any(k.endswith(u) for u in UNITS)
    if col in (Col.WEIGHT, Col.SCORE):
        return bool(_NUMBER.match(k.replace(",", ""))) or k in {"/", "-"}
    if col is Col.LEVEL2:
        return bool(level_of(k))
    if col is Col.ACTUAL and not is_value_like(text) and len(k) > 8:
        return False  # an actual is a value or a short word (达成预期指标, 优); a longer text is a name
    # A tree header label is never a cell of a row: the header starts again there.
    return header_col(k, [Col.LEVEL1]) not in _TREE_LABELS


_TREE_LABELS = {Col.LEVEL1, Col.LEVEL2, Col.NAME, Col.VALUE}
# Columns a cell may skip when it does not fit them (their own cell was empty and dropped).
_SKIPPABLE = {
    Col.NATURE,
    Col.VALUE_TYPE,
    Col.UNIT,
    Col.WEIGHT,
    Col.SCORE,
    Col.DIRECTION,
    Col.PRIOR,
    Col.OTHER,
}
_FREE_TEXT = {Col.REASON, Col.EXPLANATION, Col.DESCRIPTION, Col.REMARK}


@dataclass
class Record:
    """The cells of one indicator row, placed into columns."""

    line: int
    level1: str
    level2: str
    top: str | None
    name: Cell | None = None
    pre: list[Cell] = field(default_factory=list)
    cells: dict[int, Cell] = field(default_factory=dict)  # post-column index -> cell
    source: list[str] = field(default_factory=list)
    inferred: list[str] = field(default_factory=list)
    has_level1: bool = False
    has_level2: bool = False
    in_post: bool = False
    next_col: int = 0

    def is_empty(self) -> bool:
        return self.name is None and not self.cells


def _cuts(text: str, parts: int) -> list[list[str]]:
    """Every way to cut a digit string into numbers (no leading zeros, one decimal point each)."""
    if parts == 1:
        ok = re.fullmatch(r"(?:0|[1-9]\d*)(?:\.\d+)?", text)
        return [[text]] if ok else []
    out = []
    for i in range(1, len(text)):
        head = text[:i]
        if re.fullmatch(r"(?:0|[1-9]\d*)(?:\.\d+)?", head) and text[i] != ".":
            out += [[head, *rest] for rest in _cuts(text[i:], parts - 1)]
    return out


def _plausible(roles: list[Col], parts: list[str], percent: bool) -> bool:
    """Whether numbers read as target, weight, actual and score make a self-evaluation row:
    weight in (0, 100], score between half the weight and the weight, actual within half to
    twice the target, percentages at most 200."""
    numbers = {role: Decimal(part) for role, part in zip(roles, parts, strict=True)}
    value, weight = numbers[Col.VALUE], numbers.get(Col.WEIGHT)
    actual, score = numbers.get(Col.ACTUAL), numbers.get(Col.SCORE)
    if weight is not None and not 0 < weight <= 100:
        return False
    if score is not None and weight is not None and not weight / 2 <= score <= weight:
        return False
    if percent and (value > 200 or (actual is not None and actual > 200)):
        return False
    if actual is not None:
        if value == 0:
            return actual <= 10
        return value / 2 <= actual <= value * 2
    return True


class Chunker:
    """Cuts the cells after a header into records, keeping the current levels."""

    def __init__(self, header: TreeHeader) -> None:
        self.header = header
        self.post = header.post
        self.level1 = ""
        self.level2 = ""
        self.top: str | None = None
        self.record: Record | None = None
        self.done: list[Record] = []
        self.waiting: list[Record] = []
        self.wrapped_names = False  # text split at spaces: a name may come out as two cells

    # -- records ---------------------------------------------------------------------------

    def _open(self, line: int) -> Record:
        record = Record(line=line, level1=self.level1, level2=self.level2, top=self.top)
        self.record = record
        return record

    def close(self) -> None:
        record = self.record
        self.record = None
        if record is None or record.is_empty():
            return
        if self.header.pre and not (record.has_level1 or record.has_level2):
            # A flat export's row without levels (the department's total row) is no indicator.
            return
        record.level1, record.level2, record.top = self.level1, self.level2, self.top
        if not (self.level1 or self.level2) and self.header.has_levels:
            self.waiting.append(record)  # no level written yet: the first label may come below
            return
        self._release(record)
        self.done.append(record)

    def _release(self, labelled: Record | None) -> None:
        """Rows that opened the tree before any level label: a merged label printed on a middle
        row of its block (a PDF centres it) is theirs when it is the tree's first block, the
        数量指标 of 产出指标; else they keep no levels (their names may still tell them)."""
        if not self.waiting:
            return
        category = resolve(labelled.level1, labelled.level2) if labelled is not None else None
        if labelled is not None and category is not None and category.level2 == "quantity":
            for record in self.waiting:
                record.level1, record.level2 = labelled.level1, labelled.level2
                record.inferred.append(
                    f"levels {labelled.level2 or labelled.level1} taken from the label below "
                    "(a merged cell's label on a middle row)"
                )
        self.done += self.waiting
        self.waiting = []

    def finish(self) -> None:
        """Close the last record and release rows still waiting for a label."""
        self.close()
        self._release(None)

    # -- levels ----------------------------------------------------------------------------

    def _set_level1(self, record: Record, text: str) -> None:
        # A merged 一级 label written on a middle row of its block restates the current one:
        # the 二级 above still holds.
        concept = level1_concept(text)
        restated = self.level1 and level1_concept(self.level1) == concept
        # A 二级 above that belongs under this 一级 (社会效益指标 then, a row below, 效益指标) opened
        # the block before the label was written: it still holds.
        above = resolve("", self.level2) if self.level2 else None
        if not restated and not (above is not None and above.level1 == concept):
            self.level2 = ""
        self.level1 = text
        record.has_level1 = True

    def _set_level2(self, record: Record, text: str) -> None:
        self.level2 = text
        record.has_level2 = True

    def _take_level(self, record: Record, text: str, ahead: list[str]) -> bool:
        """Set the level a word names; False when the word is this row's name instead."""
        k = key(text)
        levels = level_of(k)
        if Level.TOP in levels:
            self.top = text
            return True
        one, two = Level.ONE in levels, Level.TWO in levels
        nxt = key(ahead[0]) if ahead else ""
        after = ahead[1] if len(ahead) > 1 else ""
        if record.has_level2 and not record.has_level1 and one and not two and record.name is None:
            # A 一级 right after a 二级 with no rows of its own (labels listed column by column).
            record.has_level2 = False
            self._set_level1(record, text)
            return True
        if record.has_level2:
            # A level word after the 二级 is the row's name (经济成本指标 under 成本指标) when a
            # value or a sign follows; else the 二级 before had no rows of its own.
            if (
                two
                and not one
                and nxt
                and not (
                    fits(Col.NATURE, ahead[0]) or fits(Col.VALUE_TYPE, ahead[0]) or is_value_like(ahead[0])
                )
            ):
                self._set_level2(record, text)
                return True
            return False
        if one and two:
            if record.has_level1:
                self._set_level2(record, text)
            elif "成本" in k:
                current = key(self.level1)
                # 2021 tree: 成本指标 as a first level over 经济/社会/生态环境成本指标; but under
                # 产出指标 it is the 二级, and a 经济成本指标 that follows is the row's name when
                # a sign or type column comes right after it.
                if is_cost_level2(nxt) and not (
                    "产出" in current and (fits(Col.NATURE, after) or is_value_like(after))
                ):
                    self._set_level1(record, text)
                else:
                    self._set_level2(record, text)
            elif Level.TWO in level_of(nxt) or (is_weak_level2(nxt) and after and not is_value_like(after)):
                self._set_level1(record, text)
            else:
                # 满意度指标 / 社会公众或服务对象满意度指标 spanning 一级 and 二级.
                self._set_level1(record, text)
                self._set_level2(record, text)
            return True
        if one:
            if record.has_level1:
                return False
            self._set_level1(record, text)
            return True
        if two:
            self._set_level2(record, text)
            return True
        return False

    # -- cells -----------------------------------------------------------------------------

    def feed(self, item: Streamed, ahead: list[str]) -> None:
        """Place one cell; `ahead` holds the texts of the next cells in the same row."""
        if item.row_start and self.record is not None:
            self.close()
        cell = item.cell
        record = self.record or self._open(cell.line)
        if cell.text:
            record.source.append(cell.text)
        if not record.in_post:
            self._lead_cell(record, cell, ahead)
        else:
            self._post_cell(record, cell, ahead)

    def _lead_cell(self, record: Record, cell: Cell, ahead: list[str]) -> None:
        k = key(cell.text)
        if not k:
            if record.has_level2 or (record.has_level1 and Col.LEVEL2 not in self.header.cols):
                record.in_post = True  # an empty name cell after the levels: the row has no name
                record.next_col = 0
            return  # else a level cell merged away
        if level_of(k) and self._take_level(record, cell.text, ahead):
            return
        if self.header.serial and record.is_empty() and not record.has_level1 and re.fullmatch(r"\d{1,3}", k):
            return  # the row's number in the 序号 column
        nxt_text = ahead[0] if ahead else ""
        if is_weak_level2(k) and not record.has_level2 and nxt_text and not is_value_like(nxt_text):
            self._set_level2(record, cell.text)  # 服务对象满意度 | 社区居民满意度 | ≥90%
            return
        if header_col(k, []) is Col.LEAD or k.startswith("绩效指标("):
            return
        if self.header.pre and not (record.has_level1 or record.has_level2):
            record.pre.append(cell)
            return
        record.in_post = True
        record.next_col = 0
        nxt = key(ahead[0]) if ahead else ""
        bare_number = bool(re.fullmatch(r"[\d.]+%?", k))
        ends = not nxt or level_of(nxt) or header_col(nxt, []) is not None or ends_tree(nxt)
        if (record.has_level1 or record.has_level2) and bare_number and ends:
            # A bare number right after the levels and before the next level: a degenerate row
            # with a value and no name.
            self._post_cell(record, cell, ahead)
            return
        if (
            record.has_level2
            and Col.NAME not in self.header.cols
            and Col.LEVEL1 in self.header.cols
            and self.post
            and self.post[0] is Col.VALUE
        ):
            # 一级 | 二级 | 指标值 with no 三级 column: the cell right after the levels is the value
            # (a number or a word: 提高).
            self._post_cell(record, cell, ahead)
            return
        two_level = Col.LEVEL2 not in self.header.cols and Col.NAME in self.header.cols
        named = bool(ahead) and is_value_like(ahead[0]) and not is_value_like(cell.text)
        filled_ahead = sum(1 for text in ahead if text.strip())
        if two_level and not named and len(ahead) < 3 and 1 + filled_ahead > len(self.post):
            # More cells left in the row than columns after 指标名称: this one is the name
            # (指标类别 held both levels: 效益指标-生态效益指标 | 林地综合利用率 | 提高).
            named = not is_value_like(cell.text)
        if two_level and record.has_level2 and not named:
            # Two-level tables: the 指标名称 column holds the 二级, there is no 三级 name.
            self._post_cell(record, cell, ahead)
            return
        record.name = cell
        self._split_unit_off_name(record, ahead)
        self._split_weight_off_name(record, ahead)
        self._split_description_off_name(record, ahead)

    def _split_description_off_name(self, record: Record, ahead: list[str]) -> None:
        """`补贴发放覆盖率符合条件的…` under `绩效指标 | 绩效指标描述 | 优 …` with a value next: the
        description ran into the name; the name ends at its first 率 or 度 (with a unit note)."""
        name = record.name
        if name is None or not self.post or self.post[0] not in (Col.DESCRIPTION, Col.EXPLANATION):
            return
        if not ahead or not is_value_like(ahead[0]) or len(name.text) < 12:
            return
        match = re.search(r"^.{3,}?(?:率|度)(?:\([^()]{0,6}\))?", name.text)
        if match is None or len(name.text) - match.end() < 6:
            return
        record.name = Cell(match.group(), name.line)
        record.cells[0] = Cell(name.text[match.end() :], name.line)
        record.next_col = 1

    def _split_weight_off_name(self, record: Record, ahead: list[str]) -> None:
        """`质量安全监管有效性10有效监管` under `指标名称 | 指标权重 | …`: weight and a word target ran
        into the name (run-together rows), and no weight cell of its own follows."""
        name = record.name
        if name is None or not self.post or self.post[0] is not Col.WEIGHT:
            return
        if ahead and _NUMBER.match(key(ahead[0])):
            return
        match = re.match(rf"^(.*[^\d.])(\d{{1,3}})([{_CJK_CHARS}]{{1,8}})$", name.text)
        if match is None or int(match.group(2)) > 100 or len(match.group(1)) < 4:
            return
        record.name = Cell(match.group(1), name.line)
        record.cells[0] = Cell(match.group(2), name.line)
        record.next_col = 1
        self._post_cell(record, Cell(match.group(3), name.line), ahead)

    def _split_unit_off_name(self, record: Record, ahead: list[str]) -> None:
        """`市场监管执法案件办结数件` under `指标名称 | 计量单位 | …`: the unit cell ran into the name."""
        name = record.name
        if name is None or not self.post or self.post[0] is not Col.UNIT:
            return
        if ahead and fits(Col.UNIT, ahead[0]):
            return
        for unit in UNITS:
            if name.text.endswith(unit) and len(name.text) > len(unit) + 3:
                record.name = Cell(name.text[: -len(unit)], name.line)
                record.cells[0] = Cell(unit, name.line)
                record.next_col = 1
                return

    def _post_cell(self, record: Record, cell: Cell, ahead: list[str]) -> None:
        post = self.post
        text = cell.text
        if not text:
            record.next_col += 1  # an empty cell holds its column's place
            return
        k = key(text)
        col = post[record.next_col] if record.next_col < len(post) else None
        if level_of(k) and "指标" not in k and self._continues_name(record, cell, ahead):
            return  # `村民办事 满意度 ≥90%`: the name's last word, not a level
        if level_of(k) and col is not Col.LEVEL2 and not (col in _FREE_TEXT and len(k) > 12):
            self.close()
            self.feed(Streamed(cell, False), ahead)
            return
        if self._continues_name(record, cell, ahead):
            return
        if self._split_reason(record, cell, ahead):
            return
        if (
            self._split_glued(record, cell, ahead)
            or self._split_sign(record, cell, ahead)
            or self._split_numbers(record, cell, ahead)
        ):
            return
        j = record.next_col
        while j < len(post):
            col = post[j]
            if col in _FREE_TEXT and self._belongs_later(j, text):
                j += 1  # a value or a sign skips a description column whose own cell was lost
                continue
            if fits(col, text) and not self._is_next_name(col, j, text, ahead):
                record.cells[j] = cell
                record.next_col = j + 1
                return
            if col in _SKIPPABLE:
                j += 1
                continue
            break
        # No column takes it: it names the next indicator, under the same levels.
        self.close()
        fresh = self._open(cell.line)
        fresh.source.append(text)
        self._lead_cell(fresh, cell, ahead)

    def _continues_name(self, record: Record, cell: Cell, ahead: list[str]) -> bool:
        """`提升改造村级 综合服务设施 12个`: in text split at spaces, a name wrapped inside its cell
        comes out as two cells. A second word cell right after the name, where the row's value
        (a shape: a sign, number or date) comes next, is the rest of the name."""
        if not self.wrapped_names or record.name is None or record.cells or record.next_col:
            return False
        if not self.post or self.post[0] not in (Col.VALUE, Col.NATURE, Col.UNIT):
            return False
        text = cell.text
        if is_value_like(text) or fits(Col.NATURE, text) or len(key(text)) > 16:
            return False
        if _WORD_TARGET.match(key(text)):
            return False  # a word target (健全, 明显提高) before the weight
        nxt = ahead[0] if ahead else ""
        bare = bool(_NUMBER.match(key(nxt))) and any(c in (Col.WEIGHT, Col.SCORE) for c in self.post)
        if not (is_value_like(nxt) or _DIRECTED.match(key(nxt))) or bare:
            return False  # a bare number after it may be a weight: the cell was the value
        record.name = Cell(f"{record.name.text}{text}", record.name.line)
        return True

    def _split_reason(self, record: Record, cell: Cell, ahead: list[str]) -> bool:
        """`108报修高峰期响应延迟…` under `分值 | 得分 | 偏差原因`: the weight and score ran into the
        reason that follows them (run-together self-evaluations); the numbers go to their columns."""
        post, j = self.post, record.next_col
        if j >= len(post) or post[j] not in (Col.WEIGHT, Col.SCORE):
            return False
        if not any(c in _FREE_TEXT for c in post[j + 1 :]):
            return False
        match = re.match(rf"^(\d+(?:\.\d+)?)([{_CJK_CHARS}].{{3,}})$", cell.text.strip())
        if match is None:
            return False
        self._post_cell(record, Cell(match.group(1), cell.line), ahead)
        self._post_cell(record, Cell(match.group(2), cell.line), ahead)
        return True

    def _split_glued(self, record: Record, cell: Cell, ahead: list[str]) -> bool:
        """A weight or score glued to the next cell (`5%` = 5 | %, `101200人` = 10 | 1200人): the
        shortest number of at most 100 that leaves a cell the next column takes."""
        post, j = self.post, record.next_col
        text = unicodedata.normalize("NFKC", cell.text).strip()
        if j + 1 >= len(post) or post[j] not in (Col.WEIGHT, Col.SCORE):
            return False
        if re.fullmatch(r"\d+(?:\.\d+)?", text):
            # A weight over 100 is two numbers run together (`1515` = 15 | 15, `107.5` = 10 | 7.5).
            numeric_next = post[j + 1] in (Col.SCORE, Col.WEIGHT, Col.ACTUAL) or Col.VALUE in post[j + 1 :]
            if Decimal(text) <= 100 or not numeric_next:
                return False
        nxt = post[j + 1]
        # First a rest the next column takes as it is, then any value (its columns skipped).
        for strict in (True, False):
            for size in (1, 2, 3):
                head, rest = text[:size], text[size:]
                if not head.isdigit() or not rest or int(head) > 100:
                    continue
                if rest[0] == "." or (rest[0] == "0" and rest[1:2] not in ("", ".")):
                    continue
                if strict and re.fullmatch(r"\d+(?:\.\d+)?", text):
                    ok = Decimal(rest) <= 100
                elif strict:
                    ok = fits(nxt, rest) and (nxt is not Col.VALUE or is_value_like(rest))
                else:
                    later_value = Col.VALUE in post[j + 1 :] or nxt in _FREE_TEXT
                    ok = is_value_like(rest) or (later_value and not rest[0].isdigit())
                if ok:
                    record.cells[j] = Cell(head, cell.line)
                    record.next_col = j + 1
                    self._post_cell(record, Cell(rest, cell.line), ahead)
                    return True
        return False

    def _split_numbers(self, record: Record, cell: Cell, ahead: list[str]) -> bool:
        """Target, weight, actual and score run together into one digit string (`30001533261515`)
        when the row has no further cells for them: the one way to cut it that a self-evaluation
        allows (weight at most 100, score at most the weight, actual within half to twice the
        target). Several ways, or none: the cell stays as it is."""
        post, j = self.post, record.next_col
        text = unicodedata.normalize("NFKC", cell.text).strip()
        while j < len(post) and post[j] in _SKIPPABLE and not fits(post[j], text):
            j += 1  # the cell lands past empty sign and unit columns
        if j >= len(post) or post[j] is not Col.VALUE:
            return False
        roles: list[Col] = []
        for col in post[j + 1 :]:
            if col not in (Col.WEIGHT, Col.ACTUAL, Col.SCORE):
                break
            roles.append(col)
        if not roles or not re.fullmatch(r"\d[\d.]{3,}", text) or (ahead and _NUMBER.match(key(ahead[0]))):
            return False
        unit = next((c.text for i, c in record.cells.items() if post[i] is Col.UNIT), "")
        percent = "%" in unit or "百分比" in unit
        found = [p for p in _cuts(text, 1 + len(roles)) if _plausible([Col.VALUE, *roles], p, percent)]
        if len(found) != 1:
            return False
        record.cells[j] = Cell(found[0][0], cell.line)
        for offset, part in enumerate(found[0][1:], start=1):
            record.cells[j + offset] = Cell(part, cell.line)
        record.next_col = j + 1 + len(roles)
        return True

    def _split_sign(self, record: Record, cell: Cell, ahead: list[str]) -> bool:
        """A sign column's cell run into the value after it: `≤100%` under 指标方向 | 石桥区 …"""
        post, j = self.post, record.next_col
        if j + 1 >= len(post) or post[j] is not Col.NATURE or post[j + 1] not in (Col.VALUE, Col.AREA):
            return False
        match = re.match(r"^\s*(>=|<=|[≥≤<>=≧≦﹦＝＞＜])\s*(?=\d)", cell.text)
        if match is None:
            return False
        record.cells[j] = Cell(match.group(1), cell.line)
        record.next_col = j + 1
        self._post_cell(record, Cell(cell.text[match.end() :], cell.line), ahead)
        return True

    def _belongs_later(self, j: int, text: str) -> bool:
        if not (is_value_like(text) or fits(Col.NATURE, text)):
            return False
        later = self.post[j + 1 :]
        return any(c in (Col.VALUE, Col.GRADE, Col.AREA, Col.NATURE) and fits(c, text) for c in later)

    def _is_next_name(self, col: Col, j: int, text: str, ahead: list[str]) -> bool:
        """In a stream, a trailing free-text cell followed by a value is the next row's name; so
        is a word in an actual column followed by a target (a sign, or a number with its unit:
        `惠及住户 | ≥480户`), where an actual word is followed by its weight or score (a bare number)."""
        nxt = ahead[0] if ahead else ""
        if col is Col.ACTUAL and nxt and not is_value_like(text) and is_value_like(nxt):
            return not _NUMBER.match(key(nxt).rstrip("分").replace(",", ""))
        if col not in _FREE_TEXT or any(c not in _FREE_TEXT for c in self.post[j + 1 :]):
            return False
        return bool(nxt) and is_value_like(nxt) and not is_value_like(text)
