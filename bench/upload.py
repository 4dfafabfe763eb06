"""Upload benchmark (issue 19): one request uploading 100 files to `jixiao serve` while /api/search
is measured.

Run by hand (a few minutes: the samples are first ingested with the real default model):

    .venv/bin/python bench/upload.py [--clients 2] [--copies 9] [--write]

The server is `jixiao serve` in its own process (bench/load.py's start_server: the real model,
preloaded) over a temporary data dir holding the two samples. The 100 files are the samples'
records rendered by tests/fixtures/render.py as XLSX and CSV (flat-table), DOCX and PDF (form
table) and PDF (flat-table), each rendering `--copies` times for as many new townships (unit name
and code changed, so each copy mints its own projects), plus 10 broken files (binary, empty,
truncated XLSX and PDF, GBK prose, no known layout, a ZIP-bomb XLSX, a billion-laughs XLSX, a ZIP
bomb archive, an old .xls). They go in ONE multipart POST /api/documents.

While it is read, `--clients` connections search (/api/search, the quality benchmark's Chinese
queries in rotation, hybrid, limit 10), each sending its next query when the last is answered; the
same is measured for `--baseline` seconds before the upload. The report says whether each file's
answer is the expected one (stored with the layout and project count of its source, or an error
naming the problem) and the search latencies. --write puts it into bench/RESULTS.md ("upload").
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import io
import os
import platform
import shlex
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from any folder

from bench.load import free_port, ingest_samples, percentile, search_queries, start_server, stop_server  # noqa: E402
from bench.report import write_section  # noqa: E402
from ingest.pipeline import read_file  # noqa: E402
from ingest.records import BudgetUnit, Document  # noqa: E402
from tests.fixtures import render  # noqa: E402
from tests.fixtures.office_parts import bomb_sheet, laughs_sheet, xlsx_parts  # noqa: E402

SAMPLES = sorted((REPO / "samples").glob("*.txt"))
TITLE = "2023年度部门项目支出预算绩效目标表"
UPLOAD_TIMEOUT = 1800.0
SEARCH_TIMEOUT = 60.0


def renderings() -> dict[str, tuple[str, str, Callable[[Document, Path], Path]]]:
    """name -> (suffix, the layout jixiao should detect, writer)."""
    full = render.FlatOptions(title=TITLE, full=True)
    return {
        "xlsx": ("xlsx", "flat-table", lambda d, p: render.write_xlsx(render.flat_rows(d, full), p)),
        "csv": ("csv", "flat-table", lambda d, p: render.write_csv(render.flat_rows(d, full), p)),
        "docx": ("docx", "form-table", lambda d, p: render.write_form_docx(d, p)),
        "pdf-form": ("pdf", "form-table", lambda d, p: render.write_form_pdf(d, p)),
        "pdf-flat": ("pdf", "flat-table", lambda d, p: render.write_flat_pdf(render.flat_rows(d, full), p)),
    }


def township_copy(doc: Document, k: int) -> Document:
    """The document moved to a township of its own: units renamed and recoded, projects follow."""
    out = copy.deepcopy(doc)
    moved: dict[int, BudgetUnit] = {}

    def move(unit: BudgetUnit) -> BudgetUnit:
        if id(unit) not in moved:
            code = f"9{k:02d}{unit.code}" if unit.code else None
            moved[id(unit)] = replace(unit, name=f"上传{k:02d}{unit.name}", code=code)
        return moved[id(unit)]

    out.units = [move(u) for u in out.units]
    out.projects = [replace(p, unit=move(p.unit)) for p in out.projects]
    out.unit_totals = [replace(t, unit=move(t.unit)) for t in out.unit_totals]
    return out


@dataclass
class Expected:
    layout: str | None  # None: an error is expected
    projects: int = 0
    error: str = ""  # a word the error must hold


def broken_files(folder: Path) -> dict[str, Expected]:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.txt", b"\t" * (300 * 1024 * 1024))
    xlsx = next(folder.glob("*.xlsx")).read_bytes()
    pdf = next(folder.glob("*.pdf")).read_bytes()
    files: dict[str, tuple[bytes, Expected]] = {
        "broken-binary.txt": (os.urandom(4096) + b"\x00" * 64, Expected(None, error="binary")),
        "broken-binary2.docx": (b"\x00\x01\x02\x03" * 1000, Expected(None, error="binary")),
        "broken-empty.csv": (b"", Expected(None, error="empty")),
        "broken-truncated.xlsx": (xlsx[: len(xlsx) // 2], Expected(None, error="ZIP")),
        "broken-truncated.pdf": (pdf[: len(pdf) // 2], Expected(None, error="truncated")),
        "broken-gbk-prose.txt": (
            "这只是一段说明文字，不是绩效目标表。\n".encode("gbk") * 30,
            Expected(None, error="layout"),
        ),
        "broken-bomb.xlsx": (xlsx_parts(bomb_sheet(60 * 1024 * 1024)), Expected(None, error="ZIP bomb")),
        "broken-laughs.xlsx": (xlsx_parts(laughs_sheet()), Expected(None, error="entities")),
        "broken-bomb.zip": (archive.getvalue(), Expected(None, error="ZIP bomb")),
        "broken-old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), Expected(None, error=".xls")),
    }
    expected = {}
    for name, (content, want) in files.items():
        (folder / name).write_bytes(content)
        expected[name] = want
    return expected


def make_files(folder: Path, copies: int) -> dict[str, Expected]:
    expected: dict[str, Expected] = {}
    for sample in SAMPLES:
        doc = read_file(sample).document
        for k in range(1, copies + 1):
            moved = township_copy(doc, k)
            for kind, (suffix, layout, write) in renderings().items():
                path = folder / f"{sample.stem[:3]}-{kind}-上传{k:02d}.{suffix}"
                write(moved, path)
                expected[path.name] = Expected(layout, projects=len(moved.projects))
    expected.update(broken_files(folder))
    return expected


@dataclass
class Searches:
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: list[str] = field(default_factory=list)


async def search_until(url: str, queries: list[str], clients: int, stop: asyncio.Event) -> Searches:
    found = Searches()

    async def worker(number: int) -> None:
        turn = number
        async with httpx.AsyncClient(base_url=url, timeout=SEARCH_TIMEOUT) as client:
            while not stop.is_set():
                started = time.perf_counter()
                try:
                    answer = await client.get(
                        "/api/search", params={"q": queries[turn % len(queries)], "limit": 10}
                    )
                    if answer.status_code != 200 or "hits" not in answer.json():
                        found.errors.append(f"{answer.status_code} {answer.text[:100]}")
                except httpx.HTTPError as exc:
                    found.errors.append(f"{type(exc).__name__}: {exc}")
                found.latencies.append(time.perf_counter() - started)
                turn += clients

    await asyncio.gather(*(worker(n) for n in range(clients)))
    return found


async def baseline(url: str, queries: list[str], clients: int, seconds: float) -> Searches:
    stop = asyncio.Event()
    task = asyncio.create_task(search_until(url, queries, clients, stop))
    await asyncio.sleep(seconds)
    stop.set()
    return await task


async def upload_while_searching(
    url: str, folder: Path, queries: list[str], clients: int
) -> tuple[float, dict[str, Any], Searches]:
    stop = asyncio.Event()
    searching = asyncio.create_task(search_until(url, queries, clients, stop))
    names = sorted(p.name for p in folder.iterdir())
    files = [("files", (name, (folder / name).read_bytes(), "application/octet-stream")) for name in names]
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, timeout=UPLOAD_TIMEOUT) as client:
        answer = await client.post("/api/documents", files=files)
    took = time.perf_counter() - started
    stop.set()
    found = await searching
    if answer.status_code != 200:
        raise RuntimeError(f"upload: {answer.status_code} {answer.text[:500]}")
    return took, answer.json(), found


def judge(expected: dict[str, Expected], reports: list[dict[str, Any]]) -> list[str]:
    """What differs from the expected answer, one line per file (empty: every answer is right)."""
    problems = []
    by_file = {r["file"]: r for r in reports}
    for name, want in sorted(expected.items()):
        got = by_file.get(name)
        if got is None:
            problems.append(f"{name}: no report")
        elif want.layout is None:
            if not got.get("error") or want.error.lower() not in got["error"].lower():
                problems.append(f"{name}: expected an error naming {want.error!r}, got {got.get('error')!r}")
        elif (
            not got.get("stored") or got.get("layout") != want.layout or got.get("projects") != want.projects
        ):
            problems.append(
                f"{name}: expected {want.layout} with {want.projects} projects, got"
                f" {got.get('layout')} / {got.get('projects')} / {got.get('error')}"
            )
    return problems


def summary(searches: Searches) -> str:
    lat = [1000 * s for s in searches.latencies]
    if not lat:
        return "no search answered"
    return (
        f"{len(lat)} searches, p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms,"
        f" max {max(lat):.0f} ms, errors {len(searches.errors)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=2, help="concurrent search clients")
    parser.add_argument(
        "--copies", type=int, default=9, help="townships per rendering (2 samples × 5 × copies)"
    )
    parser.add_argument("--baseline", type=float, default=20.0, help="seconds of search before the upload")
    parser.add_argument("--write", action="store_true", help="write the report into bench/RESULTS.md")
    args = parser.parse_args()
    command = shlex.join([".venv/bin/python", "bench/upload.py", *sys.argv[1:]])
    queries = search_queries()
    load_average = os.getloadavg()  # the machine may be shared: say how busy it was
    with tempfile.TemporaryDirectory(prefix="jixiao-upload-bench-") as scratch:
        folder = Path(scratch) / "files"
        folder.mkdir()
        started = time.perf_counter()
        expected = make_files(folder, args.copies)
        made_s = time.perf_counter() - started
        sizes = sum(p.stat().st_size for p in folder.iterdir())
        data = Path(scratch) / "data"
        ingest_s = ingest_samples(data)
        log_path = Path(scratch) / "server.log"
        with log_path.open("wb") as log:
            server = start_server(data, free_port(), log, log_path)
            try:
                before = asyncio.run(baseline(server.url, queries, args.clients, args.baseline))
                took, answer, during = asyncio.run(
                    upload_while_searching(server.url, folder, queries, args.clients)
                )
                health = httpx.get(server.url + "/health", timeout=30).json()
            finally:
                stop_server(server.process)
    problems = judge(expected, answer["files"])
    good = sum(1 for w in expected.values() if w.layout is not None)
    p95 = percentile([1000 * s for s in during.latencies], 95) if during.latencies else float("nan")
    lines = [
        f"Measured {datetime.now().strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores;"
        f" `{command}`. Load average at start (1/5/15 min):"
        f" {' / '.join(f'{x:.2f}' for x in load_average)}; the searches and the server share the cores.",
        "",
        f"- files: {len(expected)} in one POST /api/documents ({sizes / 1024 / 1024:.1f} MB):"
        f" {good} renderings of the 2 samples (XLSX, CSV, DOCX form, PDF form, PDF flat; {args.copies}"
        f" townships each), {len(expected) - good} broken ones; made in {made_s:.0f} s",
        f"- server: `jixiao serve` (real default model) over the 2 samples (ingested in {ingest_s:.0f} s)",
        f"- the upload answered in {took:.1f} s: {answer['stored']} stored, {answer['failed']} failed;"
        f" answers as expected: {len(expected) - len(problems)}/{len(expected)}"
        + ("" if not problems else "; differences: " + "; ".join(problems[:5])),
        f"- after: {health['documents']} documents, {health['search']['entries']} index entries,"
        f" index warnings {health['search']['warnings']}",
        f"- /api/search before the upload ({args.baseline:g} s, {args.clients} clients): {summary(before)}",
        f"- /api/search while the upload was read ({took:.0f} s, {args.clients} clients): {summary(during)}",
        f"- p95 while uploading: {p95:.0f} ms ({'below' if p95 < 500 else 'ABOVE'} the 500 ms target)",
    ]
    text = "## Upload (issue 19)\n\n" + "\n".join(lines) + "\n"
    print(text)
    if args.write:
        write_section("upload", text)
        print("written to bench/RESULTS.md (section upload)", file=sys.stderr)
    return 1 if problems or during.errors else 0


if __name__ == "__main__":
    sys.exit(main())
