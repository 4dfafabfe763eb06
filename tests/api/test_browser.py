"""The web pages in a real browser: Debian's chromium driven by Playwright over the live test server.

Each test saves screenshots under its tmp_path and copies them to /tmp/jixiao-shots/ so that a
person can look at the pages at laptop (1366×768) and phone (375×800) width.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.api.browser import LAPTOP, PHONE, Opener, needs_chromium, query_of

pytestmark = needs_chromium


def search(page: Page, words: str) -> None:
    page.get_by_role("searchbox").fill(words)
    page.get_by_role("button", name="搜索", exact=True).click()
    expect(page.locator("#results .card").first).to_be_visible()


# --- the search page and the pages it links to ---


def test_search_similar_indicator_and_project(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/")
    expect(page.locator("#results .empty")).to_contain_text("输入关键词")
    expect(page.locator("#unit option")).not_to_have_count(1)  # the townships came from /api/units
    v.shot("search-start")

    search(page, "村干部补贴")
    assert query_of(page)["q"] == ["村干部补贴"]
    expect(page.locator(".results-head")).to_contain_text("村干部补贴")

    # Only indicators: the kind filter runs the search again and goes into the URL.
    page.locator(".segmented label", has_text="指标").first.click()
    expect(page.locator(".results-head")).to_contain_text("筛选：指标")
    assert query_of(page)["kind"] == ["indicator"]
    cards = page.locator("#results .card")
    expect(cards.first).to_be_visible()
    assert cards.count() == page.locator('#results .card[data-kind="indicator"]').count()
    card = cards.first
    expect(card.locator(".target")).to_contain_text("指标值")
    assert card.locator(".target").inner_text().replace("指标值", "").strip()
    expect(card.locator(".path")).to_contain_text("›")
    expect(card.locator(".card-meta")).to_contain_text("乡镇")
    v.shot("search-results")

    # The back button returns to the search over every kind, and forward again.
    page.go_back()
    expect(page.locator('input[name="kind"][value=""]')).to_be_checked()
    assert "kind" not in query_of(page)
    page.go_forward()
    expect(page.locator('input[name="kind"][value="indicator"]')).to_be_checked()
    card = page.locator('#results .card[data-kind="indicator"]').first
    expect(card).to_be_visible()

    # 相似指标: entries from another township, each with its target and township.
    township = card.locator(".card-meta").inner_text().split("乡镇", 1)[1].strip().splitlines()[0]
    card.get_by_role("button", name="相似指标").click()
    similar = card.locator(".similar-panel .similar-list li")
    expect(similar.first).to_be_visible()
    expect(card.locator(".similar-panel h3")).to_contain_text("其他乡镇")
    metas = [similar.nth(i).locator(".meta").inner_text() for i in range(similar.count())]
    assert all(not meta.startswith(township) for meta in metas), (township, metas)
    assert any(similar.nth(i).locator(".target").inner_text().strip() for i in range(similar.count()))
    v.shot("search-similar")

    # The indicator page, then its project's page with the indicator tree.
    name = card.locator(".card-title a").inner_text()
    card.locator(".card-title a").click()
    expect(page).to_have_url(re.compile(r"/indicator\?id="))
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("#target .big")).not_to_be_empty()
    expect(page.locator("#similar .similar-list li").first).to_be_visible()
    v.shot("indicator")

    project_link = page.locator('.panel dd a[href^="/project?id="]')
    project_name = project_link.inner_text()
    project_link.click()
    expect(page.locator("h1")).to_contain_text(project_name)
    tree = page.locator("table.tree")
    expect(tree.locator("tbody tr").first).to_be_visible()
    expect(tree.locator("thead")).to_contain_text("三级指标")
    expect(tree.locator("td.l1").first).not_to_be_empty()
    assert tree.locator('td.name a[href^="/indicator?id="]').count() >= 1
    expect(page.locator("#objectives")).to_contain_text("绩效目标")
    expect(page.locator("#similar .similar-list li").first).to_be_visible()
    v.shot("project")
    v.assert_clean()


def test_search_from_a_shared_url(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/?q=满意度&kind=indicator")
    expect(page.get_by_role("searchbox")).to_have_value("满意度")
    expect(page.locator('input[name="kind"][value="indicator"]')).to_be_checked()
    cards = page.locator("#results .card")
    expect(cards.first).to_be_visible()
    assert cards.count() == page.locator('#results .card[data-kind="indicator"]').count()
    expect(page).to_have_title("满意度 - 搜索 · jixiao 绩效")
    v.shot("search-shared-url")
    v.assert_clean()


def test_search_states(visit: Opener) -> None:
    """No hits, an error from the API (its message shown), and a level-2 filter that follows level 1."""
    v = visit(LAPTOP)
    page = v.open("/?q=村干部补贴&unit=没有这个乡镇")
    expect(page.locator("#results .notice.error")).to_contain_text("没有这个乡镇")
    v.shot("search-error")

    page = v.open("/")
    page.get_by_label("一级指标").select_option("满意度指标")
    level2 = [o.strip() for o in page.locator("#level2 option").all_inner_texts()]
    assert level2[0] == "全部" and all("满意度" in label for label in level2[1:]), level2

    page = v.open("/?q=村干部补贴&level1=满意度指标&kind=project")
    expect(page.locator("#results")).to_contain_text("没有找到")
    expect(page.locator("#notices .notice.warn")).to_contain_text("没有符合筛选条件的条目")
    v.shot("search-no-hits")
    v.assert_clean()


# --- the SPARQL page ---


def test_sparql_example_error_and_csv(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/query")
    editor = page.get_by_label("查询语句")
    expect(editor).to_have_value(re.compile(r"PREFIX jx:[\s\S]*SELECT"))
    examples = page.locator("#example-list button")
    expect(examples.first).to_be_visible()
    assert examples.count() >= 10

    # The starter query lists projects: their IRIs are shortened and linked to the project pages.
    page.get_by_role("button", name="运行").click()
    expect(page.locator(".results-table tbody tr").first).to_be_visible()
    link = page.locator('.results-table a[href^="/project?id="]').first
    expect(link).to_have_text(re.compile(r"^project/"))
    expect(link).to_have_attribute("title", re.compile(r"^https?://"))

    page.locator("#example-list button", has_text="项目金额排名").click()
    expect(page.locator("#example-about")).to_contain_text("Projects by amount")
    expect(editor).to_have_value(re.compile("ORDER BY"))
    page.get_by_role("button", name="运行").click()
    rows = page.locator(".results-table tbody tr")
    expect(rows.first).to_be_visible()
    count = rows.count()
    assert count >= 1
    expect(page.locator("#row-count")).to_have_text(str(count))
    assert "query" in query_of(page)
    headers = [h.lstrip("?") for h in page.locator(".results-table thead th").all_inner_texts()[1:]]
    v.shot("sparql-results")

    # The CSV has the same columns, header first (after the byte-order mark for Excel).
    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载 CSV").click()
    download = download_info.value
    assert download.suggested_filename == "jixiao-query.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].split(",") == headers
    assert len(text.splitlines()) == count + 1

    # The query is in the URL: reloading runs it again.
    page.reload()
    expect(page.locator(".results-table tbody tr").first).to_be_visible()
    expect(page.locator("#row-count")).to_have_text(str(count))

    # A syntax error is shown as such, with the parser's message; Ctrl+Enter runs.
    editor.fill("SELEC ?x WHERE { ?x ?y ?z }")
    editor.press("Control+Enter")
    error = page.locator("#result .notice.error")
    expect(error).to_contain_text("查询语法错误")
    expect(error).to_contain_text("SPARQL syntax error")
    expect(page.locator(".results-table")).to_have_count(0)
    v.shot("sparql-syntax-error")
    v.assert_clean()


# --- phone width ---


def test_phone_width_has_no_horizontal_overflow(visit: Opener) -> None:
    v = visit(PHONE)
    page = v.open("/?q=村干部补贴")
    cards = page.locator("#results .card")
    expect(cards.first).to_be_visible()
    page.locator("#results .card button.similar").first.click()
    expect(page.locator(".similar-panel .similar-list li, .similar-panel p").first).to_be_visible()
    assert v.overflow() <= 1, "the search results are wider than a phone"
    v.shot("search-results")

    page.locator('#results .card[data-kind="indicator"] .card-title a').first.click()
    expect(page.locator("#similar .similar-list li").first).to_be_visible()
    assert v.overflow() <= 1, "the indicator page is wider than a phone"
    v.shot("indicator")

    page.locator('.panel dd a[href^="/project?id="]').click()
    expect(page.locator("table.tree tbody tr").first).to_be_visible()
    expect(page.locator("#similar .similar-list li").first).to_be_visible()
    assert v.overflow() <= 1, "the project page is wider than a phone"
    v.shot("project")

    page = v.open("/query")
    expect(page.locator("#example-list button").first).to_be_attached()
    page.get_by_role("button", name="运行").click()
    expect(page.locator(".results-table tbody tr").first).to_be_visible()
    assert v.overflow() <= 1, "the SPARQL page is wider than a phone (its table should scroll inside)"
    v.shot("sparql")
    v.assert_clean()


# --- offline intranets ---


def test_every_request_stays_on_the_server(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/?q=群众满意度")
    expect(page.locator("#results .card").first).to_be_visible()
    page.locator("#results .card button.similar").first.click()
    expect(page.locator(".similar-panel").first).not_to_be_empty()
    page.locator('#results .card[data-kind="indicator"] .card-title a').first.click()
    expect(page.locator("#similar .similar-list li").first).to_be_visible()
    page.locator('.panel dd a[href^="/project?id="]').click()
    expect(page.locator("table.tree tbody tr").first).to_be_visible()
    page = v.open("/query")
    page.get_by_role("button", name="运行").click()
    expect(page.locator(".results-table tbody tr").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert any(url.endswith("/static/style.css") for url in v.requests)
    assert any("/api/search" in url for url in v.requests)
    assert any(url.endswith("/sparql") for url in v.requests)
    v.assert_clean()
