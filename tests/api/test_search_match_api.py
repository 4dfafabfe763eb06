"""GET /api/search says how close its answer is, counts it, and gives each hit its own judgement."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_search_reports_the_match_the_total_and_each_hit(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "村干部任职补贴"}).json()
    assert data["match"] == "close"
    judged = [hit["match"] for hit in data["hits"]]
    assert "close" in judged and set(judged) <= {"close", "related", "none"}
    assert data["total"] >= sum(1 for m in judged if m != "none")
    first = data["hits"][0]
    assert first["matched_words"] and first["evidence"]["coverage"] > 0
    assert any(hit["amount"] is not None for hit in data["hits"])


def test_search_for_nothing_in_the_corpus_says_none(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "xyzzy不存在的东西qq"}).json()
    assert data["match"] == "none" and data["total"] == 0
    assert data["hits"]  # the nearest are still listed, judged "none"
    assert {hit["match"] for hit in data["hits"]} == {"none"}
