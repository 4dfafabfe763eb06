"""SPARQL queries run in worker processes, so that no query can take the service down.

Why processes: pyoxigraph 0.5.13 aborts the whole process (SIGABRT, nothing Python can catch) on
some valid queries, e.g. `SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o` over numbers mixed with strings
(its sort panics on an inconsistent order). A worker that dies is replaced and the caller gets a
500 naming the cause; a worker that outlives the time limit is killed, which also makes the limit
real (inside one process an Oxigraph query cannot be interrupted).

Each worker opens the store read-only (RocksDB allows that beside the server's own handle) and
sees it as it was when the worker started; the pool restarts its workers after a SPARQL Update.
Workers are plain `python -m api.query_process` children speaking pickle over stdin/stdout, not
multiprocessing: they import only pyoxigraph and this package, never torch or the CLI.
"""

from __future__ import annotations

import pickle
import queue
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from api.sparql import Answer, Dataset, Deadline, Endpoint, Limits, ProtocolError

GRACE = 1.0  # seconds past the time limit before a worker is killed (it cuts streams by itself)
CRASHED = (
    "the query engine (Oxigraph) crashed on this query and was restarted; a known cause is ORDER BY"
    " over values of different types (numbers and strings): sort on STR(?x) or filter one type"
)


class QueryProcess:
    """One worker process and its pipes."""

    def __init__(self, store_dir: Path, limits: Limits, generation: int) -> None:
        self.generation = generation
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.query_process", str(store_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._send(asdict(limits))

    def _send(self, message: Any) -> None:
        assert self.proc.stdin is not None
        pickle.dump(message, self.proc.stdin)
        self.proc.stdin.flush()

    def run(self, request: dict[str, Any], hard_limit: float) -> Answer:
        """The worker's answer; ProtocolError for a refused query, a crash or the time limit."""
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            self.proc.kill()

        timer = threading.Timer(hard_limit, kill)
        timer.start()
        try:
            self._send(request)
            assert self.proc.stdout is not None
            reply = pickle.load(self.proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            self.stop()
            if killed.is_set():
                raise ProtocolError(
                    503,
                    f"the query ran longer than the time limit ({request['timeout']:g} s) and was stopped",
                ) from None
            raise ProtocolError(500, CRASHED) from None
        finally:
            timer.cancel()
        if reply[0] == "error":
            raise ProtocolError(reply[1], reply[2])
        return Answer(**reply[1])

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.alive:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


class QueryPool:
    """A fixed number of workers; a request waits for a free one."""

    def __init__(self, store_dir: Path, limits: Limits, size: int = 2) -> None:
        self.store_dir = store_dir
        self.limits = limits
        self.generation = 0
        self._idle: queue.Queue[QueryProcess] = queue.Queue()
        self._all: list[QueryProcess] = []
        self._lock = threading.Lock()
        for _ in range(size):
            self._idle.put(self._spawn())

    def _spawn(self) -> QueryProcess:
        worker = QueryProcess(self.store_dir, self.limits, self.generation)
        with self._lock:
            self._all = [w for w in self._all if w.alive] + [worker]
        return worker

    def query(self, text: str, dataset: Dataset, accept: str | None, format_param: str | None) -> Answer:
        worker = self._idle.get()
        try:
            if not worker.alive or worker.generation != self.generation:
                worker.stop()
                worker = self._spawn()
            request = {
                "text": text,
                "dataset": (tuple(dataset.default_graphs), tuple(dataset.named_graphs)),
                "accept": accept,
                "format": format_param,
                "timeout": self.limits.timeout,
            }
            return worker.run(request, self.limits.timeout + GRACE)
        finally:
            if not worker.alive:
                worker.stop()
                worker = self._spawn()
            self._idle.put(worker)

    def refresh(self) -> None:
        """After a write: workers started before it see the old state, so each restarts on next use."""
        self.generation += 1

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.stop()


def _serve(store_dir: str, stdin: BinaryIO, stdout: BinaryIO) -> None:
    limits = Limits(**pickle.load(stdin))
    endpoint = Endpoint(ox.Store.read_only(store_dir), limits)
    while True:
        try:
            request = pickle.load(stdin)
        except EOFError:
            return
        defaults, named = request["dataset"]
        try:
            answer = endpoint.query(
                request["text"], Dataset(defaults, named), request["accept"],
                Deadline(request["timeout"]), request["format"],
            )  # fmt: skip
            reply: tuple[Any, ...] = ("ok", asdict(answer))
        except ProtocolError as exc:
            reply = ("error", exc.status, exc.message)
        pickle.dump(reply, stdout)
        stdout.flush()


if __name__ == "__main__":
    _serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
