"""Target values (指标值): real ones from the two samples, the variants other tables use, and debris."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.records import Comparator, Target, TargetKind, Unit
from ingest.target import parse_target, split_name_and_target

SAMPLES = Path(__file__).resolve().parent.parent.parent / "samples"
SAMPLE_FILES = [SAMPLES / "000_6042772d099d8031.txt", SAMPLES / "001_c93f3a72651805c2.txt"]

GE, LE, GT, LT, EQ, NONE = (
    Comparator.GE,
    Comparator.LE,
    Comparator.GT,
    Comparator.LT,
    Comparator.EQ,
    Comparator.NONE,
)


# Expected targets are written without `raw`; the test puts the input there.
def quant(value: str, unit: Unit | None = None, cmp: Comparator = NONE) -> Target:
    return Target(raw="", kind=TargetKind.QUANTITATIVE, comparator=cmp, value=Decimal(value), unit=unit)


def qual(word: str) -> Target:
    return Target(raw="", kind=TargetKind.QUALITATIVE, qualitative=word)


def when(
    text: str, start: date | None = None, end: date | None = None, cmp: Comparator | None = None
) -> Target:
    return Target(
        raw="", kind=TargetKind.DATE, comparator=cmp, date_start=start, date_end=end, date_text=text
    )


def duration(text: str, value: str, unit: str, cmp: Comparator = NONE) -> Target:
    return Target(
        raw="", kind=TargetKind.DATE, comparator=cmp, value=Decimal(value), unit=u(unit), date_text=text
    )


def u(text: str) -> Unit:
    return Unit(text=text, numerator=text)


def per(numerator: str, *per: str) -> Unit:
    return Unit(text="/".join((numerator, *per)), numerator=numerator, per=per)


UNPARSED = Target(raw="", kind=TargetKind.UNPARSED)
PLACEHOLDER = Target(raw="", kind=TargetKind.UNPARSED, placeholder=True)
PERCENT = u("%")

# Verbatim from the samples: 000 values as they follow the name in a <p>, 001 value cells
# as they stand after the tab (leading and trailing spaces included).
REAL_VALUES: list[tuple[str, Target]] = [
    # 000
    ("39人次", quant("39", u("人次"))),
    ("13个", quant("13", u("个"))),
    ("100%", quant("100", PERCENT)),
    ("98%", quant("98", PERCENT)),
    ("95%", quant("95", PERCENT)),
    ("30元", quant("30", u("元"))),
    ("70元", quant("70", u("元"))),
    ("200元", quant("200", u("元"))),
    ("300元", quant("300", u("元"))),
    ("≤1.02万元", quant("1.02", u("万元"), LE)),
    ("≥95%", quant("95", PERCENT, GE)),
    ("≥90%", quant("90", PERCENT, GE)),
    ("≥ 95%", quant("95", PERCENT, GE)),
    ("22人", quant("22", u("人"))),
    ("894人", quant("894", u("人"))),
    ("44人", quant("44", u("人"))),
    ("10人", quant("10", u("人"))),
    ("≥6次/年", quant("6", per("次", "年"), GE)),
    ("≤1.7万元/年", quant("1.7", per("万元", "年"), LE)),
    ("≥ 10次", quant("10", u("次"), GE)),
    ("≥10次", quant("10", u("次"), GE)),
    ("≥ 12次", quant("12", u("次"), GE)),
    ("≥ 24次", quant("24", u("次"), GE)),
    ("≥ 13次", quant("13", u("次"), GE)),
    ("≥ 1次", quant("1", u("次"), GE)),
    ("≥1次", quant("1", u("次"), GE)),
    ("≥2次", quant("2", u("次"), GE)),
    ("≥ 19人", quant("19", u("人"), GE)),
    ("≥ 20块", quant("20", u("块"), GE)),
    ("≥ 10", quant("10", None, GE)),
    ("≥ 0", quant("0", None, GE)),
    ("≥0", quant("0", None, GE)),
    ("85次", quant("85", u("次"))),
    ("1000份", quant("1000", u("份"))),
    ("1次", quant("1", u("次"))),
    ("2次", quant("2", u("次"))),
    ("3次", quant("3", u("次"))),
    ("6次", quant("6", u("次"))),
    ("40人次", quant("40", u("人次"))),
    ("66人", quant("66", u("人"))),
    ("2.125万元", quant("2.125", u("万元"))),
    ("3.5万元", quant("3.5", u("万元"))),
    ("3.2万元", quant("3.2", u("万元"))),
    ("0.4万元", quant("0.4", u("万元"))),
    ("1万元", quant("1", u("万元"))),
    ("7万元", quant("7", u("万元"))),
    ("≥ 800人次", quant("800", u("人次"), GE)),
    ("≤ 2.295万元", quant("2.295", u("万元"), LE)),
    ("≤ 2.55万元/年", quant("2.55", per("万元", "年"), LE)),
    ("≤2.55万元/年", quant("2.55", per("万元", "年"), LE)),
    ("≤0.85万元/年", quant("0.85", per("万元", "年"), LE)),
    ("≤ 0.85万元", quant("0.85", u("万元"), LE)),
    ("≤5.28万元", quant("5.28", u("万元"), LE)),
    ("≤10.56万元/年", quant("10.56", per("万元", "年"), LE)),
    ("≤ 1.7万元", quant("1.7", u("万元"), LE)),
    ("≤ 31.5万元/年", quant("31.5", per("万元", "年"), LE)),
    ("≤ 28万元/年", quant("28", per("万元", "年"), LE)),
    ("≤ 3.2万元/年", quant("3.2", per("万元", "年"), LE)),
    ("≤10万元/年", quant("10", per("万元", "年"), LE)),
    ("≤2.21万元/年", quant("2.21", per("万元", "年"), LE)),
    ("≤5.2316万元/年", quant("5.2316", per("万元", "年"), LE)),
    ("≤2万元/年", quant("2", per("万元", "年"), LE)),
    ("≤0.3万元/年", quant("0.3", per("万元", "年"), LE)),
    ("≤4万元/年", quant("4", per("万元", "年"), LE)),
    ("≤2.4万元", quant("2.4", u("万元"), LE)),
    ("1.15万人/年", quant("1.15", per("万人", "年"))),
    ("≥3.5万人/年", quant("3.5", per("万人", "年"), GE)),
    ("2838385元/年", quant("2838385", per("元", "年"))),
    ("1065712.65元/年", quant("1065712.65", per("元", "年"))),
    ("31485.91元/年", quant("31485.91", per("元", "年"))),
    ("2262500元/年", quant("2262500", per("元", "年"))),
    ("1453.22平方米", quant("1453.22", u("平方米"))),
    ("4.5/平方米", quant("4.5", Unit(text="/平方米", numerator="", per=("平方米",)))),
    ("9村", quant("9", u("村"))),
    ("308户", quant("308", u("户"))),
    ("0起", quant("0", u("起"))),
    ("2", quant("2", None)),
    ("增幅20%", quant("20", PERCENT)),
    (r"$\geq 80\%$", quant("80", PERCENT, GE)),
    (r"$\geq 95\%$", quant("95", PERCENT, GE)),
    (r"$\geq 90\%$", quant("90", PERCENT, GE)),
    (r"$\geq 98\%$", quant("98", PERCENT, GE)),
    (r"$> 95\%$", quant("95", PERCENT, GT)),
    ("提高", qual("提高")),
    ("提升", qual("提升")),
    ("健全", qual("健全")),
    ("完善", qual("完善")),
    ("增强", qual("增强")),
    ("有效", qual("有效")),
    ("规范", qual("规范")),
    ("合理", qual("合理")),
    ("完备", qual("完备")),
    ("丰富", qual("丰富")),
    ("确保", qual("确保")),
    ("保障", qual("保障")),
    ("社会稳定", qual("社会稳定")),
    ("合规", qual("合规")),
    ("减轻", qual("减轻")),
    ("推进", qual("推进")),
    ("2021年12月31日", when("2021年12月31日", date(2021, 12, 31), date(2021, 12, 31))),
    ("2021年1月至12月", when("2021年1月至12月", date(2021, 1, 1), date(2021, 12, 31))),
    ("一年内", duration("一年内", "1", "年", LE)),
    ("1年内", duration("1年内", "1", "年", LE)),
    ("12个月", duration("12个月", "12", "个月")),
    ("8个月", duration("8个月", "8", "个月")),
    ("每季度", when("每季度")),
    ("每月", when("每月")),
    ("按年", when("按年")),
    ("按月", when("按月")),
    ("1-12月", when("1-12月")),
    # 001
    ("     1个", quant("1", u("个"))),
    ("     9人", quant("9", u("人"))),
    ("    25次", quant("25", u("次"))),
    ("   22人", quant("22", u("人"))),
    ("    45人", quant("45", u("人"))),
    ("    3人", quant("3", u("人"))),
    ("48人", quant("48", u("人"))),
    ("9个", quant("9", u("个"))),
    ("45人次", quant("45", u("人次"))),
    ("200人次", quant("200", u("人次"))),
    ("500人次", quant("500", u("人次"))),
    ("12次", quant("12", u("次"))),
    ("4次", quant("4", u("次"))),
    ("4份", quant("4", u("份"))),
    ("10起", quant("10", u("起"))),
    ("20起", quant("20", u("起"))),
    ("10万元", quant("10", u("万元"))),
    ("18万元", quant("18", u("万元"))),
    ("4.5万元", quant("4.5", u("万元"))),
    ("7.56万元", quant("7.56", u("万元"))),
    ("6.59万元", quant("6.59", u("万元"))),
    ("48.58万元", quant("48.58", u("万元"))),
    ("0.18万元", quant("0.18", u("万元"))),
    ("2.88万元", quant("2.88", u("万元"))),
    ("21600元", quant("21600", u("元"))),
    ("167076元", quant("167076", u("元"))),
    ("138.02元", quant("138.02", u("元"))),
    ("1000元", quant("1000", u("元"))),
    ("500元/次", quant("500", per("元", "次"))),
    ("1000元/次", quant("1000", per("元", "次"))),
    ("3万元 /村", quant("3", per("万元", "村"))),
    ("                  4次/季度", quant("4", per("次", "季度"))),
    ("   ≥95%", quant("95", PERCENT, GE)),
    ("  ≥95%  ", quant("95", PERCENT, GE)),
    (" ≥90%   ", quant("90", PERCENT, GE)),
    (" ≥90% ", quant("90", PERCENT, GE)),
    ("≥95% ", quant("95", PERCENT, GE)),
    (" 12个月", duration("12个月", "12", "个月")),
    ("2023年全年", when("2023年全年", date(2023, 1, 1), date(2023, 12, 31))),
    ("2023年年底", when("2023年年底", None, date(2023, 12, 31))),
    ("2023年12月底", when("2023年12月底", None, date(2023, 12, 31))),
    ("2023年1月至12月", when("2023年1月至12月", date(2023, 1, 1), date(2023, 12, 31))),
    ("有效发挥", qual("有效发挥")),
    ("持续提高", qual("持续提高")),
    ("有效提高", qual("有效提高")),
    ("持续发展", qual("持续发展")),
    ("显著提高", qual("显著提高")),
    ("明显提高", qual("明显提高")),
    ("效果良好", qual("效果良好")),
    ("逐步提升", qual("逐步提升")),
    ("有效提升", qual("有效提升")),
    ("显著提升", qual("显著提升")),
    ("良好", qual("良好")),
    ("明显改变", qual("明显改变")),
    ("基本满意", qual("基本满意")),
    ("逐步改变", qual("逐步改变")),
    ("明显提升", qual("明显提升")),
    ("不断提升", qual("不断提升")),
]

# Forms the samples do not have but other tables do, and the debris a parser must survive.
SYNTHETIC_VALUES: list[tuple[str, Target]] = [
    # comparators: ASCII, full width, doubled, words, LaTeX
    (">=90%", quant("90", PERCENT, GE)),
    ("=>90%", quant("90", PERCENT, GE)),
    ("<=5%", quant("5", PERCENT, LE)),
    ("＞95%", quant("95", PERCENT, GT)),
    ("＜5%", quant("5", PERCENT, LT)),
    ("= 100%", quant("100", PERCENT, EQ)),
    ("＝100%", quant("100", PERCENT, EQ)),
    ("≧95％", quant("95", PERCENT, GE)),
    ("≥ 10次", quant("10", u("次"), GE)),
    (r"$\leq 5\%$", quant("5", PERCENT, LE)),
    (r"$\ge 90\%$", quant("90", PERCENT, GE)),
    (r"\geqslant 80\%", quant("80", PERCENT, GE)),
    (r"$\geq 2.5 \text{万元}$", quant("2.5", u("万元"), GE)),
    ("不少于10次", quant("10", u("次"), GE)),
    ("不低于95%", quant("95", PERCENT, GE)),
    ("大于等于90%", quant("90", PERCENT, GE)),
    ("不超过5万元", quant("5", u("万元"), LE)),
    ("不高于3%", quant("3", PERCENT, LE)),
    ("95%以上", quant("95", PERCENT, GE)),
    ("10人以下", quant("10", u("人"), LE)),
    ("5万元以内", quant("5", u("万元"), LE)),
    ("≥95%以上", quant("95", PERCENT, GE)),
    ("达到95%以上", quant("95", PERCENT, GE)),
    # numbers
    ("1,000份", quant("1000", u("份"))),
    ("2,838,385元", quant("2838385", u("元"))),
    ("１００％", quant("100", PERCENT)),
    ("-5%", quant("-5", PERCENT)),
    ("≥-0.5%", quant("-0.5", PERCENT, GE)),
    ("300元/人/月", quant("300", per("元", "人", "月"))),
    ("10 km", quant("10", u("km"))),
    # dates, periods, recurrences, durations
    ("2023年底", when("2023年底", None, date(2023, 12, 31))),
    ("2023年1月-12月", when("2023年1月-12月", date(2023, 1, 1), date(2023, 12, 31))),
    ("2023.07-2024.01", when("2023.07-2024.01", date(2023, 7, 1), date(2024, 1, 31))),
    ("2023年1月1日至2023年6月30日", when("2023年1月1日至2023年6月30日", date(2023, 1, 1), date(2023, 6, 30))),
    ("2023.12.31", when("2023.12.31", date(2023, 12, 31), date(2023, 12, 31))),
    ("2023年12月31日前", when("2023年12月31日前", None, date(2023, 12, 31))),
    ("截至2023年12月31日", when("截至2023年12月31日", None, date(2023, 12, 31))),
    ("2023年6月", when("2023年6月", date(2023, 6, 1), date(2023, 6, 30))),
    ("2024年2月底", when("2024年2月底", None, date(2024, 2, 29))),
    ("2023年度", when("2023年度", date(2023, 1, 1), date(2023, 12, 31))),
    ("2023年上半年", when("2023年上半年", date(2023, 1, 1), date(2023, 6, 30))),
    ("2023年第三季度", when("2023年第三季度", date(2023, 7, 1), date(2023, 9, 30))),
    ("2023-2025年", when("2023-2025年", date(2023, 1, 1), date(2025, 12, 31))),
    ("≤2023年12月", when("2023年12月", date(2023, 12, 1), date(2023, 12, 31), LE)),
    ("2023年12月底前完成", when("2023年12月底前", None, date(2023, 12, 31))),
    ("12月底前", when("12月底前")),
    ("1月至12月", when("1月至12月")),
    ("年底前", when("年底前")),
    ("全年", when("全年")),
    ("每年", when("每年")),
    ("按季度", when("按季度")),
    ("每月10日前", when("每月10日前")),
    ("2023年7月至6月", when("2023年7月至6月")),  # would need a guess at the year: text only
    ("2023年2月30日", when("2023年2月30日")),  # no such day: text only
    ("一年内完成", duration("一年内", "1", "年", LE)),
    ("三个月", duration("三个月", "3", "个月")),
    ("半年内", duration("半年内", "0.5", "年", LE)),
    ("3天", duration("3天", "3", "天")),
    ("≤3天", duration("3天", "3", "天", LE)),
    ("10个工作日内", duration("10个工作日内", "10", "个工作日", LE)),
    ("5年", duration("5年", "5", "年")),
    # qualitative: short words only
    ("合格", qual("合格")),
    ("是", qual("是")),
    ("健全、完善", qual("健全、完善")),
    ("全面提升政务服务水平和服务效率持续推进", UNPARSED),  # a sentence, not a target
    # template debris
    ("≥**株", PLACEHOLDER),
    ("**%", PLACEHOLDER),
    ("≥**", PLACEHOLDER),
    ("XX", PLACEHOLDER),
    ("xx%", PLACEHOLDER),
    ("××", PLACEHOLDER),
    ("20XX年", PLACEHOLDER),
    ("≥", PLACEHOLDER),
    ("万元", PLACEHOLDER),
    ("%", PLACEHOLDER),
    # nothing to type without guessing
    ("", UNPARSED),
    ("   ", UNPARSED),
    ("\x00\ufffd", UNPARSED),
    ("\ud800", UNPARSED),
    ("200人 ≥1次", UNPARSED),
    ("10 20", UNPARSED),
    ("1 000份", UNPARSED),
    ("90-100%", UNPARSED),
    ("≤10以上", UNPARSED),
    ("100%完成", UNPARSED),
    ("15日", UNPARSED),  # the 15th, or 15 days?
    ("2023年前", UNPARSED),  # not 2023 of a unit "年前"
    ("13月", UNPARSED),
    ("人均300元", UNPARSED),
    ("3个社区工作站正常运转", UNPARSED),
]


@pytest.mark.parametrize(("raw", "expected"), REAL_VALUES + SYNTHETIC_VALUES)
def test_parse_target(raw: str, expected: Target) -> None:
    assert parse_target(raw) == dataclasses.replace(expected, raw=raw)


def test_tables_hold_enough_distinct_real_values() -> None:
    raws = [raw for raw, _ in REAL_VALUES]
    assert len(set(raws)) == len(raws)
    assert len(raws) >= 60


@pytest.mark.parametrize("raw", [raw for raw, _ in REAL_VALUES])
def test_real_values_are_verbatim(raw: str) -> None:
    assert any(raw in path.read_text(encoding="utf-8") for path in SAMPLE_FILES)


def test_decimal_values_are_exact() -> None:
    target = parse_target("≤2.55万元/年")
    assert isinstance(target.value, Decimal)
    assert str(target.value) == "2.55"


@pytest.mark.parametrize(
    "raw",
    ["\t ≥90%   ", "  提高 ", "\u3000100%\u3000", "\n2023年12月底\r\n", "   ", "\t", "3万元 /村", " ≥**株 "],
)
def test_raw_is_kept_exactly(raw: str) -> None:
    assert parse_target(raw).raw == raw


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_never_raises_on_any_sample_line(path: Path) -> None:
    for line in path.read_text(encoding="utf-8").splitlines():
        assert parse_target(line).raw == line
        name, value = split_name_and_target(line)
        assert parse_target(value).raw == value
        assert isinstance(name, str)


# Lines verbatim from the samples, with the numbering they carry.
REAL_SPLITS: list[tuple[str, tuple[str, str]]] = [
    ("1. 培训乡村两级调委会成员数 39人次", ("培训乡村两级调委会成员数", "39人次")),
    ("2. 参涉及行政村、社区数 13个", ("参涉及行政村、社区数", "13个")),
    ("1. 调委会成员政策及法律法规水平提高情况 提高", ("调委会成员政策及法律法规水平提高情况", "提高")),
    ("3. 宣传活动成本 ≤1.02万元", ("宣传活动成本", "≤1.02万元")),
    ("群众满意度 ≥95%", ("群众满意度", "≥95%")),
    ("1. 支付及时率100%", ("支付及时率", "100%")),
    ("1. 退休人员科级及以下人员10人", ("退休人员科级及以下人员", "10人")),
    (
        "2.举办扫黑除恶专项斗争主题培训班完成时间2021年1月至12月",
        ("举办扫黑除恶专项斗争主题培训班完成时间", "2021年1月至12月"),
    ),
    ("1.社会稳定宣传活动完成时间 2021年12月31日", ("社会稳定宣传活动完成时间", "2021年12月31日")),
    ("1.社会稳定宣传群众知晓度 $\\geq 80\\%$", ("社会稳定宣传群众知晓度", "$\\geq 80\\%$")),
    ("1.社会稳定宣传活动次数 ≥ 10次", ("社会稳定宣传活动次数", "≥ 10次")),
    ("1. 各村(社区)及镇政府制作相关横幅 ≥ 10", ("各村(社区)及镇政府制作相关横幅", "≥ 10")),
    ("2.36名村干部年报酬、工伤保险1065712.65元/年", ("36名村干部年报酬、工伤保险", "1065712.65元/年")),
    ("127名委员全年支出总额 2838385元/年", ("127名委员全年支出总额", "2838385元/年")),
    ("1.乡镇人均收入 增幅20%", ("乡镇人均收入", "增幅20%")),
    ("2. 新农合参保率: 提升", ("新农合参保率", "提升")),
    ("1. :保障群众生命财产安全 保障", ("保障群众生命财产安全", "保障")),
    (
        "2. 组织开展浩门镇及下属单位干部职工文化活动 200人 ≥1次",
        ("组织开展浩门镇及下属单位干部职工文化活动 200人", "≥1次"),
    ),
    ("保障退休人员的慰问", ("保障退休人员的慰问", "")),
    ("2. 一年内完成", ("一年内完成", "")),
    ("2. 协助做好沟通思想、协调关系", ("协助做好沟通思想、协调关系", "")),
    ("2. 取暖费收费标准 4.5/平方米", ("取暖费收费标准", "4.5/平方米")),
    ("1.经费涉及村数量 2", ("经费涉及村数量", "2")),
    ("1. 文化活动完成时间 一年内", ("文化活动完成时间", "一年内")),
    ("1. 民兵集中训练完成时间 1年内", ("民兵集中训练完成时间", "1年内")),
    ("1.伙食补贴发放时间 每季度", ("伙食补贴发放时间", "每季度")),
    ("1. 支付办公费、电费、水费等 1-12月", ("支付办公费、电费、水费等", "1-12月")),
    ("2.补助时长 12个月", ("补助时长", "12个月")),
    ("3.促进乡镇社会安定 社会稳定", ("促进乡镇社会安定", "社会稳定")),
    ("扶贫工作人员满意度 $> 95\\%$", ("扶贫工作人员满意度", "$> 95\\%$")),
    ("三. 委人员满意度 ≥95%", ("委人员满意度", "≥95%")),
    ("2.目标2:村干部人数 36人", ("目标2:村干部人数", "36人")),
    ("(一) 数量指标：", ("数量指标", "")),
    # 001 name cells
    ("2023年全年", ("2023年全年", "")),
    ("上级部门考核情况良好", ("上级部门考核情况良好", "")),
    ("全年不发生较大影响的恶性案（事）件", ("全年不发生较大影响的恶性案（事）件", "")),
    ("\t村委会办公规范化建设覆盖率 ", ("村委会办公规范化建设覆盖率", "")),
]

SYNTHETIC_SPLITS: list[tuple[str, tuple[str, str]]] = [
    ("种植树木 ≥**株", ("种植树木", "≥**株")),
    ("种植树木≥**株", ("种植树木", "≥**株")),
    ("合格率不低于95%", ("合格率", "不低于95%")),
    ("知晓率$\\geq 90\\%$", ("知晓率", "$\\geq 90\\%$")),
    ("合格率不低于 95%", ("合格率", "不低于 95%")),
    ("满意度 ≥ 95%", ("满意度", "≥ 95%")),
    ("１．培训人数　３９人次", ("培训人数", "３９人次")),
    ("（二）培训人数：39人次", ("培训人数", "39人次")),
    ("3、完成时间 2023年12月底前", ("完成时间", "2023年12月底前")),
    ("2023年村级公益事业建设项目", ("2023年村级公益事业建设项目", "")),
    ("39人次", ("39人次", "")),
    ("", ("", "")),
]


@pytest.mark.parametrize(("text", "expected"), REAL_SPLITS + SYNTHETIC_SPLITS)
def test_split_name_and_target(text: str, expected: tuple[str, str]) -> None:
    assert split_name_and_target(text) == expected


@pytest.mark.parametrize("text", [text for text, _ in REAL_SPLITS])
def test_real_split_lines_are_verbatim(text: str) -> None:
    assert any(text in path.read_text(encoding="utf-8") for path in SAMPLE_FILES)


def test_split_target_is_the_text_as_written() -> None:
    text = "1. 完成全乡新农合参保人数 ≥3.5万人/年"
    name, value = split_name_and_target(text)
    assert value in text
    assert parse_target(value) == dataclasses.replace(quant("3.5", per("万人", "年"), GE), raw=value)
    assert name == "完成全乡新农合参保人数"
