"""GET /api/review and the /review page's HTML, through the test client over the samples."""

from __future__ import annotations

from fastapi.testclient import TestClient

from jixiao.review.rules import ORDER


def test_review_lists_findings_per_project(client: TestClient) -> None:
    response = client.get("/api/review")
    assert response.status_code == 200
    body = response.json()
    assert [r["id"] for r in body["rules"]] == list(ORDER)
    assert body["errors"] == {} and body["skipped"] == {}  # the samples are indexed: copy-paste runs
    assert body["shown"] == body["counts"]["total"] == sum(len(g["findings"]) for g in body["groups"])
    slip_groups = [g for g in body["groups"] if any(f["rule"] == "cost-unit-slip" for f in g["findings"])]
    (group,) = slip_groups
    assert group["project"]["label"] == "村干部任职补贴"
    assert group["project"]["id"].startswith("project/058/2023/")
    (slip,) = [f for f in group["findings"] if f["rule"] == "cost-unit-slip"]
    assert slip["severity"] == "error" and slip["values"] == ["138.02元", "138.02万元"]
    assert slip["focus_id"].startswith(group["project"]["id"] + "/indicator/")
    assert slip["project_id"] == group["project"]["id"]
    assert "万分之一" in slip["message"]
    # The unit total has no project: its group is the unit budget.
    (unit,) = [g for g in body["groups"] if g["project"] is None]
    assert unit["findings"][0]["rule"] == "unit-total" and unit["findings"][0]["severity"] == "info"


def test_filters_keep_the_counts_of_everything(client: TestClient) -> None:
    everything = client.get("/api/review").json()
    errors = client.get("/api/review", params={"severity": "error"}).json()
    assert errors["counts"] == everything["counts"]
    shown = [f["severity"] for g in errors["groups"] for f in g["findings"]]
    assert (
        set(shown) == {"error"}
        and len(shown) == errors["shown"] == everything["counts"]["by_severity"]["error"]
    )
    years = client.get("/api/review", params={"rule": ["other-year", "unit-total"]}).json()
    assert {f["rule"] for g in years["groups"] for f in g["findings"]} == {"other-year", "unit-total"}


def test_an_unknown_severity_is_422(client: TestClient) -> None:
    response = client.get("/api/review", params={"severity": "fatal"})
    assert response.status_code == 422
    assert response.json()["status"] == 422


def test_the_review_page_is_in_the_nav(client: TestClient) -> None:
    page = client.get("/review")
    assert page.status_code == 200
    assert '<script type="module" src="/static/review.js">' in page.text
    assert 'href="/review" aria-current="page"' in page.text
    assert client.get("/static/review.js").status_code == 200
