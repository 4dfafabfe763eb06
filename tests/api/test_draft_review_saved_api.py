"""POST /api/draft/review (the review rules on a draft) and /api/drafts (drafts saved on the
server: listed, reopened, overwritten, deleted; one JSON file per draft under DATA/drafts/)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_app

TABLE: dict[str, Any] = {
    "name": "测试项目",
    "objective": "2023年完成测试项目",
    "amount": 10.0,
    "unit": "某镇",
    "year": 2025,
    "rows": [
        {"level1": "产出指标", "level2": "数量指标", "label": "培训次数", "raw": "≥6次"},
        {"level1": "产出指标", "level2": "质量指标", "label": "合格率", "raw": "120%"},
        {"level1": "产出指标", "level2": "时效指标", "label": "完成时间", "raw": "2023年12月底"},
        {"level1": "产出指标", "level2": "成本指标", "label": "总成本", "raw": "≤100万元"},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "label": "满意度", "raw": "≥95%"},
    ],
}


@pytest.fixture()
def writable(sample_data: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    shutil.rmtree(data / "drafts", ignore_errors=True)  # what other tests saved in the shared samples
    with TestClient(make_app(data)) as test_client:
        yield test_client, data


def test_the_review_runs_on_a_draft_and_names_the_rows(client: TestClient) -> None:
    response = client.post("/api/draft/review", json=TABLE)
    assert response.status_code == 200, response.text
    found = response.json()
    rules = {(f["rule"], f["row"]) for f in found["findings"]}
    assert ("missing-category", None) in rules  # no 效益 indicator
    assert ("percent-out-of-range", 2) in rules  # 合格率 120%
    assert ("cost-above-amount", 4) in rules  # ≤100万元 in a 10万元 project
    assert ("other-year", 3) in rules  # 2023年12月底 in a 2025 table
    assert ("other-year", None) in rules  # the objective's 2023年
    assert found["counts"]["total"] == len(found["findings"])
    assert found["counts"]["by_severity"]["error"] == 2
    assert all(f["message"] and f["severity_zh"] for f in found["findings"])


def test_a_clean_draft_has_no_finding(client: TestClient) -> None:
    clean = {
        **TABLE,
        "objective": "完成测试项目",
        "rows": [
            *(r for r in TABLE["rows"] if r["label"] not in ("合格率", "完成时间", "总成本")),
            {"level1": "产出指标", "level2": "质量指标", "label": "合格率", "raw": "100%"},
            {"level1": "产出指标", "level2": "时效指标", "label": "完成时间", "raw": "2025年12月底"},
            {"level1": "产出指标", "level2": "成本指标", "label": "总成本", "raw": "≤10万元"},
            {"level1": "效益指标", "level2": "社会效益指标", "label": "群众受益", "raw": "提升"},
        ],
    }
    found = client.post("/api/draft/review", json=clean).json()
    assert found["findings"] == [] and found["counts"]["total"] == 0


def test_drafts_are_saved_listed_reopened_overwritten_and_deleted(writable: tuple[TestClient, Path]) -> None:
    client, data = writable
    assert client.get("/api/drafts").json() == {"drafts": []}
    request = {"name": "测试项目", "amount": 10.0, "year": 2025}
    saved = client.post("/api/drafts", json={"request": request, "table": TABLE})
    assert saved.status_code == 200, saved.text
    draft_id = saved.json()["id"]
    files = list((data / "drafts").iterdir())
    assert [f.name for f in files] == [f"{draft_id}.json"]  # one file, no temporary left
    assert json.loads(files[0].read_text(encoding="utf-8"))["table"]["rows"][1]["raw"] == "120%"

    listed = client.get("/api/drafts").json()["drafts"]
    assert [(d["id"], d["name"], d["rows"]) for d in listed] == [(draft_id, "测试项目", 5)]
    reopened = client.get(f"/api/drafts/{draft_id}").json()
    assert reopened["request"]["name"] == "测试项目" and reopened["table"]["rows"][0]["label"] == "培训次数"

    edited = {**TABLE, "rows": TABLE["rows"][:2]}
    again = client.post("/api/drafts", json={"id": draft_id, "request": request, "table": edited})
    assert again.json()["id"] == draft_id
    assert len(client.get(f"/api/drafts/{draft_id}").json()["table"]["rows"]) == 2
    assert len(list((data / "drafts").iterdir())) == 1

    assert client.delete(f"/api/drafts/{draft_id}").json() == {"deleted": draft_id}
    assert client.get(f"/api/drafts/{draft_id}").status_code == 404
    assert client.delete(f"/api/drafts/{draft_id}").status_code == 404
    assert client.get("/api/drafts").json() == {"drafts": []}


def test_a_draft_id_is_never_a_path(writable: tuple[TestClient, Path]) -> None:
    client, _data = writable
    for bad in ("..%2F..%2Fetc%2Fpasswd", "x" * 16, "0123"):
        assert client.get(f"/api/drafts/{bad}").status_code in (404, 422)
        assert client.delete(f"/api/drafts/{bad}").status_code in (404, 422)
    body = {"id": "../../x", "request": {"name": "x"}, "table": TABLE}
    assert client.post("/api/drafts", json=body).status_code == 422


def test_saving_from_another_sites_page_is_refused(writable: tuple[TestClient, Path]) -> None:
    client, data = writable
    body = {"request": {"name": "测试项目"}, "table": TABLE}
    refused = client.post("/api/drafts", json=body, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert not (data / "drafts").exists() or not list((data / "drafts").iterdir())
    own = client.post("/api/drafts", json=body, headers={"Origin": "http://testserver"})
    assert own.status_code == 200
    gone = client.delete(f"/api/drafts/{own.json()['id']}", headers={"Sec-Fetch-Site": "cross-site"})
    assert gone.status_code == 403
