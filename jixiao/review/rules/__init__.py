"""The review rules, one module per subject; importing this package registers them all."""

from __future__ import annotations

from jixiao.review.model import REGISTRY, Rule
from jixiao.review.rules import amounts, categories, copy_paste, duplicates, targets, years

__all__ = ["ORDER", "all_rules", "amounts", "categories", "copy_paste", "duplicates", "targets", "years"]

# The order rules run and are listed in: the table's structure, money, dates, values, copies.
ORDER = (
    "missing-category",
    "unit-total",
    "cost-unit-slip",
    "cost-above-amount",
    "other-year",
    "placeholder-target",
    "unparsed-target",
    "percent-out-of-range",
    "low-satisfaction",
    "duplicate-indicator",
    "copy-paste",
)


def all_rules() -> list[Rule]:
    if set(ORDER) != set(REGISTRY):
        raise RuntimeError(f"rules registered but not ordered (or the reverse): {set(ORDER) ^ set(REGISTRY)}")
    return [REGISTRY[rule_id] for rule_id in ORDER]
