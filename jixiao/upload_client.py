"""`jixiao ingest --server URL FILES…`: send the files to a running `jixiao serve` (issue 19).

While the server runs it holds the store's lock, so `jixiao ingest` cannot open it; the server
ingests uploads itself (POST /api/documents, api/documents.py). Files are sent in batches of at
most BATCH_FILES files and BATCH_BYTES bytes, with replace=true (as a local ingest replaces a
document of the same name), and the token from JIXIAO_WRITE_TOKEN when it is set.

Where the server listens is in DATA/server.json (`{"host", "port", "pid", "url", "started_at"}`),
written by `jixiao serve` as it starts (to a temporary file, renamed: never half a file) and
removed when it stops, so that the hint of a locked store names the server's real address.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from jixiao.settings import Settings

BATCH_FILES = 50
BATCH_BYTES = 64 * 1024 * 1024
TIMEOUT = 600.0  # seconds: the server reads and indexes a batch before it answers


class UploadError(Exception):
    """The server could not be reached, or refused the request as a whole."""


def store_locked_message(server_hint: str) -> str:
    """What `jixiao ingest` says when a running server holds the store."""
    return (
        "数据目录正被运行中的服务器（jixiao serve）占用，不能直接导入。请在网页的“文件”页上传，或运行"
        f" `jixiao ingest --server {server_hint} 文件…` 把文件交给服务器导入。\n"
        "The store is held by a running server (jixiao serve): stop it, upload on its 文件 page"
        f" (/documents), or run `jixiao ingest --server {server_hint} FILES…` to have the server ingest them."
    )


SERVER_RECORD = "server.json"
WILDCARDS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # listening on all: reach it locally


def server_url(host: str, port: int) -> str:
    """The URL a client on this machine reaches a server listening on host:port by."""
    host = WILDCARDS.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def record_server(data: Path, host: str, port: int) -> Path:
    """Write DATA/server.json for this process (atomically: a temporary file renamed over it)."""
    record = {
        "host": host,
        "port": port,
        "pid": os.getpid(),
        "url": server_url(host, port),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    data.mkdir(parents=True, exist_ok=True)
    target = data / SERVER_RECORD
    handle, temporary = tempfile.mkstemp(dir=data, prefix=".server-", suffix=".json.tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
            out.write("\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def forget_server(data: Path) -> None:
    """Remove DATA/server.json if this process wrote it (a record of another server is left alone)."""
    record = read_server_record(data)
    if record is not None and record.get("pid") == os.getpid():
        (data / SERVER_RECORD).unlink(missing_ok=True)


def read_server_record(data: Path) -> dict[str, Any] | None:
    """DATA/server.json as written by `jixiao serve`, or None (absent, unreadable, not a record)."""
    try:
        record = json.loads((data / SERVER_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    if not isinstance(record.get("pid"), int) or not isinstance(record.get("port"), int):
        return None
    if not isinstance(record.get("host"), str):
        return None
    return record


def process_alive(pid: int) -> bool:
    """Whether a process of that id runs (never signals it: os.kill(pid, 0) would end it on Windows)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == 259
        finally:  # 259: STILL_ACTIVE
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    except OSError:
        return False
    return True


def running_server(settings: Settings) -> str:
    """The URL of the server that holds the store: DATA/server.json's while its process is alive,
    else the one the settings name (JIXIAO_HOST, JIXIAO_PORT)."""
    record = read_server_record(settings.data)
    if record is not None and process_alive(record["pid"]):
        return server_url(record["host"], record["port"])
    return server_url(settings.host, settings.port)


def batches(paths: Sequence[Path]) -> Iterator[list[Path]]:
    batch: list[Path] = []
    size = 0
    for path in paths:
        length = path.stat().st_size if path.is_file() else 0
        if batch and (len(batch) >= BATCH_FILES or size + length > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += length
    if batch:
        yield batch


def send(
    server: str, paths: Sequence[Path], token: str | None = None
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each file's report from the server (as POST /api/documents gives it), in order, and the
    server's warnings (its search index not updated, …), each once."""
    url = server.rstrip("/") + "/api/documents"
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    reports: list[dict[str, Any]] = []
    warnings: list[str] = []
    with httpx.Client(timeout=TIMEOUT) as client:
        for batch in batches(paths):
            files = [("files", (path.name, path.read_bytes(), "application/octet-stream")) for path in batch]
            try:
                answer = client.post(url, files=files, data={"replace": "true"}, headers=headers)
            except httpx.HTTPError as exc:
                raise UploadError(f"无法连接服务器 / cannot reach {url}: {exc}") from None
            if answer.status_code != 200:
                try:
                    message = answer.json().get("error", answer.text)
                except ValueError:
                    message = answer.text
                raise UploadError(f"{url}: {answer.status_code} {message}")
            body = answer.json()
            reports.extend(body["files"])
            warnings.extend(w for w in body.get("warnings", []) if w not in warnings)
    return reports, warnings
