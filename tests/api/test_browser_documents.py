"""The 文件 page in a real browser (tests/api/browser.py): upload a good and a bad file together,
drop a file, replace after confirming, delete, and find the upload in search; laptop and phone.

The page writes to the store, so it gets a server of its own over a copy of the samples (the
session's live server is shared with the read-only page tests).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.api.browser import CHROMIUM, LAPTOP, MISSING, PHONE, Opener, Visit, needs_chromium
from tests.api.conftest import LiveServer, make_app
from tests.api.test_documents_api import township_text

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def writable_server(sample_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("documents-live") / "data"
    shutil.copytree(sample_data, data)
    with LiveServer(make_app(data)) as server:
        yield server


@pytest.fixture()
def open_tab(browser: Browser, writable_server: LiveServer, tmp_path: Path) -> Iterator[Opener]:
    contexts: list[BrowserContext] = []

    def at(viewport: dict[str, int]) -> Visit:
        if not CHROMIUM.exists():
            pytest.fail(MISSING)
        context = browser.new_context(
            viewport={"width": viewport["width"], "height": viewport["height"]}, locale="zh-CN"
        )
        context.set_default_timeout(20_000)
        contexts.append(context)
        return Visit(context, writable_server.url, tmp_path, "phone" if viewport["width"] < 600 else "laptop")

    yield at
    for context in contexts:
        context.close()


def test_upload_good_and_bad_replace_delete_and_search(open_tab: Opener, tmp_path: Path) -> None:
    good = tmp_path / "上传镇.txt"
    good.write_text(township_text(), "utf-8")
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"\x00\x01\x02\xff" * 400)
    v = open_tab(LAPTOP)
    page = v.open("/documents")
    expect(page.locator(".site-nav a[aria-current=page]")).to_contain_text("文件")
    expect(page.locator(".documents-table")).to_contain_text("000_6042772d099d8031.txt")

    page.locator("#pick-files").set_input_files([str(good), str(bad)])
    ok = page.locator(".file-report li.ok", has_text="上传镇.txt")
    expect(ok).to_contain_text("已导入")
    expect(ok).to_contain_text("表单（逐行）")
    failed = page.locator(".file-report li.error", has_text="坏文件.pdf")
    expect(failed).to_contain_text("未导入")
    expect(page.locator(".report-summary")).to_contain_text("1 个文件已导入，1 个未导入")
    expect(page.locator(".documents-table tr", has_text="上传镇.txt")).to_be_visible()
    expect(page.locator(".documents-table")).not_to_contain_text("坏文件.pdf")
    v.shot("documents-report")

    # Replace: the same name again is held back until the user confirms.
    page.locator("#pick-files").set_input_files([str(good)])
    expect(page.locator("#confirm")).to_contain_text("替换同名文件")
    expect(page.locator(".file-report li.exists")).to_contain_text("已存在")
    page.locator("#replace-yes").click()
    expect(page.locator(".file-report li.ok", has_text="上传镇.txt")).to_contain_text("已替换")
    expect(page.locator("#confirm")).to_be_hidden()
    expect(page.locator(".documents-table tr", has_text="上传镇.txt")).to_have_count(1)

    # A file dropped on the zone is uploaded as well.
    page.evaluate(
        """(text) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([text], "拖放镇.txt", { type: "text/plain" }));
          const dropped = new DragEvent("drop", { dataTransfer: transfer, bubbles: true });
          document.getElementById("drop").dispatchEvent(dropped);
        }""",
        township_text()
        .replace("上传镇", "拖放镇")
        .replace("777-", "779-")
        .replace("文件上传测试经费", "拖放测试经费"),
    )
    expect(page.locator(".file-report li.ok", has_text="拖放镇.txt")).to_contain_text("已导入")

    # The report links to a new project; the project and a search find it.
    page.locator(".file-report li.ok a", has_text="拖放测试经费").click()
    expect(page.locator("h1")).to_contain_text("拖放测试经费")
    page.goto(v.url + "/?q=文件上传测试经费&kind=project")
    expect(page.locator(".card").first).to_contain_text("文件上传测试经费")

    # Delete asks once more (the button arms), then the document is gone.
    page.goto(v.url + "/documents")
    row = page.locator(".documents-table tr", has_text="上传镇.txt")
    row.locator("button.remove").click()
    expect(row.locator("button.remove")).to_have_text("确认删除？")
    row.locator("button.remove").click()
    expect(page.locator("#report")).to_contain_text("已删除 上传镇.txt")
    expect(page.locator(".documents-table tr", has_text="上传镇.txt")).to_have_count(0)
    v.shot("documents")
    v.assert_clean()


def test_documents_page_fits_a_phone(open_tab: Opener, tmp_path: Path) -> None:
    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    v = open_tab(PHONE)
    page = v.open("/documents")
    expect(page.locator(".documents-table")).to_contain_text("001_c93f3a72651805c2.txt")
    page.locator("#pick-files").set_input_files([str(bad)])
    expect(page.locator(".file-report li.error")).to_contain_text("文件为空")
    assert v.overflow() <= 0
    v.shot("documents")
    v.assert_clean()


def test_the_page_asks_for_the_write_token_once(browser: Browser, sample_data: Path, tmp_path: Path) -> None:
    """A server that listens beyond loopback (its settings say 0.0.0.0) wants JIXIAO_WRITE_TOKEN: the
    page asks for it, retries, and keeps it for the session (a delete needs no second asking)."""
    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    good = tmp_path / "上传镇.txt"
    good.write_text(township_text(), "utf-8")
    with LiveServer(make_app(data, host="0.0.0.0", write_token="s3cret")) as server:
        context = browser.new_context(viewport={"width": LAPTOP["width"], "height": LAPTOP["height"]})
        context.set_default_timeout(20_000)
        try:
            v = Visit(context, server.url, tmp_path, "laptop")
            page = v.open("/documents")
            page.locator("#pick-files").set_input_files([str(good)])
            expect(page.locator("#token-box")).to_be_visible()
            expect(page.locator("#report")).to_contain_text("需要写入令牌")
            page.locator("#token").fill("s3cret")
            page.locator("#token-save").click()
            expect(page.locator(".file-report li.ok", has_text="上传镇.txt")).to_contain_text("已导入")
            expect(page.locator("#token-box")).to_be_hidden()
            row = page.locator(".documents-table tr", has_text="上传镇.txt")
            row.locator("button.remove").click()
            row.locator("button.remove").click()
            expect(page.locator("#report")).to_contain_text("已删除 上传镇.txt")
            v.shot("documents-token")
            # Chromium logs the 401 as a failed resource load, which Visit does not count as a script error.
            v.assert_clean()
        finally:
            context.close()
