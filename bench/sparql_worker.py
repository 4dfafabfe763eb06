"""The SPARQL side of bench/scale.py: one process holding a store, answering timed queries.

    python bench/sparql_worker.py rdflib DUMP.nq      # rdflib's memory store, loaded from N-Quads
    python bench/sparql_worker.py oxigraph STORE_DIR  # the jixiao store, read-only

It imports the store's library only, so its RSS is the store's; the parent kills it when a query
outlives the time limit (neither engine can interrupt a query in-process).
Protocol (pickle over stdin/stdout): after loading it writes {"load_s", "rss_mb", "quads"}; then for
each query text it reads, it writes the milliseconds the query took, all rows consumed.
"""

from __future__ import annotations

import os
import pickle
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def open_rdflib(dump: str) -> tuple[Callable[[str], Iterable[Any]], int]:
    from rdflib import Dataset

    dataset = Dataset(default_union=True)  # the union default graph, as jixiao's store has it
    dataset.parse(dump, format="nquads")
    quads = sum(1 for _ in dataset.quads((None, None, None, None)))
    return dataset.query, quads


def open_oxigraph(folder: str) -> tuple[Callable[[str], Iterable[Any]], int]:
    import pyoxigraph as ox

    store = ox.Store.read_only(folder)

    def query(text: str) -> Iterable[Any]:
        answer = store.query(text, use_default_graph_as_union=True)
        return answer if isinstance(answer, ox.QuerySolutions) else [answer]

    return query, len(store)


def main(engine: str, where: str) -> None:
    before = rss_mb()
    start = time.perf_counter()
    query, quads = (open_rdflib if engine == "rdflib" else open_oxigraph)(where)
    load_s = time.perf_counter() - start
    pickle.dump({"load_s": load_s, "rss_mb": rss_mb() - before, "quads": quads}, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    while True:
        try:
            text = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        start = time.perf_counter()
        for _ in query(text):
            pass
        pickle.dump((time.perf_counter() - start) * 1000, sys.stdout.buffer)
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
