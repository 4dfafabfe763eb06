"""POST /api/draft/export writes no formula, whatever the edited table's texts start with (issue 16)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from jixiao.drafting.export import FORM_SHEET
from tests.search.test_draft_export_formulas import PAYLOADS, formulas, texts


@pytest.mark.parametrize("payload", [*PAYLOADS[:4], "@x", "+x", "-x"])
def test_the_export_route_writes_no_formula(client: TestClient, payload: str) -> None:
    proposed = client.post(
        "/api/draft", json={"name": "村干部任职补贴", "amount": 150, "unit": "宝丰镇", "year": 2024}
    ).json()["table"]
    edited: dict[str, Any] = {**proposed, "name": payload, "unit": payload, "objective": payload}
    edited["rows"] = [{**r, "label": payload, "raw": payload} for r in proposed["rows"]]
    response = client.post("/api/draft/export", params={"format": "xlsx"}, json=edited)
    assert response.status_code == 200, response.text
    assert formulas(response.content) == []
    assert payload in texts(response.content)[FORM_SHEET]
