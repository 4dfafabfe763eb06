"""Virtuoso's SELECT answers as JSON or as XML, through jixiao's own client (issue 21).

Virtuoso's JSON result writer is slow: at 1M indicators the cookbook queries answering tens of
thousands of rows spent most of their time writing JSON. jixiao now asks it for XML
(jixiao.virtuoso.SELECT_ACCEPT). This measures both, side by side: the bench/engines.py corpus
(seed 1) bulk loaded into a scratch Virtuoso, then every cookbook query run through
api.remote.RemoteEngine (what /sparql and the pages use) and read to the last row, JSON and XML
interleaved query by query, `--rounds` times each; the median is reported, and the rows of both
formats compared term by term.

    .venv/bin/python bench/virtuoso_formats.py [--indicators 100000] [--rounds 3] [--write]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from api.remote import RemoteEngine  # noqa: E402
from bench.machine import cores, cpu_model  # noqa: E402
from bench.report import write_section  # noqa: E402
from jixiao import virtuoso  # noqa: E402
from jixiao.remote_store import RemoteStore  # noqa: E402
from jixiao.settings import Settings  # noqa: E402
from ontology.cookbook import cookbook  # noqa: E402

FORMATS = {"JSON": "application/sparql-results+json", "XML": "application/sparql-results+xml"}
WORK = Path("/tmp/jixiao-engines")


def rows_of(engine: RemoteEngine, text: str) -> list[tuple[str | None, ...]]:
    solutions = engine.query(text)
    variables = list(solutions.variables)  # type: ignore[union-attr]
    return [tuple(None if s[v] is None else str(s[v]) for v in variables) for s in solutions]  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--indicators", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cap", type=float, default=120.0, help="Virtuoso's time limit per query, s")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    from tests.fixtures.virtuoso import VirtuosoServer

    quads = WORK / f"nq-{args.indicators}" / "corpus.nq"
    if not quads.exists():  # bench/engines.py writes it (and keeps it for its own runs)
        subprocess.run(
            [
                sys.executable,
                str(REPO / "bench/engines.py"),
                "--indicators",
                str(args.indicators),
                "--quads-only",
            ],
            check=True,
        )
    command = shlex.join([".venv/bin/python", "bench/virtuoso_formats.py", *sys.argv[1:]])
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="jixiao-formats-") as tmp:
        server = VirtuosoServer(Path(tmp) / "virtuoso", max_rows=5_000_000, max_seconds=int(args.cap),
                                buffers=300_000, dirs_allowed=quads.parent)  # fmt: skip
        try:
            server.bulk_load(quads.parent, quads.name)
            # As the service opens it: the server probed, Virtuoso's own endpoints and quirks.
            store = RemoteStore(Settings(data=Path(tmp), store=server.store, store_timeout=args.cap))
            client = store.client
            engine = RemoteEngine(client)
            table = measure(engine, args.rounds)
            store.close()
        finally:
            server.stop()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "## Virtuoso's answers: JSON or XML (issue 21)",
        "",
        f"`{command}` — {cpu_model()}, {cores()} cores; {when}; {time.perf_counter() - started:.0f} s;"
        f" load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())} at the end.",
        "",
        f"The bench/engines.py corpus of {args.indicators:,} indicators in a scratch Virtuoso 7; each"
        " cookbook query through api.remote.RemoteEngine (what /sparql and the pages use), read to the"
        f" last row, JSON and XML interleaved; median of {args.rounds} runs, ms. Rows: both formats'"
        " rows compared term by term.",
        "",
        "| query | rows | JSON ms | XML ms | XML / JSON | same rows |",
        "| --- | ---: | ---: | ---: | ---: | :---: |",
        *table,
    ]
    print("\n".join(lines))
    if args.write:
        write_section("virtuoso-formats", "\n".join(lines))


def measure(engine: RemoteEngine, rounds: int) -> list[str]:
    table = []
    for query in cookbook():
        if query.name.startswith("06-"):  # > 120 s and ~20 GB on Virtuoso at 100k (bench/RESULTS.md)
            table.append(f"| {query.name} | - | not run | not run | - | - |")
            continue
        times: dict[str, list[float]] = {name: [] for name in FORMATS}
        answers: dict[str, list[tuple[str | None, ...]]] = {}
        for _ in range(rounds):
            for name, accept in FORMATS.items():
                virtuoso.SELECT_ACCEPT = accept  # what the client asks a SELECT for
                start = time.perf_counter()
                answers[name] = rows_of(engine, query.text)
                times[name].append((time.perf_counter() - start) * 1000)
        json_ms, xml_ms = (statistics.median(times[name]) for name in FORMATS)
        same = sorted(answers["JSON"], key=repr) == sorted(answers["XML"], key=repr)
        table.append(
            f"| {query.name} | {len(answers['XML'])} | {json_ms:,.0f} | {xml_ms:,.0f} |"
            f" {xml_ms / json_ms:.2f} | {'✓' if same else '✗'} |"
        )
        print(table[-1], flush=True)
    virtuoso.SELECT_ACCEPT = FORMATS["XML"]
    return table


if __name__ == "__main__":
    main()
