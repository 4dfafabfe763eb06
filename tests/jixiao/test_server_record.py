"""DATA/server.json (issue 19): `jixiao serve` records where it listens, and the hint `jixiao ingest`
gives while a server holds the store names that address, not the settings' default, as long as
the process that wrote it is alive; it is removed when the server stops, SIGTERM included."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from jixiao import upload_client
from jixiao.settings import Settings
from jixiao.store import Store, open_store
from tests.api.conftest import free_port
from tests.conftest import PARAGRAPH_TABLE
from tests.jixiao.conftest import jixiao


def dead_pid() -> int:
    """The id of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_record(data: Path, **record: Any) -> None:
    data.mkdir(parents=True, exist_ok=True)
    (data / "server.json").write_text(json.dumps(record), "utf-8")


def test_the_record_is_written_whole_and_removed_by_its_writer(tmp_path: Path) -> None:
    data = tmp_path / "data"
    path = upload_client.record_server(data, "0.0.0.0", 8123)
    assert path == data / "server.json"
    record = json.loads(path.read_text("utf-8"))
    assert record["host"] == "0.0.0.0" and record["port"] == 8123 and record["pid"] == os.getpid()
    assert record["url"] == "http://127.0.0.1:8123"  # listening everywhere: reached locally
    assert [p.name for p in data.iterdir()] == ["server.json"]  # no temporary file left
    assert upload_client.read_server_record(data) == record

    upload_client.forget_server(data)
    assert not path.exists()
    upload_client.forget_server(data)  # nothing to remove: no error

    # Another process's record is not ours to remove.
    write_record(data, host="127.0.0.1", port=8001, pid=dead_pid())
    upload_client.forget_server(data)
    assert path.exists()


def test_the_url_comes_from_a_live_record_else_from_the_settings(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(data=data, host="127.0.0.1", port=8000)
    assert upload_client.running_server(settings) == "http://127.0.0.1:8000"  # no record

    write_record(data, host="0.0.0.0", port=8765, pid=os.getpid())
    assert upload_client.running_server(settings) == "http://127.0.0.1:8765"
    write_record(data, host="192.168.1.20", port=80, pid=os.getpid())
    assert upload_client.running_server(settings) == "http://192.168.1.20:80"
    write_record(data, host="::", port=8080, pid=os.getpid())
    assert upload_client.running_server(settings) == "http://[::1]:8080"

    write_record(data, host="127.0.0.1", port=8765, pid=dead_pid())  # a server killed, its record left
    assert upload_client.running_server(settings) == "http://127.0.0.1:8000"
    (data / "server.json").write_text('{"host": "127.0.0.1", "port": "8765"', "utf-8")  # cut short
    assert upload_client.running_server(settings) == "http://127.0.0.1:8000"
    write_record(data, host="127.0.0.1", port="8765", pid=os.getpid())  # not a record: port as text
    assert upload_client.running_server(settings) == "http://127.0.0.1:8000"
    assert upload_client.running_server(Settings(data=data, port=8011)) == "http://127.0.0.1:8011"


@pytest.fixture()
def held(tmp_path: Path) -> Iterator[tuple[Path, Store]]:
    """A data dir whose store this process holds, as a running server does."""
    data = tmp_path / "data"
    store = open_store(Settings(data=data))
    yield data, store
    store.close()


def ingest_hint(data: Path) -> str:
    code, _, err = jixiao(data, "ingest", str(PARAGRAPH_TABLE))
    assert code == 1
    said = " ".join(err.split())
    assert "held by a running server" in said
    return said


def test_the_locked_store_hint_names_the_recorded_server(
    held: tuple[Path, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, _ = held
    write_record(data, host="0.0.0.0", port=8765, pid=os.getpid())
    said = ingest_hint(data)
    assert "jixiao ingest --server http://127.0.0.1:8765 文件…" in said
    assert "jixiao ingest --server http://127.0.0.1:8765 FILES…" in said

    write_record(data, host="127.0.0.1", port=8765, pid=dead_pid())
    assert "jixiao ingest --server http://127.0.0.1:8000 FILES…" in ingest_hint(data)
    monkeypatch.setenv("JIXIAO_PORT", "8011")
    assert "jixiao ingest --server http://127.0.0.1:8011 FILES…" in ingest_hint(data)


def test_serve_records_where_it_listens_while_it_runs(
    ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}

    def run(app: Any, host: str, port: int, **_: Any) -> None:
        seen["record"] = json.loads((ingested / "server.json").read_text("utf-8"))

    monkeypatch.setattr(uvicorn, "run", run)
    code, _, err = jixiao(ingested, "serve", "--host", "0.0.0.0", "--port", "8124")
    assert code == 0, err
    record = seen["record"]
    assert (record["host"], record["port"], record["pid"]) == ("0.0.0.0", 8124, os.getpid())
    assert not (ingested / "server.json").exists()  # removed as it stopped


def test_serve_removes_the_record_when_it_fails(ingested: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def run(app: Any, host: str, port: int, **_: Any) -> None:
        assert (ingested / "server.json").exists()
        raise SystemExit(1)  # as uvicorn does when the port is taken

    monkeypatch.setattr(uvicorn, "run", run)
    code, _, _ = jixiao(ingested, "serve", "--port", "8125")
    assert code == 1
    assert not (ingested / "server.json").exists()


SERVER = textwrap.dedent(
    """
    import sys
    from api.app import create_app, run_server
    from jixiao import upload_client
    from jixiao.settings import Settings
    from tests.fakes import FakeEncoder
    # What `jixiao serve` does (jixiao/cli/serve.py), with the fake encoder instead of the model.
    settings = Settings(data=sys.argv[1], port=int(sys.argv[2]))
    encoder = FakeEncoder()
    application = create_app(settings, encoder=lambda: encoder)
    upload_client.record_server(settings.data, settings.host, settings.port)
    run_server(application, settings, on_stop=lambda: upload_client.forget_server(settings.data))
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is POSIX's")
def test_sigterm_removes_the_record(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(data), str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
            assert time.monotonic() < deadline, "the server did not start"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        record = upload_client.read_server_record(data)
        assert record is not None and (record["port"], record["pid"]) == (port, process.pid)
        assert upload_client.running_server(Settings(data=data)) == f"http://127.0.0.1:{port}"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == -signal.SIGTERM  # still ended by the signal, as before
        assert not (data / "server.json").exists()
        assert upload_client.running_server(Settings(data=data)) == "http://127.0.0.1:8000"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()
