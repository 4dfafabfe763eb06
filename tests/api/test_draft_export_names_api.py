"""The XLSX of POST /api/draft/export names precedents by project and township (issue 20), read
back with openpyxl: from the table's own `sources`, or looked up in the index by IRI."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from fastapi.testclient import TestClient

from jixiao.drafting.export import FORM_SHEET, HEADER, PRECEDENT_HEADER, PRECEDENT_SHEET

PROJECT, TOWNSHIP, IRI = (PRECEDENT_HEADER.index(h) for h in ("前例项目", "前例乡镇", "前例指标 IRI"))


def precedent_lines(content: bytes) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(content))
    lines = list(book[PRECEDENT_SHEET].iter_rows(values_only=True))
    assert lines[3] == PRECEDENT_HEADER
    return lines[4:]


def test_precedents_are_named_by_project_and_township(client: TestClient) -> None:
    found = client.post("/api/draft", json={"name": "村干部任职补贴", "unit": "浩门镇", "amount": 150}).json()
    table = found["table"]
    labels = {p["iri"]: (p["label"], p["township"]["label"]) for p in found["precedents"]}
    with_sources = client.post("/api/draft/export", json=table)
    without = {**table, "rows": [{**row, "sources": []} for row in table["rows"]]}  # IRIs only
    looked_up = client.post("/api/draft/export", json=without)
    assert with_sources.status_code == looked_up.status_code == 200
    for content in (with_sources.content, looked_up.content):
        lines = precedent_lines(content)
        named = [line for line in lines if line[IRI]]
        assert named and len(named) == sum(len(row["precedents"]) for row in table["rows"])
        for line in named:
            project = str(line[IRI]).split("/indicator/")[0]
            assert (line[PROJECT], line[TOWNSHIP]) == labels[project]
            assert not str(line[PROJECT]).startswith("http")
    form = openpyxl.load_workbook(io.BytesIO(with_sources.content))[FORM_SHEET]
    assert next(form.iter_rows(values_only=True)) == HEADER
    assert form["C2"].value == 150 and form.page_setup.orientation == "landscape"
