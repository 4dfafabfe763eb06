"""Chinese wherever a user reads (issue 19): an HTML 404 page for a person's browser, and every JSON
error with `error_zh` beside the English `error`."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from api.messages_zh import chinese
from tests.api.browser import LAPTOP, Opener, needs_chromium

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_an_unknown_page_in_a_browser_is_a_chinese_page(client: TestClient) -> None:
    page = client.get("/no-such-page", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "找不到这个页面" in page.text and 'class="site-nav"' in page.text
    assert page.headers["X-Frame-Options"] == "DENY"


def test_programs_and_api_paths_keep_json(client: TestClient) -> None:
    plain = client.get("/no-such-page")
    assert plain.json() == {"error": "Not Found", "error_zh": "找不到这个地址", "status": 404}
    api = client.get("/api/no-such-route", headers=HTML)
    assert api.headers["content-type"].startswith("application/json")
    assert api.json()["error_zh"] == "找不到这个地址"


@pytest.mark.parametrize(
    ("path", "zh"),
    [
        ("/api/projects/project/999/2023/nope", "没有这个项目"),
        ("/api/indicators/nope", "没有这个指标"),
        ("/sparql?query=SELEKT", "SPARQL 语法错误"),
        ("/api/search?q=x&limit=0", "参数有误"),
        ("/api/documents/source/nothing.txt", "没有这个文件"),
    ],
)
def test_json_errors_carry_chinese(client: TestClient, path: str, zh: str) -> None:
    body = client.get(path).json()
    assert body["error"] and body["error_zh"] == zh, body


def test_middleware_errors_carry_chinese(client: TestClient) -> None:
    refused = client.post(
        "/api/documents", files={"files": ("a.txt", b"x")}, headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403 and refused.json()["error_zh"] == "拒绝来自其他网站页面的写入请求"


def test_known_messages() -> None:
    assert chinese("the query ran longer than the time limit (30 s) and was stopped", 503) == (
        "查询超过时间限制（30 秒），已停止"
    )
    assert chinese("没有这个文件 / no document x", 404) == "没有这个文件"
    assert chinese("something new", 418) == "出错了"


@needs_chromium
def test_the_404_page_and_a_chinese_error_in_the_browser(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/no-such-page")
    expect(page.locator("h1")).to_contain_text("找不到这个页面")
    page.locator("main a", has_text="搜索").click()
    expect(page.locator(".site-nav a[aria-current=page]")).to_contain_text("搜索")
    page = v.open("/project?id=project/999/2023/nope")
    expect(page.locator(".notice.error")).to_contain_text("没有这个项目")
    v.shot("not-found")
