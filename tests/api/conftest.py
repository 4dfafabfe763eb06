"""The service over the samples: one data dir per session (ingested, indexed with the fake encoder),
a test client per test, and a real server on 127.0.0.1 for clients that speak HTTP."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, sync_playwright

from api.app import create_app
from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao.settings import Settings
from jixiao.store import open_store
from search.sync import sync
from tests.api.browser import CHROMIUM, MISSING, Opener, Visit
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.fakes import FakeEncoder

TOKEN = "test-update-token"


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with both samples ingested and indexed by the fake encoder (read-only: copy it to write)."""
    data = tmp_path_factory.mktemp("api-data")
    settings = Settings(data=data)
    store = open_store(settings)
    minter = IriMinter(settings.base_iri)
    for path in (PARAGRAPH_TABLE, FORM_LINES):
        ingest_file(path, store, minter, None)
    encoder = FakeEncoder()
    sync(store, settings, lambda: encoder, full=True)
    store.close()
    return data


def make_app(data: Path, **settings: object) -> FastAPI:
    encoder = FakeEncoder()
    return create_app(Settings(data=data, **settings), encoder=lambda: encoder)  # type: ignore[arg-type]


@pytest.fixture()
def client(sample_data: Path) -> Iterator[TestClient]:
    with TestClient(make_app(sample_data)) as test_client:
        yield test_client


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LiveServer:
    """uvicorn in a thread on 127.0.0.1, stopped by the fixture that started it."""

    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="session")
def live_server(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app over a copy of the samples (the store takes a lock), served over HTTP."""
    data = tmp_path_factory.mktemp("live") / "data"
    shutil.copytree(sample_data, data)
    with LiveServer(make_app(data)) as server:
        yield server


# --- the browser (tests/api/browser.py) -----------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(MISSING)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox"]
        )
        yield launched
        launched.close()


@pytest.fixture()
def visit(browser: Browser, live_server: LiveServer, tmp_path: Path) -> Iterator[Opener]:
    """`visit(LAPTOP)` or `visit(PHONE)`: a fresh tab at that size; closed after the test."""
    contexts: list[BrowserContext] = []

    def open_at(viewport: dict[str, int]) -> Visit:
        context = browser.new_context(
            viewport={"width": viewport["width"], "height": viewport["height"]},
            locale="zh-CN",
            accept_downloads=True,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        tag = "phone" if viewport["width"] < 600 else "laptop"
        return Visit(context, live_server.url, tmp_path, tag)

    yield open_at
    for context in contexts:
        context.close()
