"""Parse target values (指标值) of budget performance target tables into `Target` records.

`parse_target` types one value as written in a table:

- quantitative: an optional comparator (symbol, word or OCR LaTeX), a number and a unit:
  "≥95%", "$\\geq 80\\%$", "不少于10次", "95%以上", "≤2.55万元/年", "3万元 /村", "增幅20%";
- date: a day, a deadline, a period, a recurrence or a duration: "2021年12月31日",
  "2023年12月底", "2021年1月至12月", "2023.07-2024.01", "每季度", "一年内", "12个月";
- qualitative: a short phrase of Chinese words with no number: "提高", "明显提高", "社会稳定";
- unparsed: everything else, including template debris ("≥**株", "XX"), which is flagged
  `placeholder`.

`split_name_and_target` cuts a value written inside an indicator name off that name
("培训乡村两级调委会成员数 39人次" -> name, "39人次").

Invariants:
- `Target.raw` is exactly the input string, whatever else happens;
- nothing is invented: a value, unit or date appears only when the text states it without
  ambiguity; anything that would need a guess is UNPARSED (or a DATE with `date_text` only);
- `parse_target` never raises on a `str`.

Conventions a reader of the records needs:
- `comparator` is set whenever `value` is (NONE for a bare number), and on a date only when
  the text gave a sign ("≤2023年12月"); calendar dates without one have None;
- durations are DATE targets carrying `value` and `unit`: "12个月" (NONE), "一年内" and "1年内"
  (≤ 1 年; Chinese numerals are read only in durations); bare "15日", "2季度" stay UNPARSED;
- a deadline ("2023年12月底", "…前", "截至…") has only `date_end`; a period ("2023年全年",
  "2021年1月至12月", "2023.07-2024.01") has both; text without a year ("1-12月", "12月底前",
  "每月", "全年") has only `date_text`. `date_text` is the canonical text less any comparator
  and less a trailing 完成/完毕 ("一年内完成" -> "一年内");
- 以上/以下/以内 bound inclusively (≥/≤); a qualifier word before the number ("增幅", "达到",
  "约", "提高" ...) leaves the comparator NONE and survives only in `raw`;
- `qualitative` is the canonical text (whitespace removed), at most 12 Chinese characters;
- a sign and/or a common unit with no number ("≥", "%", "万元") is a placeholder too.

Parsing works on a canonical copy: NFKC (full-width digits, signs and letters become ASCII),
control characters dropped, OCR LaTeX rewritten, trimmed, and whitespace removed except
between two digits (so "10 20" never becomes the number 1020).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

from ingest.records import Comparator, Target, TargetKind, Unit

__all__ = ["parse_target", "split_name_and_target"]


def _words(text: str) -> list[str]:
    return text.split()


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so that "大于等于" wins over "大于" and ">=" over ">".
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# --- canonical text -------------------------------------------------------------------

# OCR turns "≥95%" into LaTeX. Order matters: \geqslant before \geq before \ge.
_LATEX: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\\(?:geqslant|geq|ge)(?![A-Za-z])"), "≥"),
    (re.compile(r"\\(?:leqslant|leq|le)(?![A-Za-z])"), "≤"),
    (re.compile(r"\\gt(?![A-Za-z])"), ">"),
    (re.compile(r"\\lt(?![A-Za-z])"), "<"),
    (re.compile(r"\\sim(?![A-Za-z])"), "~"),
    (re.compile(r"\\times(?![A-Za-z])"), "×"),
    (re.compile(r"\\cdot(?![A-Za-z])"), "·"),
    (re.compile(r"\\(?:left|right)(?![A-Za-z])"), ""),
    (re.compile(r"\\(?:text|mathrm|mathbf|rm|mbox)\s*\{([^{}]*)\}"), r"\1"),
    (re.compile(r"\\%"), "%"),
    (re.compile(r"\\[,;:! ]"), " "),
    (re.compile(r"\^\{?(\d)\}?"), r"\1"),
    (re.compile(r"[${}]"), ""),
]

# Characters NFKC leaves alone but which mean an ASCII sign here.
_SIGNS = str.maketrans({"−": "-", "﹣": "-"})

# Whitespace goes, except a run between two digits, which keeps one space as a barrier.
_SPACE = re.compile(r"(?<!\d)\s+|\s+(?!\d)")


def _canonical(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).translate(_SIGNS)
    # Cc/Cf: NULs, BOMs and zero-width spaces carry nothing a reader could mean.
    s = "".join(c for c in s if c.isspace() or unicodedata.category(c) not in ("Cc", "Cf"))
    if "\\" in s or "$" in s:
        for pattern, replacement in _LATEX:
            s = pattern.sub(replacement, s)
    return _SPACE.sub("", s.strip())


# --- comparators, qualifiers, numbers, units -----------------------------------------------

_SYMBOL_COMPARATORS: dict[str, Comparator] = {
    **dict.fromkeys([">=", "=>", "≥", "≧", "⩾", "≮"], Comparator.GE),
    **dict.fromkeys(["<=", "=<", "≤", "≦", "⩽", "≯"], Comparator.LE),
    ">": Comparator.GT,
    "<": Comparator.LT,
    "=": Comparator.EQ,
    "==": Comparator.EQ,
}
# Words that bound a number the same way; "不低于" etc. include the number itself.
_WORD_COMPARATORS: dict[str, Comparator] = {
    **dict.fromkeys(
        ["大于或等于", "大于等于", "不低于", "不少于", "不小于", "至少", "最少", "最低"], Comparator.GE
    ),
    **dict.fromkeys(
        ["小于或等于", "小于等于", "不高于", "不超过", "不多于", "不大于", "至多", "最多", "最高"],
        Comparator.LE,
    ),
    **dict.fromkeys(["大于", "高于", "多于", "超过"], Comparator.GT),
    **dict.fromkeys(["小于", "低于", "少于", "不足"], Comparator.LT),
    "等于": Comparator.EQ,
}
_COMPARATORS = {**_SYMBOL_COMPARATORS, **_WORD_COMPARATORS}

# After the number. By Chinese convention 以上/以下 include the number (≥/≤).
_SUFFIXES: dict[str, Comparator] = {
    "及以上": Comparator.GE,
    "以上": Comparator.GE,
    "及以下": Comparator.LE,
    "以下": Comparator.LE,
    "以内": Comparator.LE,
    "之内": Comparator.LE,
    "内": Comparator.LE,
    "左右": Comparator.NONE,  # "about": no bound, the number stands as written
}

# Words before a number that say what it is, not how it bounds: "增幅20%" is 20 %, no sign.
_QUALIFIERS = _words(
    """增幅 增长率 增长 增加 增速 降幅 下降 降低 减少 提高 提升 达到 达 约 大约 约为
    共 共计 合计 累计 总计 计 为 年均 平均 新增 控制在 保持在 保持 完成 实现
    每周 每月 每季度 每年 每日 每天 每学期 发现后 接报后 报修后 受理后 收到后 到达后 到馆后"""
)

_CMP = _alternation(_COMPARATORS)
_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A unit part: a sign, a Latin abbreviation ("km", "m2" from "㎡") or a few Chinese
# characters, lazily so that a trailing 以上/以内 is read as a bound, not as unit.
_UNIT_PART = rf"(?:%|‰|°[CF]?|[A-Za-z]{{1,5}}\d?|[{_CJK}]{{1,6}}?)"
_UNIT = rf"(?:{_UNIT_PART}(?:/{_UNIT_PART})*|(?:/{_UNIT_PART})+)"

_QUANTITY = re.compile(
    rf"(?P<qual>{_alternation(_QUALIFIERS)})?(?P<cmp>{_CMP})?(?P<num>{_NUMBER})"
    rf"(?P<unit>{_UNIT})??(?P<suf>{_alternation(_SUFFIXES)})?"
)
_LEADING_CMP = re.compile(_CMP)

# A number of these is a duration, so the target is a DATE carrying value and unit.
_DURATION_UNITS = set(_words("年 个月 天 周 周年 个工作日 工作日 小时 分钟 个季度 星期 个星期"))
# Also durations, but only with a bound: bare "15日" or "2季度" may name a day or a quarter.
_BOUNDED_DURATION_UNITS = {"日", "月", "季度", "季"}
_DATE_CHARS = {"年", "月", "日", "号"}


def _unit(text: str) -> Unit:
    numerator, *per = text.split("/")
    return Unit(text=text, numerator=numerator, per=tuple(per))


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


# --- Chinese numerals (durations such as "一年内", "三个月") -----------------------------

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_DURATION = re.compile(
    rf"(?P<cmp>{_CMP})?(?P<cn>[一二两三四五六七八九十]{{1,3}}|半)(?P<rest>个?(?:年|月|季度|周|天|日|工作日|小时|星期)"
    rf"(?:{_alternation(_SUFFIXES)})?)"
)


def _cn_number(text: str) -> Decimal | None:
    if text == "半":
        return Decimal("0.5")
    match = re.fullmatch(r"([一二两三四五六七八九])?(十)?([一二三四五六七八九])?", text)
    if not match or not text:
        return None
    tens, ten, ones = match.groups()
    if ten:
        return Decimal((_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0))
    if tens and not ones:
        return Decimal(_CN_DIGITS[tens])
    return None


# --- dates ---------------------------------------------------------------------------------

_Y = r"(?P<y>(?:19|20)\d{2})"
_SEP = r"(?:至|到|~|-|—|–|〜|－)"
_DEADLINE = r"(?P<dl>前|之前|以前|止|为止)?"
# Said after a time, these add nothing a date would not: "一年内完成", "2023年12月底前完成".
_COMPLETION = re.compile(r"(?:完成|完毕|结束|办结|实施完毕)$")
_BY = re.compile(r"^(?:截[止至](?:到|至)?|于|在)")

# Numeric dates become 年/月/日 ones, on a scratch copy used only for matching dates.
_NUMERIC_DATES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"((?:19|20)\d{2})[./-](\d{1,2})[./-](\d{1,2})(?![\d.])"), r"\1年\2月\3日"),
    # "2023.07" is a month only with a two-digit month; "2023.5" stays a number.
    (re.compile(r"((?:19|20)\d{2})(?:[-/](\d{1,2})|\.(\d{2}))(?![\d.月])"), r"\1年\2\3月"),
]

_Range = tuple[date | None, date | None]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _int(match: re.Match[str], name: str) -> int:
    return int(match.group(name))


def _day(m: re.Match[str]) -> _Range:
    day = date(_int(m, "y"), _int(m, "m"), _int(m, "d"))
    return (None if m.group("dl") else day), day


def _month(m: re.Match[str]) -> _Range:
    year, month = _int(m, "y"), _int(m, "m")
    start = date(year, month, 1)
    return (None if m.group("dl") else start), _month_end(year, month)


def _month_deadline(m: re.Match[str]) -> _Range:
    return None, _month_end(_int(m, "y"), _int(m, "m"))


def _year_deadline(m: re.Match[str]) -> _Range:
    return None, date(_int(m, "y"), 12, 31)


def _year(m: re.Match[str]) -> _Range:
    year = _int(m, "y")
    return date(year, 1, 1), date(year, 12, 31)


def _half(m: re.Match[str]) -> _Range:
    year = _int(m, "y")
    if m.group("h") == "上":
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


def _quarter(m: re.Match[str]) -> _Range:
    year, q = _int(m, "y"), "一二三四".find(m.group("q")) + 1 or int(m.group("q"))
    return date(year, 3 * q - 2, 1), _month_end(year, 3 * q)


def _month_range(m: re.Match[str]) -> _Range:
    year = _int(m, "y")
    year2 = int(m.group("y2")) if m.group("y2") else year
    start = date(year, _int(m, "m"), int(m.group("d") or 1))
    end = (
        date(year2, _int(m, "m2"), int(m.group("d2"))) if m.group("d2") else _month_end(year2, _int(m, "m2"))
    )
    if end < start:
        # "2023年7月至6月" would have to mean the next year: a guess, so no dates.
        raise ValueError("range ends before it starts")
    return start, end


def _year_range(m: re.Match[str]) -> _Range:
    start, end = date(_int(m, "y"), 1, 1), date(_int(m, "y2"), 12, 31)
    if end < start:
        raise ValueError("range ends before it starts")
    return start, end


def _no_dates(m: re.Match[str]) -> _Range:
    return None, None


_MONTH = r"(?:1[0-2]|0?[1-9])"  # without a year nothing checks a month later, so the pattern does
_M, _D, _M2, _D2 = r"(?P<m>\d{1,2})", r"(?P<d>\d{1,2})", r"(?P<m2>\d{1,2})", r"(?P<d2>\d{1,2})"
_RELATIVE = (
    "年底|年末|年终|年中|年初|年内|年度内|全年|当年|当年内|当年度|本年|本年度|本年内|今年|今年内|"
    "上半年|下半年|当月|本月|当季|当季度|本季度|次月|次年|月底|月末|季末|季度末"
)
_PERIODS = "日|天|周|星期|旬|月|季|季度|半年|年|年度|学期"

# Each pattern must match the whole (comparator-less) text; its resolver gives start and end,
# or raises ValueError when the text is a date but its start/end would be a guess.
_DATE_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], _Range]]] = [
    (re.compile(rf"{_Y}年{_M}月{_D}[日号]?{_DEADLINE}"), _day),
    (re.compile(rf"{_Y}年{_M}月(?:底|末){_DEADLINE}"), _month_deadline),
    (re.compile(rf"{_Y}年{_M}月份?{_DEADLINE}"), _month),
    (re.compile(rf"{_Y}年?(?:年底|年末|年终|底|末){_DEADLINE}"), _year_deadline),
    (re.compile(rf"{_Y}年(?:度|全年|年度|全年度|度全年)?"), _year),
    (re.compile(rf"{_Y}年(?P<h>上|下)半年"), _half),
    (re.compile(rf"{_Y}年(?:第)?(?P<q>[一二三四1-4])季度"), _quarter),
    (
        re.compile(
            rf"{_Y}年{_M}(?:月(?:{_D}[日号]?)?)?{_SEP}(?:(?P<y2>(?:19|20)\d{{2}})年)?{_M2}月"
            rf"(?:{_D2}[日号]?|底|末)?"
        ),
        _month_range,
    ),
    (re.compile(rf"{_Y}年?{_SEP}(?P<y2>(?:19|20)\d{{2}})(?:年度?)?"), _year_range),
    # No year: the text is kept, dates are not made up.
    (
        re.compile(
            rf"(?:当年|本年|今年|年内)?{_MONTH}月(?:\d{{1,2}}[日号])?(?:底|末|初|上旬|中旬|下旬)?{_DEADLINE}"
        ),
        _no_dates,
    ),
    (re.compile(rf"{_MONTH}月?{_SEP}{_MONTH}月(?:底|末)?"), _no_dates),
    (re.compile(rf"(?:{_RELATIVE}){_DEADLINE}"), _no_dates),
    (re.compile(rf"(?:每个?|按)(?:{_PERIODS})(?:度)?"), _no_dates),
    (re.compile(r"每月\d{1,2}[日号](?:前|之前|以前)?"), _no_dates),
]


def _parse_date(body: str) -> tuple[date | None, date | None] | None:
    """Start and end of a date expression (None, None when only its text is certain)."""
    scratch = body
    for pattern, replacement in _NUMERIC_DATES:
        scratch = pattern.sub(replacement, scratch)
    deadline = False
    by = _BY.match(scratch)
    if by:
        deadline = by.group().startswith("截")
        scratch = scratch[by.end() :]
    for pattern, resolve in _DATE_PATTERNS:
        match = pattern.fullmatch(scratch)
        if match:
            try:
                start, end = resolve(match)
            except ValueError:  # an impossible or ambiguous date: keep the text only
                return None, None
            return (None if deadline else start), end
    return None


# --- placeholders --------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\*+|[xX×]{2,}|_{2,}|\?+|○{2,}|[xX×](?=%)|(?<=[≥≤<>=])[xX×]|^[xX×]$")


# Units a template prints next to the blank the unit fills in; alone, they are that blank.
_COMMON_UNITS = _words(
    """% ‰ 人 人次 次 个 份 户 起 块 条 场 场次 村 万人 万元 元 平方米 亩 公里 千米 米 天 个月
    年 月 项 台 套 件 家 所 名 株 棵 吨 小时 期 篇 本 张 辆 处 座 间 批 课时 学时"""
)
_UNIT_WORDS = _alternation(_COMMON_UNITS)
# A sign and/or a unit with no number: "≥", "%", "≥%", "万元/年".
_BARE_TEMPLATE = re.compile(
    rf"(?:{_alternation(_SYMBOL_COMPARATORS)})?(?:{_UNIT_WORDS})?(?:/(?:{_UNIT_WORDS}))*"
)


def _is_placeholder(s: str) -> bool:
    if _BARE_TEMPLATE.fullmatch(s):
        return True
    if not _PLACEHOLDER.search(s):
        return False
    if not re.search(r"\d", _PLACEHOLDER.sub("", s)):
        return True
    # "20XX年": the debris stands where digits would, and the rest parses.
    filled = _PLACEHOLDER.sub(lambda m: "1" * len(m.group()), s)
    return _typed(raw=s, s=filled) is not None


# --- parse_target ----------------------------------------------------------------------

_QUALITATIVE = re.compile(rf"[{_CJK}、,;/()·]+")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_MAX_QUALITATIVE_CHARS = 12


def parse_target(raw: str) -> Target:
    """Type one target value; see the module docstring. Never raises on a str."""
    try:
        s = _canonical(raw)
        if not s:
            return Target(raw=raw, kind=TargetKind.UNPARSED)
        if _is_placeholder(s):
            return Target(raw=raw, kind=TargetKind.UNPARSED, placeholder=True)
        typed = _typed(raw, s)
        if typed is not None:
            return typed
        cjk = len(_CJK_CHAR.findall(s))
        if _QUALITATIVE.fullmatch(s) and cjk <= _MAX_QUALITATIVE_CHARS:
            return Target(raw=raw, kind=TargetKind.QUALITATIVE, qualitative=s)
    except Exception:  # the contract is "never raises": a parser bug must not stop an ingest
        pass
    return Target(raw=raw, kind=TargetKind.UNPARSED)


def _typed(raw: str, s: str) -> Target | None:
    """A DATE or QUANTITATIVE target for canonical text `s`, or None."""
    cmp_match = _LEADING_CMP.match(s)
    cmp_end = cmp_match.end() if cmp_match else 0
    comparator = _COMPARATORS[cmp_match.group()] if cmp_match else None
    complete = _COMPLETION.sub("", s)
    # "完成" after a time is dropped ("一年内完成"); after a number it is not ("100%完成").
    for whole, dates_only in ((s, False), (complete, True)):
        body = whole[cmp_end:]
        if not body or (dates_only and whole == s):
            continue
        dates = _parse_date(body)
        if dates is not None:
            start, end = dates
            return Target(
                raw=raw,
                kind=TargetKind.DATE,
                comparator=comparator,
                date_start=start,
                date_end=end,
                date_text=body,
            )
        quantity = _quantity(raw, whole, body)
        if quantity is not None and (quantity.kind is TargetKind.DATE or not dates_only):
            return quantity
    return None


def _quantity(raw: str, s: str, date_text: str) -> Target | None:
    match = _QUANTITY.fullmatch(s)
    if match is None:
        cn = _CN_DURATION.fullmatch(s)
        number = _cn_number(cn.group("cn")) if cn else None
        if cn is None or number is None:
            return None
        match = _QUANTITY.fullmatch(f"{cn.group('cmp') or ''}{number}{cn.group('rest')}")
        if match is None:
            return None
    value = _decimal(match.group("num"))
    if value is None:
        return None
    prefix = _COMPARATORS[match.group("cmp")] if match.group("cmp") else None
    suffix = _SUFFIXES[match.group("suf")] if match.group("suf") else None
    if prefix is not None and suffix is not None and prefix != suffix:
        return None  # "≤10以上" contradicts itself
    comparator = prefix or suffix or Comparator.NONE
    unit = _unit(match.group("unit")) if match.group("unit") else None
    if unit is not None and not unit.per:
        bounded = comparator is not Comparator.NONE
        if unit.numerator in _DURATION_UNITS or (unit.numerator in _BOUNDED_DURATION_UNITS and bounded):
            return Target(
                raw=raw,
                kind=TargetKind.DATE,
                comparator=comparator,
                value=value,
                unit=unit,
                date_text=date_text,
            )
        if unit.numerator in _BOUNDED_DURATION_UNITS or unit.numerator[:1] in _DATE_CHARS:
            return None  # "15日", "2023年前": a day or a date, not a count
    return Target(raw=raw, kind=TargetKind.QUANTITATIVE, comparator=comparator, value=value, unit=unit)


# --- split_name_and_target ------------------------------------------------------------------

_NUMBERING = re.compile(
    r"^\s*(?:[(（]\s*[一二三四五六七八九十\d０-９]{1,3}\s*[)）]|[\d０-９]{1,3}\s*[.．、)）]"
    r"|[一二三四五六七八九十]{1,3}\s*[、.．])"
)
_EDGE_JUNK = " \t\r\n\u3000:：,，、;；"
_VALUE_KINDS = (TargetKind.QUANTITATIVE, TargetKind.DATE)
_MAX_SPLIT_QUALITATIVE_CHARS = 6
# A value written into a name is short ("2021年1月至12月"); longer tails are not tried, which
# also keeps a pathological line from costing quadratic time.
_MAX_VALUE_CHARS = 40


def split_name_and_target(text: str) -> tuple[str, str]:
    """Cut a target value written inside an indicator name off the name.

    Returns (name, raw target text); the target text is "" when the line holds no value.
    The name loses its list numbering ("1.", "2、", "(一)") and edge colons and spaces;
    the target is the text as it appears, so it can be given to `parse_target`.

    A value is cut off only when a non-empty name remains, tried in this order:
    1. the longest run of trailing whitespace-separated tokens that is a number, date or
       placeholder: "…文化活动 200人 ≥1次" -> ("…文化活动 200人", "≥1次"), because
       "200人 ≥1次" is two values and only the last is typed;
    2. a last whitespace-separated token that is a short qualitative word: "…情况 提高";
    3. a number, date or placeholder glued to the end of the name, starting at a digit, a
       comparator or OCR LaTeX: "支付及时率100%", "…完成时间2021年1月至12月". Words glued to
       a name are never cut ("一年内完成", "上级部门考核情况良好" stay whole), and a number
       at the very start of a line is part of the name ("2023年全年").
    """
    body = _NUMBERING.sub("", text).strip(_EDGE_JUNK)
    tokens = list(re.finditer(r"\S+", body))
    for token in tokens[1:]:
        if len(body) - token.start() > _MAX_VALUE_CHARS:
            continue
        name, value = _name(body[: token.start()]), body[token.start() :].strip()
        if name and not _cuts_a_value(name) and _is_value(parse_target(value)):
            return name, value
    if len(tokens) > 1:
        last = tokens[-1]
        name, target = _name(body[: last.start()]), parse_target(last.group())
        if (
            name
            and target.kind is TargetKind.QUALITATIVE
            and len(target.qualitative or "") <= _MAX_SPLIT_QUALITATIVE_CHARS
        ):
            return name, last.group()
    for i in range(max(1, len(body) - _MAX_VALUE_CHARS), len(body)):
        if _may_start_value(body, i):
            name, value = _name(body[:i]), body[i:].strip()
            if name and _is_value(parse_target(value)):
                return name, value
    return _name(body), ""


def _name(text: str) -> str:
    return text.strip(_EDGE_JUNK)


_ENDS_WITH_COMPARATOR = re.compile(rf"(?:{_CMP})$")


def _cuts_a_value(name: str) -> bool:
    # "知晓率$\geq 90\%$" must not become ("知晓率$\geq", "90\%$"): a sign or an open LaTeX
    # formula left on the name means the value starts earlier.
    return name.count("$") % 2 == 1 or _ENDS_WITH_COMPARATOR.search(_canonical(name)) is not None


def _is_value(target: Target) -> bool:
    return target.kind in _VALUE_KINDS or target.placeholder


def _may_start_value(body: str, i: int) -> bool:
    char = unicodedata.normalize("NFKC", body[i])
    before = unicodedata.normalize("NFKC", body[i - 1])
    if char.isdigit():
        # Not inside a number ("1065712.65") or an identifier ("A3").
        return not (before.isdigit() or before in ".,-+" or (before.isascii() and before.isalpha()))
    if char in "$\\*" or _PLACEHOLDER.match(char):
        return True
    return _LEADING_CMP.match(unicodedata.normalize("NFKC", body[i : i + 6])) is not None
