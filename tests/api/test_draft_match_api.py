"""POST /api/draft with search's match judgement (issue 20): the precedents judged as a whole and
one by one, the standard frame when nothing is close, the drafter's objective kept."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_draft_says_how_close_its_precedents_are(client: TestClient) -> None:
    response = client.post("/api/draft", json={"name": "村干部任职补贴", "unit": "宝丰镇", "year": 2025})
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["match"] in ("close", "related", "none")
    assert found["precedents"] and all(
        p["match"] in ("close", "related", "none") for p in found["precedents"]
    )
    levels = {p["match"] for p in found["precedents"]}
    expected = next(level for level in ("close", "related", "none") if level in levels)
    assert found["match"] == expected  # the whole is its best precedent
    assert (found["match_note"] is None) is (found["match"] == "close")


def test_nothing_close_gives_the_standard_frame_and_keeps_the_objective(client: TestClient) -> None:
    body = {"name": "xyzzy不存在的东西qq", "objective": "我写的目标", "amount": 15, "year": 2025}
    found = client.post("/api/draft", json=body).json()
    assert found["match"] in ("none", "related") and "标准框架" in found["match_note"]
    rows = found["table"]["rows"]
    assert rows and all(row["generic"] and row["raw"].strip() for row in rows)
    assert {"资金支付及时率", "服务对象满意度"} <= {row["label"] for row in rows}
    assert found["table"]["objective"] == "我写的目标"
    assert found["objective"]["mine"] == "我写的目标" and found["objective"]["text"] != "我写的目标"
    generic = [c for slot in found["slots"] for c in slot["candidates"] if c["generic"]]
    assert generic and all(c["evidence"] == [] and c["target"]["raw"] for c in generic)
