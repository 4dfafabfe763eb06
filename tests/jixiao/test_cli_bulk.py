"""`jixiao ingest --bulk` as a user runs it: the report, the resume, and the index after a rerun."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.corpus import write_corpus
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.jixiao.conftest import jixiao


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 1200, seed=11)
    for sample in (PARAGRAPH_TABLE, FORM_LINES):
        (folder / sample.name).write_bytes(sample.read_bytes())
    return folder


def test_bulk_ingest_reports_stages_and_resumes(data: Path, corpus: Path) -> None:
    code, out, err = jixiao(data, "ingest", "--bulk", "--json", str(corpus))
    assert code == 0, err
    first = json.loads(out)
    files = len(list(corpus.iterdir()))
    assert len(first["files"]) == files and not any(f["error"] for f in first["files"])
    assert set(first["stages"]) == {"read", "rdf", "load"} and first["stages"]["read"] > 0
    code, out, err = jixiao(data, "ingest", "--bulk", "--json", str(corpus))
    assert code == 0, err
    assert [f.get("unchanged") for f in json.loads(out)["files"]] == [True] * files
    code, out, _ = jixiao(data, "search", "群众满意度", "--json")
    assert code == 0 and json.loads(out)["hits"]  # a list of hits, not empty


def test_a_rerun_completes_an_index_left_behind(data: Path, corpus: Path) -> None:
    code, _, err = jixiao(data, "ingest", "--bulk", "--no-index", str(corpus))
    assert code == 0, err
    code, _, _ = jixiao(data, "check")
    assert code == 1  # the index is missing: what a run killed while embedding leaves
    code, _, err = jixiao(data, "ingest", "--bulk", str(corpus))
    assert code == 0, err
    assert "unchanged, skipped" not in err and "search index rebuilt" in err
    code, _, err = jixiao(data, "check")
    assert code == 0, err


def test_text_report_is_brief_in_bulk(data: Path, corpus: Path) -> None:
    code, out, err = jixiao(data, "ingest", "--bulk", "--no-index", str(corpus))
    assert code == 0, err
    files = len(list(corpus.iterdir()))
    assert f"{files} files: {files} ingested, 0 failed" in " ".join(out.split())
    assert "targets:" not in out  # no per-file blocks
    code, out, _ = jixiao(data, "ingest", "--bulk", "--no-index", str(corpus))
    assert f"{files} unchanged (skipped)" in " ".join(out.split())
