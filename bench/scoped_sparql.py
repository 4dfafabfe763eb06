"""The cookbook's queries scoped to one township's document, on a large store (issue 8).

At 1M indicators the cookbook's whole-graph aggregates take minutes on Oxigraph (bench/scale.py).
An analyst working on one township asks the same questions of that township's document only: the
SPARQL protocol's `default-graph-uri` (one or more documents plus the ontology's graph) instead of
the union of every document. This times each cookbook query that way on documents drawn at random
(fixed seed), in-process on the store read-only, as `/sparql` would run it.

    .venv/bin/python bench/scoped_sparql.py DATA_DIR [--documents 5] [--write]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.report import write_section  # noqa: E402
from bench.speed import machine_line  # noqa: E402

SEED = 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a jixiao data folder (its store is opened read-only)")
    parser.add_argument("--documents", type=int, default=5, help="documents drawn at random")
    parser.add_argument("--write", action="store_true", help="put the report into bench/RESULTS.md")
    args = parser.parse_args()
    import pyoxigraph as ox

    from jixiao.store import ONTOLOGY_GRAPH
    from ontology.cookbook import cookbook
    from ontology.namespace import JX

    store = ox.Store.read_only(str(args.data / "store"))
    listed = store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?g a <{JX.SourceDocument}> }} }}")
    assert isinstance(listed, ox.QuerySolutions)
    documents = sorted(str(row["g"].value) for row in listed)
    chosen = random.Random(SEED).sample(documents, min(args.documents, len(documents)))
    ontology = ox.NamedNode(str(ONTOLOGY_GRAPH))
    lines = [
        "### Cookbook queries scoped to one township's document",
        "",
        f"`.venv/bin/python bench/scoped_sparql.py {' '.join(sys.argv[1:])}` — {machine_line()}",
        "",
        f"The store: {len(store):,} quads in {len(documents):,} documents. Each query ran once on each of "
        f"{len(chosen)} documents drawn at random (seed {SEED}), with the default graph set to that "
        "document and the ontology's graph (the protocol's `default-graph-uri`), rows consumed:",
        "",
        "| query | rows (mean) | p50 ms | max ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for query in cookbook():
        times, rows = [], []
        for document in chosen:
            start = time.perf_counter()
            answer = store.query(query.text, default_graph=[ox.NamedNode(document), ontology])
            assert isinstance(answer, ox.QuerySolutions)
            rows.append(len(list(answer)))
            times.append((time.perf_counter() - start) * 1000)
        line = (
            f"| {query.name} | {np.mean(rows):,.0f} | {np.percentile(times, 50):,.1f} | {max(times):,.1f} |"
        )
        print(line, flush=True)
        lines.append(line)
    print("\n".join(lines))
    if args.write:
        write_section("scale-scoped", "\n".join(lines))


if __name__ == "__main__":
    main()
