"""Shared fixtures: the bundled samples are the canonical dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.readers.base import detect_reader
from ingest.records import Document

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PARAGRAPH_TABLE = SAMPLES / "000_6042772d099d8031.txt"
FORM_LINES = SAMPLES / "001_c93f3a72651805c2.txt"


def read_sample(path: Path) -> Document:
    text = path.read_text(encoding="utf-8")
    return detect_reader(text).read(text)


@pytest.fixture(scope="session")
def haomen() -> Document:
    """浩门镇 (000): 28 projects in one tab-separated table."""
    return read_sample(PARAGRAPH_TABLE)


@pytest.fixture(scope="session")
def baofeng() -> Document:
    """宝丰镇 (001): 14 one-project forms."""
    return read_sample(FORM_LINES)
