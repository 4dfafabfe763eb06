"""`jixiao review` as a user runs it, on the samples ingested into a fresh data dir."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from jixiao.review import REGISTRY, Finding, ReviewContext
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.jixiao.conftest import jixiao

COUNT_FINDINGS = (
    "PREFIX jx: <https://w3id.org/jixiao/ns#> SELECT (COUNT(?f) AS ?n) WHERE { ?f a jx:ReviewFinding }"
)


@pytest.fixture()
def ingested(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    code, _, err = jixiao(data, "ingest", str(PARAGRAPH_TABLE), str(FORM_LINES))
    assert code == 0, err
    return data


def stored_findings(data: Path) -> int:
    code, out, err = jixiao(data, "sparql", COUNT_FINDINGS, "--format", "json")
    assert code == 0, err
    return int(json.loads(out)["results"]["bindings"][0]["n"]["value"])


def test_review_lists_findings_per_project_and_stores_them(ingested: Path) -> None:
    code, out, _ = jixiao(ingested, "review")
    assert code == 0
    assert "平罗县宝丰镇人民政府 · 村干部任职补贴" in out
    assert "cost-unit-slip" in out and "138.02万元 的万分之一" in out
    assert (
        "审核发现 findings per rule" in out and "stored in graph <https://w3id.org/jixiao/id/review>" in out
    )
    code, listed, _ = jixiao(ingested, "review", "--json", "--no-store")
    assert code == 0
    assert stored_findings(ingested) == len(json.loads(listed)) > 0


def test_json_is_a_list_of_findings_with_their_projects(ingested: Path) -> None:
    code, out, _ = jixiao(ingested, "review", "--json", "--no-store")
    assert code == 0
    findings = json.loads(out)
    (slip,) = [f for f in findings if f["rule"] == "cost-unit-slip"]
    assert slip["severity"] == "error" and slip["values"] == ["138.02元", "138.02万元"]
    assert slip["project_label"] == "村干部任职补贴" and slip["township"] == "平罗县宝丰镇人民政府"
    assert set(slip) >= {"id", "focus", "focus_label", "message", "message_en", "document"}
    assert stored_findings(ingested) == 0  # --no-store


def test_review_changes_neither_stats_nor_validation(ingested: Path) -> None:
    _, stats_before, _ = jixiao(ingested, "stats", "--json")
    _, validation_before, _ = jixiao(ingested, "validate", "--all")
    assert jixiao(ingested, "review")[0] == 0
    _, stats_after, _ = jixiao(ingested, "stats", "--json")
    _, validation_after, _ = jixiao(ingested, "validate", "--all")
    before, after = json.loads(stats_before), json.loads(stats_after)
    assert after["triples"] > before["triples"]  # the review graph is stored …
    del before["triples"], after["triples"]
    assert after == before  # … and counts as no unit, project or indicator
    assert validation_after == validation_before


def test_a_rule_that_fails_exits_1_and_stores_nothing(
    ingested: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(context: ReviewContext) -> list[Finding]:
        raise RuntimeError("boom")

    monkeypatch.setitem(
        REGISTRY, "duplicate-indicator", replace(REGISTRY["duplicate-indicator"], check=broken)
    )
    code, out, err = jixiao(ingested, "review")
    assert code == 1
    assert "rule duplicate-indicator failed: RuntimeError: boom" in err
    assert "cost-unit-slip" in out  # the other rules' findings are still shown
    assert stored_findings(ingested) == 0


def test_an_empty_store_has_no_findings(tmp_path: Path) -> None:
    code, out, _ = jixiao(tmp_path / "data", "review")
    assert code == 0
    assert "没有发现问题" in out and "copy-paste" in out
