"""The rdflib side of bench/scale.py: one process holding rdflib's memory store, answering timed queries.

Run as `python bench/rdflib_worker.py DUMP.nq`; it imports rdflib only, so its RSS is rdflib's.
Protocol (pickle over stdin/stdout): after loading it writes {"load_s", "rss_mb", "quads"}; then for
each query text it reads, it writes the milliseconds the query took, all rows consumed.
"""

from __future__ import annotations

import os
import pickle
import sys
import time

from rdflib import Dataset


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main(dump: str) -> None:
    before = rss_mb()
    start = time.perf_counter()
    dataset = Dataset(default_union=True)  # the union default graph, as jixiao's store has it
    dataset.parse(dump, format="nquads")
    load_s = time.perf_counter() - start
    quads = sum(1 for _ in dataset.quads((None, None, None, None)))
    pickle.dump({"load_s": load_s, "rss_mb": rss_mb() - before, "quads": quads}, sys.stdout.buffer)
    sys.stdout.buffer.flush()
    while True:
        try:
            text = pickle.load(sys.stdin.buffer)
        except EOFError:
            return
        start = time.perf_counter()
        for _ in dataset.query(text):
            pass
        pickle.dump((time.perf_counter() - start) * 1000, sys.stdout.buffer)
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    main(sys.argv[1])
