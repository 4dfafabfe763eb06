"""The 审核 page's filters in a real browser (tests/api/browser.py): the severity ticks, the township
and the rule live in the URL, so a reload or a shared link keeps them and back/forward steps
through them; rule names are the rules' Chinese titles."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.api.browser import LAPTOP, PHONE, Opener, needs_chromium, query_of
from tests.api.conftest import LiveServer

pytestmark = needs_chromium

PINGLUO = "平罗县宝丰镇人民政府"
MENYUAN = "门源县浩门镇政府"


def review_of(server: LiveServer) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{server.url}/api/review", timeout=120).json()
    return answer


def visible_values(page: Page, selector: str, key: str) -> list[str]:
    found: list[str] = page.eval_on_selector_all(
        selector,
        f"els => els.filter((e) => !e.closest('[hidden]')).map((e) => e.dataset.{key})",
    )
    return found


def test_severity_ticks_live_in_the_url(visit: Opener, live_server: LiveServer) -> None:
    data = review_of(live_server)
    by_severity = data["counts"]["by_severity"]
    assert by_severity["error"] and by_severity["warning"] and by_severity["info"]
    v = visit(LAPTOP)
    page = v.open("/review")
    expect(page.locator(".finding").first).to_be_visible()
    assert "severity" not in query_of(page)  # all ticked: a plain /review

    page.locator('input[name="severity"][value="info"]').uncheck()
    assert query_of(page)["severity"] == ["error", "warning"]
    expect(page.locator(".finding.info").first).to_be_hidden()
    assert Counter(visible_values(page, ".finding", "severity")) == {
        "error": by_severity["error"],
        "warning": by_severity["warning"],
    }
    expect(page.locator("#filter-status")).to_have_text(
        f"显示 {by_severity['error'] + by_severity['warning']} / {data['counts']['total']} 条发现"
    )

    # A reload keeps the ticks (and what they hide).
    page.reload()
    expect(page.locator("#filter-status")).to_contain_text("显示")
    expect(page.locator('input[name="severity"][value="info"]')).not_to_be_checked()
    expect(page.locator('input[name="severity"][value="error"]')).to_be_checked()
    expect(page.locator(".finding.info").first).to_be_hidden()
    assert set(visible_values(page, ".finding", "severity")) == {"error", "warning"}

    # None ticked is kept too (severity= empty), and says why the page is empty.
    page.locator('input[name="severity"][value="error"]').uncheck()
    page.locator('input[name="severity"][value="warning"]').uncheck()
    assert query_of(page).get("severity") is None and "severity=" in page.url
    expect(page.locator("#none-shown")).to_be_visible()
    page.reload()
    expect(page.locator("#none-shown")).to_be_visible()
    assert visible_values(page, ".finding", "severity") == []

    # Back steps through the earlier ticks: warning again, then error and warning.
    page.go_back()
    expect(page.locator('input[name="severity"][value="warning"]')).to_be_checked()
    expect(page.locator('input[name="severity"][value="error"]')).not_to_be_checked()
    assert set(visible_values(page, ".finding", "severity")) == {"warning"}
    page.go_back()
    expect(page.locator('input[name="severity"][value="error"]')).to_be_checked()
    assert set(visible_values(page, ".finding", "severity")) == {"error", "warning"}
    page.go_forward()
    expect(page.locator('input[name="severity"][value="error"]')).not_to_be_checked()
    v.assert_clean()


def test_findings_filter_by_township_and_rule(visit: Opener, live_server: LiveServer) -> None:
    data = review_of(live_server)
    titles = {rule["id"]: rule["title"] for rule in data["rules"]}
    per_township = Counter(g["township"] for g in data["groups"] for _ in g["findings"])
    assert per_township[PINGLUO] and per_township[MENYUAN]
    other_year = [f for g in data["groups"] for f in g["findings"] if f["rule"] == "other-year"]
    assert other_year
    v = visit(LAPTOP)
    page = v.open("/review")
    township = page.get_by_label("乡镇")
    rule = page.locator("#rule-filter")
    expect(township).to_be_visible()
    assert township.locator("option").all_inner_texts() == [
        "全部乡镇",
        *(f"{name}（{n}）" for name, n in per_township.items()),
    ]

    # The township: only its projects are left, and the URL names it.
    township.select_option(PINGLUO)
    assert query_of(page)["township"] == [PINGLUO]
    left = set(visible_values(page, ".review-group", "township"))
    assert left == {PINGLUO}
    assert len(visible_values(page, ".finding", "rule")) == per_township[PINGLUO]
    expect(page.locator(".review-group", has_text="村干部任职补贴")).to_be_visible()
    expect(page.locator(".review-group", has_text="单位预算")).to_be_hidden()  # 门源's unit budget

    # The rule, by its Chinese title: with the township, and then alone.
    options = rule.locator("option").all_inner_texts()
    assert f"{titles['other-year']}（{len(other_year)}）" in options
    assert not any("other-year" in text for text in options)  # titles, not ids
    rule.select_option("other-year")
    assert query_of(page)["rule"] == ["other-year"] and query_of(page)["township"] == [PINGLUO]
    here = [f for g in data["groups"] if g["township"] == PINGLUO for f in g["findings"]]
    expected = sum(1 for f in here if f["rule"] == "other-year")
    assert visible_values(page, ".finding", "rule") == ["other-year"] * expected
    names = page.locator(".finding:visible .rule").all_inner_texts()
    assert names == [titles["other-year"]] * expected
    v.shot("review-filtered")

    # A shared link opens with both filters set; back undoes the rule, then the township.
    page.reload()
    expect(page.locator("#filter-status")).to_contain_text("显示")
    expect(township).to_have_value(PINGLUO)
    expect(rule).to_have_value("other-year")
    assert visible_values(page, ".finding", "rule") == ["other-year"] * expected
    page.go_back()
    expect(rule).to_have_value("")
    expect(township).to_have_value(PINGLUO)
    assert len(visible_values(page, ".finding", "rule")) == per_township[PINGLUO]
    page.go_back()
    expect(township).to_have_value("")
    assert len(visible_values(page, ".finding", "rule")) == data["counts"]["total"]

    # The rule alone, in the other township too; 清除筛选 shows everything again.
    rule.select_option("other-year")
    assert len(other_year) > expected  # the other township's findings of that rule are back
    assert visible_values(page, ".finding", "rule") == ["other-year"] * len(other_year)
    page.get_by_role("button", name="清除筛选").first.click()
    assert "rule" not in query_of(page)
    assert len(visible_values(page, ".finding", "rule")) == data["counts"]["total"]
    v.assert_clean()


def test_review_filters_fit_a_phone(visit: Opener) -> None:
    v = visit(PHONE)
    page = v.open(f"/review?severity=error&township={PINGLUO}")
    expect(page.locator(".finding:not([hidden])").first).to_be_visible()
    expect(page.get_by_label("乡镇")).to_have_value(PINGLUO)
    assert set(visible_values(page, ".finding", "severity")) == {"error"}
    assert v.overflow() <= 0
    v.shot("review-filters")
    v.assert_clean()
