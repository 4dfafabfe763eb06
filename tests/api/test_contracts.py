"""The API's contracts (api/contracts.py): every JSON route declares a named response model, and
on the samples each route answers the same JSON with its model as without it (the model drops
no key, adds none, and changes no value's type).

"Without it" is the same app with the routes' response models taken off, so the handlers' dicts
(the `to_json` methods and the keys routes add) go out as they are built.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.exceptions import ResponseValidationError
from fastapi.routing import APIRoute, request_response
from fastapi.testclient import TestClient
from pydantic import BaseModel, ValidationError

from api import contracts
from api.catalogue import Catalogue, Ids
from jixiao.review.model import Finding, Severity
from search.service import Hit
from tests.api.conftest import make_app
from tests.conftest import FORM_LINES

# The SPARQL endpoint answers in the protocol's formats (results JSON, XML, CSV, Turtle, …),
# which are not this API's to model: the only routes allowed to answer JSON without a schema.
PROTOCOL_ROUTES = {("GET", "/sparql"), ("POST", "/sparql")}
ORIGIN = {"Origin": "http://testserver"}


def _schema() -> dict[str, Any]:
    return make_app(Path("not-opened")).openapi()


def _json_operations() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, operations in _schema()["paths"].items():
        for method, operation in operations.items():
            content = operation["responses"].get("200", {}).get("content", {})
            if "application/json" in content:
                found.append((method.upper(), path, content["application/json"].get("schema", {})))
    return found


def test_every_json_route_has_a_named_response_schema() -> None:
    schemas = _schema()["components"]["schemas"]
    unmodelled = []
    for method, path, schema in _json_operations():
        if (method, path) in PROTOCOL_ROUTES:
            continue
        ref = (schema.get("items") if schema.get("type") == "array" else schema) or {}
        name = ref.get("$ref", "").rsplit("/", 1)[-1]
        if not name or not schemas.get(name, {}).get("properties"):
            unmodelled.append(f"{method} {path}: {schema or 'no schema'}")
    assert not unmodelled, "JSON routes without a response model (api/contracts.py):\n" + "\n".join(
        unmodelled
    )
    modelled = {(m, p) for m, p, _ in _json_operations()} - PROTOCOL_ROUTES
    assert len(modelled) >= 20  # the 20 JSON routes of issue 18 item 4: fewer means routes were lost


def test_the_schemas_forbid_undeclared_keys_and_describe_their_fields() -> None:
    """Every object schema of a response says additionalProperties: false, and every field has
    a description in words (what /docs shows a client)."""
    schemas = _schema()["components"]["schemas"]
    responses = {
        name
        for name, schema in schemas.items()
        if getattr(contracts, name, None) is not None and issubclass(getattr(contracts, name), BaseModel)
    }
    assert {"SearchResults", "DraftProposal", "ReviewReport", "FindingRecord", "Health"} <= responses
    for name in responses:
        schema = schemas[name]
        assert schema.get("additionalProperties") is False, name
        undescribed = [key for key, field in schema["properties"].items() if not field.get("description")]
        assert not undescribed, f"{name}: fields without a description: {undescribed}"


def _raw_app(app: FastAPI) -> FastAPI:
    """The app with its routes' response models off: the handlers' dicts as they are built."""
    for route in app.routes:
        if isinstance(route, APIRoute) and route.response_field is not None:
            route.response_field = None
            route.app = request_response(route.get_route_handler())
    return app


def _copy(sample_data: Path, to: Path) -> Path:
    shutil.copytree(sample_data, to)
    shutil.rmtree(to / "drafts", ignore_errors=True)  # what other tests saved in the shared samples
    return to


@pytest.fixture()
def clients(sample_data: Path, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """The app with its models and without, each on its own copy of the samples (a store is opened
    by one app at a time)."""
    with (
        TestClient(make_app(_copy(sample_data, tmp_path / "modelled"))) as modelled,
        TestClient(_raw_app(make_app(_copy(sample_data, tmp_path / "raw")))) as raw,
    ):
        yield modelled, raw


# What differs between two answers to the same request: the time taken or when, a new draft's id.
VARYING = ("took_ms", "ended_at")


def _same(
    modelled: TestClient,
    raw: TestClient,
    method: str,
    url: str,
    varying: tuple[str, ...] = VARYING,
    **sent: Any,
) -> Any:
    with_model = modelled.request(method, url, **sent)
    without = raw.request(method, url, **sent)
    assert with_model.status_code == without.status_code == 200, (url, with_model.text)
    first, second = with_model.json(), without.json()
    if isinstance(first, dict):
        assert set(first) == set(second), url
        first, second = ({k: v for k, v in d.items() if k not in varying} for d in (first, second))
    assert first == second, url
    return with_model.json()


def test_each_route_answers_as_its_handler_built_it(clients: tuple[TestClient, TestClient]) -> None:
    modelled, raw = clients
    same = lambda method, url, **sent: _same(modelled, raw, method, url, **sent)  # noqa: E731
    same("GET", "/health")
    found = same("GET", "/api/search", params={"q": "村干部任职补贴", "limit": 5})
    hits = found["hits"]
    assert hits and {h["kind"] for h in hits} >= {"indicator"}
    same("GET", "/api/search", params={"q": "经费", "kind": "project", "limit": 3})
    same("GET", "/api/similar", params={"id": hits[0]["id"], "limit": 3})
    indicator = next(h for h in hits if h["kind"] == "indicator")
    same("GET", f"/api/indicators/{indicator['id']}")
    same("GET", f"/api/projects/{indicator['project']['id']}")
    same("GET", "/api/units")
    same("GET", "/api/categories")
    same("GET", "/api/examples")
    same("GET", "/api/review")
    same("GET", "/api/review", params={"severity": "error"})
    drafted = same("POST", "/api/draft", json={"name": "村干部任职补贴", "amount": 20.0, "year": 2025})
    assert drafted["precedents"] and drafted["table"]["rows"]
    review = same("POST", "/api/draft/review", json=drafted["table"])
    assert review["findings"] is not None
    draft = {"request": drafted["request"], "table": drafted["table"]}
    saved = _same(modelled, raw, "POST", "/api/drafts", ("id", "saved_at"), json=draft, headers=ORIGIN)
    # The raw app's copy of the drafts becomes the modelled app's: the same ids and times to list.
    folder, theirs = (Path(c.app.state.resources.settings.data) / "drafts" for c in (modelled, raw))  # type: ignore[attr-defined]
    shutil.rmtree(theirs)
    shutil.copytree(folder, theirs)
    same("GET", "/api/drafts")
    same("GET", f"/api/drafts/{saved['id']}")
    documents = same("GET", "/api/documents")["documents"]
    same("GET", f"/api/documents/{documents[0]['id']}")
    same("GET", "/api/documents/progress")


def test_an_upload_and_a_removal_answer_as_built(clients: tuple[TestClient, TestClient]) -> None:
    """Stored, failed (with `exists`, and without) and skipped files in one upload's report."""
    modelled, raw = clients
    table = FORM_LINES.read_text("utf-8").replace("宝丰镇", "契约镇").replace("058-", "779-")
    files = [
        ("files", ("契约镇.txt", table.encode("utf-8"), "text/plain")),
        ("files", ("empty.csv", b"", "text/csv")),
    ]
    first = _same(modelled, raw, "POST", "/api/documents", files=files, headers=ORIGIN)
    reports = {r["file"]: r for r in first["files"]}
    assert reports["契约镇.txt"]["stored"] is True
    assert "exists" not in reports["empty.csv"]  # absent unless true, as before the model
    again = _same(modelled, raw, "POST", "/api/documents", files=files[:1], headers=ORIGIN)
    assert again["files"][0]["exists"] is True
    removed = _same(modelled, raw, "DELETE", f"/api/documents/{reports['契约镇.txt']['id']}", headers=ORIGIN)
    assert removed["removed_triples"] > 0


def test_a_key_added_without_its_field_fails_loudly(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key a producer adds without its field here is an error, not a key silently dropped:
    a hit (validated where it is made) and a catalogue view (validated as the route answers)."""
    hit_json, units = Hit.to_json, Catalogue.units
    monkeypatch.setattr(Hit, "to_json", lambda self: {**hit_json(self), "surprise": 1})
    monkeypatch.setattr(Catalogue, "units", lambda self: [{**u, "surprise": 1} for u in units(self)])
    for url, params in (("/api/search", {"q": "经费"}), ("/api/units", {})):
        with pytest.raises((ValidationError, ResponseValidationError), match="surprise"):
            client.get(url, params=params)


# --- one shape of a finding ----------------------------------------------------------------------

FINDING = Finding(
    rule="other-year",
    severity=Severity.WARNING,
    focus="https://example.org/jx/indicator/1",
    focus_label="完成时间",
    message="年份不是本年度",
    message_en="another year",
    values=("2023年12月底",),
    project="https://example.org/jx/project/1",
)


class Place:
    label = "测试项目"
    unit = "某单位"
    township = "某镇"
    document = "a.txt"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, {"focus_id": None, "project_id": None, "project_label": None, "row": None}),
        ({"row": 3}, {"focus_id": None, "row": 3}),
        (
            {"place": Place(), "id_of": Ids("https://example.org/jx/").id},
            {
                "focus_id": "indicator/1",
                "project_id": "project/1",
                "project_label": "测试项目",
                "township": "某镇",
            },
        ),
    ],
    ids=["bare", "a-draft-row", "the-api-review"],
)
def test_a_finding_has_one_shape_whatever_is_known(kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    record = FINDING.record(**kwargs).model_dump(mode="json")
    assert set(record) == set(contracts.FindingRecord.model_fields)
    assert record["severity"] == "warning" and record["severity_zh"] == "警告"
    assert record["values"] == ["2023年12月底"]
    assert {key: record[key] for key in expected} == expected


def test_the_review_and_the_draft_review_give_findings_of_one_shape(client: TestClient) -> None:
    table = client.post("/api/draft", json={"name": "村干部任职补贴", "year": 2025}).json()["table"]
    table["rows"][0]["raw"] = "120%"
    drafted = client.post("/api/draft/review", json=table).json()["findings"]
    reviewed = [f for g in client.get("/api/review").json()["groups"] for f in g["findings"]]
    assert drafted and reviewed
    keys = set(contracts.FindingRecord.model_fields)
    assert all(set(f) == keys for f in [*drafted, *reviewed])
    assert all(f["focus_id"] for f in reviewed)  # the review page links every finding
