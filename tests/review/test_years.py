"""Which years in a sentence the other-year rule reports (the text-level part of the rule)."""

from __future__ import annotations

import pytest

from jixiao.review.rules.years import allowed_years, other_years

FISCAL_2023 = allowed_years(2023, None, None)


@pytest.mark.parametrize(
    ("sentence", "allowed", "medium_term", "expected"),
    [
        ("计划2021年内开展社会稳定宣传活动15次", FISCAL_2023, False, [2021]),
        ("保障2022年宝丰镇两中心正常运转", FISCAL_2023, False, [2022]),
        ("2021年1月至12月", FISCAL_2023, False, [2021]),
        ("及时支付2024年取暖费", FISCAL_2023, False, [2024]),
        ("2019年和2021年的欠费", FISCAL_2023, False, []),  # an earlier year's debt
        ("2023年12月底前完成", FISCAL_2023, False, []),
        ("2023年至2025年建成", FISCAL_2023, False, []),
        ("2022年-2023年供暖季", FISCAL_2023, False, []),
        ("2020年至2021年的计划", FISCAL_2023, False, [2020, 2021]),  # a span that misses the year
        ("到2025年覆盖全镇", FISCAL_2023, True, []),  # medium-term goals look ahead
        ("到2025年覆盖全镇", FISCAL_2023, False, [2025]),
        ("较2022年提高5%", FISCAL_2023, False, []),
        ("截至2022年底已建成3处", FISCAL_2023, False, []),
        ("依据2022年度自评结果", FISCAL_2023, False, []),
        ("2025年完成验收", allowed_years(2023, 2023, 2025), False, []),  # within the project period
        ("2024年6月底", FISCAL_2023, True, []),
        ("2021年12月31日", FISCAL_2023, True, [2021]),  # earlier years are wrong even medium-term
    ],
)
def test_other_years(sentence: str, allowed: range, medium_term: bool, expected: list[int]) -> None:
    assert other_years(sentence, allowed, medium_term) == expected
