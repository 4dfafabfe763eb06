"""The 审核 page in a real browser (tests/api/browser.py): findings per project, counts, filters."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.api.browser import LAPTOP, PHONE, Opener, needs_chromium

pytestmark = needs_chromium


def test_review_page_shows_findings_and_filters_them(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/review")
    expect(page.locator(".site-nav a[aria-current=page]")).to_contain_text("审核")
    slip = page.locator(".finding.error", has_text="138.02万元 的万分之一")
    expect(slip).to_be_visible()
    expect(slip.locator(".values code")).to_have_text(["138.02元", "138.02万元"])
    group = page.locator(".review-group", has=slip)
    expect(group.locator("h2 a")).to_have_text("村干部任职补贴")
    expect(page.locator(".review-counts tr.total")).to_contain_text("合计")
    v.shot("review")

    # Only errors: warnings and infos are hidden, and projects left with none.
    page.locator('input[name="severity"][value="warning"]').uncheck()
    page.locator('input[name="severity"][value="info"]').uncheck()
    expect(page.locator(".finding.warning").first).to_be_hidden()
    expect(page.locator(".finding.info").first).to_be_hidden()
    expect(slip).to_be_visible()
    rounding = page.locator(".review-group", has_text="单位预算")
    expect(rounding).to_be_hidden()

    # The finding links to its indicator.
    slip.locator("a.focus").click()
    expect(page.locator("h1")).to_contain_text("落实村干部任职补贴资金")
    v.assert_clean()


def test_review_page_fits_a_phone(visit: Opener) -> None:
    v = visit(PHONE)
    page = v.open("/review")
    expect(page.locator(".finding").first).to_be_visible()
    assert v.overflow() <= 0
    v.shot("review")
    v.assert_clean()
