"""The SPARQL queue under heavy queries (issue 16, item 5): how long a trivial ASK waits.

    .venv/bin/python bench/sparql_queue.py [--before DIR] [--heavy 6 10] [--leave-after 3] [--write]

Each scenario gets a fresh `jixiao serve` (its own process, uvicorn, the real default model, the
bundled samples ingested into a temporary data dir, the default 30 s SPARQL limit) on 127.0.0.1:

- "N heavy, clients leave after 3 s": N clients each send a query that no 30 s limit lets finish
  (four label sets joined under COUNT: about 1e11 rows on the samples) and close their connection
  after 3 s; as the last one leaves, one ASK is sent and timed until answered.
- "2 heavy, clients stay": two such queries whose clients wait; after 1 s an ASK is timed.

`--before DIR` runs the same scenarios against a checkout of the code before the fix as well
(`git worktree add /tmp/before 40504f5`; it uses this virtualenv, with DIR first on the path), so
the report has both columns. `--write` puts the report into bench/RESULTS.md's "sparql-queue"
section; it is printed either way. A run with --before takes about 6 minutes (the old queue makes
the ASK wait out up to five rounds of the time limit), without it about 2.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.load import READY_TIMEOUT, free_port, ingest_samples  # noqa: E402
from bench.machine import cpu_model, load_average  # noqa: E402
from bench.report import write_section  # noqa: E402

HOST = "127.0.0.1"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
HEAVY = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a {LABEL} ?w . ?b {LABEL} ?x . ?c {LABEL} ?y . ?d {LABEL} ?z }}"
ASK = "ASK { ?s ?p ?o }"
ASK_PATIENCE = 400.0  # seconds: longer than the old queue can make it wait


@dataclass
class Scenario:
    label: str
    heavy: int
    leave_after: float | None  # None: the heavy clients stay


def serve(data: Path, checkout: Path | None, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    code = REPO if checkout is None else checkout
    command = [
        sys.executable,
        "-c",
        f"import sys; sys.path.insert(0, {str(code)!r}); from jixiao.cli import app; app()",
        "serve", "--data", str(data), "--host", HOST, "--port", str(port),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(code)}
    process = subprocess.Popen(command, cwd=code, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://{HOST}:{port}"
    started = time.monotonic()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}); see {log}")
        if time.monotonic() - started > READY_TIMEOUT:
            process.kill()
            raise RuntimeError(f"the server was not ready after {READY_TIMEOUT:g} s; see {log}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.25)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def heavy_client(url: str, patience: float) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the client leaves (or is answered 503 at the limit)
        httpx.get(f"{url}/sparql", params={"query": HEAVY}, timeout=patience)


def run(scenario: Scenario, data: Path, checkout: Path | None, log: Path) -> tuple[float, int]:
    """Seconds the ASK waited, and its status."""
    process, url = serve(data, checkout, log)
    try:
        patience = scenario.leave_after if scenario.leave_after is not None else ASK_PATIENCE
        clients = [
            threading.Thread(target=heavy_client, args=(url, patience), daemon=True)
            for _ in range(scenario.heavy)
        ]
        for client in clients:
            client.start()
            time.sleep(0.05)  # in this order
        if scenario.leave_after is not None:
            for client in clients:
                client.join()
        else:
            time.sleep(1.0)
        started = time.monotonic()
        answer = httpx.get(f"{url}/sparql", params={"query": ASK}, timeout=ASK_PATIENCE)
        return time.monotonic() - started, answer.status_code
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code before the fix, run too")
    parser.add_argument("--heavy", type=int, nargs="+", default=[6, 10], help="heavy queries per scenario")
    parser.add_argument("--leave-after", type=float, default=3.0, help="seconds before heavy clients leave")
    parser.add_argument("--write", action="store_true", help="write the report into bench/RESULTS.md")
    args = parser.parse_args()
    scenarios = [
        Scenario(f"{n} heavy, clients leave after {args.leave_after:g} s", n, args.leave_after)
        for n in args.heavy
    ]
    scenarios.append(Scenario("2 heavy, clients stay", 2, None))
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="jixiao-queue-") as tmp:
        data = Path(tmp) / "data"
        ingest_samples(data)
        rows = []
        for scenario in scenarios:
            measured = {}
            for name, checkout in (("before", args.before), ("after", None)):
                if name == "before" and checkout is None:
                    continue
                log = Path(tmp) / f"{name}-{scenario.heavy}.log"
                print(f"{scenario.label} ({name}) …", file=sys.stderr, flush=True)
                measured[name] = run(scenario, data, checkout, log)
                print(f"  ASK: {measured[name][0]:.2f} s, {measured[name][1]}", file=sys.stderr, flush=True)
            rows.append((scenario, measured))
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python bench/sparql_queue.py " + shlex.join(sys.argv[1:])
    lines = [
        f"## SPARQL queue under heavy queries (issue 16, item 5) ({now})",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()};"
        f" load average {load_before} at the start (other work was running on the machine)."
        f" Command: `{command}`. Each row is a fresh `jixiao serve` over the samples (default"
        " 30 s limit); a heavy query cannot finish in 30 s. The time is how long a trivial"
        " `ASK { ?s ?p ?o }` sent after the heavy clients left (or, in the last row, 1 s after two"
        " heavy queries started, their clients staying) waited for its answer.",
        "",
        "| scenario | ASK before the fix | ASK after |" if args.before else "| scenario | ASK |",
        "|---|---:|---:|" if args.before else "|---|---:|",
    ]
    for scenario, measured in rows:
        cells = [f"{measured[n][0]:.2f} s ({measured[n][1]})" for n in ("before", "after") if n in measured]
        lines.append(f"| {scenario.label} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Before: the limit ran from when a worker was free, queued work of clients that had left still"
        " ran, and two workers took queries in arrival order, so the ASK waited for every heavy"
        " query ahead of it to use its 30 s. After: a client that leaves has its queued query dropped"
        " and its running one stopped (its worker killed) within 0.2 s, the limit counts from"
        " arrival, and an express worker takes a query when the others are busy (for at most 2 s)"
        " (api/query_process.py). In the first two rows the ASK's second or so is the killed"
        " workers' replacements starting (a Python process that imports the endpoint and opens the"
        " store, on a loaded machine); with the heavy queries still running (last row) it is the"
        " express worker's answer.",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        write_section("sparql-queue", report)


if __name__ == "__main__":
    main()
