"""Map level-1 / level-2 labels as written to the ontology's indicator categories.

Real labels carry decorations (`数量指标（必填硬性指标）`, `产出指标(40-50)分`, `(一)`), typos
(`必填硬性标`) and local names (`环境效益指标`). The result names a concept of
`ontology/categories.ttl` by its local name (an attribute of `JXCAT`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from opencc import OpenCC

# Labels from mirror sites come in traditional characters; matching reads them as simplified.
_T2S = OpenCC("t2s")

# Order matters: longer, more specific stems first ("生态环境成本" before "成本").
_LEVEL2_STEMS: list[tuple[str, str]] = [
    # 产出数量 / 产出质量 …: the 二级 written with its 一级 in front (self-evaluation templates).
    ("产出数量", "quantity"),
    ("产出质量", "quality"),
    ("产出时效", "timeliness"),
    ("产出成本", "outputCost"),
    ("经济成本", "economicCost"),
    ("社会成本", "socialCost"),
    ("生态环境成本", "ecologicalCost"),
    ("环境成本", "ecologicalCost"),
    ("数量", "quantity"),
    ("质量", "quality"),
    ("时效", "timeliness"),
    ("进度", "timeliness"),
    ("成本", "outputCost"),  # under 产出 (pre-2021 tree); see resolve() for the 2021 tree
    ("经济效益", "economicEffect"),
    ("社会效益", "socialEffect"),
    ("生态效益", "ecologicalEffect"),
    ("环境效益", "ecologicalEffect"),
    ("可持续影响", "sustainability"),
    ("可持续", "sustainability"),
    ("满意度", "serviceSatisfaction"),
    ("服务对象", "serviceSatisfaction"),  # 服务对象或受益者满意度指标
    ("社会公众", "serviceSatisfaction"),  # 社会公众或服务对象满意度指标
]

_LEVEL1_STEMS: list[tuple[str, str]] = [
    ("产出", "output"),
    ("项目完成", "output"),  # 项目完成指标 / 项目效益指标 (poverty-relief templates)
    ("项目效益", "effect"),
    ("效果", "effect"),  # 效果指标 (graded-criteria tables)
    ("社会公众", "satisfaction"),  # 社会公众或服务对象满意度指标 spanning 一级 and 二级
    ("服务对象", "satisfaction"),
    ("效益", "effect"),
    ("满意度", "satisfaction"),
    ("成本", "cost"),
]

# The level 1 each level-2 concept sits under, to infer a missing level-1 heading.
PARENT: dict[str, str] = {
    "quantity": "output",
    "quality": "output",
    "timeliness": "output",
    "outputCost": "output",
    "economicEffect": "effect",
    "socialEffect": "effect",
    "ecologicalEffect": "effect",
    "sustainability": "effect",
    "serviceSatisfaction": "satisfaction",
    "economicCost": "cost",
    "socialCost": "cost",
    "ecologicalCost": "cost",
}

LEVEL1_LABEL: dict[str, str] = {
    "output": "产出指标",
    "effect": "效益指标",
    "satisfaction": "满意度指标",
    "cost": "成本指标",
}

# A level 1 with one obvious child, used when a table gives no level 2 (`三、满意度指标` then items).
_ONLY_CHILD: dict[str, str] = {"satisfaction": "serviceSatisfaction"}

_DECORATION = re.compile(
    r"^[(（]?[一二三四五六七八九十\d]+[)）、.．]?\s*"  # leading numbering: 一、 (一) 1.
    r"|[(（][^)）]*[)）]\s*分?"  # any bracketed note: （必填硬性指标） (40-50)分
    r"|\d+\s*[-~～]\s*\d+\s*分|\d+\s*分"  # scores outside brackets
    r"|[:：\s]"
)


def clean_label(label: str) -> str:
    """`（二）质量指标（必填）：` -> `质量指标`; traditional characters read as simplified (產出指標)."""
    text = str(_T2S.convert(unicodedata.normalize("NFKC", label)))
    previous = None
    while previous != text:
        previous = text
        text = _DECORATION.sub("", text)
    return text


def _match(label: str, stems: list[tuple[str, str]]) -> str | None:
    cleaned = clean_label(label)
    for stem, concept in stems:
        if cleaned.startswith(stem):
            return concept
    return None


def level1_concept(label: str) -> str | None:
    return _match(label, _LEVEL1_STEMS)


def is_level1_label(label: str) -> bool:
    """True when a heading names a first level: 产出指标, 效益指标, 满意度指标, 成本指标 (2021)."""
    return clean_label(label) in {"产出指标", "效益指标", "满意度指标", "成本指标"}


@dataclass(frozen=True)
class Category:
    level1: str  # concept local name, e.g. "output"
    level2: str  # concept local name, e.g. "quantity"


def resolve(level1: str, level2: str) -> Category | None:
    """The category of an indicator from its labels as written, or None when they name none."""
    l1 = level1_concept(level1) if level1 else None
    l2 = _match(level2, _LEVEL2_STEMS) if level2 else None
    if l2 is None:
        child = _ONLY_CHILD.get(l1 or "")
        return Category(l1, child) if l1 and child else None
    if l2 == "outputCost" and l1 == "cost":
        # 2021 tree: a level 2 written just "成本指标" under the cost first level is economic cost.
        l2 = "economicCost"
    return Category(PARENT[l2], l2)
