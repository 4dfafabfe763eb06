"""The Milvus search backend at scale (issue 22 item 4): insert time, memory, disk, latency with and
without filters, recall@10 against exact, and what 15M indicators would need.

Entries come from bench/corpus.py's synthetic townships (real texts, units, years, categories),
one Entry per indicator, objective and project, written through search.milvus_backend exactly as
`jixiao reindex` writes them (jixiao's tokens, batched upserts, one document at a time). Vectors
are stand-ins, not e5's: a vector per distinct text, drawn around 64 random centres and
normalised (clustered like real ones, carrying no meaning), so only speed, size and recall are
read from them. Queries are stand-in vectors too (an entry's vector moved by noise) with real
texts for BM25; no model runs.

    .venv/bin/python bench/milvus.py --rows 100000            # milvus-lite in a temp folder
    .venv/bin/python bench/milvus.py --rows 100000 --write    # and bench/RESULTS.md's section
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import documents  # noqa: E402
from bench.machine import cores, cpu_model, load_average, ram_gib  # noqa: E402
from bench.report import write_section  # noqa: E402
from ingest.records import Document  # noqa: E402
from search.backend import parse_backend  # noqa: E402
from search.encoder import Prompts  # noqa: E402
from search.entries import Entry, Kind, Ref, TargetValue  # noqa: E402
from search.index import IndexMeta  # noqa: E402
from search.milvus_backend import MilvusIndex, MilvusSearcher  # noqa: E402
from search.service import Filters, Mode  # noqa: E402
from search.sync import META_SAVE_SECONDS  # noqa: E402

DIMENSION = 384  # multilingual-e5-small
SEED = 7
BASE = "https://w3id.org/jixiao/id/"
CATEGORY = "https://w3id.org/jixiao/ontology/category/"
Vectors = npt.NDArray[np.float32]


def entries_of(number: int, name: str, doc: Document) -> list[Entry]:
    """One township's document as search entries (as search.texts reads them from the graph)."""
    graph = f"{BASE}document/{number:06d}"
    unit = doc.units[0]
    township = Ref(f"{BASE}unit/{unit.code or number}", unit.name)
    found: list[Entry] = []
    for p, project in enumerate(doc.projects):
        iri = f"{graph}/project/{p}"
        ref = Ref(iri, project.name)
        year = project.fiscal_year or doc.fiscal_year
        amount = float(project.amount_wan) if project.amount_wan is not None else None
        common = dict(document=graph, unit=township, township=township, project=ref, year=year)
        names = [i.name for i in project.indicators]
        found.append(
            Entry(
                iri,
                Kind.PROJECT,
                project.name,
                " ".join([project.name, *names])[:2000],
                amount=amount,
                **common,
            )  # type: ignore[arg-type]
        )
        for o, objective in enumerate(project.objectives):
            found.append(
                Entry(f"{iri}/objective/{o}", Kind.OBJECTIVE, objective.text, objective.text, **common)
            )  # type: ignore[arg-type]
        for n, indicator in enumerate(project.indicators):
            target = TargetValue(indicator.target.raw, indicator.target.kind.value, None, None, None)
            found.append(
                Entry(
                    f"{iri}/indicator/{n}",
                    Kind.INDICATOR,
                    indicator.name,
                    indicator.name,
                    level1=Ref(CATEGORY + indicator.level1[:4], indicator.level1),
                    level2=Ref(CATEGORY + indicator.level2[:4], indicator.level2),
                    target=target,
                    **common,  # type: ignore[arg-type]
                )
            )
    return found


def corpus(rows: int) -> Iterator[tuple[str, list[Entry]]]:
    """(graph, entries) per township until `rows` entries."""
    total = 0
    for number, (name, doc) in enumerate(documents(SEED, rows)):
        found = entries_of(number, name, doc)[: rows - total]
        total += len(found)
        yield found[0].document, found
        if total >= rows:
            return


class StandIns:
    """A vector per distinct text: around 64 centres, normalised (see the module's docstring)."""

    def __init__(self, dimension: int = DIMENSION) -> None:
        rng = np.random.default_rng(SEED)
        self.centres = rng.standard_normal((64, dimension)).astype(np.float32)
        self.known: dict[str, Vectors] = {}
        self.rng = rng

    def of(self, texts: Sequence[str]) -> Vectors:
        out = np.empty((len(texts), self.centres.shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):
            vector = self.known.get(text)
            if vector is None:
                centre = self.centres[zlib.crc32(text.encode()) % len(self.centres)]
                noisy = centre + self.rng.normal(0, 0.9, centre.shape).astype(np.float32)
                vector = noisy / np.linalg.norm(noisy)
                self.known[text] = vector
            out[i] = vector
        return out


class QueryEncoder:
    """Stands in for e5 at query time: the vector given for the text being searched."""

    name = "stand-in"
    dimension = DIMENSION
    prompts = Prompts("", "")

    def __init__(self) -> None:
        self.next: Vectors | None = None

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        assert self.next is not None
        return self.next[None, :]

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        raise NotImplementedError


def milvus_rss_mb() -> float:
    """RSS of this process's children (milvus-lite's server), in MB."""
    return sum(child.memory_info().rss for child in psutil.Process().children(recursive=True)) / 2**20


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def percentiles(values: Sequence[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def exact_top10(
    matrix: Vectors, ids: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_], query: Vectors
) -> set[int]:
    scores = matrix[mask] @ query
    top = np.argsort(-scores, kind="stable")[:10]
    return {int(i) for i in ids[mask][top]}


def run(rows: int, folder: Path, queries: int) -> dict[str, object]:
    backend = parse_backend(f"milvus-lite://{folder}/index.db")
    index = MilvusIndex.open(backend)
    meta = IndexMeta("stand-in", DIMENSION, "", "", "name", "jieba")
    index.reset(meta)
    vectors = StandIns()
    all_ids: list[int] = []
    all_vectors: list[Vectors] = []
    kinds: list[str] = []
    towns: list[str] = []
    texts: list[str] = []
    started = time.perf_counter()
    inserted = 0
    tokenizing = 0.0
    saved = time.monotonic()
    for graph, entries in corpus(rows):
        batch = vectors.of([e.text for e in entries])
        first = index._meta().index.next_id
        t0 = time.perf_counter()
        # The meta saved as search.sync.sync_milvus saves it: every META_SAVE_SECONDS, and at the end.
        due = time.monotonic() - saved >= META_SAVE_SECONDS
        index.replace({graph: "bench"}, entries, batch, save=due)
        saved = time.monotonic() if due else saved
        tokenizing += time.perf_counter() - t0
        all_ids.extend(range(first, first + len(entries)))
        all_vectors.append(batch)
        kinds.extend(e.kind.value for e in entries)
        towns.extend(e.township.iri if e.township else "" for e in entries)
        texts.extend(e.label for e in entries if e.kind == Kind.INDICATOR)
        inserted += len(entries)
    index.save_meta()
    insert_s = time.perf_counter() - started
    client_rss = psutil.Process().memory_info().rss / 2**20
    server_rss = milvus_rss_mb()
    disk = folder_mb(folder)

    matrix = np.concatenate(all_vectors)
    ids = np.array(all_ids, dtype=np.int64)
    kind = np.array(kinds)
    town = np.array(towns)
    encoder = QueryEncoder()
    searcher = MilvusSearcher(index, lambda: encoder)  # type: ignore[arg-type, return-value]
    rng = random.Random(SEED)
    picks = [rng.randrange(len(ids)) for _ in range(queries)]
    some_town = town[picks[0]]
    np_rng = np.random.default_rng(SEED)
    timings: dict[str, list[float]] = {
        "hybrid": [],
        "hybrid, kind + township": [],
        "dense": [],
        "dense, kind": [],
    }
    recall: dict[str, list[float]] = {"dense": [], "dense, kind": []}
    for n, row in enumerate(picks):
        noisy = matrix[row] + np_rng.normal(0, 0.05, DIMENSION).astype(np.float32)
        query = (noisy / np.linalg.norm(noisy)).astype(np.float32)
        encoder.next = query
        text = texts[row % len(texts)]
        cases = [
            ("hybrid", Filters(), Mode.HYBRID, None),
            ("hybrid, kind + township", Filters(kind=Kind.INDICATOR, unit=some_town), Mode.HYBRID, None),
            ("dense", Filters(), Mode.DENSE, np.ones(len(ids), dtype=bool)),
            ("dense, kind", Filters(kind=Kind.INDICATOR), Mode.DENSE, kind == "indicator"),
        ]
        for label, filters, mode, mask in cases:
            t0 = time.perf_counter()
            searcher.search(text, filters, limit=10, mode=mode, per_project=0)
            seconds = time.perf_counter() - t0
            if n >= 3:  # the first few warm the caches
                timings[label].append(seconds * 1000)
            if mask is not None:
                # The raw dense list against exact (grouping folds duplicates, so compare the list).
                dense, _ = index.ranked([query.tolist()], "vector", "IP", searcher.expression(filters))
                got = {i for i, (rank, _s) in dense.items() if rank < 10}
                recall[label].append(len(got & exact_top10(matrix, ids, mask, query)) / 10)
    index.close()
    return {
        "rows": inserted,
        "insert_s": insert_s,
        "client_rss": client_rss,
        "server_rss": server_rss,
        "disk": disk,
        "timings": {k: percentiles(v) for k, v in timings.items()},
        "recall": {k: statistics.mean(v) for k, v in recall.items()},
        "queries": queries,
    }


def report(result: dict[str, object], command: str) -> str:
    rows = int(result["rows"])  # type: ignore[call-overload]
    insert_s = float(result["insert_s"])  # type: ignore[arg-type]
    client, server, disk = (float(result[k]) for k in ("client_rss", "server_rss", "disk"))  # type: ignore[arg-type]
    timings: dict[str, tuple[float, float]] = result["timings"]  # type: ignore[assignment]
    recall: dict[str, float] = result["recall"]  # type: ignore[assignment]
    scale = 15_000_000 / rows
    lines = [
        f"## Milvus backend (issue 22), {rows:,} entries",
        "",
        f"`{command}` — {cpu_model()}, {cores()} cores, {ram_gib():.0f} GiB; load average"
        f" {load_average()} at the end (this benchmark and its Milvus server count in it);"
        f" {time.strftime('%Y-%m-%d %H:%M %Z')}. milvus-lite 2.5.1 (FLAT vectors: the only index"
        f" milvus-lite has), {rows:,} entries"
        f" from bench/corpus.py (texts, units, years, categories real; 384-d stand-in vectors, no model),"
        f" {result['queries']} queries (stand-in query vectors, real texts for BM25).",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| insert (tokenise + batched insert, one document at a time) | {insert_s:.0f} s,"
        f" {rows / insert_s:,.0f} rows/s |",
        f"| RSS milvus-lite server | {server:,.0f} MB |",
        f"| RSS client (this process, incl. the bench's own copy of the vectors) | {client:,.0f} MB |",
        f"| disk | {disk:,.0f} MB |",
    ]
    for label, (p50, p95) in timings.items():
        lines.append(f"| {label}: p50 / p95 | {p50:.1f} / {p95:.1f} ms |")
    for label, value in recall.items():
        lines.append(f"| recall@10 of the dense list against exact ({label}) | {value:.3f} |")
    lines += [
        "",
        f"15M indicators (about {15_000_000 / 0.75 / 1e6:.0f}M entries with objectives and projects at this"
        f" corpus's mix) by linear extrapolation ×{scale * 1.33:.0f} — an extrapolation, not a measurement:"
        f" disk about {disk * scale * 1.33 / 1024:,.0f} GB, server memory about"
        f" {server * scale * 1.33 / 1024:,.0f} GB if everything stays loaded (Milvus keeps loaded segments in"
        f" RAM; DiskANN or mmap keeps most of it on disk), insert about"
        f" {insert_s * scale * 1.33 / 3600:,.1f} h at this rate on one client. FLAT search time grows with"
        " the rows it scans: past a few million a server with HNSW, IVF_SQ8 or DiskANN is the way"
        " (README, Milvus).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--keep", type=Path, help="a folder to build in and keep (default: a temp folder)")
    parser.add_argument("--write", action="store_true", help="write bench/RESULTS.md's section")
    parser.add_argument("--section", default="milvus", help="RESULTS.md section (one per size: milvus-1m)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="jixiao-milvus-"))
    if folder.exists() and any(folder.iterdir()):
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = run(args.rows, folder, args.queries)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    command = "python bench/milvus.py " + " ".join(sys.argv[1:])
    text = report(result, command.replace(" --write", ""))
    print(text)
    if args.write:
        write_section(args.section, text)


if __name__ == "__main__":
    os.environ.setdefault("GLOG_minloglevel", "2")
    main()
