"""The example queries in ontology/README.md run and find the example project's data."""

from __future__ import annotations

import re

import pytest
import rdflib
from rdflib import Variable

from ontology import ONTOLOGY_DIR, ontology_graph

README = (ONTOLOGY_DIR / "README.md").read_text(encoding="utf-8")
QUERIES = re.findall(r"```sparql\n(.*?)```", README, flags=re.DOTALL)


@pytest.fixture(scope="module")
def store() -> rdflib.Graph:
    graph = rdflib.Graph().parse(ONTOLOGY_DIR / "examples" / "valid.ttl")
    graph += ontology_graph()
    return graph


def test_readme_has_example_queries() -> None:
    assert len(QUERIES) >= 3


@pytest.mark.parametrize("query", QUERIES, ids=[f"query{i + 1}" for i in range(len(QUERIES))])
def test_readme_query_returns_rows(store: rdflib.Graph, query: str) -> None:
    rows = list(store.query(query))
    assert rows, query


def test_cost_query_finds_the_pre_2021_cost_indicator(store: rdflib.Graph) -> None:
    rows = store.query(QUERIES[0]).bindings
    found = [tuple(str(row[Variable(name)]) for name in ("indicatorName", "raw", "yuan")) for row in rows]
    assert found == [("经费补助标准", "10万元", "100000.0")]
