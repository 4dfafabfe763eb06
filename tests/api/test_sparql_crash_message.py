"""The 500 for a worker that died says what is known, a crash, and gives the ORDER BY advice only
to a query that has ORDER BY (issue 16, minor item: 5,000 nested `{}` got the ORDER BY advice)."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.query_process import QueryPool, crashed
from tests.api.conftest import make_app

RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
HEAVY = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a {RDFS_LABEL} ?w . ?b {RDFS_LABEL} ?x . ?c {RDFS_LABEL} ?y }}"


def test_the_message_names_order_by_only_when_the_query_has_it() -> None:
    plain = crashed("SELECT * WHERE { { { ?s ?p ?o } } }")
    assert "crashed" in plain and "ORDER BY" not in plain
    sorted_ = crashed("SELECT ?o WHERE { ?s ?p ?o } order  by ?o")
    assert "crashed" in sorted_ and "ORDER BY over values of different types" in sorted_
    assert "update" in crashed("INSERT DATA {}", "update")


def test_a_worker_that_dies_under_a_query_without_order_by(sample_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample_data, data)
    with TestClient(make_app(data, sparql_timeout=60)) as client:
        pool = client.app.state.resources.queries  # type: ignore[attr-defined]
        assert isinstance(pool, QueryPool)
        answer: dict[str, object] = {}
        thread = threading.Thread(
            target=lambda: answer.update(r=client.get("/sparql", params={"query": HEAVY}))
        )
        thread.start()
        deadline = time.monotonic() + 10
        while not any(lane.busy and lane.process for lane in pool._lanes):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.3)
        busy = next(lane for lane in pool._lanes if lane.busy and lane.process)
        assert busy.process is not None
        busy.process.proc.kill()  # as an abort inside Oxigraph would end it
        thread.join(10)
        response = answer["r"]
        assert response.status_code == 500  # type: ignore[attr-defined]
        message = response.json()["error"]  # type: ignore[attr-defined]
        assert "crashed on this query" in message and "ORDER BY" not in message
        assert client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True
