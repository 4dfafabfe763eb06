"""Ingest memory (issue 16, item 3): a 100k-row budget-system export and a ZIP bomb, each ingested
in a fresh process into a fresh store; peak RSS and wall time of that process.

    .venv/bin/python bench/ingest_memory.py [--rows 100000] [--work /tmp/jixiao-ingest-memory]
        [--replace] [--write]

- export: the synthetic corpus's townships (bench/corpus.py) as one flat-table sheet of `--rows`
  indicator rows (tests/fixtures/render.py's `flat_rows`), project cells merged down, written as
  sheet XML part by part (tests/fixtures/office_parts.py; openpyxl's full mode took minutes);
- bomb: a one-sheet workbook whose sheet XML unpacks to 1.3 GB (tests/fixtures/office_parts.py);
- `--replace`: the export ingested a second time into the same store (the staged replacement).

Goal: the export ingests with peak RSS ≤ 2 GB; the bomb is refused in under 2 s with ≤ 300 MB.
`--write` puts the figures in bench/RESULTS.md (section "ingest-memory").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fixtures.render import FlatRows  # noqa: E402

CHILD = """
import json, resource, sys, time
from pathlib import Path
from ingest.decode import IngestError
from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao.store import EmbeddedStore
path, store_dir = Path(sys.argv[1]), Path(sys.argv[2])
store = EmbeddedStore(store_dir)
start = time.perf_counter()
outcome = {}
try:
    result = ingest_file(path, store, IriMinter("https://w3id.org/jixiao/id/"))
    outcome = {"ok": True, "quads": result.quads, "indicators": result.indicators}
except IngestError as exc:
    outcome = {"ok": False, "error": str(exc)}
outcome["seconds"] = round(time.perf_counter() - start, 2)
store.close()
outcome["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(json.dumps(outcome, ensure_ascii=False))
"""


def make_export(path: Path, rows: int) -> Path:
    """A flat-table workbook of `rows` indicator rows (about 4,000 projects of 265 townships)."""
    if path.exists():
        return path
    from bench.corpus import documents
    from ingest.records import Document
    from tests.fixtures.office_parts import sheet_xml, xlsx_parts
    from tests.fixtures.render import FlatOptions, flat_rows

    projects, units = [], []
    for _name, doc in documents(seed=1, indicators=rows):
        projects.extend(doc.projects)
        units.extend(doc.units)
    total = sum(len(p.indicators) for p in projects)
    while total > rows:  # cut to `rows` exactly: drop indicators off the last project
        last = projects[-1]
        keep = max(0, len(last.indicators) - (total - rows))
        total -= len(last.indicators) - keep
        if keep:
            projects[-1] = replace(last, indicators=last.indicators[:keep])
        else:
            projects.pop()
    doc = Document(layout="flat-table", fiscal_year=None, units=units, projects=projects)
    table = flat_rows(doc, FlatOptions(title="项目支出绩效目标表"))
    xlsx_parts(sheet_xml(table, export_merges(table)), path)
    return path


def export_merges(rows: FlatRows) -> list[str]:
    """The merges the budget system writes (as tests/fixtures/render.py's `write_xlsx`): the title
    across the table, each project's cells down over its rows."""
    from openpyxl.utils import get_column_letter

    merges = []
    width = len(rows.keys)
    for r, role in enumerate(rows.roles, start=1):
        if role.kind == "title" and width > 1:
            merges.append(f"A{r}:{get_column_letter(width)}{r}")
        if role.kind == "data" and role.first:
            end = r
            while (
                end < len(rows.roles)
                and rows.roles[end].kind == "data"
                and rows.roles[end].project == role.project
            ):
                end += 1
            if end > r:
                merges.extend(
                    f"{get_column_letter(c + 1)}{r}:{get_column_letter(c + 1)}{end}"
                    for c in rows.project_columns
                )
    return merges


def make_bomb(path: Path, unpacked: int = 1_300_000_000) -> Path:
    if not path.exists():
        from tests.fixtures.office_parts import bomb_sheet, xlsx_parts

        xlsx_parts(bomb_sheet(unpacked), path)
    return path


def unpacked_size(path: Path) -> int:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist())


def ingest_in_child(path: Path, store_dir: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(store_dir)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        return {"ok": False, "error": done.stderr.strip().splitlines()[-1:], "peak_mb": None}
    outcome: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/jixiao-ingest-memory"))
    parser.add_argument(
        "--replace", action="store_true", help="ingest the export a second time (replacement)"
    )
    parser.add_argument("--write", action="store_true", help="write the section in bench/RESULTS.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    export = make_export(args.work / f"export_{args.rows}.xlsx", args.rows)
    bomb = make_bomb(args.work / "bomb.xlsx")
    print(f"made the files in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    import shutil

    results: list[tuple[str, Path, dict[str, object]]] = []
    store = args.work / "store"
    shutil.rmtree(store, ignore_errors=True)
    results.append(("bomb", bomb, ingest_in_child(bomb, args.work / "store-bomb")))
    results.append(("export", export, ingest_in_child(export, store)))
    if args.replace:
        results.append(("export again (replaces)", export, ingest_in_child(export, store)))
    lines = report(results, args)
    print("\n".join(lines))
    if args.write:
        from bench.report import write_section

        write_section("ingest-memory", "\n".join(lines))


def report(results: list[tuple[str, Path, dict[str, object]]], args: argparse.Namespace) -> list[str]:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cpu = platform.processor() or platform.machine()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    command = (
        "`.venv/bin/python bench/ingest_memory.py" + (" --replace" if args.replace else "") + " --write`"
    )
    lines = [
        f"## Ingest memory, ingest-memory ({when})",
        "",
        f"{command} on {cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM (shared with other jobs);"
        " each file ingested by `ingest_file` in a fresh process into a fresh on-disk store; peak RSS"
        " is that process's `ru_maxrss`.",
        "",
        "| file | size MB | unpacks to MB | outcome | seconds | peak RSS MB |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for label, path, outcome in results:
        if outcome.get("ok"):
            what = f"ingested: {outcome['indicators']} indicators, {outcome['quads']} triples"
        else:
            what = f"refused: {str(outcome.get('error'))[:120]}"
        lines.append(
            f"| {label} | {path.stat().st_size / 2**20:.1f} | {unpacked_size(path) / 2**20:.0f} | {what} |"
            f" {outcome.get('seconds')} | {outcome.get('peak_mb')} |"
        )
    return lines


if __name__ == "__main__":
    main()
