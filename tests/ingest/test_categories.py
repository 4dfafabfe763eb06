"""Level labels as written, with decorations and typos, map to the ontology's categories."""

from __future__ import annotations

import pytest

from ingest.categories import Category, clean_label, resolve


@pytest.mark.parametrize(
    ("level1", "level2", "expected"),
    [
        ("产出指标", "数量指标", Category("output", "quantity")),
        ("产出指标", "数量指标（必填硬性指标）", Category("output", "quantity")),
        ("产出指标", "数量指标（必填硬性标）", Category("output", "quantity")),
        ("产出指标(40-50)分", "质量指标（必填）", Category("output", "quality")),
        ("产出指标", "时效指标", Category("output", "timeliness")),
        ("产出指标", "进度指标", Category("output", "timeliness")),
        ("产出指标", "成本指标（必填硬性指标）", Category("output", "outputCost")),
        ("成本指标", "经济成本指标", Category("cost", "economicCost")),
        ("成本指标", "社会成本指标", Category("cost", "socialCost")),
        ("成本指标", "生态环境成本指标", Category("cost", "ecologicalCost")),
        ("成本指标", "成本指标", Category("cost", "economicCost")),
        ("效益指标", "社会效益指标（必填）", Category("effect", "socialEffect")),
        ("效益指标", "经济效益指标", Category("effect", "economicEffect")),
        ("效益指标", "环境效益指标", Category("effect", "ecologicalEffect")),
        ("效益指标", "生态效益指标", Category("effect", "ecologicalEffect")),
        ("效益指标", "可持续影响指标（必填）", Category("effect", "sustainability")),
        ("满意度指标", "服务对象满意度指标（必填）", Category("satisfaction", "serviceSatisfaction")),
        ("满意度指标", "社会公众或服务对象满意度指标", Category("satisfaction", "serviceSatisfaction")),
        ("满意度指标", "", Category("satisfaction", "serviceSatisfaction")),
        ("效益指标", "满意度指标", Category("satisfaction", "serviceSatisfaction")),
        ("产出指标", "", None),
        ("", "其他", None),
    ],
)
def test_resolve(level1: str, level2: str, expected: Category | None) -> None:
    assert resolve(level1, level2) == expected


@pytest.mark.parametrize(
    ("label", "clean"),
    [
        ("（二）质量指标（必填）：", "质量指标"),
        ("一、产出指标", "产出指标"),
        ("产出指标(40-50)分", "产出指标"),
        ("数量指标（必填硬性指标）", "数量指标"),
    ],
)
def test_clean_label(label: str, clean: str) -> None:
    assert clean_label(label) == clean
