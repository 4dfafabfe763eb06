"""A tokenizer of the SPARQL 1.1 grammar's terminals, for the checks made before a query runs.

Why a tokenizer and not a scan of the text: the endpoint must refuse `SERVICE` (and `LOAD` in an
update), because pyoxigraph offers no way to turn federation off and would fetch any URL for
anyone. A regular expression that blanks strings and comments was tricked by the prefixed-name
escapes `\\#` and `\\'` (`e:a\\#` is a name, not a comment). Here every terminal is matched as
the grammar defines it: IRIREF, the four string forms, prefixed names with PLX escapes, variables,
blank nodes, numbers, language tags, comments and punctuation; a bare word that is a keyword is a
keyword token.

One ambiguity is lexical in SPARQL: `<` opens an IRI or is the less-than operator. Inside an
expression (always within parentheses) after an operand, `?a<?b)SERVICE#>` reads as an IRI to a
longest-match tokenizer and as `?a < ?b ) SERVICE #comment` to Oxigraph's parser. At each such
point the scan follows both readings (with a budget, refusing past it): a check must never miss a
keyword that the engine will see, and a rare false alarm only refuses a query.

Codepoint escapes (`\\u0053ERVICE`) are checked both as written and decoded, as the SPARQL spec
decodes them before parsing and an engine may or may not.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    IRI = "iri"
    STRING = "string"
    PNAME = "pname"
    VAR = "var"
    BNODE = "bnode"
    NUMBER = "number"
    LANGTAG = "langtag"
    WORD = "word"  # keywords, `a`, true/false, built-in function names
    PUNCT = "punct"
    OTHER = "other"  # a character no terminal starts with; the engine will refuse it


@dataclass(frozen=True)
class Token:
    kind: Kind
    text: str
    start: int


class LexError(ValueError):
    """Text the tokenizer cannot split into SPARQL terminals (an unterminated string, say)."""


# PN_CHARS_BASE of the grammar, as one character class.
_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PREFIX = f"(?:[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?)?"
_LOCAL = f"(?:(?:[{_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?)?"

_TERMINALS: list[tuple[Kind | None, re.Pattern[str]]] = [
    (None, re.compile(r"[ \t\r\n]+")),
    (None, re.compile(r"#[^\r\n]*")),
    (Kind.STRING, re.compile(r"'''(?:[^'\\]|\\.|'(?!''))*'''", re.DOTALL)),
    (Kind.STRING, re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL)),
    (Kind.STRING, re.compile(r"'(?:[^'\\\n\r]|\\.)*'")),
    (Kind.STRING, re.compile(r'"(?:[^"\\\n\r]|\\.)*"')),
    (Kind.BNODE, re.compile(f"_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?")),
    (Kind.PNAME, re.compile(f"{_PREFIX}:{_LOCAL}")),
    (Kind.VAR, re.compile(f"[?$][{_U}0-9][{_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*")),
    (Kind.LANGTAG, re.compile(r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*")),
    (Kind.NUMBER, re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")),
    (Kind.WORD, re.compile(f"[{_BASE}][{_U}0-9]*")),
    (Kind.PUNCT, re.compile(r"<<|>>|\{\||\|\}|<=|>=|!=|&&|\|\||\^\^|[{}()\[\].,;=<>!+\-*/|^~?]")),
]
_IRIREF = re.compile(r'<[^<>"{}|^`\\\x00-\x20]*>')
_UNTERMINATED = re.compile(r"'''|\"\"\"|'|\"")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# Tokens after which `<` may be the less-than operator.
_OPERAND_ENDS = {
    Kind.VAR,
    Kind.NUMBER,
    Kind.STRING,
    Kind.LANGTAG,
    Kind.IRI,
    Kind.PNAME,
    Kind.WORD,
    Kind.BNODE,
}
_OPEN = {"{", "(", "[", "<<", "{|"}
_CLOSE = {"}", ")", "]", ">>", "|}"}
FORK_BUDGET = 64


@dataclass
class Scan:
    """What every reading of a text holds: its words (upper-cased) and deepest nesting."""

    words: set[str] = field(default_factory=set)
    depth: int = 0
    tokens: list[Token] = field(default_factory=list)  # the longest-match reading's
    forks: int = 0


def tokens(text: str) -> list[Token]:
    """The longest-match reading of `text` as SPARQL terminals. Raises LexError."""
    scan = Scan()
    _scan(text, 0, 0, 0, None, scan, primary=True)
    return scan.tokens


def scan(text: str) -> Scan:
    """Every reading of `text` (and of it with codepoint escapes decoded). Raises LexError."""
    result = Scan()
    _scan(text, 0, 0, 0, None, result, primary=True)
    decoded = _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    if decoded != text:
        # If only the decoded text fails to lex, the text as written (which lexed) is what an
        # engine that keeps escapes reads.
        with contextlib.suppress(LexError):
            _scan(decoded, 0, 0, 0, None, result, primary=False)
    return result


def _scan(
    text: str, pos: int, parens: int, depth: int, previous: Kind | None, out: Scan, *, primary: bool
) -> None:
    for token, _, nesting in _walk(text, pos, parens, depth, previous, out):
        if primary:
            out.tokens.append(token)
        if token.kind is Kind.WORD:
            out.words.add(token.text.upper())
        out.depth = max(out.depth, nesting)


def _walk(
    text: str, pos: int, parens: int, depth: int, previous: Kind | None, out: Scan
) -> Iterator[tuple[Token, int, int]]:
    end = len(text)
    while pos < end:
        if text[pos] == "<":
            iri = _IRIREF.match(text, pos)
            if iri is not None:
                if parens > 0 and previous in _OPERAND_ENDS:
                    # Also read it as `<` the operator, then whatever follows.
                    out.forks += 1
                    if out.forks > FORK_BUDGET:
                        raise LexError("too many comparisons written without spaces to check the query")
                    _scan(text, pos + 1, parens, depth, Kind.PUNCT, out, primary=False)
                token = Token(Kind.IRI, iri.group(), pos)
                pos, previous = iri.end(), Kind.IRI
                yield token, parens, depth
                continue
        for kind, pattern in _TERMINALS:
            match = pattern.match(text, pos)
            if match is None or not match.group():
                continue
            pos = match.end()
            if kind is None:
                break  # whitespace or a comment
            token = Token(kind, match.group(), match.start())
            if kind is Kind.PUNCT:
                if token.text in _OPEN:
                    depth += 1
                    parens += token.text == "("
                elif token.text in _CLOSE:
                    depth = max(depth - 1, 0)
                    parens = max(parens - (token.text == ")"), 0)
            previous = kind if kind is not Kind.PUNCT or token.text in (")", "]") else Kind.PUNCT
            if token.text in (")", "]"):
                previous = Kind.WORD  # an operand ends here: `STR(?x)<…`
            yield token, parens, depth
            break
        else:
            if _UNTERMINATED.match(text, pos):
                raise LexError(f"a string opened at character {pos + 1} is not closed")
            token = Token(Kind.OTHER, text[pos], pos)
            pos += 1
            previous = Kind.OTHER
            yield token, parens, depth


@dataclass(frozen=True)
class DatasetClauses:
    """A query's FROM and FROM NAMED graphs, as IRIs (prefixed names expanded)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def dataset_clauses(text: str) -> DatasetClauses:
    """The query's dataset clauses. Only a query's top level has them (a subquery cannot), and
    FROM is a keyword nowhere else, so every FROM token opens one. Raises LexError."""
    prefixes: dict[str, str] = {}
    base = ""
    defaults: list[str] = []
    named: list[str] = []
    found = tokens(text)
    for i, token in enumerate(found):
        word = token.text.upper() if token.kind is Kind.WORD else ""
        following = found[i + 1 : i + 4]
        if word == "BASE" and following and following[0].kind is Kind.IRI:
            base = following[0].text[1:-1]
        elif word == "PREFIX" and len(following) >= 2 and following[0].kind is Kind.PNAME:
            if following[1].kind is Kind.IRI:
                prefixes[following[0].text[:-1]] = _resolve(following[1].text[1:-1], base)
        elif word == "FROM" and following:
            into = defaults
            if following[0].kind is Kind.WORD and following[0].text.upper() == "NAMED":
                into, following = named, following[1:]
            if not following:
                continue
            graph = following[0]
            if graph.kind is Kind.IRI:
                into.append(_resolve(graph.text[1:-1], base))
            elif graph.kind is Kind.PNAME:
                prefix, _, local = graph.text.partition(":")
                if prefix in prefixes:
                    into.append(prefixes[prefix] + _PLX_ESCAPE.sub(r"\1", local))
    return DatasetClauses(tuple(defaults), tuple(named))


_PLX_ESCAPE = re.compile(r"\\(.)")


def _resolve(iri: str, base: str) -> str:
    from urllib.parse import urljoin

    return urljoin(base, iri) if base and ":" not in iri.split("/", 1)[0] else iri
