"""SPARQL queries and updates run in worker processes, so that no query can take the service down.

Why processes: pyoxigraph 0.5.13 aborts the whole process (SIGABRT, nothing Python can catch) on
some valid queries, e.g. `SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o` over numbers mixed with strings
(its sort panics on an inconsistent order). A worker that dies is replaced and the caller gets a
500 saying so; a worker that outlives the time limit is killed, which also makes the limit real
(inside one process an Oxigraph query or update cannot be interrupted).

Each query worker opens the store read-only (RocksDB allows that beside the server's own handle)
and sees it as it was when the worker started; the pool restarts its workers after a SPARQL Update.
Workers are plain `python -m api.query_process` children speaking pickle over stdin/stdout, not
multiprocessing: they import only pyoxigraph and this package, never torch or the CLI.

The queue (issue 16, item 5). The time limit counts from the request's arrival, so a query that
waited its whole limit for a worker is refused at once instead of running a limit of its own; a
query whose client has gone is dropped from the queue, and a running one is stopped (its worker
killed); at most `queue` requests wait, more get a 503 with Retry-After. Besides the `size`
workers there is an express one, used only when every other worker is busy: a query may run there
for EXPRESS_LIMIT seconds, and one that needs longer is stopped and waits for a regular worker
(its deadline unchanged). So an ASK is answered at once while long queries hold the other workers.
"""

from __future__ import annotations

import asyncio
import math
import os
import pickle
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox

from api.sparql import Answer, Dataset, Deadline, Endpoint, Limits, ProtocolError

GRACE = 1.0  # seconds past the time limit before a worker is killed (it cuts streams by itself)
EXPRESS_LIMIT = 2.0  # seconds a query may hold the express worker before it waits for another
POLL = 0.2  # seconds between looks at whether the client is still there
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)

Gone = Callable[[], Awaitable[bool]]  # Starlette's request.is_disconnected


def crashed(text: str, what: str = "query") -> str:
    """The 500's message: what is known is that the engine died; ORDER BY only when there is one."""
    message = f"the query engine (Oxigraph) crashed on this {what} and was restarted; the service goes on"
    if _ORDER_BY.search(text):
        message += (
            "; a known cause is ORDER BY over values of different types (numbers and strings):"
            " sort on STR(?x) or filter one type"
        )
    return message


class ClientGone(Exception):
    """The client disconnected: its query was dropped or stopped, and nobody is left to answer."""


class Busy(ProtocolError):
    """503 with Retry-After: the queue is full."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(503, message)
        self.headers = {"Retry-After": str(retry_after)}


class _Preempted(Exception):
    """A query outgrew the express worker; it waits for a regular one."""


class QueryProcess:
    """One worker process and its pipes."""

    def __init__(self, store_dir: Path, limits: Limits, generation: int) -> None:
        self.generation = generation
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.query_process", str(store_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._killed_for: str | None = None
        self._send(asdict(limits))

    def _send(self, message: Any) -> None:
        assert self.proc.stdin is not None
        pickle.dump(message, self.proc.stdin)
        self.proc.stdin.flush()

    def kill(self, reason: str) -> None:
        """Stop the query it runs: `run` then raises according to the reason."""
        if self._killed_for is None:
            self._killed_for = reason
        if self.alive:
            self.proc.kill()

    def run(self, request: dict[str, Any], hard_limit: float, limit: float) -> Answer:
        """The worker's answer; ProtocolError for a refused query, a crash or the time limit;
        ClientGone or _Preempted when it was killed for that."""
        timer = threading.Timer(hard_limit, self.kill, args=("time",))
        timer.start()
        try:
            self._send(request)
            assert self.proc.stdout is not None
            reply = pickle.load(self.proc.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            self.stop()
            if self._killed_for == "gone":
                raise ClientGone() from None
            if self._killed_for == "express":
                raise _Preempted() from None
            if self._killed_for == "time":
                raise ProtocolError(
                    503, f"the query ran longer than the time limit ({limit:g} s) and was stopped"
                ) from None
            raise ProtocolError(500, crashed(request["text"])) from None
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


@dataclass(eq=False)
class _Lane:
    express: bool
    process: QueryProcess | None = None
    spawning: Future[QueryProcess] | None = None  # its replacement, starting in a thread
    busy_until: float = 0.0  # when the query it runs reaches its deadline (monotonic)
    busy: bool = False


@dataclass(eq=False)
class _Waiter:
    future: asyncio.Future[_Lane]
    express_ok: bool
    deadline: float


@dataclass
class PoolState:
    running: int
    waiting: int
    workers: int
    queue: int


class QueryPool:
    """`size` workers, an express one, and a bounded queue of requests waiting for them.

    The scheduling runs on the event loop (one thread: no locks); each running query holds a thread
    that waits for its worker's answer.
    """

    def __init__(self, store_dir: Path, limits: Limits, size: int = 2, queue: int = 8) -> None:
        self.store_dir = store_dir
        self.limits = limits
        self.queue = queue
        self.generation = 0
        self._lanes = [_Lane(express=False) for _ in range(size)] + [_Lane(express=True)]
        self._waiting: deque[_Waiter] = deque()
        self._threads = ThreadPoolExecutor(2 * len(self._lanes), thread_name_prefix="sparql")
        self._closed = False
        for lane in self._lanes:
            lane.process = self._spawn()

    def _spawn(self) -> QueryProcess:
        return QueryProcess(self.store_dir, self.limits, self.generation)

    def _replace(self, old: QueryProcess | None) -> QueryProcess:
        if old is not None:
            old.stop()
        return self._spawn()

    def _renew(self, lane: _Lane) -> None:
        """Start the lane's next worker now (in a thread), so the next query does not wait for it."""
        old, lane.process = lane.process, None
        if not self._closed:
            lane.spawning = self._threads.submit(self._replace, old)
        elif old is not None:
            old.stop()

    def state(self) -> PoolState:
        running = sum(lane.busy for lane in self._lanes)
        return PoolState(running, len(self._waiting), len(self._lanes), self.queue)

    async def query(
        self,
        text: str,
        dataset: Dataset,
        accept: str | None,
        format_param: str | None,
        arrived: float,
        gone: Gone,
    ) -> Answer:
        """The answer; the time limit runs from `arrived` (time.monotonic()); ClientGone when
        `gone()` said the client left before the answer was ready."""
        limit = self.limits.timeout
        deadline = arrived + limit
        express_ok = True
        while True:
            lane = self._free_lane(express_ok) or await self._wait(express_ok, deadline, gone)
            try:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _waited_too_long(limit)
                request = {
                    "text": text,
                    "dataset": (tuple(dataset.default_graphs), tuple(dataset.named_graphs)),
                    "accept": accept,
                    "format": format_param,
                    "timeout": remaining,  # the worker cuts streams here
                }
                hard = remaining + GRACE
                # On the express worker a query is stopped sooner, to wait for a regular one.
                express = EXPRESS_LIMIT if lane.express and hard > EXPRESS_LIMIT else None
                lane.busy_until = time.monotonic() + (express or hard)
                return await self._run(lane, request, hard, limit, gone, express)
            except _Preempted:
                express_ok = False  # the query is not a short one: it waits for a regular worker
            finally:
                self._release(lane)

    def _free_lane(self, express_ok: bool) -> _Lane | None:
        """A free regular worker, else the express one. First come first served holds without a
        look at the queue: a lane is free only when no waiter could take it (`_release`)."""
        if self._closed:
            return None
        for lane in sorted(self._lanes, key=lambda lane: lane.express):
            if not lane.busy and (express_ok or not lane.express):
                lane.busy = True
                return lane
        return None

    async def _wait(self, express_ok: bool, deadline: float, gone: Gone) -> _Lane:
        if self._closed:
            raise ProtocolError(503, "the service is stopping")
        if express_ok and len(self._waiting) >= self.queue:  # a preempted query keeps its turn
            raise Busy(
                f"the SPARQL queue is full ({self.queue} queries wait for a worker): try again later",
                self._retry_after(),
            )
        waiter = _Waiter(asyncio.get_running_loop().create_future(), express_ok, deadline)
        if express_ok:
            self._waiting.append(waiter)
        else:
            self._waiting.appendleft(waiter)
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _waited_too_long(self.limits.timeout)
                done, _ = await asyncio.wait({waiter.future}, timeout=min(POLL, left))
                if done:
                    return waiter.future.result()
                if await gone():
                    raise ClientGone()
        except BaseException:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            if waiter.future.done() and not waiter.future.cancelled():
                self._release(waiter.future.result())  # handed a worker while leaving: pass it on
            else:
                waiter.future.cancel()
            raise

    def _retry_after(self) -> int:
        """Seconds until a worker is surely free: the earliest deadline of the queries running."""
        busy = [lane.busy_until for lane in self._lanes if lane.busy]
        soonest = min(busy, default=time.monotonic() + 1) - time.monotonic()
        return max(1, math.ceil(soonest))

    def _release(self, lane: _Lane) -> None:
        """The lane goes to the first waiter that may use it, or back to the free ones."""
        if lane.process is not None and not lane.process.alive:
            self._renew(lane)
        for waiter in list(self._waiting):
            if waiter.future.done():
                self._waiting.remove(waiter)
            elif waiter.express_ok or not lane.express:
                self._waiting.remove(waiter)
                waiter.future.set_result(lane)
                return
        lane.busy = False
        lane.busy_until = 0.0

    async def _run(
        self,
        lane: _Lane,
        request: dict[str, Any],
        hard: float,
        limit: float,
        gone: Gone,
        express: float | None,
    ) -> Answer:
        loop = asyncio.get_running_loop()
        if lane.process is not None and (
            not lane.process.alive or lane.process.generation != self.generation
        ):
            self._renew(lane)
        if lane.process is None:
            spawning, lane.spawning = lane.spawning, None
            if spawning is None:
                spawning = self._threads.submit(self._spawn)
            lane.process = await asyncio.wrap_future(spawning)
        process = lane.process
        timer = loop.call_later(express, process.kill, "express") if express is not None else None
        running = loop.run_in_executor(self._threads, process.run, request, hard, limit)
        try:
            while True:
                done, _ = await asyncio.wait({running}, timeout=POLL)
                if done:
                    return running.result()
                if await gone():
                    process.kill("gone")
        except asyncio.CancelledError:
            process.kill("gone")  # the request's task was cancelled (the server stops)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def refresh(self) -> None:
        """After a write: workers started before it see the old state, so each restarts on next use."""
        self.generation += 1

    def close(self) -> None:
        self._closed = True
        for waiter in self._waiting:
            waiter.future.cancel()
        self._waiting.clear()
        for lane in self._lanes:
            if lane.process is not None:
                lane.process.kill("gone")
                lane.process.stop()
            if lane.spawning is not None and not lane.spawning.cancel():
                lane.spawning.add_done_callback(lambda started: started.result().stop())
        self._threads.shutdown(wait=False, cancel_futures=True)


def _waited_too_long(limit: float) -> ProtocolError:
    return ProtocolError(
        503,
        f"no SPARQL worker was free within the time limit ({limit:g} s, counted from the request's"
        " arrival): the server is busy with other queries, try again later",
    )


# --- updates ------------------------------------------------------------------------------------


@dataclass
class UpdateRehearsal:
    """Runs an update in a worker, on a checkpoint of the store, under the time limit, before the
    server applies it for real (`Endpoint.update` calls it with the write lock held).

    Why a rehearsal on a checkpoint, and not the update itself in a worker: pyoxigraph 0.5.13 has no
    way to interrupt an update (no cancellation or timeout argument; it releases the GIL and never
    checks signals), a read-only store refuses `update` before evaluating anything ("Transaction
    are only possible on read-write instances", in 0.3 ms), and only one process may open the store
    for writing, which the server does. Evaluating only the WHERE clauses in a worker would need a
    SPARQL Update parser of our own (templates, blank nodes, WITH/USING, sequences of operations
    where each sees the one before) to turn the solutions into writes: a second engine to get wrong.
    `Store.backup` makes a checkpoint (hard links: milliseconds) that opens read-write as an
    independent store, so the worker runs the very update there. Killed at the time limit, or
    crashed (5,000 nested `{` overflow its stack), it writes nothing anywhere and the caller gets
    the 503 or 500. When it finishes in time, the server runs the same update on the same data (the
    write lock is held from the checkpoint on, and only the server writes), so it takes about the
    time it just took, within the limit. The price: an update is evaluated twice (and a LOAD, where
    JIXIAO_SPARQL_ALLOW_LOAD allows one, fetches its URL twice).
    """

    store: ox.Store
    scratch: Path  # a folder beside the store (same file system, for the checkpoint's hard links)
    limits: Limits
    _process: subprocess.Popen[bytes] | None = field(default=None, init=False)
    _closed: bool = field(default=False, init=False)

    def __call__(self, text: str, seconds: float) -> None:
        if seconds <= 0:
            raise ProtocolError(503, _update_waited(self.limits.timeout))
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        try:
            try:
                self.store.backup(str(self.scratch))
            except OSError as exc:
                raise ProtocolError(
                    500, f"the store could not be checkpointed for the update: {exc}"
                ) from None
            self._rehearse(text, seconds - (time.monotonic() - started))
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def _rehearse(self, text: str, seconds: float) -> None:
        if self._closed:
            raise ProtocolError(503, "the service is stopping")
        process = self._process = subprocess.Popen(
            [sys.executable, "-m", "api.query_process", "--update", str(self.scratch)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert process.stdin is not None and process.stdout is not None
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            process.kill()

        timer = threading.Timer(max(seconds, 0.0), kill)
        timer.start()
        try:
            pickle.dump((text, asdict(self.limits)), process.stdin)
            process.stdin.close()
            reply = pickle.load(process.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            if killed.is_set():
                raise ProtocolError(
                    503,
                    f"the update ran longer than the time limit ({self.limits.timeout:g} s) and was"
                    " stopped; nothing was written",
                ) from None
            if self._closed:
                raise ProtocolError(503, "the service is stopping; nothing was written") from None
            raise ProtocolError(500, crashed(text, "update") + "; nothing was written") from None
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()
            self._process = None
        if reply[0] == "error":
            raise ProtocolError(reply[1], reply[2])

    def close(self) -> None:
        """Stop a rehearsal that runs (the service stops)."""
        self._closed = True
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()


def _update_waited(limit: float) -> str:
    return f"another update held the store for the whole time limit ({limit:g} s): try again later"


# --- the worker side ----------------------------------------------------------------------------


def _die_with_parent() -> None:
    """A worker must not outlive the server (killed by SIGKILL or the OOM killer, it cannot stop
    its workers): Linux kills this process when the thread that started it ends."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent went before the call
        os._exit(1)


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


def _serve_update(checkpoint: str, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """One update on the checkpoint (opened read-write: it is a store of its own), then exit."""
    text, limits = pickle.load(stdin)
    endpoint = Endpoint(ox.Store(checkpoint), Limits(**limits))
    try:
        endpoint.update(text)
        reply: tuple[Any, ...] = ("ok",)
    except ProtocolError as exc:
        reply = ("error", exc.status, exc.message)
    pickle.dump(reply, stdout)
    stdout.flush()
    os._exit(0)  # the checkpoint is thrown away: no need to close RocksDB cleanly


if __name__ == "__main__":
    _die_with_parent()
    if sys.argv[1] == "--update":
        _serve_update(sys.argv[2], sys.stdin.buffer, sys.stdout.buffer)
    else:
        _serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
