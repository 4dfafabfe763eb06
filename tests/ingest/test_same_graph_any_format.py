"""Acceptance: the same projects read from text, Word, Excel, CSV or PDF give the same graph.

The 001 sample is read as text (form-lines), then rendered from its own records into a Word
form per project, a flat export (XLSX and CSV, with the columns a form carries) and PDF
forms, and each rendering is read back. Every project's subgraph (the project and all that
is minted under its IRI) must be isomorphic to the text's, provenance aside: the source
lines (prov:wasDerivedFrom) and the verbatim source cells (jx:sourceText) necessarily differ.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import RDF, Graph
from rdflib.compare import isomorphic
from rdflib.namespace import PROV

from ingest.graph import SourceInfo, document_graph
from ingest.iri import IriMinter
from ingest.pipeline import read_file
from ingest.records import Document
from ontology.namespace import JX
from tests.fixtures import render
from tests.ingest.test_graph_golden import readable_diff

BASE = "https://w3id.org/jixiao/id/"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
PROVENANCE = {PROV.wasDerivedFrom, JX.sourceText}
TITLE = "2023年度部门项目支出预算绩效目标表"


def project_graphs(doc: Document) -> dict[str, Graph]:
    """Project IRI -> its subgraph without provenance."""
    full = document_graph(doc, SourceInfo("any", "0" * 64, doc.layout, WHEN), IriMinter(BASE))
    graphs: dict[str, Graph] = {}
    for project in full.subjects(RDF.type, JX.Project):
        prefix = f"{project}/"
        sub = Graph()
        for s, p, o in full:
            if (s == project or str(s).startswith(prefix)) and p not in PROVENANCE:
                sub.add((s, p, o))
        graphs[str(project)] = sub
    return graphs


Renderer = Callable[[Document, Path], Path]
FULL = render.FlatOptions(full=True, title=TITLE)
RENDERINGS: dict[str, tuple[Renderer, str]] = {
    "docx": (lambda doc, path: render.write_form_docx(doc, path), "form-table"),
    "xlsx": (lambda doc, path: render.write_xlsx(render.flat_rows(doc, FULL), path), "flat-table"),
    "csv": (lambda doc, path: render.write_csv(render.flat_rows(doc, FULL), path), "flat-table"),
    "csv-gbk": (
        lambda doc, path: render.write_csv(render.flat_rows(doc, FULL), path, "gb18030"),
        "flat-table",
    ),
    # Three forms: reportlab is the slow part, and three cover page breaks and merges.
    "pdf": (lambda doc, path: render.write_form_pdf(render.head(doc, 3), path), "form-table"),
}


@pytest.fixture(scope="module")
def text_graphs(baofeng: Document) -> dict[str, Graph]:
    return project_graphs(baofeng)


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
def test_001_rendered_reads_back_to_the_same_project_graphs(
    rendering: str, baofeng: Document, text_graphs: dict[str, Graph], tmp_path: Path
) -> None:
    write, layout = RENDERINGS[rendering]
    suffix = rendering.split("-")[0]
    path = write(baofeng, tmp_path / f"001.{suffix}")
    read = read_file(path)
    assert read.reader.name == layout
    assert not read.document.warnings
    graphs = project_graphs(read.document)
    expected = 3 if rendering == "pdf" else len(baofeng.projects)
    assert len(graphs) == expected
    for iri, graph in graphs.items():
        assert iri in text_graphs, f"{iri} is not a project of the text"
        assert len(graph) > 20
        assert isomorphic(text_graphs[iri], graph), f"{rendering}: {iri}\n" + readable_diff(
            text_graphs[iri], graph
        )


def test_000_as_export_and_forms_keeps_projects(haomen: Document, tmp_path: Path) -> None:
    """000's paragraphs (numbered goals, items split out of paragraphs) survive both renderings.

    The unit's stated total and its parent code are not part of a project's subgraph and a
    flat export has no place for them, so only the projects are compared.
    """
    text = project_graphs(haomen)
    for path in (
        render.write_xlsx(
            render.flat_rows(haomen, render.FlatOptions(full=True, title=TITLE)), tmp_path / "a.xlsx"
        ),
        render.write_form_docx(haomen, tmp_path / "a.docx"),
    ):
        graphs = project_graphs(read_file(path).document)
        assert graphs.keys() == text.keys()
        for iri, graph in graphs.items():
            assert isomorphic(text[iri], graph), f"{path.name}: {iri}\n" + readable_diff(text[iri], graph)


def test_a_changed_value_is_not_isomorphic(baofeng: Document, tmp_path: Path) -> None:
    """The comparison above can fail: one edited target makes its project differ."""
    edited = render.with_placeholders(baofeng)
    graphs = project_graphs(read_file(render.write_form_docx(edited, tmp_path / "e.docx")).document)
    text = project_graphs(baofeng)
    differing = [iri for iri, graph in graphs.items() if not isomorphic(text[iri], graph)]
    assert 1 <= len(differing) <= 2
