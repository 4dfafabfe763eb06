"""Every request of every page goes to the server itself (issue 19): the pages in the nav, a
project and an indicator, the 文件 page, and the API documentation (/docs, /redoc), whose Swagger
UI and ReDoc bundles are served by the app (api/docs_pages.py)."""

from __future__ import annotations

from playwright.sync_api import expect

from api.pages import PAGES
from tests.api.browser import LAPTOP, Opener, needs_chromium

pytestmark = needs_chromium


def test_docs_and_redoc_render_offline(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("jixiao")
    expect(page.locator(".opblock-summary-path", has_text="/api/documents").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    v.shot("docs")
    page = v.open("/redoc")
    expect(page.locator("redoc h1").first).to_contain_text("jixiao")
    page.wait_for_load_state("networkidle")
    v.shot("redoc")
    assert any(url.endswith("/docs-assets/swagger-ui-bundle.js") for url in v.requests)
    assert any(url.endswith("/docs-assets/redoc.standalone.js") for url in v.requests)
    v.assert_clean()


def test_every_page_requests_only_the_server(visit: Opener) -> None:
    v = visit(LAPTOP)
    project = v.page.request.get(v.url + "/api/search?q=村干部补贴&kind=project").json()["hits"][0]["id"]
    indicator = v.page.request.get(v.url + "/api/search?q=群众满意度&kind=indicator").json()["hits"][0]["id"]
    paths = [p.path for p in PAGES if p.path not in ("/project", "/indicator")]
    paths += [f"/project?id={project}", f"/indicator?id={indicator}", "/docs", "/redoc", "/no-such-page"]
    seen: dict[str, int] = {}
    for path in paths:
        before = len(v.requests)
        v.open(path)
        v.page.wait_for_load_state("networkidle")
        seen[path] = len(v.requests) - before
    assert all(count > 0 for count in seen.values()), seen
    v.assert_clean()
