"""Every JSON route over the samples: shapes, filters, ids, and errors as JSON with a message."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import make_app

BASE = "https://w3id.org/jixiao/id/"


def first_indicator(client: TestClient, query: str = "村干部任职补贴") -> dict:  # type: ignore[type-arg]
    hits = client.get("/api/search", params={"q": query, "kind": "indicator"}).json()["hits"]
    assert hits, query
    return hits[0]  # type: ignore[no-any-return]


def test_health_says_what_is_loaded(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["documents"] == 2
    assert body["search"]["available"] and body["search"]["entries"] > 500
    queue = {"running": 0, "waiting": 0, "workers": 3, "queue": 8}  # two workers and the express one
    assert body["sparql"] == {
        "update": False, "timeout_s": 30.0, "max_rows": 10000, "service": False, "queue": queue
    }  # fmt: skip


def test_search_returns_hits_with_ids_targets_and_categories(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "村干部任职补贴", "kind": "indicator", "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "村干部任职补贴" and 0 < len(body["hits"]) <= 5
    hit = body["hits"][0]
    assert hit["kind"] == "indicator" and hit["iri"] == BASE + hit["id"]
    assert hit["project"]["iri"] == BASE + hit["project"]["id"]
    assert hit["level1"] and hit["level2"] and hit["target"]["raw"]
    assert {"unit", "township", "year", "score", "duplicates"} <= set(hit)


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"kind": "project"}, lambda h: h["kind"] == "project"),
        ({"unit": "宝丰镇"}, lambda h: "宝丰镇" in h["township"]["label"]),
        ({"unit": "407"}, lambda h: h["township"]["iri"] == BASE + "unit/407"),
        ({"unit": "unit/058"}, lambda h: h["township"]["id"] == "unit/058"),
        ({"level1": "满意度指标"}, lambda h: h["level1"] == "满意度指标"),
        ({"level2": "成本指标", "kind": "indicator"}, lambda h: h["level2"] == "成本指标"),
        ({"year": 2023}, lambda h: h["year"] == 2023),
        ({"target_type": "date"}, lambda h: h["target_type"] == "date"),
    ],
)
def test_search_filters(client: TestClient, params: dict, check) -> None:  # type: ignore[no-untyped-def,type-arg]
    hits = client.get("/api/search", params={"q": "经费", "limit": 20, **params}).json()["hits"]
    assert hits and all(check(hit) for hit in hits)


@pytest.mark.parametrize(
    ("params", "status", "says"),
    [
        ({"q": "   "}, 400, "empty query"),
        ({"q": "！！@@##%%"}, 400, "no words in the query"),
        ({"q": "经费", "unit": "火星镇"}, 400, "no unit"),
        ({"q": "经费", "level1": "不存在指标"}, 400, "no such level-1"),
        ({"q": "经费", "limit": 0}, 422, "limit"),
        ({"q": "经费", "kind": "budget"}, 422, "kind"),
        ({}, 422, "q"),
    ],
)
def test_search_errors_are_json_with_a_message(
    client: TestClient, params: dict, status: int, says: str
) -> None:  # type: ignore[type-arg]
    response = client.get("/api/search", params=params)
    assert response.status_code == status
    assert says in response.json()["error"]


def test_similar_lists_other_townships(client: TestClient) -> None:
    hit = first_indicator(client)
    body = client.get("/api/similar", params={"id": hit["id"], "limit": 5}).json()
    assert body["of"]["iri"] == hit["iri"]
    assert body["hits"] and all(h["township"]["iri"] != hit["township"]["iri"] for h in body["hits"])
    assert all(h["kind"] == "indicator" for h in body["hits"])
    by_iri = client.get("/api/similar", params={"id": hit["iri"], "limit": 5}).json()
    assert [h["iri"] for h in by_iri["hits"]] == [h["iri"] for h in body["hits"]]


def test_similar_unknown_id_is_404(client: TestClient) -> None:
    response = client.get("/api/similar", params={"id": "project/000/2023/nothing"})
    assert response.status_code == 404 and "not in the search index" in response.json()["error"]


def test_project_has_objectives_and_a_tree_in_standard_order(client: TestClient) -> None:
    hit = first_indicator(client)
    project = client.get(f"/api/projects/{hit['project']['id']}").json()
    assert project["iri"] == hit["project"]["iri"] and project["year"] == 2023
    assert project["objectives"] and project["objectives"][0]["text"]
    level1 = [group["level1"]["label"] for group in project["tree"]]
    assert level1[0] == "产出指标" and set(level1) <= {"产出指标", "成本指标", "效益指标", "满意度指标"}
    leaves = [i for group in project["tree"] for second in group["groups"] for i in second["indicators"]]
    assert len(leaves) == project["indicator_count"] and hit["iri"] in {i["iri"] for i in leaves}
    assert project["township"]["label"] and project["source"]["file"].endswith(".txt")


def test_project_by_full_iri_and_unknown(client: TestClient) -> None:
    hit = first_indicator(client)
    assert client.get(f"/api/projects/{hit['project']['iri']}").status_code == 200
    missing = client.get("/api/projects/project/000/2023/nothing")
    assert missing.status_code == 404 and missing.json() == {
        "error": "no project project/000/2023/nothing",
        "error_zh": "没有这个项目",
        "status": 404,
    }


def test_indicator_has_target_category_project_and_source(client: TestClient) -> None:
    hit = first_indicator(client)
    indicator = client.get(f"/api/indicators/{hit['id']}").json()
    assert indicator["label"] == hit["label"] and indicator["target"]["raw"] == hit["target"]["raw"]
    assert indicator["level2"]["label"] == hit["level2"]
    assert indicator["project"]["id"] == hit["project"]["id"]
    assert indicator["source"]["line"] > 0 and indicator["source_text"]
    assert client.get("/api/indicators/project/000/2023/x/indicator/y").status_code == 404


def test_the_138_yuan_target_reads_back_typed(client: TestClient) -> None:
    hits = client.get("/api/search", params={"q": "村干部任职补贴 138.02元", "kind": "indicator"}).json()[
        "hits"
    ]
    target = next(h["target"] for h in hits if h["target"] and "138.02" in h["target"]["raw"])
    assert target["number"] == pytest.approx(138.02) and target["unit"] == "元"


def test_units_with_counts(client: TestClient) -> None:
    units = client.get("/api/units").json()
    by_code = {u["code"]: u for u in units}
    assert by_code["058"]["projects"] == 14 and by_code["058"]["indicators"] == 111
    assert by_code["407001"]["projects"] == 28 and by_code["407001"]["parent"]["id"] == "unit/407"


def test_categories_tree_with_counts(client: TestClient) -> None:
    tree = client.get("/api/categories").json()
    roots = {node["label"]: node for node in tree}
    assert {"产出指标", "效益指标", "满意度指标", "成本指标"} <= set(roots)
    output = roots["产出指标"]
    assert {child["label"] for child in output["children"]} >= {
        "数量指标",
        "质量指标",
        "时效指标",
        "成本指标",
    }
    assert output["indicators"] == sum(child["indicators"] for child in output["children"]) > 0
    assert sum(node["indicators"] for node in tree) == 460  # 349 + 111: every indicator has a category
    # Each category says which review requirement it meets (the ontology's jxcat:required).
    by_label = {child["label"]: child for child in output["children"]}
    assert by_label["数量指标"]["requirement"] == "数量指标"
    assert by_label["成本指标"]["requirement"] == "成本指标" == roots["成本指标"]["requirement"]
    assert roots["产出指标"]["requirement"] is None


def test_examples_are_the_cookbook(client: TestClient) -> None:
    body = client.get("/api/examples").json()
    assert body["prefixes"]["jx"] == "https://w3id.org/jixiao/ns#"
    assert len(body["queries"]) >= 5 and all(q["title"] and "SELECT" in q["text"] for q in body["queries"])


def test_unknown_route_is_json_404(client: TestClient) -> None:
    response = client.get("/api/nothing")
    assert response.status_code == 404 and response.json()["error"]


def test_pages_and_assets_are_served(client: TestClient) -> None:
    for path in ("/", "/project?id=x", "/indicator?id=x", "/query"):
        response = client.get(path)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert client.get("/docs").status_code == 200
    assert "/api/search" in client.get("/openapi.json").json()["paths"]


def test_search_without_an_index_is_503_but_sparql_works(tmp_path: Path) -> None:
    with TestClient(make_app(tmp_path / "empty")) as empty:
        response = empty.get("/api/search", params={"q": "经费"})
        assert response.status_code == 503 and "reindex" in response.json()["error"]
        assert empty.get("/health").json()["search"]["available"] is False
        ask = empty.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        assert ask.json() == {"head": {}, "boolean": True}  # the ontology's terms are there


def test_cors_allows_browser_clients(client: TestClient) -> None:
    preflight = client.options(
        "/sparql",
        headers={"Origin": "http://yasgui.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "http://yasgui.example")
    answer = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "http://yasgui.example"})
    assert answer.headers["access-control-allow-origin"] == "*"


def test_draft_proposes_a_traceable_table(client: TestClient) -> None:
    # Issue 20: only a close precedent drafts the table (else the standard frame does, see
    # test_draft_match_api.py); 浩门镇's draft has 宝丰镇's own 村干部任职补贴 as one.
    body = {
        "name": "村干部任职补贴",
        "objective": "保障村干部报酬按时足额发放",
        "amount": 150,
        "unit": "浩门镇",
    }
    response = client.post("/api/draft", json=body)
    assert response.status_code == 200
    found = response.json()
    assert found["match"] == "close"
    assert found["precedents"] and all(
        p["township"]["label"] != "门源县浩门镇政府" for p in found["precedents"]
    )
    assert all(p["iri"] == BASE + p["id"] for p in found["precedents"])
    assert found["coverage"]["required"] == 6 and found["objective"]["draft"] is True
    assert found["table"]["rows"] and all(row["precedents"] for row in found["table"]["rows"])
    for slot in found["slots"]:
        assert all(candidate["evidence"] for candidate in slot["candidates"])


@pytest.mark.parametrize(
    "body", [{}, {"name": ""}, {"name": "  "}, {"name": "???"}, {"name": "x", "amount": -1}]
)
def test_draft_needs_a_name(client: TestClient, body: dict) -> None:  # type: ignore[type-arg]
    response = client.post("/api/draft", json=body)
    assert response.status_code in (400, 422) and response.json()["error"]


def test_a_lone_surrogate_is_a_422_not_a_crash(client: TestClient) -> None:
    body = '{"name": "\\ud800村干部"}'  # valid JSON text, not valid Unicode
    response = client.post("/api/draft", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "name" in response.json()["error"]
