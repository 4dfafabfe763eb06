"""What an Excel export adds (medium-term value, weight, direction, explanation, sheet and row)
reaches the API and the indicator page."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser

from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao.settings import Settings
from jixiao.store import open_store
from search.sync import sync
from tests.api.browser import LAPTOP, Visit, needs_chromium
from tests.api.conftest import LiveServer, make_app
from tests.conftest import FORM_LINES
from tests.fakes import FakeEncoder
from tests.fixtures import render

TITLE = "2023年度部门项目支出预算绩效目标表"
# 城乡社区运转经费 / 支持社区个数: 1个 this year, 3个 over the period, weight 10, 正向.
INDICATOR = "project/058/2023/2ff2abbb734f/indicator/quantity-911829c9326f"


@pytest.fixture(scope="module")
def export_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export")
    doc = render.with_medium_term(render.with_weights_and_directions(render.load_sample(FORM_LINES)))
    options = render.FlatOptions(title=TITLE, full=True, medium_term=True)
    path = render.write_xlsx(render.flat_rows(doc, options), root / "宝丰镇导出.xlsx")
    data = root / "data"
    settings = Settings(data=data)
    store = open_store(settings)
    ingest_file(path, store, IriMinter(settings.base_iri), None)
    encoder = FakeEncoder()
    sync(store, settings, lambda: encoder, full=True)
    store.close()
    return data


@pytest.fixture(scope="module")
def export_client(export_data: Path) -> Iterator[TestClient]:
    with TestClient(make_app(export_data)) as client:
        yield client


def test_indicator_api_has_what_the_export_adds(export_client: TestClient) -> None:
    body = export_client.get(f"/api/indicators/{INDICATOR}").json()
    assert body["label"] == "支持社区个数"
    assert body["target"]["raw"] == "1个"
    medium = body["medium_term_target"]
    assert (medium["raw"], medium["type"], medium["number"], medium["unit"]) == (
        "3个",
        "quantitative",
        3,
        "个",
    )
    assert (body["weight"], body["direction"], body["explanation"]) == (10, "正向", "支持社区个数的完成情况")
    assert body["source"]["file"] == "宝丰镇导出.xlsx"
    assert body["source"]["where"].startswith("sheet '绩效目标' row ")


def test_sample_indicator_has_none_of_it(client: TestClient) -> None:
    body = client.get(f"/api/indicators/{INDICATOR}").json()
    assert body["medium_term_target"] is None
    assert (body["weight"], body["direction"], body["explanation"]) == (None, None, None)
    assert body["source"]["where"] is None  # a text file's line is just a line


@needs_chromium
def test_indicator_page_shows_them(browser: Browser, export_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(export_data, data)  # the API client above holds the store's lock
    with LiveServer(make_app(data)) as server:
        context = browser.new_context(viewport=LAPTOP, locale="zh-CN")
        try:
            visit = Visit(context, server.url, tmp_path, "laptop")
            page = visit.open(f"/indicator?id={INDICATOR}")
            extras = page.locator("#extras")
            extras.wait_for()
            text = extras.inner_text()
            assert "中期指标值" in text and "3个" in text
            assert "权重" in text and "10" in text and "正向" in text
            assert "支持社区个数的完成情况" in text
            assert "宝丰镇导出.xlsx（工作表“绩效目标”第" in page.locator("main").inner_text()
            visit.shot("indicator-export")
            visit.assert_clean()
        finally:
            context.close()
