"""Scale benchmark: the synthetic national corpus at 10k, 100k and 1M indicators, each stage timed.

For each size, with the real CLI and the real model:

1. generate the corpus (bench/corpus.py, flat-table CSV, one file per township);
2. `jixiao ingest --bulk --no-index --json` in a child process: read / RDF / load seconds from its
   report, wall time and the child's peak RSS, store size on disk;
3. the texts read back from the graph (search.texts, SPARQL), embedded (every distinct text once,
   as `sync` does) and indexed (`SearchIndex.replace`, save); up to `--embed-max` indicators the
   model embeds them all; above it the throughput is measured on a sample and the vectors are
   stand-ins (see `stand_in_vectors`): stated in the report;
4. warm hybrid search p50/p95 (the quality benchmark's Chinese queries), the index type, recall@10
   of its dense list against brute force, and memory per vector;
5. the cookbook's SPARQL queries p50/p95 on the store (pyoxigraph, as /sparql runs them) and on
   rdflib's in-memory store holding the same quads (a child process; up to `--rdflib-max`
   indicators), each query with a time limit.

    .venv/bin/python bench/scale.py [--sizes 10000 100000 1000000] [--write]

Everything is written under --work (default /tmp/jixiao-scale), never into the repository.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import random
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.corpus import Corpus, write_corpus  # noqa: E402
from bench.load import ram_gib  # noqa: E402
from bench.report import write_section  # noqa: E402
from bench.speed import (  # noqa: E402
    CpuShare,
    Latency,
    chinese_queries,
    folder_mb,
    latency,
    machine_line,
    say,
    timed,
)
from jixiao.settings import Settings  # noqa: E402

SIZES = (10_000, 100_000, 1_000_000)
SEED = 1
REPEATS = 5  # runs per SPARQL query; a query slower than SLOW_S runs once
SLOW_S = 10.0
RDFLIB_TIMEOUT_S = 60.0
OXIGRAPH_TIMEOUT_S = 600.0  # a query slower than this at 1M is reported as such
RDFLIB_RELOADS = 2  # reloads after a timeout per size (a reload of 2M quads takes minutes)
RECALL_QUERIES = 200
EMBED_SAMPLE = 3000  # texts timed when the whole corpus is not embedded
LOAD_METHODS_MAX = 20_000  # the write-method comparison holds the corpus in memory three times
NATIONAL = 15_000_000  # indicators: ~40,000 townships x 25 projects x 15


@dataclass
class Size:
    indicators: int
    corpus: Corpus | None = None
    generate_s: float = 0.0
    ingest: dict[str, Any] = field(default_factory=dict)
    index: dict[str, Any] = field(default_factory=dict)
    search: Latency | None = None
    sparql: dict[str, tuple[Latency | str, Latency | str | None]] = field(default_factory=dict)
    rdflib: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    load_methods: list[str] = field(default_factory=list)
    compressed: list[dict[str, Any]] = field(default_factory=list)
    machine: str = ""  # the machine line, with the date
    command: str = ""


# --- 1. corpus -----------------------------------------------------------------------------------


def corpus(work: Path, size: Size) -> Path:
    folder = work / f"corpus-{size.indicators}-{SEED}"
    stamp = folder / ".done.json"
    if stamp.exists():
        size.corpus = Corpus(**json.loads(stamp.read_text()))
        size.generate_s = json.loads((folder / ".seconds").read_text())
        return folder
    size.corpus, size.generate_s = timed(lambda: write_corpus(folder, size.indicators, SEED))
    stamp.write_text(json.dumps(size.corpus.__dict__))
    (folder / ".seconds").write_text(json.dumps(size.generate_s))
    return folder


# --- 2. ingest -----------------------------------------------------------------------------------


def run_child(command: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """(stdout, wall seconds, the child's peak RSS in MB), without letting Popen reap it first."""
    start = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=quiet, env=env)
        assert proc.stdout is not None
        out = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 2):
        raise RuntimeError(f"{command[:3]} exited with {proc.returncode}")
    return out, time.perf_counter() - start, usage.ru_maxrss / 1024


def ingest(folder: Path, data: Path, size: Size) -> None:
    if data.exists():
        subprocess.run(["rm", "-rf", str(data)], check=True)
    env = {**os.environ, "JIXIAO_DATA": str(data)}
    cpu = CpuShare()
    out, wall, rss = run_child(
        [str(REPO / ".venv/bin/jixiao"), "ingest", "--bulk", "--no-index", "--json", str(folder)], env
    )
    report = json.loads(out)
    errors = [f for f in report["files"] if f.get("error")]
    import pyoxigraph as ox

    store = ox.Store.read_only(str(data / "store"))
    size.ingest = {
        "wall_s": wall,
        "peak_rss_mb": rss,
        "stages": report["stages"],
        "files": len(report["files"]),
        "errors": len(errors),
        "quads": len(store),
        "store_mb": folder_mb(data / "store"),
        "input_mb": folder_mb(folder),
        "others_cpu": cpu.others(),
    }
    del store
    gc.collect()


def _update_each(docs: Sequence[Any], store: Any) -> None:
    for d in docs:
        store.update(f"INSERT DATA {{ GRAPH <{d.graph}> {{ {d.content}{d.marker} }} }}")


def load_methods(folder: Path) -> list[str]:
    """The same documents written to a fresh on-disk store four ways (best of 2 each): why --bulk."""
    import tempfile
    from datetime import UTC, datetime

    import pyoxigraph as ox

    from ingest.graph import SourceInfo, document_ntriples
    from ingest.iri import IriMinter
    from ingest.pipeline import read_file

    minter = IriMinter("https://w3id.org/jixiao/id/")
    docs = []
    for path in sorted(folder.glob("*.csv")):
        read = read_file(path)
        info = SourceInfo(
            path.name, read.sha256, read.reader.name, datetime.now(UTC), read.source.locations()
        )
        docs.append(document_ntriples(read.document, info, minter))
    nquads = "".join(d.content_nquads() + d.marker_nquads() for d in docs).encode()
    methods: dict[str, Callable[[ox.Store], object]] = {
        "bulk loader, one call (what --bulk does per batch)": lambda s: s.bulk_load(
            nquads, ox.RdfFormat.N_QUADS
        ),
        "one transaction (`Store.load`)": lambda s: s.load(nquads, ox.RdfFormat.N_QUADS),
        "one SPARQL update per document (a normal ingest)": partial(_update_each, docs),
    }
    rows = []
    for name, write in methods.items():
        best = float("inf")
        for _ in range(2):
            with tempfile.TemporaryDirectory(dir=folder.parent) as where:
                store = ox.Store(where)
                start = time.perf_counter()
                write(store)
                store.flush()
                best = min(best, time.perf_counter() - start)
                del store
        rows.append(f"| {name} | {best:.2f} | {sum(d.count for d in docs) / best:,.0f} |")
    return [
        f"Writing the same {len(docs)} documents ({sum(d.count for d in docs):,} quads) into a new "
        "on-disk store (best of 2):",
        "",
        "| how | seconds | quads/s |",
        "| --- | ---: | ---: |",
        *rows,
    ]


# --- 3/4. texts, embedding, index, search ------------------------------------------------------------


def stand_in_vectors(texts: Sequence[str], known: dict[str, np.ndarray], dimension: int) -> np.ndarray:
    """Vectors for texts the model did not embed at this size: a real vector (from the largest
    size embedded) when the same text was embedded there, else a real vector of a random embedded
    text moved by noise of about the spread between near neighbours, normalised. They keep the
    real vectors' distribution and clustering, so FAISS's k-means, recall and speed behave as on
    real vectors; they carry no meaning, so only speed and recall are read from them."""
    rng = np.random.default_rng(SEED)
    pool = np.stack(list(known.values())) if known else rng.standard_normal((1000, dimension))
    out = np.empty((len(texts), dimension), dtype=np.float32)
    misses = [i for i, t in enumerate(texts) if t not in known]
    for i, text in enumerate(texts):
        if text in known:
            out[i] = known[text]
    base = pool[rng.integers(0, len(pool), len(misses))]
    noisy = base + rng.normal(0, 0.02, base.shape).astype(np.float32)
    out[misses] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)
    return out


def index_and_search(
    data: Path, size: Size, encoder: Any, embed: bool, known: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    from jixiao.store import EmbeddedStore
    from search.index import SearchIndex
    from search.service import RankingSettings, SearchService
    from search.sync import new_meta
    from search.texts import read_entries

    settings = Settings(data=data)
    store = EmbeddedStore(settings.store_dir)
    cpu = CpuShare()
    entries, texts_s = timed(lambda: read_entries(store))
    documents = {str(d.graph): d.sha256 for d in store.documents()}
    store.close()
    texts = [e.text for e in entries]
    distinct = list(dict.fromkeys(texts))
    figures: dict[str, Any] = {"entries": len(entries), "distinct": len(distinct), "texts_s": texts_s}
    if embed:
        embedded, embed_s = timed(lambda: encoder.encode_passages(distinct, lambda n: None))
        figures.update(embed_s=embed_s, embedded=len(distinct), texts_per_s=len(distinct) / embed_s)
        known = dict(zip(distinct, embedded, strict=True))
    else:
        sample = random.Random(SEED).sample(distinct, min(EMBED_SAMPLE, len(distinct)))
        _, sample_s = timed(lambda: encoder.encode_passages(sample, lambda n: None))
        rate = len(sample) / sample_s
        figures.update(
            embed_s=None, embedded=len(sample), texts_per_s=rate, embed_estimate_s=len(distinct) / rate
        )
        embedded = stand_in_vectors(distinct, known, encoder.dimension)
    row = {t: i for i, t in enumerate(distinct)}
    vectors = np.asarray(embedded, dtype=np.float32)[[row[t] for t in texts]]
    index = SearchIndex.empty(new_meta(encoder, settings), settings.nprobe)
    rss_before = _rss_mb()
    start = time.perf_counter()
    index.replace(documents, entries, vectors, settings.exact_limit)
    build_s = time.perf_counter() - start
    figures.update(build_s=build_s, index_rss_mb=_rss_mb() - rss_before)
    _, save_s = timed(lambda: index.save(settings.index_dir))
    figures.update(save_s=save_s, index_mb=folder_mb(settings.index_dir), kind=index.vectors.kind)
    figures["vector_bytes"] = (settings.index_dir / "vectors.faiss").stat().st_size / max(
        1, len(index.vectors)
    )
    del entries
    gc.collect()
    service = SearchService(index, lambda: encoder, RankingSettings())
    queries = chinese_queries()
    size.search = latency(service.search, queries)
    figures["recall10"] = recall_at_10(index, encoder, queries)
    if index.vectors.kind != "flat":
        size.compressed = compressed_indexes(index, encoder, queries)
    figures["others_cpu"] = cpu.others()
    size.index = figures
    return known


def recall_at_10(index: Any, encoder: Any, queries: list[str]) -> float:
    """Mean recall@10 of the index's dense search against brute force over all stored vectors
    (the real queries, then vectors of random entries); ties with the 10th score count as found."""
    _, stored = index.vectors.all_vectors()
    probes = list(encoder.encode_queries(queries))
    rng = np.random.default_rng(SEED)
    probes += list(stored[rng.integers(0, len(stored), RECALL_QUERIES - len(probes))])
    found = []
    for probe in probes:
        exact = np.sort(stored @ probe)[::-1][:10]
        scores, _ = index.vectors.search(probe, 10)
        found.append(float(np.count_nonzero(scores[:10] >= exact[-1] - 1e-5)) / 10)
    return float(np.mean(found))


def compressed_indexes(index: Any, encoder: Any, queries: list[str]) -> list[dict[str, Any]]:
    """What the vectors would take in the index types one would scale out with: IVF with 8-bit scalar
    quantization and IVF with product quantization (48 bytes a vector), each trained on a sample,
    with recall@10 against brute force over the full-precision vectors, at nprobe 32."""
    import faiss

    from search.vectors import nlist_for

    _, stored = index.vectors.all_vectors()
    stored = np.ascontiguousarray(stored, dtype=np.float32)
    dim = stored.shape[1]
    rng = np.random.default_rng(SEED)
    train = stored[rng.choice(len(stored), min(len(stored), 100_000), replace=False)]
    probes = np.asarray(list(encoder.encode_queries(queries)), dtype=np.float32)
    probes = np.vstack([probes, stored[rng.integers(0, len(stored), RECALL_QUERIES - len(probes))]])
    truth = [np.sort(stored @ p)[::-1][9] for p in probes]
    nlist = nlist_for(len(stored))
    out = []
    for name, make in (
        (
            "IVF-SQ8",
            lambda q: faiss.IndexIVFScalarQuantizer(
                q, dim, nlist, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
            ),
        ),
        ("IVF-PQ48", lambda q: faiss.IndexIVFPQ(q, dim, nlist, 48, 8, faiss.METRIC_INNER_PRODUCT)),
    ):
        built = make(faiss.IndexFlatIP(dim))
        start = time.perf_counter()
        built.train(train)
        built.add(stored)
        build_s = time.perf_counter() - start
        built.nprobe = 32
        samples, hits = [], []
        ids_found = []
        for probe in probes:
            t = time.perf_counter()
            _, ids = built.search(probe[None, :], 10)
            samples.append((time.perf_counter() - t) * 1000)
            ids_found.append(ids[0])
        for probe, ids, threshold in zip(probes, ids_found, truth, strict=True):
            exact_scores = stored[ids[ids >= 0]] @ probe  # the found vectors' true scores
            hits.append(float(np.count_nonzero(exact_scores >= threshold - 1e-5)) / 10)
        size_bytes = len(faiss.serialize_index(built))
        out.append(
            {
                "kind": name,
                "build_s": build_s,
                "bytes": size_bytes / len(stored),
                "recall10": float(np.mean(hits)),
                "p50_ms": float(np.percentile(samples, 50)),
                "vectors": len(stored),
            }
        )
        del built
    return out


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


# --- 5. SPARQL: the store vs rdflib's memory store ---------------------------------------------------


def cookbook_in_child(
    engine: str, where: Path, skip: set[str], timeout_s: float, reloads_allowed: int
) -> tuple[dict[str, Latency | str], dict[str, float]]:
    """Every cookbook query on one engine (bench/sparql_worker.py in a child process): REPEATS runs
    each (one when slower than SLOW_S), the child killed when a query outlives `timeout_s`, and
    restarted for the next query at most `reloads_allowed` times. Returns the latencies (or why a
    query has none) and what loading the store took."""
    from ontology.cookbook import cookbook

    worker: subprocess.Popen[bytes] | None = None
    loaded: dict[str, float] = {}
    out: dict[str, Latency | str] = {}

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "bench" / "sparql_worker.py"), engine, str(where)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert proc.stdout is not None
        loaded.update(pickle.load(proc.stdout))  # load seconds, RSS, quads
        return proc

    starts = 0
    for query in cookbook():
        if query.name in skip:
            out[query.name] = f"not run: over {timeout_s:.0f} s at a smaller size"
            continue
        if worker is None and starts > reloads_allowed:
            out[query.name] = "not run: time budget (too many timeouts)"
            continue
        samples: list[float] = []
        while len(samples) < REPEATS:
            if worker is None:
                worker = start()
                starts += 1
            assert worker.stdin is not None and worker.stdout is not None
            pickle.dump(query.text, worker.stdin)
            worker.stdin.flush()
            timer = _Killer(worker, timeout_s)
            try:
                reply = pickle.load(worker.stdout)
            except EOFError:
                reply = None
            timer.cancel()
            if reply is None:
                worker.wait()
                worker = None
                out[query.name] = f"> {timeout_s:.0f} s"
                break
            samples.append(reply)
            if reply > SLOW_S * 1000:
                break
        if samples:
            out[query.name] = Latency(samples)
        got = out[query.name]
        say(f"{engine} {query.name}: {got if isinstance(got, str) else [round(x) for x in samples]}")
    if worker is not None:
        worker.kill()
        worker.wait()
    return out, loaded


def rdflib_cookbook(data: Path, size: Size, skip: set[str]) -> dict[str, Latency | str]:
    """The same queries on rdflib's memory store, loaded from an N-Quads dump of the store."""
    import pyoxigraph as ox

    dump = data / "all.nq"
    store = ox.Store.read_only(str(data / "store"))
    store.dump(str(dump), ox.RdfFormat.N_QUADS)
    del store
    try:
        out, size.rdflib = cookbook_in_child("rdflib", dump, skip, RDFLIB_TIMEOUT_S, RDFLIB_RELOADS)
    finally:
        dump.unlink()
    return out


class _Killer:
    def __init__(self, proc: subprocess.Popen[bytes], seconds: float) -> None:
        import threading

        self._timer = threading.Timer(seconds, proc.kill)
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()


# --- report ---------------------------------------------------------------------------------------


def _mb(value: float) -> str:
    return f"{value:,.0f}"


def report(sizes: list[Size], args: argparse.Namespace, machine: str) -> list[str]:
    lines = [
        "Each size was measured by one run of the command given (sizes can be run separately; the "
        "report gathers every size measured in the work folder):",
        "",
        *[f"- {s.indicators:,}: `{s.command}` — {s.machine}" for s in sizes],
        "",
        f'Corpus: `bench/corpus.py`, seed {SEED}. Every stage on 2 cores; "others\' CPU" is the share '
        "of the machine other processes took meanwhile (above ~10% the figures are pessimistic).",
        "",
        "### Corpus and ingest (`jixiao ingest --bulk --no-index`, child process)",
        "",
        "| indicators | files | projects | quads | input MB | generate s | read s | RDF s | load s "
        "| ingest wall s | indicators/s | store MB | bytes/quad | peak RSS MB | others' CPU |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: |",
    ]
    for s in sizes:
        c, i = s.corpus, s.ingest
        assert c is not None
        st = i["stages"]
        lines.append(
            f"| {c.indicators:,} | {i['files']:,} | {c.projects:,} | {i['quads']:,} | {i['input_mb']:.0f} | "
            f"{s.generate_s:.0f} | {st['read']:.1f} | {st['rdf']:.1f} | {st['load']:.1f} | "
            f"{i['wall_s']:.1f} | "
            f"{c.indicators / i['wall_s']:,.0f} | {_mb(i['store_mb'])} | "
            f"{i['store_mb'] * 2**20 / max(1, i['quads']):.0f} | {_mb(i['peak_rss_mb'])} | "
            f"{i['others_cpu']:.0%} |"
        )
    lines += ["", *[line for s in sizes for line in s.load_methods]]
    lines += [
        "",
        "### Texts, embedding, index, search",
        "",
        "| indicators | entries | distinct texts | read texts s | embed s | texts/s | index build s "
        "| save s | index MB on disk | index RSS MB | FAISS index | bytes/vector | recall@10 "
        "| search p50 ms | search p95 ms | others' CPU |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: "
        "| ---: | ---: | ---: |",
    ]
    for s in sizes:
        x = s.index
        if not x:  # run with --no-index
            continue
        assert s.corpus is not None and s.search is not None
        embed = f"{x['embed_s']:.0f}" if x["embed_s"] is not None else f"≈{x['embed_estimate_s']:,.0f} (est.)"
        lines.append(
            f"| {s.corpus.indicators:,} | {x['entries']:,} | {x['distinct']:,} | {x['texts_s']:.1f} | "
            f"{embed} | "
            f"{x['texts_per_s']:.0f} | {x['build_s']:.1f} | {x['save_s']:.1f} | {x['index_mb']:.0f} | "
            f"{x['index_rss_mb']:.0f} | {x['kind']} | {x['vector_bytes']:.0f} | {x['recall10']:.3f} | "
            f"{s.search.p50:.1f} | {s.search.p95:.1f} | {x['others_cpu']:.0%} |"
        )
    for s in sizes:
        if s.compressed:
            lines += [
                "",
                f"Compressed vector indexes on the same {s.compressed[0]['vectors']:,} vectors "
                f"(trained on {min(100_000, s.compressed[0]['vectors']):,} of them; recall@10 of each "
                "against brute force over the "
                "full-precision vectors, nprobe 32):",
                "",
                "| index | bytes/vector (serialized) | train + add s | recall@10 | one query p50 ms |",
                "| --- | ---: | ---: | ---: | ---: |",
                *[
                    f"| {c['kind']} | {c['bytes']:.0f} | {c['build_s']:.0f} | {c['recall10']:.3f} | "
                    f"{c['p50_ms']:.2f} |"
                    for c in s.compressed
                ],
            ]
    notes = [n for s in sizes for n in s.notes]
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]
    lines += ["", "### Cookbook SPARQL: the store (Oxigraph) vs rdflib's memory store, same quads", ""]
    for s in sizes:
        assert s.corpus is not None
        if not s.sparql:  # run with --no-sparql
            continue
        lines += [f"{s.corpus.indicators:,} indicators ({s.ingest['quads']:,} quads)"]
        if s.rdflib:
            lines[-1] += (
                f"; rdflib parsed them in {s.rdflib['load_s']:.0f} s, holding them took "
                f"{s.rdflib['rss_mb']:,.0f} MB RSS"
            )
        lines[-1] += ":"
        lines += [
            "",
            "| query | Oxigraph p50 ms | p95 ms | n | rdflib p50 ms | p95 ms | n | rdflib / Oxigraph (p50) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, (ox_lat, rd) in s.sparql.items():
            if not isinstance(ox_lat, Latency):
                lines.append(f"| {name} | {ox_lat} | | | {rd or 'not run'} | | | - |")
                continue
            if isinstance(rd, Latency):
                ratio = f"{rd.p50 / max(ox_lat.p50, 0.01):,.1f}×"
                rd_cells = f"{rd.p50:,.1f} | {rd.p95:,.1f} | {len(rd.samples_ms)}"
            else:
                timed_out = isinstance(rd, str) and rd.startswith(">")
                ratio = f"> {RDFLIB_TIMEOUT_S * 1000 / max(ox_lat.p50, 0.01):,.0f}×" if timed_out else "-"
                rd_cells = f"{rd or 'not run'} | | "
            lines.append(
                f"| {name} | {ox_lat.p50:,.1f} | {ox_lat.p95:,.1f} | {len(ox_lat.samples_ms)} | {rd_cells} "
                f"| {ratio} |"
            )
        lines.append("")
    return lines


def _stages(size: Size) -> dict[str, float | None]:
    """The cost of each stage at one size, for the scaling table."""
    i, x = size.ingest, size.index
    embed = x.get("embed_s") if x.get("embed_s") is not None else x.get("embed_estimate_s")
    x = {k: x.get(k) for k in ("distinct", "texts_s", "build_s", "index_rss_mb", "index_mb")}
    sparql = [lat.p50 / 1000 for lat, _ in size.sparql.values() if isinstance(lat, Latency)]
    if len(sparql) < len(size.sparql):
        sparql = []  # a query without a time: no sum
    return {
        "read s": i["stages"]["read"],
        "RDF s": i["stages"]["rdf"],
        "load s": i["stages"]["load"],
        "ingest wall s": i["wall_s"],
        "store MB": i["store_mb"],
        "ingest peak RSS MB": i["peak_rss_mb"],
        "distinct texts": x["distinct"],
        "read texts s": x["texts_s"],
        "embed s": embed,
        "index build s": x["build_s"],
        "index RSS MB": x["index_rss_mb"],
        "index MB on disk": x["index_mb"],
        "search p50 ms": size.search.p50 if size.search else None,
        "cookbook, sum of p50 s": sum(sparql) if sparql else None,
    }


def scaling(sizes: list[Size]) -> list[str]:
    """Each stage's cost at each size, the exponent b of cost ∝ size^b between the two largest
    sizes, and the extrapolation to the national 15M indicators along that curve."""
    if len(sizes) < 2:
        return []
    table = [_stages(s) for s in sizes]
    counts = [s.corpus.indicators for s in sizes if s.corpus is not None]
    header = " | ".join(f"{n:,}" for n in counts)
    lines = [
        "### Scaling: cost against size, and the extrapolation to 15M indicators",
        "",
        "b is the exponent of cost ∝ indicators^b between the two largest sizes measured (1 = linear, "
        "0 = flat). **The 15M column is an extrapolation along that curve, not a measurement.**",
        "",
        f"| stage | {header} | b | 15M (extrapolated) |",
        "| --- | " + " | ".join("---:" for _ in counts) + " | ---: | ---: |",
    ]
    for stage in table[0]:
        values = [t[stage] for t in table]
        cells = " | ".join("-" if v is None else f"{v:,.1f}" for v in values)
        a, b = values[-2], values[-1]
        if a and b and a > 0 and b > 0:
            exponent = float(np.log(b / a) / np.log(counts[-1] / counts[-2]))
            national = b * (NATIONAL / counts[-1]) ** exponent
            lines.append(f"| {stage} | {cells} | {exponent:.2f} | {national:,.0f} |")
        else:
            lines.append(f"| {stage} | {cells} | - | - |")
    return lines


def checkpoint(path: Path, size: Size, stages_done: set[str], stage: str) -> None:
    stages_done.add(stage)
    path.write_bytes(pickle.dumps((size, stages_done)))


def rdflib_not_run(indicators: int, quads: int, measured: Any) -> str:
    """Why rdflib's memory store is not tried at this size: the RAM it would need, from the RSS
    it took per quad at the largest size where it ran."""
    ran = [s for s in measured if s.rdflib and s.indicators < indicators]
    if not ran:
        return f"{indicators:,}: rdflib not run (`--rdflib-max`)."
    last = max(ran, key=lambda s: s.indicators)
    per_quad = last.rdflib["rss_mb"] * 2**20 / last.ingest["quads"]
    need_gb = per_quad * quads / 2**30
    return (
        f"{indicators:,}: rdflib's memory store not run (`--rdflib-max`): at {last.indicators:,} "
        f"indicators it held {last.ingest['quads']:,} quads in {last.rdflib['rss_mb']:,.0f} MB "
        f"({per_quad:,.0f} bytes/quad) and parsed them in {last.rdflib['load_s']:.0f} s, so "
        f"{quads:,} quads would need ≈{need_gb:,.0f} GB of RAM (this machine has "
        f"{ram_gib():.0f} GiB)."
    )


def load_results(work: Path) -> list[Size]:
    paths = [p for p in sorted(work.glob("result-*.pkl")) if not p.name.endswith(".partial.pkl")]
    return [pickle.loads(path.read_bytes()) for path in paths]


def load_known(work: Path) -> dict[str, np.ndarray]:
    """The largest embedded size's text -> vector (the stand-in vectors' source)."""
    path = work / "known.npz"
    if not path.exists():
        return {}
    saved = np.load(path, allow_pickle=False)
    return dict(zip(saved["texts"].tolist(), saved["vectors"], strict=True))


def save_known(work: Path, known: dict[str, np.ndarray]) -> None:
    np.savez(work / "known.npz", texts=np.array(list(known)), vectors=np.stack(list(known.values())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--embed-max", type=int, default=100_000, help="embed every text up to this size")
    parser.add_argument("--rdflib-max", type=int, default=100_000, help="run rdflib up to this size")
    parser.add_argument("--work", type=Path, default=Path("/tmp/jixiao-scale"))
    parser.add_argument(
        "--sparql-timeout", type=float, default=OXIGRAPH_TIMEOUT_S, help="seconds a cookbook query may run"
    )
    parser.add_argument("--no-index", action="store_true", help="ingest and SPARQL only (no texts, vectors)")
    parser.add_argument("--no-sparql", action="store_true", help="no cookbook queries")
    parser.add_argument("--report-only", action="store_true", help="write the report of the sizes measured")
    parser.add_argument("--write", action="store_true")
    parser.add_argument(
        "--resume", action="store_true", help="keep the stages a cut-short run of a size finished"
    )
    args = parser.parse_args()
    from search.encoder import load_encoder

    machine = machine_line()
    args.work.mkdir(parents=True, exist_ok=True)
    encoder = load_encoder(Settings())
    # Each size's figures are kept in the work folder, so that sizes can be run in separate sessions
    # (the 1M run takes an hour) and the report covers every size measured so far.
    done = {size.indicators: size for size in load_results(args.work)}
    known = load_known(args.work)
    too_slow = {n for size in done.values() for n, (_, rd) in size.sparql.items() if isinstance(rd, str)}
    for indicators in [] if args.report_only else sorted(args.sizes):
        command = ".venv/bin/python bench/scale.py " + " ".join(sys.argv[1:])
        partial_path = args.work / f"result-{indicators}.partial.pkl"
        data = args.work / f"data-{indicators}"
        size = Size(indicators, machine=machine, command=command)
        stages_done: set[str] = set()
        if args.resume and partial_path.exists() and data.exists():
            # An hour-long size cut short (a session ends): the stages it finished are kept.
            size, stages_done = pickle.loads(partial_path.read_bytes())
            size.command = f"{size.command}, resumed with `{command}`"
            say(f"{indicators:,}: resuming after {sorted(stages_done)}")

        folder = corpus(args.work, size)
        say(f"{indicators:,}: corpus {size.corpus} in {size.generate_s:.0f} s")
        if "ingest" not in stages_done:
            ingest(folder, data, size)
            if indicators <= LOAD_METHODS_MAX:
                size.load_methods = load_methods(folder)
            checkpoint(partial_path, size, stages_done, "ingest")
        say(f"{indicators:,}: ingest {size.ingest}")
        if "sparql" not in stages_done:
            oxigraph: dict[str, Latency | str] = {}
            rdflib: dict[str, Latency | str] = {}
            if args.no_sparql:
                size.notes.append(f"{indicators:,}: cookbook queries not run (`--no-sparql`).")
            else:
                oxigraph, _ = cookbook_in_child("oxigraph", data / "store", set(), args.sparql_timeout, 16)
                if indicators <= args.rdflib_max:
                    rdflib = rdflib_cookbook(data, size, too_slow)
                    too_slow |= {name for name, got in rdflib.items() if isinstance(got, str)}
                else:
                    size.notes.append(rdflib_not_run(indicators, size.ingest["quads"], done.values()))
            size.sparql = {name: (lat, rdflib.get(name)) for name, lat in oxigraph.items()}
            checkpoint(partial_path, size, stages_done, "sparql")
        embed = indicators <= args.embed_max
        if args.no_index:
            size.notes.append(f"{indicators:,}: texts, embedding and index not run (`--no-index`).")
        elif embed:
            known = index_and_search(data, size, encoder, embed, known)
            save_known(args.work, known)
        else:
            known = index_and_search(data, size, encoder, embed, known)
            size.notes.append(
                f"{indicators:,}: the model embedded a sample of {size.index['embedded']:,} texts (the rate "
                "above); the embed time is that rate times the distinct texts. The index holds stand-in "
                "vectors (real vectors of the largest embedded size, those texts' own where they recur, "
                "else a random one plus noise): its speed, memory and recall are measured, not its quality."
            )
        say(f"{indicators:,}: index {size.index}, search p50 {size.search.p50 if size.search else None}")
        (args.work / f"result-{indicators}.pkl").write_bytes(pickle.dumps(size))
        partial_path.unlink(missing_ok=True)
        done[indicators] = size
        gc.collect()
        sizes = [done[n] for n in sorted(done)]
        if args.write:
            lines = [*report(sizes, args, machine), "", *scaling(sizes)]
            write_section("scale", "\n".join(["## Scale (issue 8)", "", *lines]))
    sizes = [done[n] for n in sorted(done)]
    lines = [*report(sizes, args, machine), "", *scaling(sizes)]
    print("\n".join(lines))
    if args.write and args.report_only:
        write_section("scale", "\n".join(["## Scale (issue 8)", "", *lines]))


if __name__ == "__main__":
    main()
