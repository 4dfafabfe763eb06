"""How fast each format and layout reads: the 001 sample rendered as text, XLSX, CSV, DOCX and
PDF, repeated to a few hundred projects, then read (format + layout + records, no store).

    .venv/bin/python bench/formats.py [--copies N] [--write]

The files are made by tests/fixtures/render.py from the sample's own records; each copy of the
14 projects gets its own project names, so nothing folds together. Each file is read three
times and the fastest run is reported (the others differ by the machine's noise, not the code).
"""

from __future__ import annotations

import argparse
import copy
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from any folder

from bench.load import cores, cpu_model, ram_gib  # noqa: E402
from bench.report import write_section  # noqa: E402
from ingest.pipeline import read_file  # noqa: E402
from ingest.records import Document  # noqa: E402
from tests.fixtures import render  # noqa: E402

TITLE = "2023年度部门项目支出预算绩效目标表"


def copies_of(doc: Document, n: int) -> Document:
    out = copy.deepcopy(doc)
    out.projects = [
        replace(copy.deepcopy(p), name=f"{p.name}（{k}）") for k in range(1, n + 1) for p in doc.projects
    ]
    return out


def writers() -> dict[str, tuple[str, Callable[[Document, Path], Path]]]:
    full = render.FlatOptions(title=TITLE, full=True)
    return {
        "text (form-lines)": ("txt", render.write_form_lines_text),
        "XLSX (flat-table)": ("xlsx", lambda d, p: render.write_xlsx(render.flat_rows(d, full), p)),
        "CSV (flat-table)": ("csv", lambda d, p: render.write_csv(render.flat_rows(d, full), p)),
        "DOCX (form-table)": ("docx", lambda d, p: render.write_form_docx(d, p)),
        "PDF (form-table)": ("pdf", lambda d, p: render.write_form_pdf(d, p)),
        "PDF (flat-table)": ("pdf", lambda d, p: render.write_flat_pdf(render.flat_rows(d, full), p)),
    }


def pdf_pages(path: Path) -> int | None:
    if path.suffix != ".pdf":
        return None
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=20, help="copies of the 14 projects (default 20)")
    parser.add_argument("--write", action="store_true", help="put the report into bench/RESULTS.md")
    args = parser.parse_args()
    doc = copies_of(render.load_sample(), args.copies)
    indicators = sum(len(p.indicators) for p in doc.projects)
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    command = shlex.join([".venv/bin/python", "bench/formats.py", *sys.argv[1:]])
    say("## Reading formats (issue 6)")
    say()
    say(
        f"{datetime.now(UTC):%Y-%m-%d}, `{command}`. Machine: {cpu_model()}, {cores()} cores, "
        f"{ram_gib():.0f} GiB RAM; load average {os.getloadavg()[0]:.2f} at the start."
    )
    say()
    say(
        f"The 001 sample's 14 projects × {args.copies} = {len(doc.projects)} projects, {indicators} "
        "indicators, rendered by tests/fixtures/render.py; time to read each file into records "
        "(format, layout detection, reader), fastest of 3. No store, no embedding."
    )
    say()
    say("| format (layout) | file size | pages | projects read | indicators read | seconds | indicators/s |")
    say("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for label, (suffix, write) in writers().items():
            path = write(doc, Path(tmp) / f"bench-{suffix}-{len(lines)}.{suffix}")
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                read = read_file(path)
                best = min(best, time.perf_counter() - start)
            got = read.document
            found = sum(len(p.indicators) for p in got.projects)
            pages = pdf_pages(path)
            say(
                f"| {label} | {path.stat().st_size / 1024:,.0f} KiB | {pages or '–'} | {len(got.projects)} | "
                f"{found} | {best:.2f} | {found / best:,.0f} |"
            )
    say()
    say(
        "PDF is the slow one: pdfplumber rebuilds every page's characters, lines and cells in "
        "Python. A township's file (tens of projects) still reads in seconds; a county's "
        "thousands of projects are better ingested from the export (XLSX/CSV) when there is one."
    )
    if args.write:
        write_section("formats", "\n".join(lines))


if __name__ == "__main__":
    main()
