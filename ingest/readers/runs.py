"""Cut a table that a document site ran together (no delimiter at all) back into cells.

`一级指标二级指标三级指标指标值产出指标数量指标纸质档案扫描页数80万页质量指标…` has lost every cell
border. What is left to cut on is what every table shares:

- the vocabulary: header labels (一级指标, 年度指标值, 实际完成值 …), form labels (项目名称,
  主管部门 …) and level names (产出指标, 数量指标(必填硬性指标) …) are cells of their own;
- the shape of values: a sign, a number and a unit, or a date, after a name (`≥98%`, `80万页`,
  `2023年11月底前`); a number glued to words that follow it is part of a name (`2022年9月底前
  完成补助资金拨付`);
- a few stock phrases of the standard columns: 指标解释 cells open with 反映 (`反映年度扫描…`),
  绩效标准 cells say 计划标准 / 历史标准 / 行业标准, self-evaluations 达成预期指标 / 按期完成.

Matching runs on a simplified copy (traditional characters, full-width forms), one character
for one, so that the cells keep the text as written. Nothing inside brackets is cut.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

from ingest.readers.vocabulary import (
    _FORM_LABELS,
    _HEADER_LABELS,
    _T2S,
    LEVEL1_NAMES,
    LEVEL2_NAMES,
    OTHER_FORM_LABELS,
    TOP_NAMES,
    _words,
)

_CJK = r"\u3400-\u9fff"

_LABEL_WORDS = sorted(
    {w for w in _HEADER_LABELS if len(w) >= 3}
    | {w for w in _FORM_LABELS if len(w) >= 4}
    | {w for w in LEVEL1_NAMES | LEVEL2_NAMES | TOP_NAMES if len(w) >= 4}
    | {"绩效指标", "指标内容", "预期目标", "实际完成情况", "年初设定目标", "全年实际完成情况", "区域目标值"}
    | {"分值", "得分", "权重", "总分", "合计", "总计"}
    | {"长期绩效指标", "中期绩效指标", "年度绩效指标", "绩效指标评价标准"}
    | set(OTHER_FORM_LABELS),
    key=len,
    reverse=True,
)
# A level name carries its decoration with it: 产出指标(40分), 数量指标(必填硬性指标).
_LABELS = re.compile("(?:" + "|".join(re.escape(w) for w in _LABEL_WORDS) + r")(?:\([^()]{0,12}\)分?)?")
_BASIS = re.compile(r"按[^,，。;；:：按]{2,20}?评价")
_NOTE = re.compile(r"注[:：](?=\d)")
_NUMBERING = re.compile(r"指标[1-9][:]?")
_GRADES = re.compile(r"优良中差")
_EXPLANATION = re.compile(r"反映")
_NEGATED = re.compile(r"(?:不发生|未发生)(?=[\u3400-\u9fff]{2})")
_STANDARDS = re.compile(r"计划标准|历史标准|行业标准|其他标准")
_REACHED = re.compile(r"未?达成预期指标|达到预期指标|基本达到|基本完成")
_DONE = re.compile(r"按期完成|按时完成|全部完成")

_CMP = r"(?:>=|<=|≥|≤|≧|≦|>|<|=|不低于|不少于|不高于|不超过|不大于|不小于|大于等于|小于等于)"
_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_UNITS = sorted(
    _words("""% ‰ 百分比 万元/年 万元 元/人/月 元/人·月 元/户 元/次 元/人 元 万人次 人次 万人 人 户 个 座
    处 项 次 场 批次 件 套
    台 辆 所 家 个工作日 工作日 天 日 小时 分钟 个月 月 年 公里 千米 米 平方米 亩 吨 万册 册 万页 页 万条
    条 张 本 份
    具 株 棵 只 箱 盏 根 栋 名 篇 期 课时 学时 起 批
    公斤 千克 立方米 公顷 千瓦时 千瓦 延米 周 学期"""),
    key=len,
    reverse=True,
)
_UNIT = "(?:" + "|".join(re.escape(u) for u in _UNITS) + ")"
UNITS = tuple(_UNITS)  # longest first
_SUFFIX = r"(?:以上|以下|以内|之内|内|左右)"
_DATE = r"20\d{2}年(?:\d{1,2}月)?(?:\d{1,2}日)?(?:底|末)?(?:前|之前)?"
_PER = rf"(?:/[{_CJK}]{{1,3}})*"
# A unit may carry its 万 / 亿 (`26.5万亩`, `3亿元`).
_VALUE = re.compile(rf"(?:{_CMP})?(?:{_DATE}|{_NUM}(?:[万亿]?{_UNIT})?{_PER}{_SUFFIX}?)")
_QUALIFIERS = {"缩短", "提高", "提升", "增长", "增加", "下降", "降低", "减少", "达到", "超过"}
# An OCR slip for ≥ right after a number (a weight): `10工100元`.
_OCR_SIGN = re.compile(r"(?<=\d)工(?=\d)")


def _simplified(text: str) -> str:
    """A one-for-one simplified copy used only to find cut points."""
    # NFKC character by character keeps positions (a few forms such as ㎡ would grow).
    folded = "".join(f if len(f := unicodedata.normalize("NFKC", c)) == 1 else c for c in text)
    whole = str(_T2S.convert(folded))
    if len(whole) == len(folded):
        return whole  # one call for the whole text; t2s keeps the length almost always
    return "".join(t if len(t := str(_T2S.convert(c))) == 1 else c for c in folded)


def _outside_brackets(text: str) -> list[bool]:
    depth = 0
    inside = []
    for char in text:
        if char in "(（":
            depth += 1
        inside.append(depth > 0)
        if char in ")）" and depth:
            depth -= 1
    return [not x for x in inside]


_TREE_WORDS = re.compile(
    "|".join(re.escape(w) for w in sorted(_HEADER_LABELS, key=len, reverse=True) if len(w) >= 3)
)
_LEVEL_WORDS = re.compile(
    "|".join(re.escape(w) for w in sorted(LEVEL1_NAMES | LEVEL2_NAMES, key=len, reverse=True) if len(w) >= 4)
)


def looks_run_together(text: str) -> bool:
    """A stretch without spaces holding several labels of the tree (一级指标二级指标…) or several
    level names (产出指标数量指标…): cells that lost their borders."""
    if len(text) < 20 or sum(1 for c in text if c.isspace()) > len(text) / 15:
        return False
    norm = _simplified(text)
    return len(_TREE_WORDS.findall(norm)) >= 3 or len(_LEVEL_WORDS.findall(norm)) >= 3


# A 公示 page lists a level's indicators in a sentence: `1.数量指标：完成加装电梯数量≥40台；…`.
_LEVEL_ALTERNATIVES = "|".join(
    re.escape(w) for w in sorted(LEVEL1_NAMES | LEVEL2_NAMES, key=len, reverse=True) if len(w) >= 4
)
_LISTED = re.compile(
    rf"^\s*(?:[(（]?[一二三四五六七八九十\d]{{1,2}}[)）.、．]\s*)?(?:{_LEVEL_ALTERNATIVES})[:：]\s*\S"
)


def lists_items(text: str) -> bool:
    """A line that opens with a level name and a colon, its indicators listed after it."""
    return bool(_LISTED.match(_simplified(text)))


def segment(text: str) -> list[str]:
    """Cells of a run-together text, as written (layout spaces between CJK characters dropped)."""
    text, spaced = _drop_layout_spaces(text.strip())
    norm = _simplified(text)
    outside = _outside_brackets(norm)
    cuts: set[int] = {0, len(text)}
    drop: list[tuple[int, int]] = []
    labelled: list[tuple[int, int]] = []
    for match in _LABELS.finditer(norm):
        if outside[match.start()]:
            start = match.start()
            # `…维护项目 主管部门`: a space the text had inside a longer form label (项目主管部门)
            # is where the cell ended, when a form label starts after it.
            inner = [p for p in spaced if start < p < match.end() and norm[p : match.end()] in _FORM_LABELS]
            if inner and match.group() in _FORM_LABELS:
                start = inner[0]
            cuts.update((start, match.end()))
            labelled.append((start, match.end()))
    for match in _GRADES.finditer(norm):
        cuts.update(range(match.start(), match.end() + 1))
    for match in _NUMBERING.finditer(norm):
        if any(a <= match.start() < b for a, b in labelled):
            continue  # 时效指标100: the label's own 指标, not a numbering
        if outside[match.start()]:
            cuts.update((match.start(), match.end()))
            drop.append((match.start(), match.end()))
    for match in _BASIS.finditer(norm):
        if outside[match.start()]:
            cuts.update((match.start(), match.end()))  # a 评价标准确定依据 cell: 按…评价
    for match in _NOTE.finditer(norm):
        cuts.add(match.start())
    for match in _NEGATED.finditer(norm):
        if outside[match.start()] and match.start() > 0 and re.match(rf"[{_CJK}]", norm[match.start() - 1]):
            cuts.add(match.start())  # 返贫致贫情况不发生规模性返贫: a word target after the name
    for match in _EXPLANATION.finditer(norm):
        if outside[match.start()] and match.start() > 0:
            cuts.add(match.start())
    for pattern, needs_end in ((_STANDARDS, False), (_REACHED, False), (_DONE, True)):
        for match in pattern.finditer(norm):
            if not outside[match.start()]:
                continue
            if needs_end and not _ends_cell(norm, match.end(), cuts):
                continue  # 按期完成率: the phrase opens a name here
            if _after_value(norm, match.start(), cuts):
                cuts.update((match.start(), match.end()))
    # Prose lists items with ; and 。 (公示 pages): a sentence end closes a cell.
    sentence_ends = {m.end() for m in _SENTENCE_END.finditer(norm) if outside[m.start()]}
    cuts |= sentence_ends
    pieces = []
    ordered = sorted(cuts)
    for start, end in itertools.pairwise(ordered):
        if any(a <= start and end <= b for a, b in drop):
            continue
        pieces.extend(_values(text, norm, start, end, end in sentence_ends))
    cleaned = [p.strip().strip(":：,，;；、。…").strip() for p in pieces]
    # List numbering left alone before a label (`一、` `（一）` `1.` before 产出指标) is no cell.
    numbering = r"[。.…]+|[一二三四五六七八九十]|[(（][一二三四五六七八九十\d]{1,2}[)）]|\d{1,2}[.．]"
    return [p for p in cleaned if p and not re.fullmatch(numbering, p)]


_UNITS_CHARS = {u[-1] for u in _UNITS}
_LAYOUT_SPACE = re.compile(rf"(?<=[{_CJK}（）()])\s+(?=[{_CJK}（）()])")


def _drop_layout_spaces(text: str) -> tuple[str, list[int]]:
    """The text without spaces between CJK characters, and where in it they were."""
    out: list[str] = []
    spaced: list[int] = []
    position = 0
    length = 0
    for match in _LAYOUT_SPACE.finditer(text):
        out.append(text[position : match.start()])
        length += match.start() - position
        spaced.append(length)
        position = match.end()
    out.append(text[position:])
    return "".join(out), spaced


def _after_value(norm: str, at: int, cuts: set[int]) -> bool:
    """A stock phrase is a cell of its own after a value, a label or another stock phrase."""
    if at == 0 or at in cuts:
        return True
    before = norm[at - 1]
    return before.isdigit() or before in "%)）是否内前底上下" or before in _UNITS_CHARS


def _ends_cell(norm: str, at: int, cuts: set[int]) -> bool:
    if at >= len(norm) or at in cuts:
        return True
    return norm[at].isdigit() or bool(
        _DONE.match(norm, at) or _REACHED.match(norm, at) or _LABELS.match(norm, at)
    )


# A self-evaluation's target and actual, both a word, glued to the name: `…是否建立是是`, `…健全性健全健全`.
_DOUBLED = re.compile(
    r"(是|否|健全|完善|有效|良好|达标|合格|落实|完成)(?:是|否|健全|完善|有效|良好|达标|合格|落实|完成)$"
)
_SENTENCE_END = re.compile(r"[;；。](?=[\u3400-\u9fff★(]|$)")
# Qualitative targets closing a listed item: `羊粪还田利用率提高。`.
_TRAILING_WORD = re.compile(
    r"(?<=\S{4})((?:逐步|持续|不断|明显|显著|有效|进一步|稳步|基本)?"
    r"(?:提高|提升|改善|健全|完善|有效|良好|减少|降低|下降|建立|增强|规范|稳定|发挥))[;；。]?$"
)


def _values(text: str, norm: str, start: int, end: int, sentence: bool = False) -> list[str]:
    """A stretch between labels: a name, then value tokens, cut where values start."""
    if sentence:
        word = _TRAILING_WORD.search(norm, start, end)
        if word and not any(ch.isdigit() for ch in norm[word.start() : end]) and word.start() > start:
            return [*_values(text, norm, start, word.start()), text[word.start() : end]]
    out: list[str] = []
    position = start
    i = start
    while i < end:
        char = norm[i]
        sign_start = char in "≥≤><=≧≦" or norm.startswith(("不低于", "不少于", "不高于", "不超过"), i)
        after_number = i >= 2 and norm[i - 1] in ".," and norm[i - 2].isdigit()  # 1,286 / 0.45
        digit_start = char.isdigit() and (i == start or not norm[i - 1].isdigit()) and not after_number
        # An OCR 工 for ≥ or ≤ opens a value after a number or right after another value
        # (`10工100元`, `≤48小时工5小时`).
        ocr = (
            char == "工"
            and i > start
            and (
                norm[i - 1].isdigit()
                or (norm[i - 1] in _UNITS_CHARS and _VALUE_BEFORE.search(norm, start, i))
            )
            and i + 1 < end
            and norm[i + 1].isdigit()
        )
        if sign_start or digit_start or ocr:
            match = _VALUE.match(norm, i + 1 if ocr else i, end)
            running = (
                match is not None
                and match.end() < end
                and norm[match.end() - 1].isdigit()
                and norm[match.end()] in "0123456789."
            )
            if match and sign_start and running:
                # Numbers run together (`≥981597.214.8`): one cell, cut by the tree's columns.
                run = re.compile(r"[\d.]*").match(norm, match.end(), end)
                extended = re.compile(r".*", re.S).match(
                    norm, match.start(), run.end() if run else match.end()
                )
                match = extended or match
            signed = match is not None and bool(re.match(_CMP, match.group()))
            if match and not signed and not _stands_alone(norm, match.end(), end) and match.end() > i + 1:
                i = match.end()  # a number inside a name (`2024年11月30日前站点…`): read past it
                continue
            if match and (signed or _stands_alone(norm, match.end(), end)):
                qualifier = i - 2 >= position and norm[i - 2 : i] in _QUALIFIERS
                if qualifier and "%" in match.group() and not signed:
                    i -= 2  # 缩短50%以上: the word says which way the number goes (a sign says it)
                if position < i:
                    out += _name_piece(text, norm, position, i)
                out.append(text[i : match.end()])
                position = i = match.end()
                continue
        i += 1
    if position < end:
        out += _name_piece(text, norm, position, end)
    return out


_VALUE_BEFORE = re.compile(r"\d(?:[%‰]|[\u3400-\u9fff]{1,3})$")


def _name_piece(text: str, norm: str, start: int, end: int) -> list[str]:
    """A stretch before a value or at the end; a doubled yes/no or word target splits off."""
    rest = text[start:end]
    doubled = _DOUBLED.search(norm, start, end)
    if doubled and doubled.start() - start > 3:
        half = len(doubled.group()) // 2
        return [rest[: -2 * half], rest[-2 * half : -half], rest[-half:]]
    return [rest]


def _stands_alone(norm: str, at: int, end: int) -> bool:
    """A value ends where the stretch ends or another value or a bracket starts; a number
    followed by words is part of a name (`2022年9月底前完成…`, `12个村`)."""
    if at >= end or norm[at - 1] in "%‰":
        return True  # a percentage ends a value whatever follows
    nxt = norm[at]
    if nxt in ",，、;；。…":
        return True  # items of a list: `≥6万元,参与养殖农户…`
    if nxt in "是否" and (at + 1 >= end or norm[at + 1].isdigit() or _REACHED.match(norm, at + 1)):
        return True  # `…成效10是基本达到`: a weight, then a yes/no target
    return nxt.isdigit() or nxt in "≥≤><=≧≦工" or norm.startswith(("不低于", "不少于"), at)
