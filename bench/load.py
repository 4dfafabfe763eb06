"""Load check: `jixiao serve` under concurrent clients, /api/search first, then /sparql.

Run by hand (about 2 minutes, plus ingesting the samples with the real model when no data dir is
given):

    .venv/bin/python bench/load.py [--duration 30] [--clients 20] [--data DIR] [--write]

The server is `jixiao serve` itself, in its own process (uvicorn, the real default model,
preloaded), on 127.0.0.1. Without --data it serves a temporary data dir with the bundled samples
ingested and indexed by `jixiao ingest samples/*.txt`; --data DIR serves DIR (and ingests the
samples into it first when it holds no store yet). The load generator is one asyncio process
(httpx): `--clients` connections each send their next request as soon as the last is answered.

- /api/search: ~20 Chinese queries from bench/search_queries.toml in rotation (hybrid, limit 10)
- /sparql: the cookbook queries (ontology/cookbook.py) in rotation, POSTed as forms with
  Accept: application/sparql-results+json

Any non-2xx answer, exception (timeout, refused connection) or unreadable body is an error; the
target is zero. A 200 whose SPARQL result was cut (X-Jixiao-Cut) is counted apart. A probe on its
own connection asks for /openapi.json (an async route: it waits only for the event loop) every
0.25 s, to show whether the event loop stalls under load.

Both processes share the machine's cores; the report says how much CPU each used. --write puts
the report into bench/RESULTS.md's "load" section (bench/report.py); it is printed either way.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from any folder

from bench.machine import cores, cpu_model, high_water_mb, ram_gib  # noqa: E402 (re-exported)
from bench.report import write_section  # noqa: E402
from ontology.cookbook import cookbook  # noqa: E402

HOST = "127.0.0.1"
QUERIES_FILE = REPO / "bench" / "search_queries.toml"
SAMPLES = sorted((REPO / "samples").glob("*.txt"))
SEARCH_QUERIES = 20
CJK = re.compile(r"[\u4e00-\u9fff]")
PROBE_EVERY = 0.25  # seconds between event-loop probes
IDLE_PROBE = 5.0  # seconds of probing before the load, for a baseline
REQUEST_TIMEOUT = 60.0  # longer than the SPARQL time limit (30 s), so the server's answer is seen
READY_TIMEOUT = 300.0  # the model loads before the server listens
SPARQL_ACCEPT = "application/sparql-results+json"

# A request: the client and the turn (which query of the rotation) in, the query's name and the answer out.
Send = Callable[[httpx.AsyncClient, int], Awaitable[tuple[str, httpx.Response]]]


# --- inputs ---------------------------------------------------------------------------------------


def search_queries(count: int = SEARCH_QUERIES) -> list[str]:
    """`count` of the quality benchmark's Chinese queries, spread over the file (short and long)."""
    data = tomllib.loads(QUERIES_FILE.read_text("utf-8"))
    chinese = [q["text"] for q in data["query"] if CJK.search(q["text"])]
    step = max(1, len(chinese) // count)
    return chinese[::step][:count]


def sparql_queries() -> list[tuple[str, str]]:
    return [(q.name, q.text) for q in cookbook()]


# --- the machine ----------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time all processes have used so far, summed over the cores (/proc/stat, less idle and iowait)."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    return time.process_time()


# --- the server -----------------------------------------------------------------------------------


def jixiao_command() -> list[str]:
    script = Path(sys.executable).parent / "jixiao"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from jixiao.cli import app; app()"]


def ingest_samples(data: Path) -> float:
    started = time.perf_counter()
    command = [*jixiao_command(), "ingest", *map(str, SAMPLES), "--data", str(data)]
    print(f"ingesting {len(SAMPLES)} samples with the default model into {data} …", file=sys.stderr)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    ready_s: float
    health: dict[str, Any]


def start_server(data: Path, port: int, log: IO[bytes], log_path: Path) -> Server:
    command = [*jixiao_command(), "serve", "--data", str(data), "--host", HOST, "--port", str(port)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{HOST}:{port}"
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}); see {log_path}")
        if time.perf_counter() - started > READY_TIMEOUT:
            stop_server(process)
            raise RuntimeError(f"the server was not ready after {READY_TIMEOUT:g} s; see {log_path}")
        try:
            answer = httpx.get(f"{url}/health", timeout=2)
            if answer.status_code == 200:
                return Server(process, url, log_path, time.perf_counter() - started, answer.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.25)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- load -----------------------------------------------------------------------------------------


@dataclass
class Phase:
    name: str
    detail: str
    clients: int
    latencies_ms: list[float] = field(default_factory=list)  # every completed request, errors too
    by_item: dict[str, list[float]] = field(default_factory=dict)  # the same, per query
    errors: Counter[str] = field(default_factory=Counter)
    cut: Counter[str] = field(default_factory=Counter)
    probe_ms: list[float] = field(default_factory=list)
    probe_errors: int = 0
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    other_cpu_s: float = 0.0  # every other process on the machine

    @property
    def requests(self) -> int:
        return len(self.latencies_ms)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def probe_loop(url: str, stop: asyncio.Event, into: Phase) -> None:
    """/openapi.json every PROBE_EVERY s on its own connection: how long the event loop keeps it."""
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                answer = await client.get("/openapi.json")
                if answer.status_code != 200:
                    into.probe_errors += 1
            except httpx.HTTPError:
                into.probe_errors += 1
            into.probe_ms.append(1000 * (time.perf_counter() - started))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=PROBE_EVERY)


def check_search(answer: httpx.Response) -> str | None:
    if not 200 <= answer.status_code < 300:
        return f"HTTP {answer.status_code}: {answer.text[:120]}"
    try:
        body = answer.json()
    except ValueError:
        return "HTTP 200 with a body that is not JSON"
    if not isinstance(body.get("hits"), list):
        return "HTTP 200 without a hits list"
    return None


def check_sparql(answer: httpx.Response) -> str | None:
    if not 200 <= answer.status_code < 300:
        return f"HTTP {answer.status_code}: {answer.text[:120]}"
    try:
        body = answer.json()
    except ValueError:
        return "HTTP 200 with a body that is not JSON"
    if not isinstance(body.get("results", {}).get("bindings"), list):
        return "HTTP 200 without SPARQL results"
    return None


async def run_phase(
    url: str,
    server_pid: int,
    phase: Phase,
    duration: float,
    send: Send,
    check: Callable[[httpx.Response], str | None],
) -> Phase:
    limits = httpx.Limits(max_connections=phase.clients, max_keepalive_connections=phase.clients)
    stop_probe = asyncio.Event()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT) as client:
        server_cpu, client_cpu, busy = cpu_seconds(server_pid), own_cpu_seconds(), machine_busy_seconds()
        started = time.perf_counter()
        deadline = started + duration

        async def worker(number: int) -> None:
            turn = number  # each client starts at its own place in the rotation
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                item = "?"
                try:
                    item, answer = await send(client, turn)
                    problem = check(answer)
                    if problem is None and "x-jixiao-cut" in answer.headers:
                        phase.cut[answer.headers["x-jixiao-cut"]] += 1
                except httpx.HTTPError as exc:
                    problem = f"{type(exc).__name__}: {exc}"[:160]
                elapsed = 1000 * (time.perf_counter() - sent)
                phase.latencies_ms.append(elapsed)
                phase.by_item.setdefault(item, []).append(elapsed)
                if problem is not None:
                    phase.errors[problem] += 1
                turn += phase.clients

        probe = asyncio.create_task(probe_loop(url, stop_probe, phase))
        await asyncio.gather(*(worker(n) for n in range(phase.clients)))
        phase.wall_s = time.perf_counter() - started
        phase.server_cpu_s = cpu_seconds(server_pid) - server_cpu
        phase.client_cpu_s = own_cpu_seconds() - client_cpu
        phase.other_cpu_s = max(0.0, machine_busy_seconds() - busy - phase.server_cpu_s - phase.client_cpu_s)
        stop_probe.set()
        await probe
    return phase


async def idle_probe(url: str) -> Phase:
    phase = Phase("idle", "no load", 0)
    stop = asyncio.Event()
    task = asyncio.create_task(probe_loop(url, stop, phase))
    await asyncio.sleep(IDLE_PROBE)
    stop.set()
    await task
    return phase


async def load(url: str, server_pid: int, clients: int, duration: float) -> tuple[Phase, list[Phase]]:
    queries = search_queries()
    cookbook_queries = sparql_queries()

    async def search(client: httpx.AsyncClient, turn: int) -> tuple[str, httpx.Response]:
        query = queries[turn % len(queries)]
        return query, await client.get("/api/search", params={"q": query, "limit": 10})

    async def sparql(client: httpx.AsyncClient, turn: int) -> tuple[str, httpx.Response]:
        name, text = cookbook_queries[turn % len(cookbook_queries)]
        form = {"query": text}
        return name, await client.post("/sparql", data=form, headers={"accept": SPARQL_ACCEPT})

    # Warm-up, not counted: every query once, so the first requests do not pay for first use.
    async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT) as client:
        for turn in range(len(queries)):
            await search(client, turn)
        for turn in range(len(cookbook_queries)):
            await sparql(client, turn)
    idle = await idle_probe(url)
    phases = [
        Phase(
            "/api/search",
            f"{len(queries)} Chinese queries from bench/search_queries.toml in rotation, hybrid, limit 10",
            clients,
        ),
        Phase(
            "/sparql",
            f"the {len(cookbook_queries)} cookbook queries in rotation, POSTed as forms,"
            f" Accept: {SPARQL_ACCEPT}",
            clients,
        ),
    ]
    await run_phase(url, server_pid, phases[0], duration, search, check_search)
    await run_phase(url, server_pid, phases[1], duration, sparql, check_sparql)
    return idle, phases


# --- report ---------------------------------------------------------------------------------------


def short(text: str, length: int = 24) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def ms(value: float) -> str:
    return "–" if value != value else f"{value:.1f}"  # NaN: no values


def report(
    args: argparse.Namespace,
    command: str,
    server: Server,
    ingest_s: float | None,
    load_average: tuple[float, float, float],
    idle: Phase,
    phases: list[Phase],
    peak_rss: float,
    tracebacks: int,
) -> str:
    n = cores()
    search_health = server.health.get("search", {})
    when = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    data = "a temporary data dir" if args.data is None else f"`{args.data}`"
    lines = [
        "## Load",
        "",
        f"Machine: {cpu_model()}, {n} cores, {ram_gib():.0f} GiB RAM (from /proc);"
        f" python {platform.python_version()}, httpx {httpx.__version__}; {when}.",
        "",
        f"Command: `{command}`",
        "",
        f"Server: `jixiao serve` (uvicorn, one process, model preloaded) on {HOST}, over {data} holding the"
        f" bundled samples ({search_health.get('entries', '?')} search entries,"
        f" {server.health.get('quads', '?')} quads) indexed with {search_health.get('model', '?')}"
        + (f" (ingested and indexed by `jixiao ingest` in {ingest_s:.0f} s)" if ingest_s is not None else "")
        + f"; ready {server.ready_s:.1f} s after start."
        f" **The load generator (one asyncio process, httpx) runs on the same {n} cores as the server**:"
        " the CPU lines below say what each used.",
        "",
        "Load average at start (before ingesting): "
        + " / ".join(f"{value:.2f}" for value in load_average)
        + " (1/5/15 min).",
        "",
        f"{args.clients} concurrent clients for {args.duration:g} s per endpoint, one endpoint after the"
        " other; each client sends its next request as soon as the last is answered. Latency is the client's,"
        " from sending to the whole body read; an error is any non-2xx answer, exception or unreadable body.",
        "",
        "| endpoint | clients | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for phase in phases:
        values = phase.latencies_ms
        lines.append(
            f"| {phase.name} | {phase.clients} | {phase.requests} | {phase.requests / phase.wall_s:.1f} |"
            f" {ms(percentile(values, 50))} | {ms(percentile(values, 95))} | {ms(percentile(values, 99))} |"
            f" {ms(max(values, default=float('nan')))} | {phase.error_count} |"
        )
    lines.append("")
    for phase in phases:
        lines.append(f"- {phase.name}: {phase.detail}.")
    lines.append(
        f"- Event loop probe (GET /openapi.json every {PROBE_EVERY:g} s on its own connection),"
        " p50 / p95 / max ms:"
        + ";".join(
            f" {p.name} {ms(percentile(p.probe_ms, 50))} / {ms(percentile(p.probe_ms, 95))} /"
            f" {ms(max(p.probe_ms, default=float('nan')))} ({len(p.probe_ms)} probes"
            + (f", {p.probe_errors} failed" if p.probe_errors else "")
            + ")"
            for p in (idle, *phases)
        )
        + "."
    )
    for phase in phases:
        lines.append(
            f"- CPU during {phase.name}: server {phase.server_cpu_s / phase.wall_s * 100:.0f}%,"
            f" load generator {phase.client_cpu_s / phase.wall_s * 100:.0f}%,"
            f" other processes {phase.other_cpu_s / phase.wall_s * 100:.0f}% of one core"
            f" ({n} cores = {n * 100}%)."
        )
    for phase in phases:
        slowest = sorted(phase.by_item.items(), key=lambda kv: -percentile(kv[1], 50))[:3]
        lines.append(
            f"- Slowest {phase.name} queries under this load (p50 ms): "
            + ", ".join(f"{short(item)} {ms(percentile(values, 50))}" for item, values in slowest)
            + "."
        )
    lines.append(f"- Peak RSS of the server: {peak_rss:.0f} MB.")
    for phase in phases:
        if phase.cut:
            lines.append(
                f"- {phase.name}: {sum(phase.cut.values())} answers were cut short (X-Jixiao-Cut): "
                + ", ".join(f"{reason} ×{count}" for reason, count in phase.cut.most_common())
                + "."
            )
        if phase.errors:
            lines.append(
                f"- {phase.name} errors: "
                + "; ".join(f"{problem} ×{count}" for problem, count in phase.errors.most_common(5))
                + "."
            )
    if not any(phase.errors for phase in phases):
        lines.append("- Errors: none.")
    if tracebacks:
        lines.append(f"- The server's log has {tracebacks} tracebacks.")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per endpoint")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients")
    parser.add_argument(
        "--data", type=Path, help="data dir to serve (default: a temporary one with the samples)"
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--write", action="store_true", help="write the report into bench/RESULTS.md")
    args = parser.parse_args(argv)
    command = shlex.join([".venv/bin/python", "bench/load.py", *(sys.argv[1:] if argv is None else argv)])

    with tempfile.TemporaryDirectory(prefix="jixiao-load-") as scratch:
        data = args.data or Path(scratch) / "data"
        load_average = os.getloadavg()  # before ingesting, which loads the machine itself
        ingest_s = ingest_samples(data) if not (data / "store").exists() else None
        log_path = Path(scratch) / "server.log"
        with log_path.open("wb") as log:
            server = start_server(data, args.port or free_port(), log, log_path)
            try:
                print(f"server ready at {server.url} after {server.ready_s:.1f} s; load …", file=sys.stderr)
                idle, phases = asyncio.run(load(server.url, server.process.pid, args.clients, args.duration))
                peak_rss = high_water_mb(server.process.pid)
                alive = server.process.poll() is None
            finally:
                stop_server(server.process)
        if not alive:
            print(log_path.read_text("utf-8", errors="replace")[-3000:], file=sys.stderr)
            raise RuntimeError("the server died under load")
        tracebacks = log_path.read_text("utf-8", errors="replace").count("Traceback (most recent call last)")
        text = report(args, command, server, ingest_s, load_average, idle, phases, peak_rss, tracebacks)
    print(text)
    if args.write:
        write_section("load", text)
        print("written to bench/RESULTS.md (section load)", file=sys.stderr)
    return 1 if any(phase.errors for phase in phases) else 0


if __name__ == "__main__":
    sys.exit(main())
