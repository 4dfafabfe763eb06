"""The CLI's --json and the API's routes give one schema (issue 18): on the same data dir and the
same input, both answers validate against the route's model (api/contracts.py) and are equal,
except what is not deterministic (a search's took_ms)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter

from api.app import create_app
from api.contracts import (
    CheckResult,
    DraftProposal,
    FindingRecord,
    IngestReport,
    ReviewReport,
    SearchResults,
    SimilarResults,
    StoreFigures,
    UploadReport,
)
from jixiao.settings import load_settings
from search import encoder as encoder_module
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.fakes import FakeEncoder
from tests.jixiao.conftest import jixiao

CADRE_COST = "https://w3id.org/jixiao/id/project/058/2023/73d07ba997dd/indicator/outputCost-5f8c990b01a5"

Findings = TypeAdapter(list[FindingRecord])


def review_findings(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """GET /api/review's findings, out of their groups, in the review's order (the CLI's list)."""
    return [finding for group in answer["groups"] for finding in group["findings"]]


@dataclass(frozen=True)
class Case:
    name: str
    cli: tuple[str, ...]
    route: Callable[[TestClient], Any]  # the API's answer as JSON
    model: type[BaseModel] | TypeAdapter[Any]  # what both must validate as
    comparable: Callable[[Any], Any] = lambda answer: answer  # the part that must be equal


def without_took_ms(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "took_ms"}


CASES = [
    Case(
        "search",
        ("search", "村干部任职补贴", "--kind", "indicator", "--limit", "5"),
        lambda api: api.get("/api/search", params={"q": "村干部任职补贴", "kind": "indicator", "limit": 5}),
        SearchResults,
        without_took_ms,
    ),
    Case(
        "search, lexical, filtered by unit",
        ("search", "群众满意度", "--mode", "lexical", "--unit", "058"),
        lambda api: api.get("/api/search", params={"q": "群众满意度", "mode": "lexical", "unit": "058"}),
        SearchResults,
        without_took_ms,
    ),
    Case(
        "similar",
        ("similar", CADRE_COST, "--limit", "5"),
        lambda api: api.get("/api/similar", params={"id": CADRE_COST, "limit": 5}),
        SimilarResults,
    ),
    Case(
        "draft",
        ("draft", "--name", "村干部任职补贴", "--amount", "150", "--unit", "宝丰镇", "--year", "2025"),
        lambda api: api.post(
            "/api/draft", json={"name": "村干部任职补贴", "amount": 150.0, "unit": "宝丰镇", "year": 2025}
        ),
        DraftProposal,
    ),
    Case(
        "review",
        ("review", "--no-store"),
        lambda api: api.get("/api/review"),
        Findings,
        lambda answer: answer if isinstance(answer, list) else review_findings(answer),
    ),
]


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both samples ingested by the CLI (with the fake encoder), shared by the cases (read only)."""
    data = tmp_path_factory.mktemp("contracts") / "data"
    with pytest.MonkeyPatch.context() as patch:  # the autouse fake encoder is per test, this is per module
        fake = FakeEncoder()
        patch.setattr(encoder_module, "_loaded", {})
        patch.setattr(encoder_module, "open_sentence_transformer", lambda *args, **kwargs: fake)
        code, _, err = jixiao(data, "ingest", str(PARAGRAPH_TABLE), str(FORM_LINES))
    assert code == 0, err
    return data


@pytest.fixture(scope="module")
def api(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The service on a copy of the samples' data dir: it holds its store's lock, the CLI needs one too."""
    copy = shutil.copytree(samples, tmp_path_factory.mktemp("contracts-api") / "data")
    encoder = FakeEncoder()
    with TestClient(create_app(load_settings(copy), encoder=lambda: encoder)) as client:
        yield client


def validated(model: type[BaseModel] | TypeAdapter[Any], answer: Any) -> Any:
    """The answer through the model and back: equal to the answer when the model holds all of it."""
    if isinstance(model, TypeAdapter):
        parsed = model.validate_python(answer)
        return model.dump_python(parsed, mode="json")
    return model.model_validate(answer).model_dump(mode="json")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_cli_json_and_the_route_give_one_schema(case: Case, samples: Path, api: TestClient) -> None:
    code, out, err = jixiao(samples, *case.cli, "--json")
    assert code == 0, err
    from_cli = json.loads(out)
    response = case.route(api)
    assert response.status_code == 200, response.text
    from_api = response.json()

    # Both are the model's shape, whole: a key the model does not declare would fail (extra="forbid").
    assert validated(case.model, from_cli) == from_cli
    if case.model is not Findings:
        assert validated(case.model, from_api) == from_api
    else:
        assert validated(ReviewReport, from_api) == from_api
        assert validated(Findings, review_findings(from_api)) == review_findings(from_api)

    cli_part, api_part = case.comparable(from_cli), case.comparable(from_api)
    assert cli_part, f"{case.name}: nothing to compare"
    assert cli_part == api_part


def test_search_json_is_the_routes_shape_not_a_list(samples: Path) -> None:
    """The shape change of issue 18: `search --json` was a list of hits, now GET /api/search's object."""
    code, out, err = jixiao(samples, "search", "村干部任职补贴", "--json")
    assert code == 0, err
    answer = json.loads(out)
    assert set(answer) == set(SearchResults.model_fields)
    assert answer["query"] == "村干部任职补贴" and answer["hits"] and answer["took_ms"] >= 0
    assert all(hit["id"] and not hit["id"].startswith("http") for hit in answer["hits"])  # ids as the API's


def test_similar_json_of_an_unknown_iri_is_refused(samples: Path) -> None:
    code, out, err = jixiao(samples, "similar", "https://example.org/x", "--json")
    assert code == 2 and out == "" and "not in the search index" in err


def test_ingest_json_is_the_uploads_report(tmp_path: Path) -> None:
    """`ingest --json` and POST /api/documents report a file alike (IngestReport's files are
    UploadReport's), except the file as given: a path here, the name as sent there."""
    code, out, err = jixiao(tmp_path / "cli", "ingest", "--json", str(FORM_LINES))
    assert code == 0, err
    from_cli = json.loads(out)
    assert validated(IngestReport, from_cli) == from_cli
    assert (from_cli["stored"], from_cli["failed"], from_cli["stages"]) == (1, 0, None)

    encoder = FakeEncoder()
    with TestClient(create_app(load_settings(tmp_path / "api"), encoder=lambda: encoder)) as client:
        sent = client.post("/api/documents", files=[("files", (FORM_LINES.name, FORM_LINES.read_bytes()))])
    assert sent.status_code == 200, sent.text
    from_api = sent.json()
    assert validated(UploadReport, from_api) == from_api

    (cli_file,) = from_cli["files"]
    (api_file,) = from_api["files"]
    assert cli_file["file"] == str(FORM_LINES) and api_file["file"] == FORM_LINES.name
    assert cli_file["project_links"], "the file's projects are linked"
    assert {**cli_file, "file": None} == {**api_file, "file": None}


def test_ingest_json_reports_failed_unchanged_and_skipped_files(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(FORM_LINES, folder / FORM_LINES.name)
    (folder / "broken.txt").write_bytes(b"\x00\xff" * 100)
    (folder / "说明.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    data = tmp_path / "data"
    code, out, _ = jixiao(data, "ingest", "--json", "--bulk", "--no-index", str(folder))
    assert code == 2
    first = json.loads(out)
    # exclude_unset: a failed file's `exists` is absent unless true (FailedFile), as in the upload's
    assert IngestReport.model_validate(first).model_dump(mode="json", exclude_unset=True) == first
    kinds = {f["name"]: (f["stored"], f.get("error_zh"), f.get("skipped")) for f in first["files"]}
    assert kinds == {
        FORM_LINES.name: (True, None, None),
        "broken.txt": (False, "不是文本或表格文件（二进制内容）", None),
        "说明.jpg": (False, None, "not a table"),
    }
    assert set(first["stages"]) == {"read", "rdf", "load"}

    code, out, _ = jixiao(data, "ingest", "--json", "--bulk", "--no-index", str(folder / FORM_LINES.name))
    again = json.loads(out)
    assert code == 0 and validated(IngestReport, again) == again
    (unchanged,) = again["files"]
    assert unchanged["unchanged"] is True and unchanged["id"] == kinds_id(first, FORM_LINES.name)
    assert (again["stored"], again["unchanged"]) == (0, 1)


def kinds_id(report: dict[str, Any], name: str) -> str:
    (found,) = [f["id"] for f in report["files"] if f["name"] == name]
    return str(found)


def test_stats_and_check_json_are_their_models(samples: Path) -> None:
    code, out, err = jixiao(samples, "stats", "--json")
    assert code == 0, err
    figures = json.loads(out)
    assert validated(StoreFigures, figures) == figures
    assert figures["projects"] == 42 and sum(figures["targets"].values()) == figures["indicators"] == 460

    code, out, err = jixiao(samples, "check", "--json")
    assert code == 0, err
    found = json.loads(out)
    assert validated(CheckResult, found) == found
    assert found["consistent"] and found["after"] is None and found["found"]["documents"] == 2
