"""CORS open for reads and never for writes, cross-origin writes refused by the server itself, and
the security headers on every response (issue 16, minor items). Before the fix every origin could
preflight anything (`allow_headers=*`), so a page on any site could send an update with a token it
had, and a cross-site form POST reached the routes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http_guards import SECURITY_HEADERS
from tests.api.conftest import TOKEN, make_app

EVIL = "https://evil.example"
OWN = "http://testserver"  # TestClient's Host
INSERT = 'INSERT DATA { GRAPH <urn:x:cors> { <urn:x:a> <urn:x:b> "c" } }'
SEE = 'ASK { <urn:x:a> <urn:x:b> "c" }'
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TABLE = {"name": "项目", "rows": []}


@pytest.fixture()
def writable(sample_data: Path, tmp_path: Path) -> Iterator[TestClient]:
    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    app = make_app(data, sparql_update_token=TOKEN, write_origins=["https://tools.example/"])
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    "path",
    ["/", "/query", "/draft", "/static/app.js", "/health", "/sparql?query=ASK{}", "/api/search?q=经费",
     "/no-such-page", "/openapi.json", "/docs"],
)  # fmt: skip
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"} if path == "/" else {})
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    assert SECURITY_HEADERS["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert SECURITY_HEADERS["X-Frame-Options"] == "DENY"


def test_reads_are_open_to_every_origin(client: TestClient) -> None:
    got = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": EVIL})
    assert got.status_code == 200 and got.headers["access-control-allow-origin"] == "*"
    assert "X-Jixiao-Rows" in got.headers["access-control-expose-headers"]
    posted = client.post("/sparql", data={"query": "ASK {}"}, headers={"Origin": EVIL})
    assert posted.status_code == 200 and posted.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"
    assert "content-type" in preflight.headers["access-control-allow-headers"]


@pytest.mark.parametrize(
    ("path", "method", "headers"),
    [("/sparql", "POST", "content-type, authorization"), ("/api/draft/export", "POST", "content-type")],
)
def test_a_preflight_for_a_write_from_another_origin_is_refused(
    client: TestClient, path: str, method: str, headers: str
) -> None:
    preflight = client.options(
        path,
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
    )
    assert preflight.status_code == 403 and "cross-origin writes are refused" in preflight.json()["error"]
    assert "access-control-allow-origin" not in preflight.headers


def _update(client: TestClient, **headers: str) -> Any:
    return client.post("/sparql", data={"update": INSERT}, headers={**AUTH, **headers})


def test_a_cross_origin_update_is_refused_even_with_the_token(writable: TestClient) -> None:
    # A form POST needs no preflight: only the server can refuse it.
    refused = _update(writable, Origin=EVIL)
    assert refused.status_code == 403 and "another origin" in refused.json()["error"]
    null = _update(writable, Origin="null")
    assert null.status_code == 403
    site = _update(writable, **{"Sec-Fetch-Site": "cross-site"})
    assert site.status_code == 403
    assert writable.get("/sparql", params={"query": SEE}).json()["boolean"] is False


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": OWN},
        {"Origin": "https://tools.example"},
        {"Sec-Fetch-Site": "same-origin", "Origin": OWN},
    ],
    ids=["no-origin", "own", "configured", "same-origin"],
)
def test_an_update_from_the_servers_own_pages_or_a_configured_origin(
    writable: TestClient, headers: dict[str, str]
) -> None:
    assert _update(writable, **headers).status_code == 204
    assert writable.get("/sparql", params={"query": SEE}).json()["boolean"] is True


def test_a_configured_origin_may_preflight_a_write(writable: TestClient) -> None:
    preflight = writable.options(
        "/sparql",
        headers={
            "Origin": "https://tools.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://tools.example"
    assert "authorization" in preflight.headers["access-control-allow-headers"]


def test_a_cross_origin_export_is_refused(client: TestClient) -> None:
    refused = client.post("/api/draft/export", json=TABLE, params={"format": "ttl"}, headers={"Origin": EVIL})
    assert refused.status_code == 403 and "another origin" in refused.json()["error"]
    own = client.post("/api/draft/export", json=TABLE, params={"format": "ttl"}, headers={"Origin": OWN})
    assert own.status_code == 200
    assert client.post("/api/draft/export", json=TABLE, params={"format": "ttl"}).status_code == 200
