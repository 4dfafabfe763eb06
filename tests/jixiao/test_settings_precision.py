"""JIXIAO_EMBEDDING_PRECISION: three names, any case; anything else is refused at start-up."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from jixiao.settings import Settings


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "auto"),  # unset
        ("auto", "auto"),
        ("float32", "float32"),
        ("bfloat16", "bfloat16"),
        ("BFloat16", "bfloat16"),
        ("  float32\n", "float32"),
    ],
)
def test_the_setting_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str
) -> None:
    if value is None:
        monkeypatch.delenv("JIXIAO_EMBEDDING_PRECISION", raising=False)
    else:
        monkeypatch.setenv("JIXIAO_EMBEDDING_PRECISION", value)
    assert Settings().embedding_precision == expected


@pytest.mark.parametrize("value", ["bf16", "fp32", "float16", "", "int8"])
def test_other_values_are_refused_naming_the_choices(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("JIXIAO_EMBEDDING_PRECISION", value)
    with pytest.raises(ValidationError, match="'auto', 'float32' or 'bfloat16'"):
        Settings()
