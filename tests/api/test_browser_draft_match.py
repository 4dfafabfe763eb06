"""The 起草 page with the match judgement (issue 20) in a real browser: the no-match message and
the standard frame, years moved to the draft's year, names edited, the review before export,
drafts saved on the server and reopened, and the warning before losing edits.

Same harness as test_browser_draft.py (tests/api/browser.py, the live server over the samples
with the fake encoder).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
from playwright.sync_api import Dialog, Page, expect

from tests.api.browser import LAPTOP, Opener, needs_chromium

pytestmark = needs_chromium

NAME = "村干部任职补贴"
OWN = "浩门镇"  # its precedents are 宝丰镇's, among them a 村干部任职补贴 of its own: close


def draft(page: Page, name: str = NAME, unit: str = OWN, year: str = "2025", amount: str = "150") -> None:
    page.get_by_label("项目名称").fill(name)
    page.get_by_label("预算数").fill(amount)
    page.get_by_label("本单位/乡镇").fill(unit)
    page.locator("#year").fill(year)  # by id: "年度" is also in 年度总体目标
    page.get_by_role("button", name="起草").click()
    expect(page.locator(".draft-table tr.cand").first).to_be_visible()


def test_no_close_precedent_says_so_and_starts_from_the_standard_frame(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/draft")
    page.get_by_label("绩效目标").fill("我自己写的绩效目标")
    draft(page, name="xyzzy不存在的东西qq", unit="", amount="15")

    note = page.locator("#match-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("没有找到相近的前例")
    expect(note).to_contain_text("标准框架")
    # The precedents are still listed, each said to be not close.
    expect(page.locator("#precedents .precedent").first.locator(".match")).to_have_text("不相近")

    # Every proposed indicator is the frame's, marked generic, each with a value.
    rows = page.locator("tr.cand")
    assert rows.count() >= 7
    expect(page.locator("tr.cand:not(.generic)")).to_have_count(0)
    expect(page.locator("tr.cand.selected .generic-badge").first).to_have_text("通用指标")
    labels = page.locator("tr.cand td.name .label").all_inner_texts()
    for generic in ("资金支付及时率", "预算执行率", "服务对象满意度", "项目总成本"):
        assert generic in labels, labels
    for value in page.locator("tr.cand.selected .value-input").all():
        assert value.input_value().strip()
    assert "≤15万元" in [i.input_value() for i in page.locator("tr.cand .value-input").all()]
    expect(page.locator("#coverage")).to_contain_text("必备类别 6/6")

    # The user's objective is kept, the suggestion is beside it, and can be taken.
    expect(page.locator("#objective-text")).to_have_value("我自己写的绩效目标")
    suggestion = page.locator("#objective-suggestion")
    expect(suggestion).to_contain_text("xyzzy不存在的东西qq")
    suggestion.get_by_role("button", name="采用建议的目标").click()
    expect(page.locator("#objective-text")).to_have_value(re.compile("xyzzy不存在的东西qq"))
    page.get_by_role("button", name="恢复我填写的绩效目标").click()
    expect(page.locator("#objective-text")).to_have_value("我自己写的绩效目标")
    v.shot("draft-no-match")
    v.assert_clean()


def test_close_precedents_move_years_and_names_can_be_edited(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/draft")
    draft(page)
    expect(page.locator("#match-note")).to_have_count(0)
    expect(page.locator("#precedents .precedent .match").first).to_have_text("相近")

    # A precedent's 2023年12月底 is 2025年12月底 in a 2025 draft, and the page shows the change.
    shifted = page.locator("tr.cand", has=page.locator(".year-badge")).first
    expect(shifted.locator(".year-badge")).to_have_text("已改年份")
    expect(shifted.locator(".adapted.shifted .was")).to_contain_text("2023")
    value = shifted.locator(".value-input").input_value()
    assert "2025" in value and "2023" not in value, value

    # A name is edited like a value: the row says so, and can go back.
    row = page.locator("tr.cand.selected").first
    label = row.locator("td.name .label")
    original = label.inner_text()
    label.fill("村级道路养护里程")
    expect(row).to_have_class(re.compile(r"\brenamed\b"))
    expect(row).to_have_class(re.compile(r"\bselected\b"))  # editing does not toggle the row
    row.get_by_role("button", name="还原").first.click()
    expect(label).to_have_text(original)
    label.fill("村级道路养护里程")

    # The review runs on the table as it stands: a percentage out of range is found before export.
    satisfaction = page.locator("tr.cand.selected", has_text="满意度").first
    satisfaction.locator(".value-input").fill("120%")
    finding = page.locator('#review-panel li.finding[data-rule="percent-out-of-range"]')
    expect(finding).to_be_visible()
    expect(finding).to_contain_text("120%")
    expect(finding.locator(".badge.severity")).to_have_text("错误")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="下载 Excel").click()
    book = openpyxl.load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    cells = [str(c) for line in book.worksheets[0].iter_rows(values_only=True) for c in line if c is not None]
    assert "村级道路养护里程" in cells and original not in cells
    v.shot("draft-edited")
    v.assert_clean()


def test_a_draft_is_saved_reopened_and_deleted_and_edits_are_not_lost_silently(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/draft")
    draft(page)

    # An edit: leaving the page now asks first.
    row = page.locator("tr.cand.selected").first
    row.locator("td.name .label").fill("已改名的指标")
    row.locator(".value-input").fill("≥99%")
    removed = page.locator("tr.cand.selected").nth(1)
    removed_label = removed.locator("td.name .label").inner_text()
    removed.get_by_role("button", name="移除").click()
    page.locator("#objective-text").fill("保存过的绩效目标")
    expect(page.locator("#save-state")).to_contain_text("未保存")
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()  # stay on the page

    page.once("dialog", dismiss)
    page.evaluate("() => { location.reload(); }")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"], dialogs
    expect(page.locator("tr.cand td.name .label", has_text="已改名的指标")).to_be_visible()

    # Saved on the server: the URL names it, the list shows it, leaving no longer asks.
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#save-state")).to_contain_text("已保存")
    saved = parse_qs(urlsplit(page.url).query)["saved"][0]
    assert re.fullmatch("[0-9a-f]{16}", saved)
    listed = page.locator(f'#saved-drafts li.saved[data-id="{saved}"]')
    expect(listed).to_contain_text(NAME)
    selected = page.locator("tr.cand.selected").count()

    # Reopened in a new tab: the edits are there.
    other = visit(LAPTOP)
    reopened = other.open(f"/draft?saved={saved}")
    expect(reopened.get_by_label("项目名称")).to_have_value(NAME)
    expect(reopened.locator("#year")).to_have_value("2025")
    expect(reopened.locator("#objective-text")).to_have_value("保存过的绩效目标")
    renamed = reopened.locator("tr.cand.selected", has_text="已改名的指标")
    expect(renamed).to_have_count(1)
    expect(renamed.locator(".value-input")).to_have_value("≥99%")
    expect(reopened.locator("tr.cand.selected", has_text=removed_label)).to_have_count(0)
    assert reopened.locator("tr.cand.selected").count() == selected
    reopened.once("dialog", lambda dialog: dialog.accept())  # a reload with nothing unsaved: none
    reopened.reload()
    expect(reopened.locator("tr.cand.selected", has_text="已改名的指标")).to_have_count(1)

    # Deleted from the list (after confirming).
    reopened.locator("#saved-drafts summary").click()
    reopened.once("dialog", lambda dialog: dialog.accept())
    reopened.locator(f'#saved-drafts li.saved[data-id="{saved}"]').get_by_role(
        "button", name=re.compile("删除")
    ).click()
    expect(reopened.locator(f'#saved-drafts li.saved[data-id="{saved}"]')).to_have_count(0)
    gone = visit(LAPTOP).open(f"/draft?saved={saved}")
    expect(gone.locator("#draft .notice.error")).to_contain_text("无法打开已保存的草稿")
    v.shot("draft-saved")
    other.assert_clean()
