"""Many small files (issue 16, item 4): does per-document work grow with the store?

    .venv/bin/python bench/ingest_many.py [--files 5000] [--work /tmp/jixiao-ingest-many]
        [--texts-module MODULE] [--skip-index] [--write]

Writes `--files` one-project CSV files (a project of the synthetic corpus, bench/corpus.py, cut
to 6 indicators: about 9 entries, as the issue's 8-entry example) and ingests them one by one
with `ingest_file` into a fresh store, as `jixiao ingest` does per file. Then it updates the
search index for all of them with `search.sync.sync` and a stand-in encoder (tests/fakes.py: no
model, so the figure is the reading of texts, not embedding). Reported: ingest ms per file by
thousand, the index update's seconds, and the time to read one document's texts
(`read_entries(store, graph)`, median of 20 documents) at the final store size.

`--texts-module` reads texts with another module's `read_entries` (e.g. a copy of an older
search/texts.py on PYTHONPATH) for the per-document figure, to compare before and after.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shutil
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.corpus import township, township_document  # noqa: E402
from ingest.iri import IriMinter  # noqa: E402
from ingest.pipeline import ingest_file  # noqa: E402
from ingest.records import Document  # noqa: E402
from jixiao.settings import Settings  # noqa: E402
from jixiao.store import EmbeddedStore  # noqa: E402
from search.sync import sync  # noqa: E402
from tests.fakes import FakeEncoder  # noqa: E402
from tests.fixtures.render import FlatOptions, flat_rows, write_csv  # noqa: E402

INDICATORS = 6


def write_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"{number:05d}.csv"
        paths.append(path)
        if path.exists():
            continue
        doc = township_document(2, number)
        project = replace(doc.projects[0], indicators=doc.projects[0].indicators[:INDICATORS])
        small = Document(
            layout="flat-table", fiscal_year=doc.fiscal_year, units=doc.units, projects=[project]
        )
        town = township(2, number)
        write_csv(flat_rows(small, FlatOptions(title=f"{town.year}年{town.name}项目支出绩效目标表")), path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/jixiao-ingest-many"))
    parser.add_argument("--texts-module", default="search.texts")
    parser.add_argument(
        "--skip-index", action="store_true", help="no index update (the per-document figure only)"
    )
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    paths = write_files(args.work / "files", args.files)
    data = args.work / "data"
    shutil.rmtree(data, ignore_errors=True)
    settings = Settings(data=data, embedding_cache=False)
    store = EmbeddedStore(settings.store_dir)
    minter = IriMinter(settings.base_iri)
    per_thousand: list[float] = []
    start = block = time.perf_counter()
    for n, path in enumerate(paths, 1):
        ingest_file(path, store, minter)
        if n % 1000 == 0 or n == len(paths):
            per_thousand.append((time.perf_counter() - block) * 1000 / (1000 if n % 1000 == 0 else n % 1000))
            block = time.perf_counter()
            print(f"{n} files, {per_thousand[-1]:.1f} ms/file", file=sys.stderr, flush=True)
    ingest_s = time.perf_counter() - start
    index_s = None
    if not args.skip_index:
        start = time.perf_counter()
        report = sync(store, settings, FakeEncoder)
        index_s = time.perf_counter() - start
        print(f"index: {sum(report.added.values())} entries in {index_s:.1f} s", file=sys.stderr)
    texts: Any = importlib.import_module(args.texts_module)
    graphs = [str(minter.source_document(p.name)) for p in paths[:: max(1, len(paths) // 20)]][:20]
    reads = []
    for graph in graphs:
        t = time.perf_counter()
        entries = texts.read_entries(store, graph)
        reads.append((time.perf_counter() - t) * 1000)
        assert entries, graph  # a project, its objectives, its indicators
    store.close()
    lines = report_lines(args, per_thousand, ingest_s, index_s, statistics.median(reads))
    print("\n".join(lines))
    if args.write:
        from bench.report import write_section

        write_section(f"ingest-many-{args.texts_module.rsplit('.', 1)[-1]}", "\n".join(lines))


def report_lines(
    args: argparse.Namespace,
    per_thousand: list[float],
    ingest_s: float,
    index_s: float | None,
    read_ms: float,
) -> list[str]:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    blocks = " · ".join(f"{ms:.0f}" for ms in per_thousand)
    index = f"{index_s:.0f} s" if index_s is not None else "not run"
    return [
        f"## Many small files, ingest-many ({when}, texts: `{args.texts_module}`)",
        "",
        f"`.venv/bin/python bench/ingest_many.py --files {args.files} --texts-module {args.texts_module}"
        f"{' --skip-index' if args.skip_index else ''}` on {cpu}, {os.cpu_count()} cores,"
        f" {memory:.0f} GiB RAM (shared with other jobs).",
        "",
        "| files | ingest ms per file, by thousand | ingest total s | index update (stand-in encoder) |"
        " one document's texts at the end, ms (median of 20) |",
        "|---:|---|---:|---:|---:|",
        f"| {args.files} | {blocks} | {ingest_s:.0f} | {index} | {read_ms:.1f} |",
    ]


if __name__ == "__main__":
    main()
