"""`jixiao ingest` while the server runs (issue 19): it says, in Chinese and English, that the server
holds the store and how to hand it the files; `jixiao ingest --server URL FILES…` does that."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.contracts import IngestReport
from tests.api.conftest import LiveServer, make_app
from tests.api.test_documents_api import township_text
from tests.jixiao.conftest import jixiao


@pytest.fixture()
def running(sample_data: Path, tmp_path: Path) -> Iterator[tuple[Path, LiveServer]]:
    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    with LiveServer(make_app(data)) as server:
        yield data, server


def test_ingest_while_the_server_runs(running: tuple[Path, LiveServer], tmp_path: Path) -> None:
    data, server = running
    table = tmp_path / "上传镇.txt"
    table.write_text(township_text(), "utf-8")
    code, _, err = jixiao(data, "ingest", str(table))
    said = " ".join(err.split())
    assert code == 1
    assert "数据目录正被运行中的服务器" in said and "held by a running server" in said
    assert "jixiao ingest --server http://127.0.0.1:8000" in said

    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"\x00\xff" * 100)
    code, out, err = jixiao(data, "ingest", "--server", server.url, str(table), str(broken))
    assert code == 2
    assert "上传镇.txt" in out and "ingested by the server: form-lines" in " ".join(out.split())
    assert "broken.txt" in err and "binary" in err
    listed = httpx.get(server.url + "/api/documents").json()["documents"]
    assert "上传镇.txt" in [d["file"] for d in listed]

    # Again: the server replaces it (as a local ingest does), and --json gives its report.
    code, out, err = jixiao(data, "ingest", "--server", server.url, "--json", str(table))
    assert code == 0, err
    answer = IngestReport.model_validate(json.loads(out))  # the local ingest's --json shape
    (report,) = json.loads(out)["files"]
    assert report["stored"] and report["replaced"] is True and answer.stored == 1


def test_ingest_to_a_server_that_is_not_there(tmp_path: Path) -> None:
    table = tmp_path / "t.txt"
    table.write_text(township_text(), "utf-8")
    code, _, err = jixiao(tmp_path / "data", "ingest", "--server", "http://127.0.0.1:9", str(table))
    assert code == 1 and "无法连接服务器" in err


def test_bulk_and_server_together_are_refused_before_anything_is_sent(tmp_path: Path) -> None:
    """The server ingests uploads one by one: --bulk would be silently ignored, so it is refused."""
    table = tmp_path / "t.txt"
    table.write_text(township_text(), "utf-8")
    code, _, err = jixiao(tmp_path / "data", "ingest", "--bulk", "--server", "http://127.0.0.1:9", str(table))
    said = " ".join(err.split())
    assert code == 2 and "--bulk and --server together" in said and "无法连接服务器" not in said
