"""The CLI as a user runs it: one in-process runner and the samples ingested into a fresh data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.cli import app
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.fixtures.virtuoso import VirtuosoServer, require_virtuoso

runner = CliRunner()


def jixiao(data: Path, *args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `jixiao ARGS --data DATA`; a crash re-raises."""
    result = runner.invoke(app, [*args, "--data", str(data)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture()
def ingested(data: Path) -> Path:
    code, _, err = jixiao(data, "ingest", str(PARAGRAPH_TABLE), str(FORM_LINES))
    assert code == 0, err
    return data


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One Virtuoso for the session (about 6 s to start); a test empties it (`server.empty()`)."""
    require_virtuoso()
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()
