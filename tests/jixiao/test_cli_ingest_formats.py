"""`jixiao ingest` on what staff actually hold: a folder of Excel, CSV, Word, PDF and text files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import RDF, RDFS

from ingest.iri import IriMinter
from jixiao.settings import load_settings
from jixiao.store import open_store
from ontology.namespace import JX
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.fixtures import render
from tests.jixiao.conftest import jixiao

TITLE = "2023年度部门项目支出预算绩效目标表"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A township's folder: the export, a Word copy, a PDF, a CSV, a scan, a note, a lock file."""
    root = tmp_path_factory.mktemp("mixed")
    baofeng = render.load_sample(FORM_LINES)
    haomen = render.load_sample(PARAGRAPH_TABLE)
    render.write_xlsx(render.flat_rows(haomen, render.FlatOptions(title=TITLE)), root / "浩门镇导出.xlsx")
    render.write_form_docx(render.with_placeholders(baofeng), root / "宝丰镇.docx")
    (root / "pdf").mkdir()
    render.write_form_pdf(render.head(render.tree_2021(baofeng), 2), root / "pdf" / "宝丰镇-2021树.pdf")
    render.write_scanned_pdf(root / "pdf" / "扫描件.pdf")
    render.write_csv(
        render.flat_rows(render.head(baofeng, 2), render.FlatOptions(title=TITLE)),
        root / "export-gbk.csv",
        "gb18030",
    )
    (root / "说明.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(100))
    (root / "~$浩门镇导出.xlsx").write_bytes(b"lock")
    (root / "notes.txt").write_text("会议纪要\n今天讨论了预算。\n", encoding="utf-8")
    return root


def test_mixed_folder_reports_each_file(folder: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out, err = jixiao(data, "ingest", "--no-index", "--json", str(folder))
    assert code == 2  # two files failed; the others are stored
    report = json.loads(out)
    by_name = {Path(str(f["file"])).name: f for f in report["files"] if not f.get("skipped")}
    assert set(by_name) == {
        "浩门镇导出.xlsx",
        "宝丰镇.docx",
        "宝丰镇-2021树.pdf",
        "扫描件.pdf",
        "export-gbk.csv",
        "notes.txt",
    }
    expected = {
        "浩门镇导出.xlsx": ("flat-table", "xlsx", 28, 349),
        "宝丰镇.docx": ("form-table", "docx", 14, 111),
        "宝丰镇-2021树.pdf": ("form-table", "pdf", 2, 17),  # 2021 adds 社会/生态环境成本
        "export-gbk.csv": ("flat-table", "gb18030", 2, 15),
    }
    for name, (layout, fmt, projects, indicators) in expected.items():
        entry = by_name[name]
        assert (entry["layout"], entry["format"], entry["projects"], entry["indicators"]) == (
            layout,
            fmt,
            projects,
            indicators,
        ), name
    assert by_name["宝丰镇.docx"]["targets"]["unparsed"] == 3  # the placeholders ≥**株, XX, ≥**%
    assert "no text layer" in str(by_name["扫描件.pdf"]["error"])
    assert "unknown layout" in str(by_name["notes.txt"]["error"])
    # An Office lock file is listed as skipped with its reason, not passed over in silence (issue 16).
    skipped = [(f["name"], f["skipped"]) for f in report["files"] if f.get("skipped")]
    assert skipped == [("~$浩门镇导出.xlsx", "an Office lock file"), ("说明.jpg", "not a table")]
    assert (report["stored"], report["failed"], report["skipped"]) == (len(expected), 2, 2)
    assert "扫描件.pdf: no text layer" in err


def test_mixed_folder_text_report(folder: Path, tmp_path: Path) -> None:
    code, out, _ = jixiao(tmp_path / "data", "ingest", "--no-index", str(folder))
    assert code == 2
    assert "6 files: 4 ingested, 2 failed" in " ".join(out.split())
    assert "flat-table, xlsx" in out and "form-table, pdf" in out
    assert "skipped 1 file(s) that are not tables: 说明.jpg" in out


def test_stored_graph_has_the_new_facts(tmp_path: Path) -> None:
    """Weights, directions and medium-term targets reach the store, under the ontology's terms."""
    doc = render.with_medium_term(render.with_weights_and_directions(render.load_sample(FORM_LINES)))
    path = render.write_xlsx(
        render.flat_rows(doc, render.FlatOptions(title=TITLE, full=True, medium_term=True)),
        tmp_path / "m.xlsx",
    )
    data = tmp_path / "data"
    code, _, err = jixiao(data, "ingest", "--no-index", str(path))
    assert code == 0, err
    settings = load_settings(data)
    store = open_store(settings)
    try:
        graph = store.dataset()
        assert len(set(graph.subjects(RDF.type, JX.MediumTermObjective))) == 14
        assert len(set(graph.subject_objects(JX.mediumTermTarget))) == 111
        assert len(set(graph.subject_objects(JX.weight))) == 111
        assert set(graph.objects(None, JX.direction)) == {JX.positive, JX.negative}
        # Source locations say where in the workbook: sheet and row.
        minter = IriMinter(settings.base_iri)
        location = minter.source_line("m.xlsx", 3)
        assert "sheet '绩效目标' row 3" in {str(o) for o in graph.objects(location, RDFS.label)}
    finally:
        store.close()
    code, out, _ = jixiao(data, "validate")
    assert code == 0, out


def test_forced_layout_on_a_binary_file(tmp_path: Path) -> None:
    path = render.write_form_docx(render.head(render.load_sample(FORM_LINES), 1), tmp_path / "a.docx")
    code, _, err = jixiao(tmp_path / "data", "ingest", "--no-index", "--layout", "form-lines", str(path))
    assert code == 2
    assert "layout form-lines reads text files; this is a docx file" in err
    code, out, err = jixiao(tmp_path / "data", "ingest", "--no-index", "--layout", "form-table", str(path))
    assert code == 0, err
    assert "form-table, docx" in out


BAD_BINARIES: list[tuple[str, bytes, str]] = [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "save it as .xlsx"),
    ("cut.xlsx", b"PK\x03\x04" + bytes(60), "damaged or truncated ZIP"),
    ("odt.docx", b"PK\x03\x04", "damaged or truncated ZIP"),
    ("cut.pdf", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "not a readable PDF"),
]


@pytest.mark.parametrize(("name", "content", "problem"), BAD_BINARIES, ids=[b[0] for b in BAD_BINARIES])
def test_bad_binary_is_refused_and_store_unchanged(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    data = tmp_path / "data"
    code, _, err = jixiao(data, "ingest", "--no-index", str(FORM_LINES))
    assert code == 0, err
    bad = tmp_path / name
    bad.write_bytes(content)
    code, _, err = jixiao(data, "ingest", "--no-index", str(bad))
    assert code == 2
    assert f"{name}: {problem}" in " ".join(err.split()) or problem in err
    code, out, _ = jixiao(data, "stats")
    assert "001_c93f3a72651805c2.txt" in out


def test_truncated_workbook_of_real_content(tmp_path: Path) -> None:
    path = render.write_xlsx(render.flat_rows(render.load_sample(FORM_LINES)), tmp_path / "full.xlsx")
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    code, _, err = jixiao(tmp_path / "data", "ingest", "--no-index", str(cut))
    assert code == 2
    assert "cut.xlsx" in err and ("ZIP" in err or "workbook" in err)


def test_same_file_name_twice_in_one_run(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        shutil.copy(FORM_LINES, tmp_path / sub / "same.txt")
    code, _, err = jixiao(tmp_path / "data", "ingest", "--no-index", str(tmp_path / "a"), str(tmp_path / "b"))
    assert code == 2
    assert "same file name as" in err and "rename one" in err


def test_the_same_table_in_a_second_file_is_pointed_out(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, _, err = jixiao(data, "ingest", "--no-index", str(FORM_LINES))
    assert code == 0, err
    copy = render.write_form_docx(render.head(render.load_sample(FORM_LINES), 2), tmp_path / "宝丰镇.docx")
    code, out, _ = jixiao(data, "ingest", "--no-index", str(copy))
    assert code == 0
    assert "2 of its 2 projects are also in 001_c93f3a72651805c2.txt" in " ".join(out.split())
    code, out, _ = jixiao(data, "ingest", "--no-index", str(copy))  # replacing itself is no copy
    assert "also in 宝丰镇.docx" not in out
    assert "warnings 1" in out and "also in 001_c93f3a72651805c2.txt" in " ".join(out.split())
