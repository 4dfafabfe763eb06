"""/sparql in the OpenAPI schema: what it really serves, not FastAPI's empty JSON schema (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.sparql import GRAPH_TYPES, RESULT_TYPES
from tests.api.conftest import make_app

SERVED = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
}


@pytest.fixture(scope="module")
def sparql() -> dict[str, Any]:
    operations: dict[str, Any] = make_app(Path("not-opened")).openapi()["paths"]["/sparql"]
    return operations


def schemas(node: object) -> list[object]:
    """Every `schema` value under a node of the document."""
    if isinstance(node, dict):
        return [
            *([node["schema"]] if "schema" in node else []),
            *(s for v in node.values() for s in schemas(v)),
        ]
    if isinstance(node, list):
        return [s for item in node for s in schemas(item)]
    return []


@pytest.mark.parametrize(
    ("method", "statuses"),
    [
        ("get", {"200", "303", "400", "403", "405", "406", "500", "503"}),
        ("post", {"200", "204", "400", "401", "403", "406", "413", "415", "500", "503"}),
    ],
)
def test_sparql_declares_its_media_types_and_errors(
    sparql: dict[str, Any], method: str, statuses: set[str]
) -> None:
    operation = sparql[method]
    answer = operation["responses"]["200"]["content"]
    # Every type content negotiation offers (api/sparql.py), and no default application/json-only body.
    assert set(answer) == set(RESULT_TYPES) | set(GRAPH_TYPES)
    assert set(answer) >= SERVED
    assert answer["application/sparql-results+json"]["schema"]["required"] == ["head"]
    assert statuses <= set(operation["responses"])
    for status in statuses - {"200", "204", "303"}:
        error = operation["responses"][status]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorBody"}, (method, status)
    assert {} not in schemas(operation), json.dumps(operation, ensure_ascii=False)[:500]


def test_sparql_declares_the_protocols_parameters(sparql: dict[str, Any]) -> None:
    get = {p["name"]: p for p in sparql["get"]["parameters"]}
    assert {"query", "default-graph-uri", "named-graph-uri", "format"} <= set(get)
    for name in ("default-graph-uri", "named-graph-uri"):  # repeatable: an array (FastAPI: or null)
        schema = get[name]["schema"]
        assert "array" in [schema.get("type"), *(s.get("type") for s in schema.get("anyOf", []))]
    post = {p["name"] for p in sparql["post"]["parameters"]}
    assert {"default-graph-uri", "named-graph-uri", "format"} <= post
    body = sparql["post"]["requestBody"]["content"]
    assert set(body) == {
        "application/x-www-form-urlencoded",
        "application/sparql-query",
        "application/sparql-update",
    }
    form = body["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert {"query", "update", "default-graph-uri", "named-graph-uri"} <= set(form)
