"""Tokenisers for the lexical index: jieba words (with a domain dictionary) or character bigrams.

Both normalise the same way (NFKC, lower case, traditional characters to simplified, punctuation
and a few function words dropped), so "ＧＤＰ" and "gdp", "≥95%" and ">=95%", "滿意度" and "满意度"
meet. Query and index must be cut by the same tokeniser with the same dictionary; the lexical index
stores both. Only tokens are normalised: labels and stored text stay as written.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Protocol

import jieba
from opencc import OpenCC

from search.texts import category_labels


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Function words that match everywhere and rank nothing.
STOPWORDS = frozenset(
    _words(
        "的 了 和 与 及 或 等 在 为 对 是 将 把 由 并 其 之 以 于 中 年 个 各 项 the of and a an to in for"
    )
)

# Words jieba's general dictionary cuts badly in budget tables ("任职补贴" -> 任职/补/贴); found by
# reading the samples. The ontology's category labels are added to these at run time.
DOMAIN_WORDS = _words("""
    村干部 任职补贴 误工补贴 生活补贴 工作经费 运转经费 办公经费 党建经费 党组织 党员 团委 妇联
    武装部 民兵 乡村振兴 人居环境 垃圾清运 环境整治 低保 五保 特困 残疾人 养老保险 医疗保险
    满意度 知晓率 覆盖率 完成率 达标率 及时率 准确率 发放率 合格率 参保率 到位率 执行率
    按时足额 足额发放 及时发放 社会效益 经济效益 生态效益 可持续影响 服务对象
""")

# A run of Chinese characters, or a word of letters and digits in any other script (café, Ёлка,
# 138.02), or a comparison sign worth matching.
_WORD = re.compile(
    r"[\u3400-\u9fff\U00020000-\U0002ffff]+|[^\W_\u3400-\u9fff\U00020000-\U0002ffff]+(?:\.[0-9]+)?|[%≥≤><=]"
)
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")

logging.getLogger("jieba").setLevel(logging.WARNING)
jieba.setLogLevel(logging.WARNING)


class Tokenizer(Protocol):
    @property
    def name(self) -> str: ...

    def __call__(self, text: str) -> list[str]: ...


def normalize(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text).lower())


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC's t2s dictionaries), for matching only.

    Mirror sites republish tables in traditional characters ("社區服務滿意度"); without this a
    simplified query would miss them. Text already simplified comes back unchanged, and most
    text is: a set test skips the converter for it, which costs ~20 µs a string otherwise.
    """
    converter, triggers = _t2s()
    if triggers is not None and triggers.isdisjoint(text):
        return text
    return str(converter.convert(text))


@cache
def _t2s() -> tuple[OpenCC, frozenset[str] | None]:
    # Built once: the converter parses its dictionaries on first use (~0.1 s).
    converter = OpenCC("t2s")
    converter.convert("")
    return converter, _trigger_characters(converter)


def _trigger_characters(converter: OpenCC) -> frozenset[str] | None:
    """Every character of a dictionary key that t2s rewrites: a text with none of them is unchanged.

    Phrase keys count whole (反覆 -> 反复 rewrites 覆, which is not a traditional character on its
    own). None when the converter's tables are not where this version keeps them: then every text
    goes through the converter, slower but the same result.
    """
    tables = getattr(converter, "dict_cache", None)
    if not isinstance(tables, dict) or not tables:
        return None
    triggers: set[str] = set()
    for table in tables.values():
        mapping = table[2] if isinstance(table, tuple) and len(table) == 3 else None
        if not isinstance(mapping, dict):
            return None
        for key, value in mapping.items():
            if str(value).split(" ")[0] != key:
                triggers.update(key)
    return frozenset(triggers)


class BigramTokenizer:
    """Overlapping character bigrams over Chinese runs (a lone character stays a unigram); Latin
    words and numbers whole. Needs no dictionary, so no word is ever cut wrongly — or rightly."""

    name = "bigram"

    def __call__(self, text: str) -> list[str]:
        tokens: list[str] = []
        for run in _WORD.findall(normalize(text)):
            if _CJK.match(run):
                if len(run) == 1:
                    tokens.extend([] if run in STOPWORDS else [run])
                else:
                    tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
            elif run not in STOPWORDS:
                tokens.append(run)
        return tokens


class JiebaTokenizer:
    """jieba's search-engine mode (long words and their dictionary sub-words), with a user dictionary."""

    name = "jieba"

    def __init__(self, user_words: Sequence[str] = ()) -> None:
        self.user_words = tuple(dict.fromkeys(normalize(word) for word in user_words if word.strip()))
        self._jieba = _jieba_with(self.user_words)

    def __call__(self, text: str) -> list[str]:
        tokens: list[str] = []
        for run in _WORD.findall(normalize(text)):
            if _CJK.match(run):
                tokens.extend(t for t in self._jieba.cut_for_search(run) if t not in STOPWORDS)
            elif run not in STOPWORDS:
                tokens.append(run)
        return tokens


@cache
def _jieba_with(words: tuple[str, ...]) -> jieba.Tokenizer:
    # One jieba instance per dictionary, not the global one: two indexes in one process (tests,
    # the benchmark) must not leak words into each other.
    tokenizer = jieba.Tokenizer()
    for word in words:
        tokenizer.add_word(word, freq=2000)
    return tokenizer


def user_dictionary(indicator_names: Iterable[str], min_count: int = 2, max_words: int = 2000) -> list[str]:
    """Domain words + category labels + indicator names that recur across projects.

    A name that several projects use verbatim ("群众满意度", "资金发放及时率") is a term of the trade;
    keeping it whole lets BM25 match it as a unit while search mode still emits its parts.
    """
    counts = Counter(" ".join(name.split()) for name in indicator_names)
    frequent = [
        name
        for name, count in counts.most_common()
        if count >= min_count and 2 <= len(name) <= 8 and _CJK.search(name) and not re.search(r"\d", name)
    ]
    return list(dict.fromkeys([*DOMAIN_WORDS, *category_labels(), *frequent[:max_words]]))


def make_tokenizer(name: str, user_words: Sequence[str] = ()) -> Tokenizer:
    if name == "jieba":
        return JiebaTokenizer(user_words)
    if name == "bigram":
        return BigramTokenizer()
    raise ValueError(f"unknown tokenizer {name!r} (jieba or bigram)")
