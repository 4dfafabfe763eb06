"""The SPARQL cookbook (ontology/queries/*.rq): headers, and every query run on the ingested samples.

The expected rows of the check-style queries were found by reading samples/*.txt by hand:

- 04 (missing required groups): five 浩门镇 projects have no satisfaction indicator. 乡镇人大代表经费
  and 长期聘用人员经费支出 end without a 三、满意度指标 section; 妇联工作经费, 职工食堂伙食补助 and
  村级运转经费 have the heading with nothing under it. No project lacks any other group; 宝丰镇's
  forms are all complete.
- 08 (unparsed / placeholder): four 浩门镇 rows name an indicator and give no value at all
  (lines 9, 54, 57, 58 of 000_…txt); the samples contain no placeholder (≥**, XX), so that branch
  is checked on ontology/examples/warnings.ttl instead.

The samples hold no self-evaluation, whole-unit table, area column or cut-off table: the queries
over those (LENIENT_QUERIES) run on records built by hand (tests/ontology/lenient_records.py),
whose expected rows follow from the values written there, and find nothing in the samples.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib.plugins.sparql.parser import parseQuery

from ingest.graph import document_ntriples
from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao.settings import Settings
from jixiao.store import EmbeddedStore, open_store
from ontology import ONTOLOGY_DIR, ONTOLOGY_FILES
from ontology.cookbook import (
    HEADER_FIELDS,
    QUERIES_DIR,
    CookbookQuery,
    cookbook,
    cookbook_query,
    load_queries,
    parse_query,
)
from ontology.shacl import validate
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.ontology.lenient_records import FILE_NAME, SOURCE, lenient_document

QUERIES = cookbook()
HAOMEN = "门源县浩门镇政府"
PARAGRAPH_FILE = PARAGRAPH_TABLE.name
LENIENT_QUERIES = {
    "17-targets-against-actuals",
    "18-self-evaluation-scores-per-unit",
    "19-area-targets",
    "20-incomplete-projects",
}
BASE = "https://w3id.org/jixiao/id/"
TOWNSHIP = "青禾县鹿鸣镇人民政府"
BUREAU = "青禾县农业农村局"

# The namespaces the queries may declare, each under its usual prefix only.
NAMESPACES = {
    "jx": "https://w3id.org/jixiao/ns#",
    "jxcat": "https://w3id.org/jixiao/category/",
    "jxcmp": "https://w3id.org/jixiao/comparator/",
    "jxfund": "https://w3id.org/jixiao/funding/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "qudt": "http://qudt.org/schema/qudt/",
    "unit": "http://qudt.org/vocab/unit/",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
PREFIX_LINE = re.compile(r"PREFIX\s+(\w*):\s*<([^>]*)>", re.IGNORECASE)
PREFIXED_NAME = re.compile(r"(?<![\w:?$])([A-Za-z]\w*):(?=[A-Za-z_])")


def code_of(text: str) -> str:
    """The query without IRIs, comments and strings: what is left names prefixes only as used."""
    text = re.sub(r"<[^<>\s]*>", " ", text)  # before comments: IRIs hold '#'
    text = re.sub(r"#[^\n]*", " ", text)
    return re.sub(r'"[^"\n]*"', " ", text)


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    settings = Settings(data=tmp_path_factory.mktemp("cookbook-data"))
    store = open_store(settings)
    minter = IriMinter(settings.base_iri)
    for path in (PARAGRAPH_TABLE, FORM_LINES):
        ingest_file(path, store, minter, None)
    store.install_ontology()
    yield store
    store.close()


@pytest.fixture(scope="module")
def warnings_store() -> ox.Store:
    """ontology/examples/warnings.ttl with the ontology: placeholders and the 2021 tree."""
    store = ox.Store()
    for path in (*ONTOLOGY_FILES, ONTOLOGY_DIR / "examples" / "warnings.ttl"):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def lenient_store() -> ox.Store:
    """The hand-built records of issue 17's fields, loaded as ingest's bulk path writes them."""
    store = ox.Store()
    for path in ONTOLOGY_FILES:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    triples = document_ntriples(lenient_document(), SOURCE, IriMinter(BASE))
    store.load((triples.content_nquads() + triples.marker_nquads()).encode(), format=ox.RdfFormat.N_QUADS)
    return store


def run(store: ox.Store, text: str) -> list[dict[str, str | None]]:
    """A SELECT's rows, each variable's value as a string (None when unbound)."""
    solutions = store.query(text, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [variable.value for variable in solutions.variables]
    return [{name: None if row[name] is None else row[name].value for name in names} for row in solutions]


def columns(rows: list[dict[str, str | None]], *names: str) -> list[tuple[str | None, ...]]:
    return [tuple(row[name] for name in names) for row in rows]


# --- the bundled queries ------------------------------------------------------------------------


def test_cookbook_has_numbered_queries() -> None:
    names = [query.name for query in QUERIES]
    assert len(names) >= 8
    assert names == sorted(names)
    for name in names:
        assert re.fullmatch(r"\d\d-[a-z0-9]+(-[a-z0-9]+)*", name), name
    numbers = [name[:2] for name in names]
    assert len(set(numbers)) == len(numbers), "two queries share a number"
    assert sorted(path.stem for path in QUERIES_DIR.glob("*.rq")) == names


@pytest.mark.parametrize("query", QUERIES, ids=[query.name for query in QUERIES])
def test_header_and_text(query: CookbookQuery) -> None:
    for field in HEADER_FIELDS:
        assert getattr(query, field).strip(), field
    assert re.search(r"[\u4e00-\u9fff]", query.title), "the title is Chinese"
    assert query.text.startswith("PREFIX"), "the text opens with its PREFIX lines, not the header"
    assert re.search(r"^SELECT\b", query.text, re.MULTILINE)
    assert "ORDER BY" in query.text, "rows come in a stable order"
    declared = dict(PREFIX_LINE.findall(query.text))
    for prefix, namespace in declared.items():
        assert NAMESPACES.get(prefix) == namespace, f"PREFIX {prefix}: <{namespace}>"
    used = set(PREFIXED_NAME.findall(code_of(PREFIX_LINE.sub("", query.text))))
    assert used <= set(declared), f"undeclared prefixes {used - set(declared)}"
    assert set(declared) <= used, f"unused prefixes {set(declared) - used}"


@pytest.mark.parametrize("query", QUERIES, ids=[query.name for query in QUERIES])
def test_query_runs_on_the_samples(
    sample_store: EmbeddedStore, lenient_store: ox.Store, query: CookbookQuery
) -> None:
    rows = run(sample_store.oxigraph(), query.text)
    if query.name in LENIENT_QUERIES:
        assert rows == [], f"{query.name}: the samples have nothing of the kind"
        assert run(lenient_store, query.text), f"{query.name} found nothing in the lenient records"
    else:
        assert rows, f"{query.name} found nothing in the samples"


def test_lenient_queries_exist() -> None:
    assert {query.name for query in QUERIES} >= LENIENT_QUERIES


@pytest.mark.parametrize("query", QUERIES, ids=[query.name for query in QUERIES])
def test_query_parses_with_rdflib(query: CookbookQuery) -> None:
    # The SPARQL endpoint parses requests with rdflib (to refuse SERVICE) before Oxigraph runs them.
    parseQuery(query.text)


def test_cookbook_query_by_name() -> None:
    first = QUERIES[0]
    assert cookbook_query(first.name) is cookbook()[0]
    with pytest.raises(KeyError, match="no cookbook query named 'nope'"):
        cookbook_query("nope")


def test_cookbook_returns_a_fresh_list() -> None:
    cookbook().clear()
    assert cookbook() == QUERIES


# --- known answers on the samples ---------------------------------------------------------------

# Read by hand from samples/000_6042772d099d8031.txt (see the module docstring).
MISSING_SATISFACTION = [
    "乡镇人大代表经费",
    "妇联工作经费",
    "村级运转经费",
    "职工食堂伙食补助",
    "长期聘用人员经费支出",
]


def test_missing_required_categories_on_the_samples(sample_store: EmbeddedStore) -> None:
    rows = run(sample_store.oxigraph(), cookbook_query("04-missing-required-categories").text)
    assert columns(rows, "township", "projectName", "missing") == [
        (HAOMEN, name, "满意度指标") for name in MISSING_SATISFACTION
    ]


def test_missing_required_categories_agree_with_the_shapes(sample_store: EmbeddedStore) -> None:
    """The query and the recommended SHACL shapes flag the same (project, group) pairs."""
    rows = run(sample_store.oxigraph(), cookbook_query("04-missing-required-categories").text)
    from_query = {(row["project"], row["missing"]) for row in rows}
    group_of_shape = {
        "quantity": "数量指标",
        "quality": "质量指标",
        "timeliness": "时效指标",
        "cost": "成本指标",
        "effect": "效益指标",
        "satisfaction": "满意度指标",
    }
    report = validate(sample_store.dataset())
    from_shapes = set()
    for finding in report.findings:
        match = re.fullmatch(r".*#Project-(\w+)Indicator", finding.shape)
        if match and match[1] in group_of_shape:
            from_shapes.add((str(finding.focus), group_of_shape[match[1]]))
    assert from_query == from_shapes
    assert len(from_query) == len(MISSING_SATISFACTION)


def test_missing_required_categories_in_both_trees(warnings_store: ox.Store) -> None:
    """warnings.ttl: project A has only quantity and quality; project B uses the 2021 tree, whose
    first-level cost (经济成本指标) counts as cost; project C has no indicator and is not listed."""
    rows = run(warnings_store, cookbook_query("04-missing-required-categories").text)
    assert sorted(columns(rows, "projectName", "missing")) == sorted(
        [
            ("调委会工作补助经费", "时效指标"),
            ("调委会工作补助经费", "成本指标"),
            ("调委会工作补助经费", "效益指标"),
            ("调委会工作补助经费", "满意度指标"),
            ("党校工作经费", "数量指标"),
            ("党校工作经费", "质量指标"),
        ]
    )


def test_unparsed_targets_on_the_samples(sample_store: EmbeddedStore) -> None:
    rows = run(sample_store.oxigraph(), cookbook_query("08-unparsed-and-placeholder-targets").text)
    found = columns(rows, "township", "projectName", "indicatorName", "problem", "raw", "file", "line")
    assert found == [
        (HAOMEN, project, indicator, "未解析指标值", "", PARAGRAPH_FILE, line)
        for project, indicator, line in [
            ("党校工作经费", "一年内完成", "9"),
            ("政协工作经费", "协助做好沟通思想、协调关系", "54"),
            ("科级及以下退休干部公用经费", "保障退休人员的慰问", "57"),
            ("社区服务群众专项经费", "社区工作人员为民服务的能力", "58"),
        ]
    ]
    source_lines = PARAGRAPH_TABLE.read_text(encoding="utf-8").splitlines()
    for row in rows:
        assert row["indicatorName"] and row["indicatorName"] in source_lines[int(row["line"] or 0) - 1]


def test_placeholder_targets(warnings_store: ox.Store) -> None:
    """The samples have no placeholder; warnings.ttl has one that is also unparsed: one row each."""
    rows = run(warnings_store, cookbook_query("08-unparsed-and-placeholder-targets").text)
    assert sorted(columns(rows, "projectName", "indicatorName", "problem", "raw", "line")) == [
        ("调委会工作补助经费", "培训乡村两级调委会成员数", "未解析指标值", "≥**株", "9"),
        ("调委会工作补助经费", "培训乡村两级调委会成员数", "模板占位", "≥**株", "9"),
    ]


def test_indicators_per_category_add_up(sample_store: EmbeddedStore) -> None:
    rows = run(sample_store.oxigraph(), cookbook_query("01-indicators-per-category").text)
    totals: dict[str | None, int] = {}
    for row in rows:
        totals[row["township"]] = totals.get(row["township"], 0) + int(row["n"] or 0)
    assert totals == {HAOMEN: 349, "平罗县宝丰镇人民政府": 111}  # as ingest counts them
    assert (HAOMEN, "1.4", "产出指标", "成本指标", "54") in columns(
        rows, "township", "notation", "level1", "level2", "n"
    )


def test_unit_budget_differs_from_its_projects(sample_store: EmbeddedStore) -> None:
    """浩门镇's table states 588.39 万元; its 28 projects add up to 588.38 万元."""
    rows = run(sample_store.oxigraph(), cookbook_query("11-unit-budget-vs-projects").text)
    assert columns(rows, "unitCode", "budget", "projects", "projectsTotal", "difference") == [
        ("407001", "5883900", "28", "5883800", "100")
    ]


def test_other_years(sample_store: EmbeddedStore) -> None:
    rows = run(sample_store.oxigraph(), cookbook_query("09-other-year-mentions").text)
    assert {row["year"] for row in rows} == {"2018", "2021", "2022", "2024"}
    assert (HAOMEN, "果皮箱、景观花池项目质保金", "2018", "绩效目标") in columns(
        rows, "township", "projectName", "year", "where"
    )


# --- the header parser --------------------------------------------------------------------------

BODY = "PREFIX jx: <https://w3id.org/jixiao/ns#>\nSELECT * WHERE { ?s ?p ?o } ORDER BY ?s\n"
TITLE = "# title: 示例\n"
TITLE_EN = "# title_en: Example\n"
DESCRIPTION = "# description: 说明。What it answers: a colon is fine.\n"


@pytest.mark.parametrize(
    ("source", "error"),
    [
        pytest.param(TITLE + TITLE_EN + DESCRIPTION + BODY, None, id="complete"),
        pytest.param(DESCRIPTION + TITLE_EN + "# another comment\n" + TITLE + BODY, None, id="any-order"),
        pytest.param(TITLE_EN + DESCRIPTION + BODY, "lacks title", id="no-title"),
        pytest.param(TITLE + DESCRIPTION + BODY, "lacks title_en", id="no-title-en"),
        pytest.param(TITLE + TITLE_EN + BODY, "lacks description", id="no-description"),
        pytest.param(BODY, "lacks title, title_en, description", id="no-header"),
        pytest.param("# title:   \n" + TITLE_EN + DESCRIPTION + BODY, "'title' is empty", id="empty"),
        pytest.param(TITLE + TITLE + TITLE_EN + DESCRIPTION + BODY, "'title' is given twice", id="twice"),
        pytest.param(TITLE + TITLE_EN + BODY + DESCRIPTION, "lacks description", id="after-the-query"),
        pytest.param(TITLE + TITLE_EN + DESCRIPTION, "no query after the header", id="no-query"),
    ],
)
def test_parse_query(source: str, error: str | None) -> None:
    if error is not None:
        with pytest.raises(ValueError, match=re.escape(error)) as raised:
            parse_query("99-example", source, "queries/99-example.rq")
        assert "queries/99-example.rq" in str(raised.value), "the error names the file"
        return
    query = parse_query("99-example", source)
    assert query == CookbookQuery(
        name="99-example",
        title="示例",
        title_en="Example",
        description="说明。What it answers: a colon is fine.",
        text=BODY,
    )


def test_load_queries_names_the_bad_file(tmp_path: Path) -> None:
    (tmp_path / "01-good.rq").write_text(TITLE + TITLE_EN + DESCRIPTION + BODY, encoding="utf-8")
    assert [query.name for query in load_queries(tmp_path)] == ["01-good"]
    (tmp_path / "02-bad.rq").write_text(TITLE_EN + DESCRIPTION + BODY, encoding="utf-8")
    with pytest.raises(ValueError, match=r"02-bad\.rq: header lacks title"):
        load_queries(tmp_path)


def test_amount_per_person_where_both_are_stated(sample_store: EmbeddedStore) -> None:
    rows = run(sample_store.oxigraph(), cookbook_query("16-cost-per-person").text)
    found = set(columns(rows, "projectName", "countIndicator", "count", "per", "amountPerWan"))
    # 138.02 万元 for 45 村干部; 10 万元 for 1 社区; 人大代表 66 人 for 5.28 万元.
    assert ("村干部任职补贴", "保障村干部人数", "45", "人", "3.0671") in found
    assert ("城乡社区运转经费", "支持社区个数", "1", "个", "10") in found
    assert ("乡镇人大代表经费", "人大代表人数", "66", "人", "0.08") in found
    assert all(row["per"] != "人次" for row in rows)  # visits are not heads


def test_money_targets_above_the_amount_are_exactly_the_known_cases(sample_store: EmbeddedStore) -> None:
    """A violation query: on the samples it lists these three 浩门镇 cost ceilings, and nothing else."""
    rows = run(sample_store.oxigraph(), cookbook_query("12-money-targets-above-amount").text)
    assert sorted(columns(rows, "projectName", "indicatorName", "raw", "excess")) == [
        ("乡镇残联及社区村级残联工作经费", "残疾人综合服务总成本", "≤ 2.295万元", "50"),
        ("政协工作经费", "政协工作总成本", "≤2万元/年", "3000"),
        ("浩门镇西关村、北关村、团结村党员活动室取暖费", "农牧民培训总成本", "≤5.2316万元/年", "16"),
    ]


# --- the queries over issue 17's fields, on the hand-built records --------------------------------


def test_targets_against_actuals(lenient_store: ox.Store) -> None:
    rows = run(lenient_store, cookbook_query("17-targets-against-actuals").text)
    # Oxigraph writes decimals canonically ("10", not "10.0"); the row without an assessment
    # (夜间出行安全) is not listed.
    names = ("unitName", "projectName", "indicatorName", "target", "actual", "targetNumber", "actualNumber")
    numbers = ("weight", "score", "lost", "reason")
    assert columns(rows, *names, *numbers) == [
        (TOWNSHIP, "背街小巷路灯运维经费", "路灯巡查维护数量", "6800盏", "6750盏", "6800", "6750",
         "10", "9.5", "0.5", "部分路段道路施工，暂停维护"),
        (TOWNSHIP, "背街小巷路灯运维经费", "亮灯率", "≥98%", "99%", "98", "99", "10", "10", "0", None),
        (TOWNSHIP, "背街小巷路灯运维经费", "居民满意度", "≥90%", "88%", "90", "88",
         "10", "8", "2", "老旧小区照明改造未完成"),
        (BUREAU, "青禾县农业农村局2024年部门整体支出绩效目标", "重点工作完成率", "≥95%", "96%", "95", "96",
         "20", "20", "0", None),
        (BUREAU, "青禾县农业农村局2024年部门整体支出绩效目标", "预算执行率", "≥90%", "85%", "90", "85",
         "20", "15", "5", "项目资金结转"),
    ]  # fmt: skip


def test_self_evaluation_scores_per_unit(lenient_store: ox.Store) -> None:
    rows = run(lenient_store, cookbook_query("18-self-evaluation-scores-per-unit").text)
    found = columns(rows, "unitCode", "year", "indicators", "scored", "points", "percent", "averageScore")
    # 901001: 9.5 + 10 + 8 of 30 points; 902 (whole-unit targets): 20 + 15 of 40.
    assert [(code, year, n, float(s or 0), float(p or 0), float(pc or 0), float(a or 0)) for
            code, year, n, s, p, pc, a in found] == [
        ("901001", "2024", "3", 27.5, 30.0, 91.67, 9.17),
        ("902", "2024", "2", 35.0, 40.0, 87.5, 17.5),
    ]  # fmt: skip


def test_area_targets(lenient_store: ox.Store) -> None:
    rows = run(lenient_store, cookbook_query("19-area-targets").text)
    village = IriMinter(BASE).unit(lenient_document().units[2])
    names = ("projectName", "indicatorName", "column", "area", "raw", "number", "unitText", "areaUnit")
    assert columns(rows, *names) == [
        ("村级道路硬化补助资金", "道路硬化里程", "1", "溪口村", "3公里", "3", "公里", str(village)),
        ("村级道路硬化补助资金", "道路硬化里程", "2", "鹿鸣村", "2.5公里", "2.5", "公里", None),
    ]  # fmt: skip


def test_incomplete_projects(lenient_store: ox.Store) -> None:
    rows = run(lenient_store, cookbook_query("20-incomplete-projects").text)
    assert columns(
        rows, "file", "line", "unitName", "projectName", "indicatorsRead", "lastIndicatorLine"
    ) == [
        (FILE_NAME, "31", TOWNSHIP, "村级道路硬化补助资金", "1", "33"),
    ]
