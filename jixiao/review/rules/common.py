"""Small helpers the rules share: numbers out of RDF literals, amounts as people write them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rdflib import Literal

WAN = Decimal(10_000)  # 元 per 万元


def text(node: Any) -> str:
    return "" if node is None else str(node)


def decimal(node: Any) -> Decimal | None:
    """A literal's number as a Decimal (rdflib gives float for xsd:double, Decimal for xsd:decimal)."""
    if not isinstance(node, Literal):
        return None
    value = node.toPython()
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    return Decimal(str(value))


def wan(yuan: Decimal) -> str:
    """An amount in 元 written as tables write it, in 万元: 1380200 -> '138.02万元'."""
    figure = (yuan / WAN).normalize()
    return f"{figure:f}万元"


def yuan_text(yuan: Decimal) -> str:
    return f"{yuan.normalize():f}元"
