"""Helpers every reader shares: amounts, years, names, objectives and indicator building."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from ingest import categories
from ingest.records import Indicator, Objective
from ingest.target import parse_target, split_name_and_target

_CJK = r"\u3400-\u9fff\uf900-\ufaff"
# CJK punctuation and full-width forms (（）：，、) join CJK text the same way: a PDF cell that
# wraps before "（必填）" must not leave a space in the label.
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef"
# PDF/OCR extraction leaves spaces inside names ("调委会工作 补助经费"); between two CJK
# characters a space carries no meaning, elsewhere ("3万元 /村", "A 级") it may.
_CJK_GAP = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])\s+(?=[{_CJK}{_CJK_PUNCT}])")
_YEAR = re.compile(r"(20\d{2})\s*年")


# A line break between two CJK characters inside a value is where a cell wrapped ("有效发\n挥").
_WRAP = re.compile(rf"(?<=[{_CJK}{_CJK_PUNCT}])[ \t]*\n\s*(?=[{_CJK}{_CJK_PUNCT}])")


def unwrap(value: str) -> str:
    """A value cell's text without its padding and without the line breaks of cell wrapping."""
    return _WRAP.sub("", value.strip())


def tidy(text: str) -> str:
    """Trim, fold whitespace runs, and drop spaces between CJK characters."""
    return _CJK_GAP.sub("", re.sub(r"\s+", " ", text).strip())


def parse_amount(text: str) -> Decimal | None:
    """`588.39` / `1,234.50` / `10` -> Decimal; blank or non-numeric -> None."""
    cleaned = unicodedata.normalize("NFKC", text).replace(",", "").strip()
    if not cleaned:
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def find_year(text: str) -> int | None:
    match = _YEAR.search(unicodedata.normalize("NFKC", text))
    return int(match.group(1)) if match else None


# 目标一：… / 目标1: … / 目标1、… / 目标 2 …
_NUMBERED_GOAL = re.compile(r"^\s*(目标\s*([一二三四五六七八九十]+|\d+))\s*[:：、.．,，]?\s*(.*)$", re.S)
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def _ordinal(numeral: str) -> int:
    if numeral.isdigit():
        return int(numeral)
    if len(numeral) == 2 and numeral[0] == "十":  # 十一..十九
        return 10 + _CN_DIGITS[numeral[1]]
    if len(numeral) >= 2 and numeral[-1] == "十":  # 二十
        return _CN_DIGITS[numeral[0]] * 10
    return _CN_DIGITS.get(numeral[0], 0)


def objectives_from_paragraphs(paragraphs: list[str], line: int | None) -> list[Objective]:
    """Numbered goals become numbered objectives; a single unnumbered paragraph is the overall one.

    Unnumbered paragraphs among numbered goals continue the goal before them.
    """
    texts = [tidy(p) for p in paragraphs if tidy(p)]
    if not texts:
        return []
    if not any(_NUMBERED_GOAL.match(t) for t in texts):
        return [Objective(text="\n".join(texts), ordinal=None, line=line)]
    goals: list[Objective] = []
    for text in texts:
        match = _NUMBERED_GOAL.match(text)
        if match:
            goals.append(
                Objective(
                    text=match.group(3).strip(),
                    ordinal=_ordinal(match.group(2)),
                    label=match.group(1),
                    line=line,
                )
            )
        elif goals:
            last = goals[-1]
            goals[-1] = Objective(
                text=f"{last.text}\n{text}", ordinal=last.ordinal, label=last.label, line=line
            )
        else:
            goals.append(Objective(text=text, ordinal=None, line=line))
    return goals


def make_indicator(
    level1: str, level2: str, name_cell: str, value_cell: str, source_text: str, line: int | None
) -> Indicator:
    """An indicator from its cells; when the value cell is empty, look for a value inside the name.

    The raw value is the cell's text without the padding around it: a text extraction indents
    cells ("     1个"), Word and PDF cells have none, and the value is the same.
    """
    raw = unwrap(value_cell)
    if value_cell.strip():
        name = tidy(name_cell)
    else:
        # Split before tidying: the space in "…提高情况 提高" is what separates name and value.
        split_name, raw = split_name_and_target(re.sub(r"\s+", " ", name_cell).strip())
        name = tidy(split_name)
    return Indicator(
        level1=tidy(level1),
        level2=tidy(level2),
        name=name,
        target=parse_target(raw),
        source_text=source_text,
        line=line,
    )


def category_warning(indicator: Indicator, where: str) -> str | None:
    """A warning when the labels name no known category or contradict each other."""
    category = categories.resolve(indicator.level1, indicator.level2)
    if category is None:
        return f"{where}: no known category for {indicator.level1!r} / {indicator.level2!r}"
    stated = categories.level1_concept(indicator.level1) if indicator.level1 else None
    if stated is not None and stated != category.level1:
        return (
            f"{where}: {indicator.level2!r} sits under {indicator.level1!r} in the source; "
            f"filed under {categories.LEVEL1_LABEL[category.level1]}"
        )
    return None
