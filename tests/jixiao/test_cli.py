"""The CLI as a user runs it, on the samples: ingest, stats, remove, validate, sparql, export."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from jixiao.cli import app
from jixiao.settings import load_settings
from jixiao.store import open_store
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.jixiao.conftest import jixiao, runner

PREFIXES = """PREFIX jx: <https://w3id.org/jixiao/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def stats(data: Path) -> dict[str, object]:
    code, out, _ = jixiao(data, "stats", "--json")
    assert code == 0
    parsed: dict[str, object] = json.loads(out)
    return parsed


def quads(data: Path) -> set[str]:
    """Every stored quad as N-Quads text: the store's whole content, for before/after checks."""
    store = open_store(load_settings(data))
    try:
        text = store.dataset().serialize(format="nquads")
    finally:
        store.close()
    return {line for line in text.splitlines() if line.strip()}


def select(data: Path, query: str) -> list[dict[str, str]]:
    code, out, err = jixiao(data, "sparql", PREFIXES + query, "--format", "json")
    assert code == 0, err
    bindings = json.loads(out)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in bindings]


def test_ingest_samples_gives_the_expected_counts(ingested: Path) -> None:
    figures = stats(ingested)
    assert figures["projects"] == 42
    assert figures["units"] == 3  # 407, 407001 (浩门镇) and 058 (宝丰镇)
    assert figures["indicators"] == 460
    targets = figures["targets"]
    assert isinstance(targets, dict)
    assert sum(targets.values()) == 460
    assert targets["unparsed"] / 460 < 0.05


def test_projects_per_township_and_amounts(ingested: Path) -> None:
    rows = select(
        ingested,
        """SELECT ?unit (COUNT(?p) AS ?n) (SUM(?wan) AS ?total) WHERE {
             ?p a jx:Project ; jx:unit/rdfs:label ?unit ; jx:amountWanYuan ?wan }
           GROUP BY ?unit ORDER BY ?unit""",
    )
    found = {r["unit"]: (int(r["n"]), Decimal(r["total"])) for r in rows}
    assert found["门源县浩门镇政府"] == (28, Decimal("588.38"))
    assert found["平罗县宝丰镇人民政府"][0] == 14
    [stated] = select(ingested, "SELECT ?wan WHERE { ?b a jx:UnitBudget ; jx:amountWanYuan ?wan }")
    assert Decimal(stated["wan"]) == Decimal("588.39")


def test_every_indicator_has_levels_name_and_raw_target(ingested: Path) -> None:
    incomplete = select(
        ingested,
        """SELECT ?i WHERE { ?i a jx:Indicator .
             FILTER NOT EXISTS { ?i rdfs:label ?name ; jx:category ?c ; jx:level1Label ?l1 ;
                                    jx:target/jx:rawText ?raw ; ^jx:hasIndicator ?p } }""",
    )
    assert incomplete == []
    no_objective = select(
        ingested, "SELECT ?p WHERE { ?p a jx:Project FILTER NOT EXISTS { ?p jx:hasObjective ?o } }"
    )
    assert no_objective == []


def test_summary_names_counts_and_warnings(data: Path) -> None:
    code, out, _ = jixiao(data, "ingest", str(FORM_LINES))
    assert code == 0
    assert "form-lines" in out
    assert "typed 111/111" in out
    assert "warning:" in out and "政府长聘人员经费" in out


def test_reingest_is_idempotent(ingested: Path) -> None:
    before = quads(ingested)
    code, out, _ = jixiao(ingested, "ingest", str(PARAGRAPH_TABLE), str(FORM_LINES))
    assert code == 0 and "replaced" in out
    after = quads(ingested)
    assert len(after) == len(before)
    # Only the ingest time may differ.
    assert {q for q in before ^ after if "ingestedAt" not in q} == set()


def _resaved(path: Path, target_dir: Path, encoding: str = "utf-8") -> Path:
    """The same document re-saved by another tool: CRLF, trailing blanks, other spaces.

    Tabs stay: in both layouts a tab separates cells, so it is structure, not whitespace."""
    text = path.read_text(encoding="utf-8")
    lines = [line.rstrip(" ") + "  " for line in text.split("\n")]
    text = "\r\n".join(lines).replace("<p>1.", "<p>1. ").replace("≥95%", "≥ 95%")
    target_dir.mkdir(parents=True, exist_ok=True)
    copy = target_dir / path.name
    copy.write_bytes(text.encode(encoding))
    return copy


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-8-sig"])
def test_resaved_copy_gives_same_iris_and_count(ingested: Path, tmp_path: Path, encoding: str) -> None:
    query = "SELECT ?x WHERE { { ?x a jx:Indicator } UNION { ?x a jx:Project } UNION { ?x a jx:Objective } }"
    iris_before = {r["x"] for r in select(ingested, query)}
    count_before = stats(ingested)["triples"]
    for sample in (PARAGRAPH_TABLE, FORM_LINES):
        copy = _resaved(sample, tmp_path / encoding, encoding)
        code, _, err = jixiao(ingested, "ingest", str(copy))
        assert code == 0, err
    assert {r["x"] for r in select(ingested, query)} == iris_before
    assert stats(ingested)["triples"] == count_before


def test_remove_takes_away_exactly_that_document(data: Path) -> None:
    assert jixiao(data, "ingest", str(PARAGRAPH_TABLE))[0] == 0
    only_first = quads(data)
    assert jixiao(data, "ingest", str(FORM_LINES))[0] == 0
    both = quads(data)
    code, out, _ = jixiao(data, "remove", str(FORM_LINES))
    assert code == 0
    assert f"{len(both) - len(only_first)} triples" in out
    assert quads(data) == only_first


def test_remove_unknown_document(ingested: Path) -> None:
    code, _, err = jixiao(ingested, "remove", "nothing.txt")
    assert code == 1
    assert "nothing.txt: not in the store" in err


BAD_INPUTS: list[tuple[str, bytes, str]] = [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"\n  \n", "empty file"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary file"),
    ("gibberish.txt", b"\x81\x30\xff\xfe" * 64, "undecodable text"),
    ("mojibake.txt", ("项目名称" + "\ufffd" * 50).encode("utf-8"), "garbled text"),
    ("notes.txt", "会议纪要\n今天讨论了预算。\n".encode(), "unknown layout"),
    ("cut.txt", PARAGRAPH_TABLE.read_bytes()[:15000], "truncated"),  # ends inside a character
    ("cut-row.txt", PARAGRAPH_TABLE.read_bytes()[:15001], "truncated at line"),
]


@pytest.mark.parametrize(("name", "content", "problem"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_refused_and_store_unchanged(
    ingested: Path, tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    before = quads(ingested)
    bad = tmp_path / name
    bad.write_bytes(content)
    code, _, err = jixiao(ingested, "ingest", str(bad))
    assert code == 2
    error_lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(error_lines) == 1
    assert name in error_lines[0] and problem in error_lines[0]
    assert quads(ingested) == before


def test_other_files_still_ingest_after_a_bad_one(data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    missing = tmp_path / "missing.txt"
    code, out, err = jixiao(data, "ingest", str(bad), str(missing), str(FORM_LINES))
    assert code == 2
    assert "empty.txt: empty file" in err and "missing.txt: no such file" in err
    assert stats(data)["projects"] == 14
    assert "001_c93f3a72651805c2.txt" in out


def test_forced_layout(data: Path) -> None:
    code, _, err = jixiao(data, "ingest", "--layout", "form-lines", str(PARAGRAPH_TABLE))
    assert code == 2
    assert "no project found" in err
    code, _, _ = jixiao(data, "ingest", "--layout", "paragraph-table", str(PARAGRAPH_TABLE))
    assert code == 0


def test_validate_samples_has_no_violations(ingested: Path) -> None:
    code, out, _ = jixiao(ingested, "validate")
    assert code == 0
    assert "violations: 0" in out
    assert "warnings: 9" in out
    # Findings name the project and indicator, not only an IRI; all 9 fit under the default cap.
    assert "民政工作经费" not in out  # it has its 满意度 rows
    for project in (
        "职工食堂伙食补助",
        "妇联工作经费",
        "乡镇人大代表经费",
        "村级运转经费",
        "长期聘用人员经费支出",
    ):
        assert project in out  # the five projects whose 满意度 section is empty in the source
    assert "政协工作经费 › 协助做好沟通思想、协调关系" in out


def test_validate_reports_a_violation(data: Path, tmp_path: Path) -> None:
    # A level 2 that names no category: the indicator is stored without jx:category.
    text = PARAGRAPH_TABLE.read_text(encoding="utf-8").replace("(一) 数量指标：", "(一) 其他指标：", 1)
    odd = tmp_path / "odd.txt"
    odd.write_text(text, encoding="utf-8")
    assert jixiao(data, "ingest", str(odd))[0] == 0
    code, out, _ = jixiao(data, "validate")
    assert code == 1
    assert "violations: 2" in out  # the two 数量 indicators of the first project


def test_sparql_formats(ingested: Path) -> None:
    query = PREFIXES + "SELECT ?name WHERE { ?p a jx:Project ; rdfs:label ?name } ORDER BY ?name LIMIT 3"
    code, out, _ = jixiao(ingested, "sparql", query, "--format", "csv")
    assert code == 0
    assert out.splitlines()[0] == "name" and len(out.splitlines()) == 4
    code, out, _ = jixiao(ingested, "sparql", query)
    assert code == 0 and "3 rows" in out
    code, out, _ = jixiao(ingested, "sparql", PREFIXES + "ASK { ?p a jx:Project }")
    assert out.strip() == "true"


def test_sparql_syntax_error(ingested: Path) -> None:
    code, _, err = jixiao(ingested, "sparql", "SELEC ?x WHERE {")
    assert code == 2
    assert "SPARQL" in err


@pytest.mark.parametrize(("fmt", "parse_as"), [("ttl", "turtle"), ("nq", "nquads"), ("jsonld", "json-ld")])
def test_export_round_trips(ingested: Path, tmp_path: Path, fmt: str, parse_as: str) -> None:
    target = tmp_path / f"export.{fmt}"
    code, _, _ = jixiao(ingested, "export", "--format", fmt, "-o", str(target))
    assert code == 0
    if fmt == "ttl":
        assert "@prefix jx: <https://w3id.org/jixiao/ns#>" in target.read_text(encoding="utf-8")
        merged = Graph().parse(target, format=parse_as)
        assert len(merged) > 0
        assert len(merged) <= stats(ingested)["triples"]  # type: ignore[operator]
    else:
        dataset = Dataset().parse(target, format=parse_as)
        assert len(list(dataset.quads((None, None, None, None)))) == stats(ingested)["triples"]


def test_data_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIXIAO_DATA", str(tmp_path / "env-data"))
    result = runner.invoke(app, ["ingest", str(FORM_LINES)])
    assert result.exit_code == 0
    assert (tmp_path / "env-data" / "store").is_dir()


def test_cli_commands_are_documented_in_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        assert f"jixiao {name}" in readme, name


def test_cookbook_queries_work_right_after_ingest(ingested: Path) -> None:
    """The category labels cookbook queries join on are in the store without `serve` ever running."""
    from ontology.cookbook import cookbook_query

    code, out, err = jixiao(
        ingested, "sparql", cookbook_query("01-indicators-per-category").text, "--format", "csv"
    )
    assert code == 0, err
    rows = out.strip().splitlines()
    assert len(rows) > 5 and "数量指标" in out
