"""`jixiao serve`: the first command on an empty data directory shows the bundled samples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from tests.jixiao.conftest import jixiao


@pytest.fixture()
def served(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """uvicorn.run replaced by a call that records its app and asks it for /health."""
    seen: dict[str, Any] = {}

    def run(app: Any, host: str, port: int, **_: Any) -> None:
        seen.update(host=host, port=port)
        with TestClient(app) as client:
            seen["health"] = client.get("/health").json()

    monkeypatch.setattr(uvicorn, "run", run)
    return seen


def test_serve_on_an_empty_data_dir_ingests_the_samples_first(data: Path, served: dict[str, Any]) -> None:
    code, out, err = jixiao(data, "serve", "--port", "8123")
    assert code == 0, err
    assert "ingesting the 2 bundled sample tables first" in " ".join(err.split())
    assert served["host"] == "127.0.0.1" and served["port"] == 8123
    assert served["health"]["documents"] == 2 and served["health"]["search"]["entries"] > 500
    assert "http://127.0.0.1:8123/" in out


def test_serve_on_an_ingested_data_dir_does_not_ingest_again(ingested: Path, served: dict[str, Any]) -> None:
    code, _, err = jixiao(ingested, "serve", "--host", "0.0.0.0")
    assert code == 0, err
    assert "bundled" not in err and served["host"] == "0.0.0.0" and served["port"] == 8000


def test_serve_reports_a_store_it_cannot_open(tmp_path: Path, served: dict[str, Any]) -> None:
    blocked = tmp_path / "data"
    blocked.mkdir()
    (blocked / "store").write_text("not a folder")
    code, _, err = jixiao(blocked, "serve")
    assert code == 1 and "error:" in err and "store" in err and not served
