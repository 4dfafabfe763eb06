"""The SPARQL page in a real browser (tests/api/browser.py): after a query runs the view goes to the
results, and a click on a column's header sorts the rows by it (numbers as numbers, text by
localeCompare(…, "zh")), ascending then descending, marked with aria-sort."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.sync_api import Page, expect

from tests.api.browser import LAPTOP, PHONE, Opener, needs_chromium

pytestmark = needs_chromium

# Project names (Chinese) and amounts in 万元 (decimals from 0.5 to a few hundred: a text sort
# would put 10.5 before 9.2).
QUERY = """PREFIX jx: <https://w3id.org/jixiao/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?name ?wan WHERE { ?p a jx:Project ; rdfs:label ?name ; jx:amountWanYuan ?wan }
"""


SCROLLED = """window.scrollY > 0 && (
  Math.abs(document.getElementById('result').getBoundingClientRect().top) < 2
  || window.scrollY + window.innerHeight >= document.scrollingElement.scrollHeight - 2)"""


def column(page: Page, n: int) -> list[str]:
    """The texts of column n (1 is the row number) of the drawn rows."""
    texts: list[str] = page.locator(f".results-table tbody tr td:nth-child({n})").all_inner_texts()
    return texts


def zh_sorted(page: Page, texts: list[str]) -> list[str]:
    ordered: list[str] = page.evaluate("t => [...t].sort((a, b) => a.localeCompare(b, 'zh'))", texts)
    return ordered


def result_top(page: Page) -> float:
    top: float = page.evaluate("document.getElementById('result').getBoundingClientRect().top")
    return top


def test_a_query_scrolls_to_its_results(visit: Opener) -> None:
    for size in (LAPTOP, PHONE):
        v = visit(size)
        page = v.open("/query")
        expect(page.locator("#example-list button").first).to_be_attached()
        assert page.evaluate("window.scrollY") == 0
        assert result_top(page) > size["height"] * 0.9  # below the editor (and the cookbook): at the bottom
        page.get_by_role("button", name="运行").click()
        expect(page.locator(".results-table tbody tr").first).to_be_visible()
        # At the results' top, or as far down as the page goes (a short table at laptop width).
        page.wait_for_function(SCROLLED)
        assert page.evaluate("window.scrollY") > 0
        expect(page.locator(".result-status")).to_be_in_viewport()
        expect(page.locator(".results-table tbody tr").first).to_be_in_viewport()
        v.shot("sparql-scrolled")
        v.assert_clean()


def test_columns_sort_by_number_and_by_chinese_text(visit: Opener) -> None:
    v = visit(LAPTOP)
    page = v.open("/query?" + urlencode({"query": QUERY}))
    rows = page.locator(".results-table tbody tr")
    expect(rows.first).to_be_visible()
    count = rows.count()
    assert count >= 10
    names, amounts = column(page, 2), column(page, 3)
    headers = page.locator(".results-table thead th")
    name_header, wan_header = headers.nth(1), headers.nth(2)
    expect(wan_header).not_to_have_attribute("aria-sort", "ascending")

    # ?wan: numerically, small to large, then large to small; the name stays on its row.
    pairs = dict(zip(names, amounts, strict=True)) if len(set(names)) == len(names) else None
    wan_header.get_by_role("button").click()
    expect(wan_header).to_have_attribute("aria-sort", "ascending")
    ascending = [float(a) for a in column(page, 3)]
    assert ascending == sorted(float(a) for a in amounts)
    assert [str(a) for a in ascending] != sorted(str(a) for a in ascending)  # a text sort would differ
    if pairs is not None:
        assert all(pairs[n] == a for n, a in zip(column(page, 2), column(page, 3), strict=True))
    wan_header.get_by_role("button").click()
    expect(wan_header).to_have_attribute("aria-sort", "descending")
    assert [float(a) for a in column(page, 3)] == sorted((float(a) for a in amounts), reverse=True)
    v.shot("sparql-sorted-number")

    # ?name: by localeCompare(…, "zh") (pinyin order), not by code point; only one header is marked.
    name_header.get_by_role("button").click()
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    expect(wan_header).not_to_have_attribute("aria-sort", "descending")
    assert wan_header.get_attribute("aria-sort") is None
    expected = zh_sorted(page, names)
    assert expected != sorted(names)  # the collation matters for these names
    assert column(page, 2) == expected
    name_header.get_by_role("button").click()
    expect(name_header).to_have_attribute("aria-sort", "descending")
    assert column(page, 2) == expected[::-1]
    v.shot("sparql-sorted-text")

    # The # column goes back to the order of the answer.
    headers.nth(0).get_by_role("button").click()
    expect(headers.nth(0)).to_have_attribute("aria-sort", "ascending")
    assert column(page, 2) == names and column(page, 1) == [str(i) for i in range(1, count + 1)]
    v.assert_clean()


def test_sorting_fits_a_phone(visit: Opener) -> None:
    v = visit(PHONE)
    page = v.open("/query?" + urlencode({"query": QUERY}))
    expect(page.locator(".results-table tbody tr").first).to_be_visible()
    header = page.locator(".results-table thead th").nth(2)
    header.get_by_role("button").click()
    header.get_by_role("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    amounts = [float(a) for a in column(page, 3)]
    assert amounts == sorted(amounts, reverse=True)
    assert v.overflow() <= 1
    v.shot("sparql-sorted")
    v.assert_clean()
