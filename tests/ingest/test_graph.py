"""Graph-building details that the golden files do not isolate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.graph import decimal_literal


@pytest.mark.parametrize(
    ("value", "lexical"),
    [
        ("1.70", "1.7"),
        ("10", "10.0"),
        ("1380200.00", "1380200.0"),
        ("0.30", "0.3"),
        ("0", "0.0"),
        ("-0.0", "0.0"),
        ("2838385", "2838385.0"),
        ("1E+1", "10.0"),
        ("-2.50", "-2.5"),
    ],
)
def test_decimal_literals_are_canonical(value: str, lexical: str) -> None:
    literal = decimal_literal(Decimal(value))
    assert str(literal) == lexical
    assert literal.toPython() == Decimal(value)
