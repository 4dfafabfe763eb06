"""Shared fixtures: the bundled samples are the canonical dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.readers.base import detect_reader
from ingest.records import Document
from ingest.source import Source
from search import encoder as encoder_module
from tests.fakes import FakeEncoder

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
PARAGRAPH_TABLE = SAMPLES / "000_6042772d099d8031.txt"
FORM_LINES = SAMPLES / "001_c93f3a72651805c2.txt"


def read_sample(path: Path) -> Document:
    text = path.read_text(encoding="utf-8")
    source = Source.from_text(text, path.name)
    return detect_reader(source).read(source)


@pytest.fixture(scope="session")
def haomen() -> Document:
    """浩门镇 (000): 28 projects in one tab-separated table."""
    return read_sample(PARAGRAPH_TABLE)


@pytest.fixture(scope="session")
def baofeng() -> Document:
    """宝丰镇 (001): 14 one-project forms."""
    return read_sample(FORM_LINES)


@pytest.fixture(autouse=True)
def fake_encoder(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> FakeEncoder | None:
    """Every test gets the fake encoder in place of the real model, except tests marked `model`."""
    if request.node.get_closest_marker("model") is not None:
        return None
    fake = FakeEncoder()
    monkeypatch.setattr(encoder_module, "_loaded", {})
    monkeypatch.setattr(encoder_module, "open_sentence_transformer", lambda *args, **kwargs: fake)
    return fake


# Markers by what a test uses, so that no test file has to remember them (issue 18): `make
# test-fast` leaves out the slow kinds for a developer's quick loop; CI runs everything.
_SERVER_FIXTURES = {"live_server", "oxigraph", "virtuoso", "server", "serve"}
_SLOW_FOLDERS = {"packaging"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & {"browser", "page"}:
            item.add_marker(pytest.mark.browser)
        if fixtures & _SERVER_FIXTURES:
            item.add_marker(pytest.mark.server)
        if _SLOW_FOLDERS & set(item.path.parts):
            item.add_marker(pytest.mark.slow)
