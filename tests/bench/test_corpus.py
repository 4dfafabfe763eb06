"""The synthetic corpus: deterministic by seed, plausible, and ingestible by jixiao's own readers."""

from __future__ import annotations

from pathlib import Path

from bench.corpus import templates, township_document, write_corpus
from ingest.pipeline import read_file
from ingest.records import TargetKind


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    first = write_corpus(tmp_path / "a", 800, seed=3)
    write_corpus(tmp_path / "b", 800, seed=3)
    write_corpus(tmp_path / "c", 800, seed=4)

    def contents(name: str) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())}

    assert contents("a") == contents("b")
    assert contents("a") != contents("c")
    assert first.indicators >= 800
    assert first.files == len(contents("a"))


def test_every_file_reads_back_as_written(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path, 1200, seed=5)
    projects = indicators = 0
    for number, path in enumerate(sorted(tmp_path.iterdir())):
        read = read_file(path)
        assert read.reader.name == "flat-table"
        expected = township_document(5, number)
        doc = read.document
        assert doc.fiscal_year == expected.fiscal_year
        assert [p.name for p in doc.projects] == [p.name for p in expected.projects]
        assert [p.amount_wan for p in doc.projects] == [p.amount_wan for p in expected.projects]
        assert [[i.target.raw for i in p.indicators] for p in doc.projects] == [
            [i.target.raw for i in p.indicators] for p in expected.projects
        ]
        projects += len(doc.projects)
        indicators += sum(len(p.indicators) for p in doc.projects)
    assert (projects, indicators) == (corpus.projects, corpus.indicators)


def test_townships_vary_the_samples_plausibly() -> None:
    pool = {p.name for p in templates()}
    names = [p.name for n in range(5) for p in township_document(1, n).projects]
    assert any(name not in pool for name in names)  # villages and places vary the names
    assert any(name in pool for name in names)  # and most stay as the samples wrote them
    doc = township_document(1, 0)
    town = doc.units[0].name
    assert 15 <= len(doc.projects) <= 35
    assert len({p.name for p in doc.projects}) == len(doc.projects)  # names are the projects' keys
    assert not any(name in town for name in ("宝丰", "浩门"))
    for project in doc.projects:
        for indicator in project.indicators:
            target = indicator.target
            if target.kind is TargetKind.QUANTITATIVE and target.unit is not None and target.unit.text == "%":
                assert target.value is not None and target.value <= 100, indicator
