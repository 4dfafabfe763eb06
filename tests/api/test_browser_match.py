"""The search page says whether anything close was found, counts it, and marks the matched words."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.api.browser import LAPTOP, Opener, needs_chromium

pytestmark = needs_chromium


def test_no_match_says_so_and_keeps_the_nearest_folded(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/?q=xyzzy不存在的东西qq")
    expect(page.locator("#results .no-match")).to_contain_text("没有找到相近的指标或项目")
    nearest = page.locator("#results details.nearest")
    expect(nearest.locator(".card").first).to_be_hidden()
    nearest.locator("summary").click()
    expect(nearest.locator(".card").first).to_be_visible()
    v.shot("search-no-match")
    v.assert_clean()


def test_close_match_counts_marks_words_and_shows_amounts(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/?q=村干部任职补贴")
    head = page.locator(".results-head")
    expect(head).to_contain_text("相近或相关的结果")
    total = int(head.locator(".total").inner_text())
    shown = page.locator("#results .card").count()
    assert total >= page.locator('#results .card[data-match="close"]').count() >= 1
    assert shown >= 1
    first = page.locator('#results .card[data-match="close"]').first
    expect(first.locator(".match.close")).to_have_text("相近")
    expect(first.locator(".card-title mark").first).to_be_visible()
    assert "任职补贴" in first.locator(".card-title").inner_text()
    expect(page.locator("#results .card-meta", has_text="万元").first).to_be_visible()
    v.shot("search-close-match")
    v.assert_clean()
