"""The cookbook on three engines, same quads, one run (issue 21 item 4): embedded Oxigraph
(pyoxigraph, as jixiao's store), Oxigraph server (`oxigraph serve`) and Virtuoso Open Source 7.

1. The corpus (bench/corpus.py, seed 1) read by jixiao's own reader and turned into jixiao's
   quads exactly as `jixiao ingest --bulk` does, plus the ontology's graph, written once as one
   N-Quads file (cached in the work folder);
2. the same file loaded into each engine, timed, and its size on disk taken:
   - embedded: pyoxigraph's bulk loader (`Store.bulk_load`, what `--bulk` uses);
   - Oxigraph server: `oxigraph load --location` (the same bulk loader, from its executable),
     then `oxigraph serve --union-default-graph`;
   - Virtuoso: its bulk loader (`ld_dir` + `rdf_loader_run()` + `checkpoint`, the file in a
     folder of `DirsAllowed`), in a scratch database started by tests/fixtures/virtuoso.py with
     NumberOfBuffers / MaxDirtyBuffers set for ~5 GB of page cache (`--buffers`);
3. every cookbook query (ontology/queries) and the same queries scoped to single documents
   (`default-graph-uri`, as bench/scoped_sparql.py), interleaved: query 1 on each engine, then
   query 2 … Each run is capped (`--cap`): embedded in a child process killed at the cap;
   Oxigraph server by the client's timeout (the server is restarted, it cannot stop a query);
   Virtuoso by its own `timeout` parameter, whose cut shows as `X-SQL-State: S1TAT`
   (jixiao.virtuoso.server_cut). A cut is reported as "> cap s (cut)", never as a time;
4. the row counts compared between engines where none was cut.

    .venv/bin/python bench/engines.py --indicators 100000 [--cap 60] [--write]

Everything is written under --work (default /tmp/jixiao-engines); the stores are deleted at the
end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import pickle
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SEED = 1
WORK = Path("/tmp/jixiao-engines")
BUFFERS = 680_000  # Virtuoso's 8 KB pages: ~5.3 GB (its virtuoso.ini's advice for 8 GB of RAM)
REPEATS = 3  # runs per query and engine when a run takes under FAST_S
FAST_S = 2.0
SCOPED_DOCUMENTS = 3
NATIONAL = 15_000_000
# Virtuoso's other way of stopping a query at its time limit (seen at 1M): a 500, not an S1TAT answer.
TIMED_OUT = "Transaction timed out"
INGESTED_AT = datetime(2026, 1, 1, tzinfo=UTC)  # fixed: the same seed gives the same quads


# --- 1. the quads ---------------------------------------------------------------------------------


def _township_nquads(number: int) -> tuple[str, int]:
    """One township's file as `jixiao ingest --bulk` turns it into quads (CSV written and read back
    by jixiao's reader, so its provenance triples are the real ones); its indicators."""
    from bench.corpus import township, township_document
    from ingest.graph import SourceInfo, document_ntriples
    from ingest.iri import IriMinter
    from ingest.pipeline import read_file
    from tests.fixtures.render import FlatOptions, flat_rows, write_csv

    doc = township_document(SEED, number)
    town = township(SEED, number)
    name = f"{number:06d}_{town.county}{town.name}_{town.year}.csv"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        unit = doc.units[0].name
        write_csv(flat_rows(doc, FlatOptions(title=f"{doc.fiscal_year}年{unit}项目支出绩效目标表")), path)
        read = read_file(path)
    source = SourceInfo(name, read.sha256, read.reader.name, INGESTED_AT, read.source.locations())
    triples = document_ntriples(read.document, source, IriMinter("https://w3id.org/jixiao/id/"))
    return triples.content_nquads() + triples.marker_nquads(), sum(len(p.indicators) for p in doc.projects)


def ontology_nquads() -> str:
    from jixiao.store_interface import ONTOLOGY_GRAPH, ontology_terms

    suffix = f" <{ONTOLOGY_GRAPH}> .\n"
    lines = ontology_terms().serialize(format="nt").splitlines()
    return "".join(line[:-2] + suffix for line in lines if line.strip())


@dataclass
class Quads:
    path: Path
    documents: int
    indicators: int
    quads: int
    seconds: float


def write_quads(work: Path, indicators: int, processes: int) -> Quads:
    """The corpus's N-Quads (townships until `indicators` are reached, as bench/corpus.py cuts it)."""
    folder = work / f"nq-{indicators}"
    stamp = folder / "done.json"
    if stamp.exists():
        saved = json.loads(stamp.read_text())
        return Quads(folder / "corpus.nq", saved["documents"], saved["indicators"], saved["quads"],
                     saved["seconds"])  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "corpus.nq"
    start = time.perf_counter()
    documents = total = quads = 0

    with path.open("w", encoding="utf-8") as out, multiprocessing.Pool(processes) as pool:
        text = ontology_nquads()
        out.write(text)
        quads += text.count("\n")
        batch = 32 * processes  # townships per round: at most one round's work beyond the need
        number = 0
        while total < indicators:
            for text, count in pool.map(_township_nquads, range(number, number + batch), chunksize=4):
                if total >= indicators:
                    break
                out.write(text)
                quads += text.count("\n")
                documents += 1
                total += count
            number += batch
    seconds = time.perf_counter() - start
    stamp.write_text(json.dumps({"documents": documents, "indicators": total, "quads": quads,
                                 "seconds": seconds}))  # fmt: skip
    return Quads(path, documents, total, quads, seconds)


# --- 2. the engines --------------------------------------------------------------------------------


@dataclass
class Run:
    """One query on one engine: milliseconds per run, the rows, or the cut."""

    ms: list[float] = field(default_factory=list)
    rows: int | None = None
    cut: bool = False
    error: str | None = None

    def cell(self, cap: float) -> str:
        if self.error is not None and TIMED_OUT in self.error:
            return f"> {cap:g} s (cut: SR171 {TIMED_OUT})"
        if self.error is not None:
            return f"error: {self.error[:80]}"
        if self.cut:
            return f"> {cap:g} s (cut)"
        return f"{statistics.median(self.ms):,.0f}" if self.ms else "-"


def _worker(folder: str) -> None:
    """The embedded engine's child: pyoxigraph's store read-only, as jixiao's /sparql queries it;
    for each (query, default graphs) read from stdin: (ms, rows) or (None, error) on stdout."""
    import pyoxigraph as ox

    store = ox.Store.read_only(folder)
    while True:
        try:
            text, graphs = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        start = time.perf_counter()
        try:
            if graphs:
                answer = store.query(text, default_graph=[ox.NamedNode(g) for g in graphs])
            else:
                answer = store.query(text, use_default_graph_as_union=True)
            rows = sum(1 for _ in answer) if isinstance(answer, ox.QuerySolutions) else 1
            reply: tuple[float | None, int | str] = ((time.perf_counter() - start) * 1000, rows)
        except (SyntaxError, OSError, ValueError) as exc:
            reply = (None, str(exc))
        pickle.dump(reply, sys.stdout.buffer)
        sys.stdout.buffer.flush()


class Embedded:
    name = "Oxigraph embedded (pyoxigraph)"

    def __init__(self, folder: Path, cap: float) -> None:
        self.folder, self.cap = folder, cap
        self.child: subprocess.Popen[bytes] | None = None

    def load(self, quads: Path) -> float:
        import pyoxigraph as ox

        start = time.perf_counter()
        store = ox.Store(str(self.folder))
        store.bulk_load(path=str(quads), format=ox.RdfFormat.N_QUADS)
        store.flush()
        seconds = time.perf_counter() - start
        del store
        return seconds

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, __file__, "--worker", str(self.folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def run(self, text: str, graphs: list[str]) -> tuple[float | None, int | str | None]:
        """(ms, rows), (None, error), or (None, None) when cut at the cap."""
        if self.child is None:
            self.child = self._start()
        assert self.child.stdin is not None and self.child.stdout is not None
        pickle.dump((text, graphs), self.child.stdin)
        self.child.stdin.flush()
        import threading

        timer = threading.Timer(self.cap, self.child.kill)
        timer.start()
        try:
            reply: tuple[float | None, int | str] = pickle.load(self.child.stdout)
        except EOFError:
            self.child.wait()
            self.child = None
            return None, None
        finally:
            timer.cancel()
        return reply

    def stop(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child.wait()


class OxigraphHttp:
    name = "Oxigraph server"

    def __init__(self, folder: Path, cap: float) -> None:
        self.folder, self.cap = folder, cap
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def load(self, quads: Path) -> float:
        start = time.perf_counter()
        subprocess.run([_oxigraph(), "load", "--location", str(self.folder), "--file", str(quads)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        return time.perf_counter() - start

    def start(self) -> None:
        import httpx

        from tests.fixtures.virtuoso import free_port

        port = free_port()
        self.url = f"http://127.0.0.1:{port}/query"
        # Read-only (the store may be the embedded engine's, opened read-only too), its own cap.
        self.process = subprocess.Popen(
            [_oxigraph(), "serve-read-only", "--location", str(self.folder), "--bind", f"127.0.0.1:{port}",
             "--union-default-graph", "--timeout-s", str(int(self.cap))],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("oxigraph serve-read-only did not start")

    def run(self, text: str, graphs: list[str]) -> tuple[float | None, int | str | None]:
        import httpx

        if self.process is None or self.process.poll() is not None:
            self.start()
        start = time.perf_counter()
        try:
            response = httpx.post(
                self.url,
                data={"query": text, "default-graph-uri": graphs},
                headers={"Accept": "application/sparql-results+json"},
                timeout=self.cap + 5,
            )
        except httpx.TimeoutException:
            self.stop()  # it went on past its own cap: restarted for the next query
            return None, None
        ms = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            if ms >= self.cap * 1000 * 0.95:
                return None, None  # its --timeout-s
            return None, f"{response.status_code} {response.text[:200]}"
        try:
            return ms, len(response.json()["results"]["bindings"])
        except ValueError:
            # Its --timeout-s, met while streaming: a 200 whose body breaks off.
            if ms >= self.cap * 1000 * 0.95:
                return None, None
            raise

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


class Virtuoso:
    name = "Virtuoso 7"

    def __init__(self, folder: Path, cap: float, quads_folder: Path, buffers: int) -> None:
        from tests.fixtures.virtuoso import VirtuosoServer

        self.cap = cap
        self.server = VirtuosoServer(folder, max_rows=5_000_000, max_seconds=int(cap), buffers=buffers,
                                     dirs_allowed=quads_folder)  # fmt: skip

    def load(self, quads: Path) -> float:
        start = time.perf_counter()
        self.server.bulk_load(quads.parent, quads.name)
        return time.perf_counter() - start

    def run(self, text: str, graphs: list[str]) -> tuple[float | None, int | str | None]:
        import httpx

        from jixiao import virtuoso

        start = time.perf_counter()
        try:
            response = httpx.post(
                f"{self.server.url}/sparql",
                data={"query": text, "timeout": str(int(self.cap * 1000)), "maxrows": "5000000",
                      "default-graph-uri": graphs},
                headers={"Accept": virtuoso.SELECT_ACCEPT},  # as jixiao asks it (XML: faster than JSON)
                timeout=self.cap * 2 + 10,
            )  # fmt: skip
        except httpx.TimeoutException:
            return None, None
        ms = (time.perf_counter() - start) * 1000
        if virtuoso.server_cut(response) is not None or (
            response.status_code == 500 and "S1TAT" in response.text[-2000:]
        ):
            return None, None  # X-SQL-State: S1TAT, what jixiao reports as X-Jixiao-Cut: time
        if response.status_code != 200:
            return None, f"{response.status_code} {' '.join(response.text[:300].split())}"
        import io

        import pyoxigraph as ox

        answer = io.BytesIO(virtuoso.normalise_xml(response.content))
        return ms, sum(1 for _ in ox.parse_query_results(answer, ox.QueryResultsFormat.XML))  # type: ignore[union-attr]

    def stop(self) -> None:
        self.server.stop()


def _oxigraph() -> str:
    found = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if found is None:
        raise SystemExit("the `oxigraph` executable is missing: pip install oxigraph==0.5.13 (dev extras)")
    return found


def disk_mb(folder: Path, pattern: str = "*") -> float:
    return sum(p.stat().st_size for p in folder.rglob(pattern) if p.is_file()) / 2**20


# --- 3. the queries --------------------------------------------------------------------------------


def timed_runs(engine: Any, text: str, graphs: list[str]) -> Run:
    run = Run()
    for _ in range(REPEATS):
        ms, got = engine.run(text, graphs)
        if ms is None and got is None:
            return Run(cut=True)
        if ms is None:
            return Run(error=str(got))
        assert isinstance(got, int)
        run.ms.append(ms)
        run.rows = got
        if ms > FAST_S * 1000:
            break
    return run


def documents_chosen(folder: Path) -> list[str]:
    import pyoxigraph as ox

    from ontology.namespace import JX

    store = ox.Store.read_only(str(folder))
    found = store.query(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g a <{JX.SourceDocument}> }} }}")
    assert isinstance(found, ox.QuerySolutions)
    names = sorted(str(row["g"].value) for row in found)
    del store
    return random.Random(SEED).sample(names, min(SCOPED_DOCUMENTS, len(names)))


@dataclass
class Result:
    indicators: int
    quads: int
    documents: int
    command: str
    machine: str
    cap: float
    cap_virtuoso: float
    buffers: int
    quads_s: float
    engines: list[str]
    load_s: dict[str, float | None]
    disk_mb: dict[str, float]
    notes: list[str]
    cookbook: dict[str, dict[str, dict[str, Any]]]  # query -> engine -> Run as dict
    scoped: dict[str, dict[str, dict[str, Any]]]
    others_cpu: float
    load_average: str
    minutes: float


def measure(args: argparse.Namespace) -> Result:
    from bench.speed import CpuShare, machine_line, say

    began = time.perf_counter()
    cpu = CpuShare()
    quads = write_quads(args.work, args.indicators, args.processes)
    say(f"quads: {quads}")
    where = args.work / f"stores-{args.indicators}"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    notes: list[str] = []
    embedded = Embedded(where / "embedded", args.cap_oxigraph)
    server = OxigraphHttp(where / "oxigraph-server", args.cap_oxigraph)
    load_s: dict[str, float | None] = {}
    disk: dict[str, float] = {}
    if args.virtuoso_only:
        return measure_virtuoso(args, quads, where, began, cpu)
    load_s[embedded.name] = embedded.load(quads.path)
    disk[embedded.name] = disk_mb(embedded.folder)
    say(f"embedded loaded in {load_s[embedded.name]:.0f} s, {disk[embedded.name]:.0f} MB")
    if args.share_oxigraph_store:
        server.folder = embedded.folder
        load_s[server.name] = None
        disk[server.name] = disk[embedded.name]
        notes.append(
            "Oxigraph server served the embedded engine's store (`oxigraph serve-read-only`): the same "
            "files and the same bulk loader (`oxigraph load` is pyoxigraph's bulk loader in the executable; "
            "at 100k both loads were timed), so it was not loaded a second time."
        )
    else:
        load_s[server.name] = server.load(quads.path)
        disk[server.name] = disk_mb(server.folder)
        say(f"oxigraph server loaded in {load_s[server.name]:.0f} s, {disk[server.name]:.0f} MB")
    server.start()
    virtuoso = Virtuoso(where / "virtuoso", args.cap_virtuoso, quads.path.parent, args.buffers)
    engines: list[Any] = [embedded, server, virtuoso]
    cookbook_runs: dict[str, dict[str, dict[str, Any]]] = {}
    scoped_runs: dict[str, dict[str, dict[str, Any]]] = {}
    try:
        load_s[virtuoso.name] = virtuoso.load(quads.path)
        disk[virtuoso.name] = virtuoso.server.disk_bytes() / 2**20
        say(f"virtuoso loaded in {load_s[virtuoso.name]:.0f} s, {disk[virtuoso.name]:.0f} MB")
        chosen = documents_chosen(embedded.folder)
        caps = {embedded.name: args.cap_oxigraph, server.name: args.cap_oxigraph,
                virtuoso.name: args.cap_virtuoso}  # fmt: skip
        cookbook_runs, scoped_runs = run_queries(engines, chosen, caps)
    finally:
        for engine in engines:
            engine.stop()
        if not args.keep:
            shutil.rmtree(where, ignore_errors=True)
    load = os.getloadavg()
    return Result(
        indicators=quads.indicators, quads=quads.quads, documents=quads.documents,
        command=".venv/bin/python bench/engines.py " + " ".join(sys.argv[1:]), machine=machine_line(),
        cap=args.cap_oxigraph, cap_virtuoso=args.cap_virtuoso, buffers=args.buffers, quads_s=quads.seconds,
        engines=[e.name for e in engines], load_s=load_s, disk_mb=disk, notes=notes,
        cookbook=cookbook_runs, scoped=scoped_runs, others_cpu=cpu.others(),
        load_average=" / ".join(f"{x:.2f}" for x in load), minutes=(time.perf_counter() - began) / 60,
    )  # fmt: skip


def run_queries(
    engines: list[Any], chosen: list[str], caps: dict[str, float]
) -> tuple[dict[str, dict[str, dict[str, Any]]], dict[str, dict[str, dict[str, Any]]]]:
    """Every cookbook query on each engine in turn (interleaved), then each scoped to `chosen`."""
    from bench.speed import say
    from jixiao.store_interface import ONTOLOGY_GRAPH
    from ontology.cookbook import cookbook

    cookbook_runs: dict[str, dict[str, dict[str, Any]]] = {}
    scoped_runs: dict[str, dict[str, dict[str, Any]]] = {}
    for query in cookbook():
        cookbook_runs[query.name] = {}
        for engine in engines:  # interleaved: this query on each engine, then the next query
            run = timed_runs(engine, query.text, [])
            cookbook_runs[query.name][engine.name] = asdict(run)
            say(f"{query.name} {engine.name}: {run.cell(caps[engine.name])} ms, rows {run.rows}")
    for query in cookbook():
        scoped_runs[query.name] = {}
        for engine in engines:
            total = Run(rows=0)
            for document in chosen:
                ms, got = engine.run(query.text, [document, str(ONTOLOGY_GRAPH)])
                if ms is None:
                    total = Run(cut=got is None, error=None if got is None else str(got))
                    break
                assert isinstance(got, int) and total.rows is not None
                total.ms.append(ms)
                total.rows += got
            scoped_runs[query.name][engine.name] = asdict(total)
        say(f"scoped {query.name}: " + ", ".join(
            Run(**r).cell(caps[e]) for e, r in scoped_runs[query.name].items()))  # fmt: skip
    return cookbook_runs, scoped_runs


def measure_virtuoso(args: argparse.Namespace, quads: Quads, where: Path, began: float, cpu: Any) -> Result:
    """Virtuoso alone (`--virtuoso-only`): its load, disk and queries; the scoped documents drawn
    from the quads file's document list as the full run draws them from the embedded store."""
    from bench.speed import machine_line, say
    from ontology.namespace import JX

    virtuoso = Virtuoso(where / "virtuoso", args.cap_virtuoso, quads.path.parent, args.buffers)
    try:
        load_s: dict[str, float | None] = {virtuoso.name: virtuoso.load(quads.path)}
        disk = {virtuoso.name: virtuoso.server.disk_bytes() / 2**20}
        say(f"virtuoso loaded in {load_s[virtuoso.name]:.0f} s, {disk[virtuoso.name]:.0f} MB")
        listed = virtuoso.server.select(f"SELECT ?g WHERE {{ GRAPH ?g {{ ?g a <{JX.SourceDocument}> }} }}")
        names = sorted(row["g"]["value"] for row in listed)
        chosen = random.Random(SEED).sample(names, min(SCOPED_DOCUMENTS, len(names)))
        cookbook_runs, scoped_runs = run_queries([virtuoso], chosen, {virtuoso.name: args.cap_virtuoso})
    finally:
        virtuoso.stop()
        if not args.keep:
            shutil.rmtree(where, ignore_errors=True)
    load = os.getloadavg()
    return Result(
        indicators=quads.indicators, quads=quads.quads, documents=quads.documents,
        command=".venv/bin/python bench/engines.py " + " ".join(sys.argv[1:]), machine=machine_line(),
        cap=args.cap_oxigraph, cap_virtuoso=args.cap_virtuoso, buffers=args.buffers, quads_s=quads.seconds,
        engines=[virtuoso.name], load_s=load_s, disk_mb=disk,
        notes=["Virtuoso alone (`--virtuoso-only`): the Oxigraph engines were not run in this run."],
        cookbook=cookbook_runs, scoped=scoped_runs, others_cpu=cpu.others(),
        load_average=" / ".join(f"{x:.2f}" for x in load), minutes=(time.perf_counter() - began) / 60,
    )  # fmt: skip


# --- 4. the report ---------------------------------------------------------------------------------


def agreement(runs: dict[str, dict[str, Any]]) -> str:
    counts = {r["rows"] for r in runs.values() if not r["cut"] and r["error"] is None}
    if any(r["cut"] or r["error"] for r in runs.values()):
        return "—" if len(counts) <= 1 else "**differ**"
    return "✓" if len(counts) == 1 else "**differ**"


def _cell(run: dict[str, Any], cap: float) -> str:
    return Run(**run).cell(cap)


def report(results: list[Result]) -> list[str]:
    lines = [
        "## Cookbook on three engines: Oxigraph embedded, Oxigraph server, Virtuoso (issue 21)",
        "",
        "Each size was measured by one run of the command given:",
        "",
    ]
    for r in results:
        lines.append(
            f"- {r.indicators:,} indicators: `{r.command}` — {r.machine}; {r.minutes:.0f} min; load average "
            f"{r.load_average} at the end; others' CPU {r.others_cpu:.0%} of the machine during the run"
        )
    lines += [
        "",
        "**The machine (2 cores) was shared** with another helper's benchmark and a full test run: "
        "every figure is pessimistic and noisy; the engines were interleaved query by query so that "
        "all three met the same load.",
        "",
        "The same N-Quads file (bench/corpus.py seed 1, turned into quads by jixiao's reader and "
        "`document_ntriples` as `jixiao ingest --bulk` does, plus the ontology's graph) loaded into each "
        "engine: embedded by pyoxigraph's bulk loader, Oxigraph server by `oxigraph load` and served by "
        "`oxigraph serve-read-only --union-default-graph --timeout-s CAP`, Virtuoso by its bulk loader "
        "(`ld_dir` + `rdf_loader_run()` + `checkpoint`) in a database started by "
        "tests/fixtures/virtuoso.py with `NumberOfBuffers` = "
        f"{results[0].buffers:,} (8 KB pages, ~{results[0].buffers * 8 / 2**20:.1f} GB) and "
        "`MaxDirtyBuffers` = ¾ of it. Disk: the store's folder (Virtuoso: its .db files after the "
        "checkpoint).",
        "",
        "| indicators | quads | documents | engine | load s | disk MB |",
        "| ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for r in results:
        for engine in r.engines:
            seconds = r.load_s.get(engine)
            lines.append(
                f"| {r.indicators:,} | {r.quads:,} | {r.documents:,} | {engine} | "
                f"{'(shared, see note)' if seconds is None else f'{seconds:,.0f}'} | "
                f"{r.disk_mb[engine]:,.0f} |"
            )
    for r in results:
        lines += ["", *[f"- {r.indicators:,}: {n}" for n in r.notes]] if r.notes else []
    for r in results:
        short = {"Oxigraph embedded (pyoxigraph)": "embedded", "Oxigraph server": "server",
                 "Virtuoso 7": "Virtuoso"}  # fmt: skip
        caps = [r.cap_virtuoso if e.startswith("Virtuoso") else r.cap for e in r.engines]
        header = "| query | " + " | ".join(f"{short.get(e, e)} ms" for e in r.engines) + " | rows | agree |"
        rule = "| --- | " + " | ".join("---:" for _ in r.engines) + " | ---: | :---: |"
        lines += [
            "",
            f"### Cookbook at {r.indicators:,} indicators ({r.quads:,} quads), ms (median of up to "
            f"{REPEATS} runs; one run when over {FAST_S:g} s)",
            "",
            f"Oxigraph's runs capped at {r.cap:g} s; Virtuoso's at {r.cap_virtuoso:g} s by its own `timeout` "
            "(a cut answers `X-SQL-State: S1TAT`). Rows: the count the engines agree on (✓), or each "
            "engine's.",
            "",
            header,
            rule,
        ]
        for table, title in ((r.cookbook, None), (r.scoped, "scoped")):
            if title is not None:
                lines += [
                    "",
                    f"Scoped to one document (`default-graph-uri` = the document + the ontology's graph, "
                    f"{SCOPED_DOCUMENTS} documents drawn with seed {SEED}, one run each): median ms, rows "
                    "summed",
                    "",
                    header,
                    rule,
                ]
            for name, runs in table.items():
                cells = [_cell(runs[e], c) for e, c in zip(r.engines, caps, strict=True)]
                counts = [runs[e]["rows"] for e in r.engines]
                rows = str(next((c for c in counts if c is not None), "-"))
                if len({c for c in counts if c is not None}) > 1:
                    rows = " / ".join("-" if c is None else str(c) for c in counts)
                agree = agreement(runs) if len(r.engines) > 1 else "(one engine)"
                lines.append(f"| {name} | " + " | ".join(cells) + f" | {rows} | {agree} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--processes", type=int, default=2, help="processes writing the quads")
    parser.add_argument("--cap-oxigraph", type=float, default=60.0, help="seconds an Oxigraph run may take")
    parser.add_argument("--cap-virtuoso", type=float, default=60.0, help="Virtuoso's own time limit, s")
    parser.add_argument("--buffers", type=int, default=BUFFERS, help="Virtuoso's NumberOfBuffers")
    parser.add_argument("--share-oxigraph-store", action="store_true",
                        help="Oxigraph server serves the embedded store (not loaded twice)")  # fmt: skip
    parser.add_argument("--virtuoso-only", action="store_true", help="load and query Virtuoso only")
    parser.add_argument("--quads-only", action="store_true", help="write the N-Quads file and stop")
    parser.add_argument("--report-only", action="store_true", help="the report of the sizes measured")
    parser.add_argument("--keep", action="store_true", help="keep the stores")
    parser.add_argument("--write", action="store_true", help="put the report into bench/RESULTS.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args.worker)
        return
    if args.quads_only:
        print(write_quads(args.work, args.indicators, args.processes), flush=True)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        result = measure(args)
        saved = json.dumps(asdict(result), ensure_ascii=False)
        (args.work / f"result-{result.indicators}.json").write_text(saved)
    results = [Result(**json.loads(p.read_text())) for p in sorted(args.work.glob("result-*.json"))]
    results.sort(key=lambda r: r.indicators)
    lines = report(results)
    print("\n".join(lines))
    if args.write:
        from bench.report import write_section

        write_section("engines", "\n".join(lines))


if __name__ == "__main__":
    main()
