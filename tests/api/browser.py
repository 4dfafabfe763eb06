"""The browser harness the page tests share: Debian's chromium driven by Playwright.

A test asks for `visit` (conftest.py) and opens tabs at LAPTOP or PHONE width; each tab records
its requests and script errors, and saves screenshots under the test's tmp_path, copied to
/tmp/jixiao-shots/ so that a person can look at them. A missing chromium skips the page tests, or
fails them when JIXIAO_REQUIRE_BROWSER=1 (as CI sets).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import BrowserContext, ConsoleMessage, Page

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/tmp/jixiao-shots")
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 800}
LOCAL = "127.0.0.1"

MISSING = f"no chromium at {CHROMIUM}: the browser tests drive Debian's chromium (apt-get install chromium)"
# CI sets JIXIAO_REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and os.environ.get("JIXIAO_REQUIRE_BROWSER") != "1", reason=MISSING
)


class Visit:
    """One browser tab at one size, recording every request and every script error it sees."""

    def __init__(self, context: BrowserContext, url: str, shots: Path, tag: str) -> None:
        self.context = context
        self.url = url
        self.shots = shots
        self.tag = tag
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page = context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        self.page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        # A 4xx answer that a page shows to the user (a SPARQL syntax error) is logged by chromium as
        # "Failed to load resource"; anything else logged as an error is a bug in the page.
        if message.type == "error" and "Failed to load resource" not in message.text:
            self.errors.append(f"console: {message.text}")

    def open(self, path: str) -> Page:
        self.page.goto(self.url + path)
        return self.page

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}-{self.tag}.png"
        self.page.screenshot(path=str(path), full_page=True)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SHOTS / path.name)
        return path

    def overflow(self) -> int:
        """How many pixels the page is wider than the window (0 when nothing sticks out)."""
        width: int = self.page.evaluate("document.scrollingElement.scrollWidth")
        return width - self.page.viewport_size["width"] if self.page.viewport_size else 0

    def assert_clean(self) -> None:
        foreign = [url for url in self.requests if (urlsplit(url).hostname or LOCAL) != LOCAL]
        assert self.requests, "the page made no request at all"
        assert not foreign, f"requests to other hosts (intranets are offline): {foreign}"
        assert not self.errors, f"script errors: {self.errors}"


Opener = Callable[[dict[str, int]], Visit]


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)
