"""The copy-paste rule on a township built for it, with the fake encoder's vectors.

Five projects on unrelated subjects; the heating project carries a training-cost row copied from
the training project. The fake encoder embeds shared characters as shared dimensions, so what it
measures here is the rule's logic (hubness correction, margin, distinctive words), not a model.
"""

from __future__ import annotations

from dataclasses import replace

from tests.review.conftest import Proj, Reviewer, Row, table


def project(name: str, objective: str, *rows: tuple[str, str, str]) -> Proj:
    common = (Row("满意度指标", "服务对象满意度", "≥95%"),)
    return replace(Proj(), name=name, objectives=(objective,), rows=(*(Row(*r) for r in rows), *common))


HEATING = project(
    "党员活动室取暖费",
    "目标一：及时支付党员活动室冬季取暖费。",
    ("数量指标", "活动室取暖面积", "1453平方米"),
    ("质量指标", "取暖费缴纳准确率", "100%"),
    ("成本指标", "取暖费支出", "≤1万元"),
)
COPIED = ("成本指标", "农牧民培训总成本", "≤1万元")
TOWNSHIP = (
    HEATING,
    project(
        "农牧民实用技术培训经费",
        "目标一：开展农牧民实用技术培训，培训农牧民500人次。",
        ("数量指标", "技术培训班期数", "5期"),
        ("质量指标", "技术培训合格率", "95%"),
    ),
    project(
        "民兵武装工作经费",
        "目标一：组织民兵整组和军事训练，做好征兵工作。",
        ("数量指标", "民兵整组人数", "120人"),
        ("质量指标", "征兵任务完成率", "100%"),
    ),
    project(
        "城乡医保工作经费",
        "目标一：宣传城乡居民医疗保险政策，提高参保率。",
        ("数量指标", "医保宣传资料份数", "1000份"),
        ("质量指标", "居民医保参保率", "98%"),
    ),
    project(
        "妇联工作经费",
        "目标一：维护妇女儿童合法权益，开展妇女儿童关爱活动。",
        ("数量指标", "妇女儿童关爱活动次数", "4次"),
        ("质量指标", "妇女权益维护率", "100%"),
    ),
)


def test_a_row_copied_from_another_project_is_flagged(reviewer: Reviewer) -> None:
    documents = table(replace(HEATING, rows=(*HEATING.rows, Row(*COPIED))), *TOWNSHIP[1:])
    reviewed = reviewer(documents, rules=["copy-paste"], index=True)
    (finding,) = reviewed.of("copy-paste")
    assert finding.values == ("农牧民培训总成本", "农牧民实用技术培训经费")
    assert reviewed.review.projects[finding.project or ""].label == "党员活动室取暖费"
    assert "农牧民" in finding.message and "党员活动室取暖费" in finding.message


def test_nothing_is_flagged_without_a_copy(reviewer: Reviewer) -> None:
    # The same row in its own project, and 服务对象满意度 in all five: neither is a copy.
    documents = table(
        *TOWNSHIP[:1], replace(TOWNSHIP[1], rows=(*TOWNSHIP[1].rows, Row(*COPIED))), *TOWNSHIP[2:]
    )
    reviewed = reviewer(documents, rules=["copy-paste"], index=True)
    assert reviewed.review.skipped == {}
    assert reviewed.of("copy-paste") == []


def test_without_the_index_the_rule_is_skipped_not_failed(reviewer: Reviewer) -> None:
    reviewed = reviewer(table(*TOWNSHIP), rules=["copy-paste"], index=False)
    assert reviewed.review.errors == {}
    assert "reindex" in reviewed.review.skipped["copy-paste"]
