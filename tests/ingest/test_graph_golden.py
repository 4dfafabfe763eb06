"""Golden graphs: one project of each layout, as RDF, compared with a reviewed Turtle file.

After an intended change, regenerate with
`JIXIAO_REGENERATE_GOLDEN=1 pytest tests/ingest/test_graph_golden.py`
and review the diff of the .ttl files before committing it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import PROV

from ingest.graph import SourceInfo, document_graph
from ingest.iri import IriMinter
from ingest.records import Document
from ontology.namespace import JX

GOLDEN = Path(__file__).parent / "golden"
BASE = "https://w3id.org/jixiao/id/"
FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)


def project_subgraph(doc: Document, file_name: str, project_name: str) -> Graph:
    """The project, everything minted under its IRI, and the source lines it points to."""
    full = document_graph(doc, SourceInfo(file_name, "0" * 64, doc.layout, FIXED_TIME), IriMinter(BASE))
    [project] = [
        p for p in full.subjects(RDF.type, JX.Project) if str(full.value(p, RDFS.label)) == project_name
    ]
    prefix = str(project) + "/"
    sub = Graph()
    for prefix_name, namespace in full.namespaces():
        sub.bind(prefix_name, namespace)
    for s, p, o in full:
        if s == project or str(s).startswith(prefix):
            sub.add((s, p, o))
    for location in set(sub.objects(None, PROV.wasDerivedFrom)):
        assert isinstance(location, URIRef)
        for p, o in full.predicate_objects(location):
            sub.add((location, p, o))
    return sub


def readable_diff(expected: Graph, actual: Graph) -> str:
    _, missing, unexpected = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = [f"- {line}" for line in sorted(missing.serialize(format="nt").splitlines()) if line]
    lines += [f"+ {line}" for line in sorted(unexpected.serialize(format="nt").splitlines()) if line]
    return "\n".join(lines)


CASES = [
    ("haomen", "000_6042772d099d8031.txt", "党校工作经费", "paragraph-table-party-school.ttl"),
    ("baofeng", "001_c93f3a72651805c2.txt", "村干部任职补贴", "form-lines-village-cadre-allowance.ttl"),
]


@pytest.mark.parametrize(("fixture", "file_name", "project", "golden"), CASES, ids=[c[3] for c in CASES])
def test_project_graph_matches_golden(
    request: pytest.FixtureRequest, fixture: str, file_name: str, project: str, golden: str
) -> None:
    doc: Document = request.getfixturevalue(fixture)
    actual = project_subgraph(doc, file_name, project)
    path = GOLDEN / golden
    if os.environ.get("JIXIAO_REGENERATE_GOLDEN"):
        path.write_text(actual.serialize(format="turtle"), encoding="utf-8")
    expected = Graph().parse(path, format="turtle")
    assert len(actual) > 50
    assert isomorphic(expected, actual), (
        "graph differs from golden (- expected, + actual):\n" + readable_diff(expected, actual)
    )
