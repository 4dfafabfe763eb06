"""POST /api/draft/export: the table /api/draft proposes, possibly edited, as a file to download."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import unquote

import openpyxl
import pytest
from fastapi.testclient import TestClient
from rdflib import RDF, Graph

from jixiao.drafting.export import FORM_SHEET, HEADER
from ontology.namespace import JX
from ontology.shacl import validate

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture()
def proposed(client: TestClient) -> dict[str, Any]:
    response = client.post(
        "/api/draft", json={"name": "村干部任职补贴", "amount": 150, "unit": "宝丰镇", "year": 2024}
    )
    assert response.status_code == 200, response.text
    table: dict[str, Any] = response.json()["table"]
    assert table["rows"]
    return table


def filename(disposition: str) -> tuple[str, str]:
    """(the ASCII filename, the decoded filename*) of a Content-Disposition."""
    parts = dict(part.strip().split("=", 1) for part in disposition.split(";")[1:])
    assert disposition.startswith("attachment;")
    assert parts["filename*"].startswith("UTF-8''")
    return parts["filename"].strip('"'), unquote(parts["filename*"].removeprefix("UTF-8''"))


def test_xlsx_of_the_proposed_table(client: TestClient, proposed: dict[str, Any]) -> None:
    response = client.post("/api/draft/export", params={"format": "xlsx"}, json=proposed)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    assert filename(response.headers["content-disposition"]) == (
        "draft.xlsx",
        "村干部任职补贴-绩效目标草稿.xlsx",
    )
    form = openpyxl.load_workbook(io.BytesIO(response.content))[FORM_SHEET]
    lines = list(form.iter_rows(values_only=True))
    assert lines[0] == HEADER
    assert lines[1][:3] == ("宝丰镇", "村干部任职补贴", 150)  # 预算数 in 万元, as the header says
    assert [line[6] for line in lines[1:]] == [row["label"] for row in proposed["rows"]]


def test_xlsx_is_the_default_format(client: TestClient, proposed: dict[str, Any]) -> None:
    response = client.post("/api/draft/export", json=proposed)
    assert response.status_code == 200 and response.headers["content-type"] == XLSX


def test_an_edited_table_is_exported_as_edited(client: TestClient, proposed: dict[str, Any]) -> None:
    """Rows removed, a value changed, a row added by hand (no precedent)."""
    edited = {**proposed, "rows": proposed["rows"][:2]}
    edited["rows"][0] = {**edited["rows"][0], "raw": "≥12人"}
    edited["rows"].append(
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "label": "村民满意度", "raw": "≥90%"}
    )
    response = client.post("/api/draft/export", params={"format": "xlsx"}, json=edited)
    assert response.status_code == 200, response.text
    lines = list(openpyxl.load_workbook(io.BytesIO(response.content))[FORM_SHEET].iter_rows(values_only=True))
    assert len(lines) == 4
    first = edited["rows"][0]
    assert lines[1][4:] == (first["level1"], first["level2"], first["label"], "≥", 12, "人", None, "正向")
    assert lines[3][4:] == ("满意度指标", "服务对象满意度指标", "村民满意度", "≥", 90, "%", None, "正向")


def test_turtle_of_the_proposed_table(client: TestClient, proposed: dict[str, Any]) -> None:
    response = client.post("/api/draft/export", params={"format": "ttl"}, json=proposed)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    assert filename(response.headers["content-disposition"]) == (
        "draft.ttl",
        "村干部任职补贴-绩效目标草稿.ttl",
    )
    graph = Graph().parse(data=response.text, format="turtle")
    (project,) = graph.subjects(RDF.type, JX.Project)
    assert str(project).startswith("https://w3id.org/jixiao/id/draft/project/")
    assert next(graph.subjects(RDF.type, JX.Drafting), None) is not None
    assert len(list(graph.objects(project, JX.hasIndicator))) == len(proposed["rows"])
    assert validate(graph).conforms


def test_a_name_that_is_no_file_name(client: TestClient, proposed: dict[str, Any]) -> None:
    response = client.post("/api/draft/export", json={**proposed, "name": '../a/b:"c"'})
    assert response.status_code == 200
    ascii_name, name = filename(response.headers["content-disposition"])
    assert (
        ascii_name == "draft.xlsx"
        and "/" not in name
        and '"' not in name
        and name.endswith("-绩效目标草稿.xlsx")
    )


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"name": None}, "name"),
        ({"name": "   "}, "name"),
        ({"rows": None}, "rows"),
        ({"amount": -1}, "amount"),
        ({"rows": [{"level1": "产出指标", "level2": "数量指标", "label": "x"}]}, "raw"),
        ({"rows": [{"level1": "产出指标", "label": "x", "raw": "1"}]}, "level2"),
        ({"rows": [{"level1": "", "level2": "数量指标", "label": "x", "raw": "1"}]}, "level1"),
        ({"rows": [{"level1": "产出指标", "level2": "数量指标", "label": " ", "raw": "1"}]}, "label"),
        (
            {"rows": [{"level1": "产出指标", "level2": "", "label": "x", "raw": "", "comparator": "~"}]},
            "comparator",
        ),
        (
            {"rows": [{"level1": "产出指标", "level2": "", "label": "x", "raw": "", "precedents": ["a b"]}]},
            "precedents",
        ),
    ],
)
def test_bad_input_is_422(
    client: TestClient, proposed: dict[str, Any], change: dict[str, Any], says: str
) -> None:
    body = {key: value for key, value in {**proposed, **change}.items() if value is not None}
    response = client.post("/api/draft/export", params={"format": "ttl"}, json=body)
    assert response.status_code == 422, response.text
    assert says in response.json()["error"] and response.json()["status"] == 422


def test_unknown_format_is_422(client: TestClient, proposed: dict[str, Any]) -> None:
    response = client.post("/api/draft/export", params={"format": "pdf"}, json=proposed)
    assert response.status_code == 422 and "format" in response.json()["error"]
