"""The samples' ingest, for a before/after comparison of two checkouts (issue 17: no slower than 1.2×).

    PYTHONPATH=OLD_CHECKOUT .venv/bin/python bench/ingest_samples.py 10
    PYTHONPATH=.            .venv/bin/python bench/ingest_samples.py 10

Ingests both samples (`ingest_file`, as `jixiao ingest --no-index` does) into a fresh store,
ROUNDS times, and prints the seconds. It imports jixiao from PYTHONPATH, so the same script times
any checkout whose `ingest_file(path, store, minter)` has this signature; time the two as whole
processes, interleaved, several times each (`/usr/bin/time -v`), and compare CPU seconds.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao.store import EmbeddedStore

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "samples").glob("*.txt"))


def main(rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            store = EmbeddedStore(Path(folder) / "store")
            for path in SAMPLES:
                ingest_file(path, store, IriMinter("https://w3id.org/jixiao/id/"))
            store.close()
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"{main(int(sys.argv[1]) if len(sys.argv) > 1 else 10):.2f}")
