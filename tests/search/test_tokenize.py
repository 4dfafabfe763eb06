"""Both tokenisers cut budget-table text the same way the query will be cut: one table per tokeniser."""

from __future__ import annotations

import pytest

from search.tokenize import BigramTokenizer, JiebaTokenizer, make_tokenizer, user_dictionary

# Indicator names as they recur across projects: the user dictionary keeps the frequent ones whole.
INDICATOR_NAMES = ["群众满意度", "群众满意度", "资金发放及时率", "资金发放及时率", "2023年补贴", "2023年补贴"]

jieba_cut = JiebaTokenizer(user_dictionary(INDICATOR_NAMES))
bigram_cut = BigramTokenizer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # search mode emits the whole domain word and its dictionary parts
        ("村干部任职补贴发放", ["干部", "村干部", "任职", "补贴", "任职补贴", "发放"]),
        ("群众满意度≥95%", ["群众", "满意", "满意度", "群众满意度", "≥", "95", "%"]),
        ("ＧＤＰ增长", ["gdp", "增长"]),  # full-width Latin, NFKC
        ("１２３４５户", ["12345", "户"]),  # full-width digits
        ("１３８．０２万元", ["138.02", "万元"]),  # full-width decimal point too
        ("资金138.02万元", ["资金", "138.02", "万元"]),
        ("在村的和与", ["村"]),  # function words dropped
        ("The Budget of 2023", ["budget", "2023"]),  # lower case, English stopwords dropped
        ("乡村振兴 village 2023年", ["乡村", "振兴", "乡村振兴", "village", "2023"]),
        ("😀🎉", []),
        ("，。！？…——", []),
        ("", []),
        ("   \n\t", []),
    ],
)
def test_jieba(text: str, expected: list[str]) -> None:
    assert jieba_cut(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("任职补贴", ["任职", "职补", "补贴"]),
        ("村", ["村"]),  # a lone character stays a unigram
        ("ＧＤＰ增长率3.5%", ["gdp", "增长", "长率", "3.5", "%"]),
        ("资金１３８．０２万元", ["资金", "138.02", "万元"]),  # runs split at the number
        ("The Budget of 2023", ["budget", "2023"]),
        ("😀🎉", []),
        ("，。！？…——", []),
        ("", []),
    ],
)
def test_bigram(text: str, expected: list[str]) -> None:
    assert bigram_cut(text) == expected


def test_bigram_drops_a_lone_chinese_stopword() -> None:
    assert bigram_cut("2023年 资金 的 使用") == ["2023", "资金", "使用"]


@pytest.mark.parametrize("cut", [jieba_cut, bigram_cut], ids=["jieba", "bigram"])
def test_long_input(cut: JiebaTokenizer | BigramTokenizer) -> None:
    text = ("村干部任职补贴发放及时率达到100%，" * 500)[:10_000]
    tokens = cut(text)
    assert len(tokens) > 1000 and "补贴" in tokens


def test_user_dictionary_keeps_recurring_names_only() -> None:
    words = user_dictionary([*INDICATOR_NAMES, "只出现一次的指标"])
    assert {"群众满意度", "资金发放及时率"} <= set(words)
    assert "2023年补贴" not in words  # a name with a year is one project's, not a term
    assert "只出现一次的指标" not in words  # count 1 < min_count
    assert {"村干部", "任职补贴", "数量指标"} <= set(words)  # domain words and category labels
    assert len(words) == len(set(words))


def test_dictionaries_do_not_leak_between_instances() -> None:
    # A made-up word jieba cannot know: only the instance given it may keep it whole.
    with_word = JiebaTokenizer(["绩效灵犀"])
    without = JiebaTokenizer()
    assert "绩效灵犀" in with_word("绩效灵犀")
    assert "绩效灵犀" not in without("绩效灵犀")
    assert "绩效灵犀" not in JiebaTokenizer()("绩效灵犀")  # also one made after


def test_make_tokenizer() -> None:
    assert make_tokenizer("bigram").name == "bigram"
    jieba = make_tokenizer("jieba", ["绩效灵犀"])
    assert jieba.name == "jieba" and "绩效灵犀" in jieba("绩效灵犀")
    with pytest.raises(ValueError, match="unknown tokenizer"):
        make_tokenizer("whitespace")
