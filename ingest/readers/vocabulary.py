"""The closed vocabulary every target table shares: level names, header and form labels.

Whatever separated a table's cells (tabs, pipes, lines, spaces, nothing at all), its level
names (产出指标, 数量指标 …), its header labels (一级指标, 指标值 …) and its form labels
(项目名称, 年度目标 …) come from a small closed set, with known variants (产出值/数量值,
项目完成指标, 产出数量, 效果指标) and decorations (`(40-50)分`, `（必填硬性指标）`, `(一)`).
The structural reader anchors on them, so they live here, in one place.

Matching never changes what a table says: `key` gives a comparison form only (NFKC, traditional
to simplified with OpenCC, no layout whitespace, no junk pinyin such as `區(qū)`); names and
values are kept as written (less the junk pinyin, which is a mirror site's, not the table's).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")


def _words(text: str) -> list[str]:
    return text.split()


# Mirror sites annotate characters with pinyin: 區(qū), 標(biāo). A tone mark is required so that
# a real bracketed note such as (km) or (件) is never taken for pinyin.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
# A word of several syllables is spaced: 新建(xīn jiàn).
_SYLLABLES = rf"(?:[a-zü{_TONED}]+ )*[a-zü{_TONED}]*[{_TONED}][a-zü{_TONED}]*(?: [a-zü{_TONED}]+)*"
PINYIN = re.compile(rf"[(（]{_SYLLABLES}[)）]|[(（][a-zü{_TONED}]{{1,6}}$")
# Layout noise inside labels: whitespace of any kind, OCR '?' fillers in vertical labels, the
# required-field stars of templates.
_NOISE = re.compile(r"[\s?？*＊□■☑√]")


def strip_pinyin(text: str) -> str:
    return PINYIN.sub("", text)


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """The comparison form of a cell: `產 出 指 標(biāo)` -> `产出指标`."""
    text = unicodedata.normalize("NFKC", strip_pinyin(text))
    return str(_T2S.convert(_NOISE.sub("", text)))


def match_text(text: str) -> str:
    """`key` for a whole document (not cached): what a search for vocabulary runs on."""
    return str(_T2S.convert(_NOISE.sub("", unicodedata.normalize("NFKC", strip_pinyin(text)))))


# -- level names --------------------------------------------------------------------------

# Decorations around a level name: list numbering before it, a bracketed note or a score
# after it, a trailing colon.
_LEADING_NUMBER = re.compile(
    r"^(?:[(]?[一二三四五六七八九十\d]{1,2}[)、.]|[(][一二三四五六七八九十\d]{1,2}[)])"
)
_TRAILING_NOTE = re.compile(r"(?:[(][^()]*[)]分?|\d+(?:-\d+)?分|[:;,.])$")


def bare_label(cell_key: str) -> str:
    """A level label's key without decorations: `(一)数量指标(必填硬性指标):` -> `数量指标`."""
    text = _LEADING_NUMBER.sub("", cell_key)
    previous = None
    while previous != text:
        previous = text
        text = _TRAILING_NOTE.sub("", text)
    return text


class Level(StrEnum):
    TOP = "top"  # an extra level above 一级: 实施效果指标
    ONE = "one"
    TWO = "two"


# Level-1 names: the four of both trees and the variants local templates use.
LEVEL1_NAMES = frozenset(
    _words("""产出指标 效益指标 满意度指标 成本指标 产出值 效益值 满意度值 项目完成指标 项目效益指标 效果指标
    投入指标 产出 效益 满意度 社会公众或服务对象满意度指标""")
)
# Level-2 names; 成本指标 and 满意度指标 are also level-1 names, the context decides.
LEVEL2_NAMES = frozenset(
    _words("""数量指标 质量指标 时效指标 进度指标 成本指标 经济成本指标 社会成本指标 生态环境成本指标
    环境成本指标
    经济效益指标 社会效益指标 生态效益指标 环境效益指标 可持续影响指标 可持续发展影响指标 可持续性发展影响指标
    服务对象满意度指标 社会公众或服务对象满意度指标 服务对象或受益者满意度指标 满意度指标
    数量值 质量值 时效值 成本值 经济效益值 社会效益值 生态效益值 可持续影响值 满意度值 服务对象满意度值
    产出数量 产出质量 产出时效 产出成本 经济效益 社会效益 生态效益 可持续影响
    社会效益目标 经济效益目标 生态效益目标""")
)
TOP_NAMES = frozenset({"实施效果指标"})
# 二级 names that are also common indicator names: a level only when a name follows them.
# The bare words (数量 | 质量 | 时效 …, under 一级 产出 | 效益 | 满意度) are 二级 names in templates that
# drop 指标 everywhere; alone they are too common to be a level anywhere else.
WEAK_LEVEL2_NAMES = frozenset(
    _words("服务对象满意度 社会公众满意度 服务对象满意度值 数量 质量 时效 进度 成本")
)
# Level-1 names that, said of a row, can only be level 1.
_ONLY_LEVEL1 = LEVEL1_NAMES - LEVEL2_NAMES


def level_of(cell_key: str) -> frozenset[Level]:
    """The levels a cell can name: {} for anything else, {ONE, TWO} for 成本指标 / 满意度指标."""
    bare = bare_label(cell_key)
    if not bare or len(cell_key) > 30:
        return frozenset()
    out: set[Level] = set()
    if bare in TOP_NAMES:
        out.add(Level.TOP)
    if bare in LEVEL1_NAMES:
        out.add(Level.ONE)
    if bare in LEVEL2_NAMES:
        out.add(Level.TWO)
    return frozenset(out)


def is_weak_level2(cell_key: str) -> bool:
    return bare_label(cell_key) in WEAK_LEVEL2_NAMES


def only_level1(cell_key: str) -> bool:
    return bare_label(cell_key) in _ONLY_LEVEL1


def is_cost_level2(cell_key: str) -> bool:
    return bare_label(cell_key) in {"经济成本指标", "社会成本指标", "生态环境成本指标", "环境成本指标"}


# A cell that only finishes the level name before it: `指标` after `项目完成`, `(40-50)分` after
# `产出指标`, `（必填）` after `数量指标`.
_LABEL_TAIL = re.compile(r"^(?:指标|值|[(][^()]{0,12}[)]分?|\d+(?:-\d+)?分)$")


def is_label_tail(cell_key: str) -> bool:
    return bool(_LABEL_TAIL.match(cell_key))


# Level 2 from an indicator's name, for rows whose levels were lost (merged away and never
# written): the words that say what kind of indicator it is. Order matters: 满意度 first, then
# time and cost words, then rates (quality), then counts (quantity).
_NAME_HINTS: list[tuple[str, str, str]] = [
    ("满意度", "满意度指标", "服务对象满意度指标"),
    ("及时", "产出指标", "时效指标"),
    ("时限", "产出指标", "时效指标"),
    ("时间", "产出指标", "时效指标"),
    ("周期", "产出指标", "时效指标"),
    ("成本", "产出指标", "成本指标"),
    ("标准", "产出指标", "成本指标"),
    ("率", "产出指标", "质量指标"),
    ("长度", "产出指标", "数量指标"),
    ("面积", "产出指标", "数量指标"),
    ("规模", "产出指标", "数量指标"),
    ("里程", "产出指标", "数量指标"),
    ("数", "产出指标", "数量指标"),
    ("量", "产出指标", "数量指标"),
]


def levels_from_name(name: str) -> tuple[str, str] | None:
    """(level 1, level 2) a name's own words suggest, or None: `…审核合规率` -> 产出/质量."""
    name_key = bare_label(key(name))
    for word, level1, level2 in _NAME_HINTS:
        if word in name_key[-6:] if word in ("率", "数", "量") else word in name_key:
            return level1, level2
    return None


# -- header labels of the indicator tree ---------------------------------------------------------


class Col(StrEnum):
    """What a column of the indicator tree holds."""

    LEAD = "lead"  # 绩效指标: the merged cell left of the tree
    LEVEL1 = "level1"
    LEVEL2 = "level2"
    NAME = "name"
    NATURE = "nature"  # 指标性质 / 计算符号 / 指标方向: a sign, 定性, or a direction
    VALUE_TYPE = "value_type"  # 指标值类型: 定量 / 定性
    VALUE = "value"
    MEDIUM_VALUE = "medium_value"
    UNIT = "unit"
    WEIGHT = "weight"
    SCORE = "score"
    ACTUAL = "actual"
    PRIOR = "prior"  # 上年实际 / 2023年实际实现值
    REASON = "reason"
    EXPLANATION = "explanation"
    DESCRIPTION = "description"
    REMARK = "remark"
    DIRECTION = "direction"
    GRADE = "grade"  # 优 / 良 / 中 / 差
    AREA = "area"  # one value column per area
    OTHER = "other"  # a column the ontology has no place for (完成率): it holds its cells' place


_HEADER_LABELS: dict[str, Col] = {
    **dict.fromkeys(_words("一级指标 一级 绩效指标分类 指标类型 一级指标名称 指标类别"), Col.LEVEL1),
    **dict.fromkeys(_words("二级指标 二级 二级指标名称 二级指标(年度)"), Col.LEVEL2),
    **dict.fromkeys(_words("三级指标 三级 指标名称 三级指标名称 绩效指标名称 三级指标(年度)"), Col.NAME),
    **dict.fromkeys(
        _words("""指标值 指标值及单位 年度指标值 目标值 年度数值 年初目标值 年度目标值 指标目标值
        绩效指标值 指标值(年度)
        预期指标值"""),
        Col.VALUE,
    ),
    **dict.fromkeys(_words("中期指标值 长期指标值 指标值(中期) 实施期指标值"), Col.MEDIUM_VALUE),
    **dict.fromkeys(_words("指标性质 计算符号 指标方向 比较符号 符号"), Col.NATURE),
    **dict.fromkeys(_words("指标值类型"), Col.VALUE_TYPE),
    **dict.fromkeys(_words("计量单位 度量单位 单位 指标单位"), Col.UNIT),
    **dict.fromkeys(_words("权重 分值 指标权重 指标分值 指标权重(分) 权重(分)"), Col.WEIGHT),
    **dict.fromkeys(_words("得分 指标得分 指标得分(分) 自评得分"), Col.SCORE),
    **dict.fromkeys(
        _words("实际完成值 全年实际值 全年完成值 完成值 实际值 实际完成情况 全年实际完成值"), Col.ACTUAL
    ),
    **dict.fromkeys(
        _words("""偏差原因分析及改进措施 未完成原因分析 未完成原因和改进措施 未完成原因及改进措施
        偏差原因 原因
        说明 未完成原因"""),
        Col.REASON,
    ),
    **dict.fromkeys(_words("指标解释 指标值说明 指标说明 指标内涵"), Col.EXPLANATION),
    **dict.fromkeys(_words("指标描述 绩效指标描述"), Col.DESCRIPTION),
    **dict.fromkeys(
        _words("""备注 绩效标准 评(扣)分标准 评分标准 指标标准或依据 评价标准确定依据 依据 指标值设定依据
        """),
        Col.REMARK,
    ),
    **dict.fromkeys(_words("绩效指标评价标准 评价标准"), Col.GRADE),
    **dict.fromkeys(_words("指标方向性"), Col.DIRECTION),
    **dict.fromkeys(_words("优 良 中 差"), Col.GRADE),
}
# Labels whose column depends on what came before them in the header.
_MEDIUM_MARK = re.compile(r"[(](?:中期|长期|实施期)[)]")
_PRIOR = re.compile(r"^(?:\d{4}年|上年)(?:度)?实际(?:实现|完成)?值?$")
_EXPECTED = re.compile(r"^预期\d{4}年实现值$")


def header_col(cell_key: str, seen: list[Col]) -> Col | None:
    """The column a header cell names, given the columns already named on its left."""
    text = cell_key.rstrip(":")
    if _MEDIUM_MARK.search(text):
        base = _MEDIUM_MARK.sub("", text)
        col = _HEADER_LABELS.get(base)
        if col is Col.VALUE:
            return Col.MEDIUM_VALUE
        return col  # 二级指标(中期): the caller sees a second set of level/name columns
    if text in ("长期绩效指标", "中期绩效指标", "年度绩效指标", "本年度绩效指标"):
        return Col.LEAD if Col.LEVEL1 not in seen else None
    if text in ("绩效指标", "指标内容"):
        # Left of 一级指标 `绩效指标` is the merged lead cell; after it, the name column (graded
        # tables). 指标内容 is the name in a tree without 三级, else a description.
        if Col.LEVEL1 not in seen:
            return Col.LEAD
        return Col.NAME if Col.NAME not in seen else Col.DESCRIPTION
    if _PRIOR.match(text):
        return Col.PRIOR
    if _EXPECTED.match(text):
        return Col.VALUE
    if text == "区域目标值":
        return Col.AREA
    found = _HEADER_LABELS.get(text)
    if found is not None or not seen or len(text) > 16:
        return found
    # Inside a header, a template's own wording of a known column: 偏差原因及改进措施, 年度指标值(数值).
    for pattern, col in _HEADER_WORDS:
        if pattern.search(text):
            return col
    return None


_HEADER_WORDS: list[tuple[re.Pattern[str], Col]] = [
    # A label ends with the word of its column: 偏差原因及改进措施, 自评得分(分), 年度指标值(数值).
    (re.compile(r"(?:原因|改进措施)(?:\(.*\))?$"), Col.REASON),
    (re.compile(r"得分(?:\(.*\))?$"), Col.SCORE),
    (re.compile(r"(?:实际值|完成值|实现值|完成情况)(?:\(.*\))?$"), Col.ACTUAL),
    (re.compile(r"(?:分值|权重)(?:\(.*\))?$"), Col.WEIGHT),
    (re.compile(r"(?:指标值|目标值)(?:\(.*\))?$"), Col.VALUE),
    (re.compile(r"(?:计量|度量)单位$"), Col.UNIT),
    (re.compile(r"(?:解释|说明)$"), Col.EXPLANATION),
    (re.compile(r"描述$"), Col.DESCRIPTION),
    (re.compile(r"备注$|依据$"), Col.REMARK),
    (re.compile(r"完成率$|完成比例$|完成进度$|偏差率$|偏差度$"), Col.OTHER),
]


# -- form labels ------------------------------------------------------------------------------


class Field(StrEnum):
    """A labelled field of the form above the tree."""

    NAME = "name"
    UNIT = "unit"
    DEPARTMENT = "department"
    AMOUNT = "amount"
    OBJECTIVE = "objective"
    LONG_OBJECTIVE = "long_objective"


_FORM_LABELS: dict[str, Field] = {
    **dict.fromkeys(
        _words(
            """项目名称 项目支出名称 专项名称 专项(项目)名称 资金名称 专项资金名称 项目名称: 项目名称："""
        ),
        Field.NAME,
    ),
    **dict.fromkeys(
        _words("""实施单位 项目实施单位 项目单位 预算单位 单位名称 部门(单位)名称 填报单位 下达地方或单位
        实施单位(盖章)
        预算部门 部门名称 单位(部门)名称 申报单位 项目申报单位 预算单位名称"""),
        Field.UNIT,
    ),
    **dict.fromkeys(
        _words("""主管部门 主管部门及代码 项目主管部门 主管预算部门 县级主管部门 业务主管部门 归口部门"""),
        Field.DEPARTMENT,
    ),
    **dict.fromkeys(
        _words("""年度资金总额 资金总额 项目金额 项目预算金额 下达中央预算内投资 年度本级预算金额 当年年度预算
        区级支出预算总量 预算数 项目资金总额 年度预算总额 年度预算金额 预算总额 部门预算总额 年度预算数"""),
        Field.AMOUNT,
    ),
    **dict.fromkeys(
        _words("""绩效目标 年度目标 年度总体目标 本年度绩效目标 年度绩效目标 年度绩效目标(文字) 总体目标
        当年整体绩效目标
        年度主要目标和成果 项目年度目标 绩效目标总体描述 *年度总体绩效目标 年度总体绩效目标"""),
        Field.OBJECTIVE,
    ),
    **dict.fromkeys(
        _words("实施期绩效目标 中期目标 长期目标 项目总目标 实施期目标 中长期绩效目标"), Field.LONG_OBJECTIVE
    ),
}
# Other labels of the form: not read into fields, but cells of their own in run-together text.
OTHER_FORM_LABELS = tuple(
    _words("""项目属性 项目类别 立项依据 项目期 项目负责人 联系电话 资金来源 项目预算 成本构成
    测算依据
    项目分类 建设周期 项目审批 项目总体概况 资金情况 负责人及电话 部门预算编码 填报日期""")
)
_FORM_NOTE = re.compile(r"[(](?:万元|元|盖章|文字)[)]$")


def form_field(cell_key: str) -> Field | None:
    """The form field a label cell names: `项目支出名称` -> NAME, `项目资金(万元)` -> None."""
    text = _LEADING_NUMBER.sub("", cell_key.rstrip(":"))
    found = _FORM_LABELS.get(text) or _FORM_LABELS.get(_FORM_NOTE.sub("", text))
    if found is None and text.startswith("中期目标("):
        return Field.LONG_OBJECTIVE
    return found


# Where a tree ends: signatures, reviews and totals below the table.
_TREE_END = re.compile(
    r"^(?:财政部门|主管部门审核|填表人|填报人|单位负责人|项目负责人|财务负责人|注(?:[:、1]|$)|说明[:]|合计|总分|总计"
    r"|评价结论|存在问题|改进措施|审核意见|上年度绩效评价结果|区扶贫办|附件)"
)


# Page chrome below a table on a saved or copied web page.
_CHROME = re.compile(
    r"网站地图|ICP备|主办|承办|版权所有|扫码|相关阅读|相关链接|打印本页|关闭窗口|上一篇|下一篇|分享到|联系我们"
    r"|下载本文档|文档简介|温馨提示|公示期|如有异议"
)
# Where the next form starts: its title, or the unit and money-unit line above it.
_NEXT_FORM = re.compile(
    r"^(?:金额)?单位[:](?:万元|元)$|绩效(?:目标|自评)\S{0,6}表(?:\(\d{4}年度?\))?$|^\S{4,40}项目绩效目标$"
)
# A heading that names the project of the table under it: `老年助餐服务补助项目项目绩效目标`.
_HEADING = re.compile(r"^(\S{4,40}?)(?:项目)?(?:支出)?绩效目标(?:表|申报表|公示|公开)?$")


def heading_name(cell_key: str) -> str | None:
    """The project a heading names, or None: `老年助餐…项目项目绩效目标` -> `老年助餐…项目`."""
    match = _HEADING.match(cell_key)
    if not match or re.match(r"^\d{4}年", match.group(1)) or "部门" in match.group(1):
        return None
    return match.group(1)


# A section heading of the text around the table (`四、其他需要说明的事项`, `二、某某项目`); a
# numbered level name (`二、效益指标`) is the tree's own.
_SECTION = re.compile(r"^[一二三四五六七八九十]{1,3}、\S")
# A numbered heading naming the next project: `(二)南屿乡村内道路硬化项目`.
_PROJECT_HEADING = re.compile(r"^[(][一二三四五六七八九十\d]{1,3}[)]\S{2,40}项目$")


def ends_tree(cell_key: str) -> bool:
    if (_SECTION.match(cell_key) or _PROJECT_HEADING.match(cell_key)) and not level_of(cell_key):
        return True
    return bool(_TREE_END.match(cell_key) or _CHROME.search(cell_key) or _NEXT_FORM.search(cell_key))
