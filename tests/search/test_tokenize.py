"""Both tokenisers cut budget-table text the same way the query will be cut: one table per tokeniser."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest
from rdflib import Dataset

from ingest.graph import SourceInfo, document_graph
from ingest.iri import IriMinter
from ingest.records import BudgetUnit, Document, Indicator, Project
from ingest.target import parse_target
from search.entries import Kind
from search.lexical import LexicalIndex
from search.service import Filters, Mode, SearchService
from search.texts import read_entries
from search.tokenize import (
    BigramTokenizer,
    JiebaTokenizer,
    _t2s,
    make_tokenizer,
    to_simplified,
    user_dictionary,
)
from tests.fakes import FakeEncoder
from tests.search.conftest import index_of

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


# Mirror sites republish tables in traditional characters (layout mocks 13 and 20): both scripts
# must give the same tokens, and simplified text must come through untouched.
@pytest.mark.parametrize(
    ("traditional", "simplified"),
    [
        ("社區服務群眾滿意度≥95%", "社区服务群众满意度≥95%"),
        ("村幹部任職補貼發放", "村干部任职补贴发放"),
        ("專項經費（萬元）", "专项经费（万元）"),
        ("項目完成及時率", "项目完成及时率"),
        ("反覆核查", "反复核查"),  # 覆 alone is simplified; the phrase 反覆 is not
    ],
)
@pytest.mark.parametrize("cut", [jieba_cut, bigram_cut], ids=["jieba", "bigram"])
def test_traditional_and_simplified_give_the_same_tokens(
    cut: JiebaTokenizer | BigramTokenizer, traditional: str, simplified: str
) -> None:
    assert cut(traditional) == cut(simplified)
    assert to_simplified(traditional) == simplified


@pytest.mark.parametrize(
    "text",
    ["村干部任职补贴发放及时率", "乾坤", "干燥", "皇后", "头发", "里程", "于是", "余额", "", "gdp 2023 ≥95%"],
)
def test_simplified_text_is_left_as_it_is(text: str) -> None:
    assert to_simplified(text) == text


def test_the_fast_path_gives_what_the_converter_gives() -> None:
    """Text without a trigger character skips OpenCC; on a mixed sample both paths agree."""
    converter, triggers = _t2s()
    assert triggers is not None and {"區", "滿", "覆"} <= triggers and "区" not in triggers
    for text in ["社區", "社区", "反覆", "覆盖率", "滿意度95%", "满意度", "後續", "皇后"]:
        assert to_simplified(text) == converter.convert(text), text


def test_an_indicator_indexed_in_one_script_is_found_in_the_other() -> None:
    names = ["社區服務群眾滿意度", "村干部任职补贴发放及时率", "道路硬化里程"]
    for cut in (jieba_cut, bigram_cut):
        index = LexicalIndex.build([cut(name) for name in names])
        by_simplified = index.scores(cut("社区服务群众满意度"))
        assert int(np.argmax(by_simplified)) == 0 and by_simplified[0] > 0
        assert by_simplified[1] == by_simplified[2] == 0
        by_traditional = index.scores(cut("村幹部任職補貼"))
        assert int(np.argmax(by_traditional)) == 1 and by_traditional[1] > 0
        assert by_traditional[0] == 0


def test_search_matches_across_scripts_and_keeps_labels_as_written() -> None:
    """From records to hits: a table from a mirror site (traditional) and one in simplified, each
    found by a query in the other script, lexical mode, with its label shown as written. The
    names share no character across scripts (電費補貼 / 电费补贴), so only normalising matches."""
    traditional = Project(
        name="社區服務專項經費",
        unit=BudgetUnit("青禾縣鹿鳴鎮人民政府", "901001"),
        amount_wan=Decimal(5),
        fiscal_year=2024,
        indicators=[_indicator("產出指標", "成本指標", "電費補貼", "≤2萬元")],
    )
    simplified = Project(
        name="村级道路养护经费",
        unit=BudgetUnit("平罗县宝丰镇人民政府", "058"),
        amount_wan=Decimal(8),
        fiscal_year=2024,
        indicators=[_indicator("产出指标", "数量指标", "车辆维护", "12次")],
    )
    dataset = Dataset()
    minter = IriMinter("https://w3id.org/jixiao/id/")
    for name, project in (("trad.txt", traditional), ("simp.txt", simplified)):
        source = SourceInfo(name, "0" * 64, "test", datetime(2026, 1, 1, tzinfo=UTC))
        graph = document_graph(Document(layout="test", projects=[project]), source, minter)
        named = dataset.graph(graph.identifier)
        for triple in graph:
            named.add(triple)
    index = index_of(read_entries(dataset))
    encoder = FakeEncoder()
    service = SearchService(index, lambda: encoder)
    for query, expected in (("电费补贴", "電費補貼"), ("車輛維護", "车辆维护")):
        hits = service.search(query, Filters(kind=Kind.INDICATOR), mode=Mode.LEXICAL).hits
        assert [hit.entry.label for hit in hits if hit.lexical] == [expected], query


def _indicator(level1: str, level2: str, name: str, raw: str) -> Indicator:
    return Indicator(level1, level2, name, parse_target(raw), f"{name} {raw}", line=1)
