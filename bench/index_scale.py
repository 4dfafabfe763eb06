"""The in-process search index at scale (issue 22 item 2): build, load, memory, latency, recall.

    .venv/bin/python bench/index_scale.py --sizes 100000 1000000 [--old 100000] [--write]

Entries: bench/speed.py's `Synthesizer` (the samples' projects re-drawn per township and year,
texts composed as search.texts composes them), which makes `Entry` objects directly; the files
bench/corpus.py writes would need an ingest and a SPARQL read first (25 minutes at 1M,
bench/RESULTS.md "Scale") for the same kind of entries. Vectors: **stand-ins, not the model's** —
a deterministic character-n-gram hashing encoder (384 dimensions, as e5-small; similar texts get
similar vectors, so IVF's lists are meaningful) plus a little per-text noise. Speed, memory and
recall are measured on them; search quality is not (bench/quality.py does that on the samples).
Query encoding is the stand-in's (microseconds): add the model's query time (bench/RESULTS.md,
"Speed": 10–20 ms) for what a user waits.

Each implementation runs in its own child processes: one builds and saves, then fresh ones load
and search, alternating old / new when both run (`--old`: today's code against `git show HEAD`'s
search package, extracted to a temporary folder), so both meet the same machine load.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

REPO = Path(__file__).resolve().parent.parent
DIMENSION = 384
QUERIES = 200
EXACT_LIMIT = 200_000  # the shipped setting
SQ8_AT_100K = 50_000  # an exact limit that makes 100k indicators IVF-SQ8 too, to compare at one size


# --- stand-in vectors -----------------------------------------------------------------------------


def stand_in(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """Character unigrams and bigrams hashed into DIMENSION buckets, plus noise (norm 0.2) seeded by text."""
    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    for row, text in enumerate(texts):
        grams = [*text, *(text[i : i + 2] for i in range(len(text) - 1))]
        buckets = [zlib.crc32(g.encode("utf-8")) % DIMENSION for g in grams] or [0]
        np.add.at(out[row], buckets, 1.0)
        noise = np.random.default_rng(zlib.crc32(text.encode("utf-8"))).normal(size=DIMENSION)
        out[row] /= np.linalg.norm(out[row])
        out[row] += 0.2 * noise.astype(np.float32) / math.sqrt(DIMENSION)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


def stand_in_passages(texts: Sequence[str], seed: int = 22) -> npt.NDArray[np.float32]:
    """The same n-gram buckets as `stand_in`, noise (norm 0.2) from one generator for the whole list:
    the per-text generator costs more than the rest at a million texts. Deterministic for a list."""
    rng = np.random.default_rng(seed)
    out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    for start in range(0, len(texts), 50_000):
        block = texts[start : start + 50_000]
        rows: list[int] = []
        buckets: list[int] = []
        for row, text in enumerate(block):
            grams = [*text, *(text[i : i + 2] for i in range(len(text) - 1))] or [""]
            rows.extend([row] * len(grams))
            buckets.extend(zlib.crc32(g.encode("utf-8")) % DIMENSION for g in grams)
        part = np.zeros((len(block), DIMENSION), dtype=np.float32)
        np.add.at(part, (np.array(rows), np.array(buckets)), 1.0)
        part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-9)
        part += 0.2 * rng.normal(size=part.shape).astype(np.float32) / math.sqrt(DIMENSION)
        out[start : start + len(block)] = part / np.linalg.norm(part, axis=1, keepdims=True)
    return out


class StandInEncoder:
    name = "stand-in/hashing-384"
    dimension = DIMENSION

    def encode_queries(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return stand_in(texts)

    def encode_passages(self, texts: Sequence[str], progress: Any = None) -> npt.NDArray[np.float32]:
        return stand_in(texts)


# --- the parent: corpus, queries, exact answers, children ------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def prepare(size: int, work: Path) -> dict[str, Any]:
    """Entries (pickled), their vectors (.npy), the queries and their exact top 10 (json)."""
    sys.path.insert(0, str(REPO))
    from bench.speed import Synthesizer, chinese_queries, sample_entries
    from search.entries import Kind

    folder = work / f"corpus-{size}"
    done = folder / "queries.json"
    if done.is_file():
        return dict(json.loads(done.read_text("utf-8")))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    base = work / f"corpus-{REPLICATED}"
    if size > REPLICATED and (base / "queries.json").is_file():
        entries, vectors = replicate(base, size, folder)
        made = "replicated"
        distinct = list(dict.fromkeys(e.text for e in entries))
        seconds = time.perf_counter() - started
        say(f"{size}: {len(entries):,} entries copied from {REPLICATED:,} in {seconds:.0f} s")
    else:
        samples = sample_entries(Path(tempfile.mkdtemp(dir=work)))
        entries = Synthesizer(samples).entries(size)
        made = "synthesized"
        say(f"{size}: {len(entries):,} entries made in {time.perf_counter() - started:.0f} s")
        distinct = list(dict.fromkeys(e.text for e in entries))
        started = time.perf_counter()
        # Up to 100k indicators the passages went through `stand_in` (noise seeded per text); above,
        # the faster `stand_in_passages` (the same buckets and noise norm). Queries use `stand_in`.
        unique = stand_in(distinct) if size <= 100_000 else stand_in_passages(distinct)
        row = {text: i for i, text in enumerate(distinct)}
        shape = (len(entries), DIMENSION)
        vectors = np.lib.format.open_memmap(folder / "vectors.npy", "w+", np.float32, shape)
        for start in range(0, len(entries), 100_000):
            block = entries[start : start + 100_000]
            vectors[start : start + len(block)] = unique[[row[e.text] for e in block]]
        vectors.flush()
        seconds = time.perf_counter() - started
        say(f"{size}: {len(distinct):,} distinct texts, stand-in vectors in {seconds:.0f} s")
    with (folder / "entries.pickle").open("wb") as handle:
        pickle.dump(entries, handle, protocol=pickle.HIGHEST_PROTOCOL)

    # Queries: the quality benchmark's Chinese ones, then indicator names drawn from the corpus.
    rng = random.Random(22)
    indicators = [e for e in entries if e.kind == Kind.INDICATOR]
    texts = chinese_queries()
    texts += [e.label for e in rng.sample(indicators, QUERIES - len(texts))]
    townships = sorted({e.township.iri for e in entries if e.township})
    # Three filters, rotating: broad (kind), narrow (one township's document), middle (year + level 1).
    specs: list[dict[str, Any]] = []
    for n in range(len(texts)):
        if n % 3 == 0:
            specs.append({"kind": "indicator"})
        elif n % 3 == 1:
            specs.append({"unit": rng.choice(townships).rsplit("/", 1)[-1]})
        else:
            specs.append({"year": 2023, "level1": "产出指标"})
    masks = {
        "kind": np.array([e.kind == Kind.INDICATOR for e in entries]),
        "year+level1": np.array(
            [e.year == 2023 and e.level1 is not None and e.level1.label == "产出指标" for e in entries]
        ),
    }
    township_of = np.array([e.township.iri.rsplit("/", 1)[-1] if e.township else "" for e in entries])
    del entries
    queries = stand_in(texts)
    # The 10th best score, not the top-10 ids: identical texts have identical vectors, and which of
    # several tied entries comes 10th is arbitrary. A hit counts when it scores at least that.
    truth, truth_filtered = [], []
    for n, query in enumerate(queries):
        scores = np.asarray(vectors @ query)
        truth.append(float(np.sort(scores)[-10]))
        spec = specs[n]
        mask = (
            masks["kind"]
            if "kind" in spec
            else masks["year+level1"]
            if "year" in spec
            else township_of == spec["unit"]
        )
        allowed = np.flatnonzero(mask)
        truth_filtered.append(float(np.sort(scores[allowed])[-min(10, len(allowed))]))
    state = {
        "size": size,
        "entries": len(vectors),
        "distinct": len(distinct),
        "made": made,
        "queries": texts,
        "filters": specs,
        "truth": truth,
        "truth_filtered": truth_filtered,
    }
    done.write_text(json.dumps(state, ensure_ascii=False), "utf-8")
    return state


REPLICATED = 100_000  # larger sizes copy this corpus when it is there (see `replicate`)


def replicate(base: Path, size: int, folder: Path) -> tuple[list[Any], Any]:
    """The 100k corpus copied until `size` indicators: each copy its own IRIs, documents, units and
    townships (so a township filter stays one document), the same texts, and the vectors moved by
    noise of norm 0.1 per copy (so no two copies' vectors coincide). Making 1M entries with the
    Synthesizer and embedding 600k distinct texts took more CPU than a machine shared by seven
    helpers could give in the time; the copies keep the index's sizes real (entries, postings,
    vectors) at the price of fewer distinct texts (the BM25 vocabulary is the 100k one)."""
    from dataclasses import replace as copy_of

    from search.entries import Kind, Ref

    with (base / "entries.pickle").open("rb") as handle:
        original = pickle.load(handle)
    source = np.load(base / "vectors.npy", mmap_mode="r")
    indicators = sum(1 for e in original if e.kind == Kind.INDICATOR)
    copies = math.ceil(size / indicators)
    rng = np.random.default_rng(23)

    def moved(ref: Ref | None, k: int) -> Ref | None:
        return None if ref is None else Ref(f"{ref.iri}-c{k}", ref.label)

    entries = list(original)
    for k in range(1, copies):
        for e in original:
            entries.append(
                copy_of(
                    e,
                    iri=f"{e.iri}-c{k}",
                    document=f"{e.document}-c{k}",
                    unit=moved(e.unit, k),
                    township=moved(e.township, k),
                    project=moved(e.project, k),
                )
            )
    shape = (len(entries), DIMENSION)
    vectors = np.lib.format.open_memmap(folder / "vectors.npy", "w+", np.float32, shape)
    for k in range(copies):
        block = np.array(source, dtype=np.float32)
        if k:
            block += 0.1 * rng.normal(size=block.shape).astype(np.float32) / math.sqrt(DIMENSION)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
        vectors[k * len(source) : (k + 1) * len(source)] = block
    vectors.flush()
    return entries, vectors


def old_tree(work: Path) -> Path:
    """HEAD's search package in a folder of its own, to run today's index beside the new one."""
    tree = work / "old-tree"
    if (tree / "search" / "index.py").is_file():
        return tree
    (tree / "search").mkdir(parents=True, exist_ok=True)
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", "HEAD", "search/"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in names:
        body = subprocess.run(
            ["git", "show", f"HEAD:{name}"], cwd=REPO, capture_output=True, check=True
        ).stdout
        (tree / name).write_bytes(body)
    return tree


def child(impl: str, step: str, size: int, work: Path, exact_limit: int) -> dict[str, Any]:
    path = [str(old_tree(work))] if impl == "old" else []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([*path, str(REPO)])}
    command = [sys.executable, __file__, "--child", impl, step, str(size), str(work), str(exact_limit)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"{impl} {step} {size} failed:\n{done.stderr[-4000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- the children ---------------------------------------------------------------------------------


def run_build(impl: str, size: int, work: Path, exact_limit: int) -> dict[str, Any]:
    from search.index import IndexMeta, SearchIndex
    from search.texts import DEFAULT_RECIPE

    folder = work / f"corpus-{size}"
    with (folder / "entries.pickle").open("rb") as handle:
        entries = pickle.load(handle)
    vectors = np.load(folder / "vectors.npy", mmap_mode="r")
    meta = IndexMeta(
        model=StandInEncoder.name, dimension=DIMENSION, query_prompt="", passage_prompt="",
        recipe=DEFAULT_RECIPE.value, tokenizer="jieba",
    )  # fmt: skip
    target = work / f"index-{impl}-{size}-{exact_limit}"
    shutil.rmtree(target, ignore_errors=True)
    before = rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    index = SearchIndex.empty(meta)
    documents = {e.document: "stand-in" for e in entries}
    index.replace(documents, entries, np.asarray(vectors), exact_limit)
    built, built_cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = rss_mb()
    started = time.perf_counter()
    index.save(target)
    saved = time.perf_counter() - started
    disk = sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) / 2**20
    return {
        "build_s": built, "build_cpu_s": built_cpu, "save_s": saved, "disk_mb": disk,
        "kind": index.vectors.kind, "build_rss_mb": peak - before,
    }  # fmt: skip


def run_serve(impl: str, size: int, work: Path, exact_limit: int) -> dict[str, Any]:
    from search.index import SearchIndex
    from search.service import Filters, SearchService

    state = json.loads((work / f"corpus-{size}" / "queries.json").read_text("utf-8"))
    folder = work / f"index-{impl}-{size}-{exact_limit}"
    encoder = StandInEncoder()
    encoder.encode_queries(["预热"])  # numpy's first call, outside the timings
    before = rss_mb()
    started = time.perf_counter()
    index = SearchIndex.load(folder)
    load_s = time.perf_counter() - started
    after_load = rss_mb()
    service = SearchService(index, lambda: encoder)
    started = time.perf_counter()
    service.search(state["queries"][0])
    first_ms = (time.perf_counter() - started) * 1000
    filters = [Filters(**spec) for spec in state["filters"]]
    plain, filtered, plain_cpu, filtered_cpu = [], [], [], []
    for rounds in range(2):
        for n, query in enumerate(state["queries"]):
            started, cpu = time.perf_counter(), time.process_time()
            service.search(query)
            middle, middle_cpu = time.perf_counter(), time.process_time()
            service.search(query, filters[n])
            end, end_cpu = time.perf_counter(), time.process_time()
            if rounds:  # the second round: caches as a serving process has them
                plain.append((middle - started) * 1000)
                filtered.append((end - middle) * 1000)
                # CPU time too: on a machine this shared, wall time is mostly waiting for a core.
                plain_cpu.append((middle_cpu - cpu) * 1000)
                filtered_cpu.append((end_cpu - middle_cpu) * 1000)
    after = rss_mb()
    vectors = encoder.encode_queries(state["queries"])
    hits = hits_filtered = 0
    count = count_filtered = 0
    for n, vector in enumerate(vectors):
        # The scores returned are exact inner products (flat; IVF-SQ8 re-ranked; IVFFlat).
        hits += int((index.vectors.search(vector, 10)[0] >= state["truth"][n] - 1e-5).sum())
        allowed = service.allowed_rows(filters[n])
        ids = index.columns.ids[allowed] if allowed is not None else None
        found = index.vectors.search(vector, 10, ids)[0]
        hits_filtered += int((found >= state["truth_filtered"][n] - 1e-5).sum())
        count += 10
        count_filtered += min(10, len(ids) if ids is not None else 10)
    return {
        "load_s": load_s, "load_rss_mb": after_load - before, "rss_mb": after - before, "first_ms": first_ms,
        "p50": float(np.percentile(plain, 50)), "p95": float(np.percentile(plain, 95)),
        "p50_f": float(np.percentile(filtered, 50)), "p95_f": float(np.percentile(filtered, 95)),
        "cpu_p50": float(np.percentile(plain_cpu, 50)), "cpu_p95": float(np.percentile(plain_cpu, 95)),
        "cpu_p50_f": float(np.percentile(filtered_cpu, 50)),
        "cpu_p95_f": float(np.percentile(filtered_cpu, 95)),
        "recall": hits / count, "recall_f": hits_filtered / count_filtered, "kind": index.vectors.kind,
    }  # fmt: skip


# --- the report -----------------------------------------------------------------------------------


def report(results: list[dict[str, Any]]) -> str:
    runs = {(r["command"], r["machine"]) for r in results}
    lines = [
        "## In-process index at scale (issue 22 item 2)",
        "",
        *(f"- `{command}` — {machine}" for command, machine in sorted(runs)),
        "",
        *shared(results),
        "Entries from `bench/speed.py`'s Synthesizer (realistic texts, townships, years, categories and",
        "targets); "
        + corpus(results)
        + " **Vectors are stand-ins** (a character-n-gram hashing encoder, 384 dimensions): speed,",
        "memory and recall are measured, not search quality. Latency is `SearchService.search` (hybrid,",
        "limit 10, match evidence included) with the stand-in's query encoding (µs): the model adds its",
        "own 10–20 ms per query. Filters rotate: kind = indicator (broad), one township by code (narrow),",
        "year 2023 + 产出指标 (middle). Recall@10 is the dense list's against brute force over the same",
        "vectors (with the same filter for the filtered column); a hit counts when its exact score is at",
        "least the 10th best (identical texts share a vector, and which tied entry is 10th is arbitrary).",
        "Index RSS: the process's RSS after",
        "400 searches minus before loading (memory-mapped pages it touched included).",
        "",
        "| impl | indicators | entries | FAISS | build s (CPU s) | save s | disk MB | load s | "
        "index RSS MB (after load) | first query ms | p50 / p95 ms | filtered p50 / p95 ms | "
        "CPU p50 / p95 ms | filtered CPU p50 / p95 ms | recall@10 | recall@10 filtered |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
        "---: | ---: |",
    ]

    def cpu(r: dict[str, Any], key: str) -> str:
        return f"{r[key]:.0f}" if key in r else "–"

    for r in results:
        lines.append(
            f"| {r['label']} | {r['size']:,} | {r['entries']:,} | {r['kind']} | {r['build_s']:.0f} "
            f"({cpu(r, 'build_cpu_s')}) | {r['save_s']:.1f} | {r['disk_mb']:,.0f} | {r['load_s']:.2f} | "
            f"{r['rss_mb']:,.0f} ({r['load_rss_mb']:,.0f}) | {r['first_ms']:,.0f} | "
            f"{r['p50']:.0f} / {r['p95']:.0f} | {r['p50_f']:.0f} / {r['p95_f']:.0f} | "
            f"{r['cpu_p50']:.0f} / {r['cpu_p95']:.0f} | {r['cpu_p50_f']:.0f} / {r['cpu_p95_f']:.0f} | "
            f"{r['recall']:.3f} | {r['recall_f']:.3f} |"
        )
    new = sorted((r for r in results if r["label"] == "new"), key=lambda r: r["size"])
    if new and new[-1]["kind"] == "ivf":
        large = new[-1]
        factor = 15_000_000 / large["size"]
        lines += [
            "",
            f"15M indicators, **extrapolated** (not measured): the {large['size']:,} row times {factor:.0f},",
            "as if linear in entries. A floor for the build (FAISS's assignment of every vector to a list",
            "grows as n·√n) and for RSS (a larger index touches more pages); load and latency are not",
            "extrapolated (IVF probes a fixed number of lists; BM25's postings grow linearly).",
            "",
            "| figure | measured | 15M (extrapolated, linear) |",
            "| --- | ---: | ---: |",
        ]
        for key, name in (
            ("build_cpu_s", "build CPU s"), ("save_s", "save s"), ("disk_mb", "disk MB"),
            ("rss_mb", "index RSS MB after 400 searches"), ("load_rss_mb", "RSS after load MB"),
        ):  # fmt: skip
            lines.append(f"| {name} | {large[key]:,.0f} | {large[key] * factor:,.0f} |")
    rounds = ", ".join(sorted({f"{r['rounds']} at {r['size']:,}" for r in results}))
    lines += [
        "",
        f"Each figure after the build is the median of fresh processes ({rounds}: load, then 2 rounds of",
        f"{QUERIES} queries with and without a filter, the second round timed). `old (HEAD)` is HEAD's",
        "search package serving the same index files as `new` (`--share-build`: the change is to search time",
        "only, so its build figures are the new build's; `--reuse-build`: that build, made by this script's",
        f"build child {built_when(results)}, is served again). The index before format 2 took 762 s",
        "to build and"
        + ' 4,326 MB of RSS at 1M, p95 133 ms (bench/RESULTS.md, "Scale"). Earlier rows of this section',
        "(100k, the first 1M builds) are in this file's history.",
        "",
        "Search quality on the samples (`.venv/bin/python bench/quality.py`, real model) is in",
        '"Search quality by backend" (in-process hybrid nDCG@10 0.6487); the samples are under the exact',
        "limit, so nprobe and the IVF path do not touch them.",
        "",
        "This run against HEAD (by hand, 2026-12-04): the change to search time is that a lexical-only",
        "candidate's cosine is read for all of them in one gather and one product (they were read one",
        "by one: 7 ms of a search at 1M), and project amounts are looked up for the page's hits only",
        "(they were for all ~300 candidates: 7.5 ms); cProfile over 200 searches at 1M: 17.5 s → 12.4 s.",
        "Latency excludes the model's query encoding (measured separately in the README's figures).",
        "",
        "Read with care (by hand, from the runs of 2026-12-03 on a loaded AMD EPYC, whose 1M corpus was",
        "the 100k one copied 10 times: 62k distinct texts; the figures above say which corpus they had):",
        "",
        "- The first 1M build, with FAISS's 4·√n = 4,514 lists, took 614 s (578 CPU s), nearly all",
        "  k-means (cost ∝ lists² × points per list); halving the lists gave 199 s (285 s in this run,",
        "  a more loaded machine).",
        "- Recall (profiled with /tmp scripts on this index, same machine): nprobe 32 → 64 lifts",
        "  recall@10 0.974 → 0.983 (filtered 0.969 → 0.974) for ≈ 2 ms; re-ranking 200 candidates",
        "  instead of 74 changed nothing. The filtered shortfall is the broad kind filter (0.951 at",
        "  nprobe 64, 0.963 at 128), its cause not found in the time.",
        "- Where a search's time goes (cProfile, 90 filtered searches at 1M): building `Entry` objects",
        "  for the ~470 fused candidates (grouping and judging need them all) about a third; each",
        "  hit's project amount built the project's whole Entry (a sixth: now read from the amount",
        "  column); BM25 over the 1.27M-row score array ≈ 17 ms; a unit filter made 157k Refs per query",
        "  (35 ms: now once per index state); the FAISS probe itself ≈ 6 ms.",
        "- The CPU columns count every thread of the process: they exceed wall time where OpenBLAS's",
        "  threads spin after a small matrix product, so read them as an upper bound.",
        "- Most of a query's time is not the index: `SearchService` judges every candidate (about",
        "  300) and builds each one's `Entry`; OpenCC's conversion of their labels was half of it",
        "  before `search/match.py` cached it per label (profiled at 10k).",
    ]
    return "\n".join(lines)


def shared(results: list[dict[str, Any]]) -> list[str]:
    """What the load average says: it counts this benchmark's own processes (a search process keeps
    up to two threads busy, OpenBLAS's spinning), so only a load well above that means other jobs."""
    from bench.machine import cores

    loads = [r["load"][0] for r in results if r.get("load")]
    if loads and max(loads) <= cores():
        return [
            f"One-minute load average at most {max(loads):.2f} on {cores()} cores when each size finished,"
            " this benchmark's own",
            "processes included: no other job of note. Old and new, when both run, alternate process",
            "by process.",
            "",
        ]
    return [
        "**The machine was shared with other jobs** (load average above): latencies are",
        "pessimistic and noisy; old and new alternate process by process so both meet the same load.",
        "",
    ]


def corpus(results: list[dict[str, Any]]) -> str:
    """How each size's corpus was made: drawn by the Synthesizer, or the 100k one copied."""
    parts = []
    for r in sorted({(r["size"], r.get("made"), r.get("distinct")) for r in results}, key=str):
        size, made, distinct = r
        if made == "replicated":
            parts.append(
                f"{size:,}: the {REPLICATED:,} corpus copied (`replicate`: own IRIs, documents, units"
                " and townships per copy, vectors moved by noise of norm 0.1), so"
                f" {distinct or 0:,} distinct texts rather than a real corpus's"
            )
        elif made == "synthesized":
            parts.append(f"{size:,}: drawn by the Synthesizer, {distinct or 0:,} distinct texts")
        else:
            parts.append(f"{size:,}: how it was made not recorded (a run before 2026-12-04)")
    return "Corpora: " + "; ".join(parts) + "."


def built_when(results: list[dict[str, Any]]) -> str:
    stamps = sorted({r["built_at"] for r in results if r.get("built_at")})
    return "at " + ", ".join(stamps) if stamps else "earlier"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--old", type=int, nargs="*", default=[], help="sizes to run HEAD's index at too")
    parser.add_argument(
        "--sq8", type=int, nargs="*", default=[], help="sizes to run with exact limit 50,000 too"
    )
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "jixiao-index-scale")
    parser.add_argument("--rounds", type=int, default=2, help="load + search processes per implementation")
    parser.add_argument("--write", action="store_true", help="write the report into bench/RESULTS.md")
    parser.add_argument(
        "--report", action="store_true", help="measure nothing: report what the work folder holds"
    )
    parser.add_argument(
        "--reuse-build", action="store_true", help="serve an index an earlier run built and saved here"
    )
    parser.add_argument(
        "--share-build",
        action="store_true",
        help="--old serves the new build (for changes to search time only: same files, old query code)",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        impl, step, size, work, limit = args.child
        run = run_build if step == "build" else run_serve
        print(json.dumps(run(impl, int(size), Path(work), int(limit))))
        return
    sys.path.insert(0, str(REPO))
    from bench.machine import cores, cpu_model, load_average, ram_gib
    from bench.report import write_section

    args.work.mkdir(parents=True, exist_ok=True)
    command = ".venv/bin/python bench/index_scale.py " + " ".join(sys.argv[1:])
    for size in [] if args.report else args.sizes:
        started = time.perf_counter()
        state = prepare(size, args.work)
        variants = [("new", "new", EXACT_LIMIT)]
        if size in args.sq8:
            variants.append(("new, exact limit 50k", "new", SQ8_AT_100K))
        if size in args.old:
            variants.insert(0, ("old (HEAD)", "old", EXACT_LIMIT))
        built = {}
        for label, impl, limit in variants:
            saved = args.work / f"build-{impl}-{size}-{limit}.json"
            folder = args.work / f"index-{impl}-{size}-{limit}"
            if args.reuse_build and saved.is_file() and folder.is_dir():
                built[label] = json.loads(saved.read_text("utf-8"))
                say(f"{size}: {label}: the build in {folder} reused")
                continue
            if impl == "old" and args.share_build:
                # The old code serves the new build (the change touches only search time): the same
                # files, so only the query path differs. Its build figures are the new build's.
                continue
            say(f"{size}: build {label}")
            built[label] = child(impl, "build", size, args.work, limit)
            built[label]["built_at"] = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
            saved.write_text(json.dumps(built[label]), "utf-8")
            say(f"{size}: {label}: {built[label]}")
        for label, _impl, limit in variants:
            if label not in built:
                shared = args.work / f"index-old-{size}-{limit}"
                if shared.is_symlink() or shared.is_file():
                    shared.unlink()
                elif shared.is_dir():
                    shutil.rmtree(shared)
                shared.symlink_to(args.work / f"index-new-{size}-{limit}")
                built[label] = {**built[next(lab for lab, i, _ in variants if i == "new")], "shared": True}
        served: dict[str, list[dict[str, Any]]] = {label: [] for label, _, _ in variants}
        for _ in range(args.rounds):
            for label, impl, limit in variants:  # A B A B: each meets the same machine load
                served[label].append(child(impl, "serve", size, args.work, limit))
                say(f"{size}: {label}: {served[label][-1]}")
        machine = (
            f"{cpu_model()}, {cores()} cores, {ram_gib():.0f} GiB RAM, "
            f"load average {load_average()} at the end; "
            f"numpy {np.__version__}; {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; "
            f"{(time.perf_counter() - started) / 60:.0f} min"
        )
        results = []
        for label, _, _ in variants:
            runs = served[label]
            middle = {k: float(np.median([r[k] for r in runs])) for k in runs[0] if k != "kind"}
            results.append(
                {**built[label], **middle, "kind": runs[0]["kind"], "label": label, "size": size,
                 "entries": state["entries"], "command": command, "machine": machine, "rounds": args.rounds,
                 "distinct": state.get("distinct"), "made": state.get("made"), "load": os.getloadavg()}
            )  # fmt: skip
        (args.work / f"results-{size}.json").write_text(json.dumps(results, ensure_ascii=False), "utf-8")
    # Every size measured in the work folder, this run's and earlier ones'.
    gathered = [
        r for path in sorted(args.work.glob("results-*.json")) for r in json.loads(path.read_text("utf-8"))
    ]
    gathered.sort(key=lambda r: (r["size"], r["label"]))
    text = report(gathered)
    print(text)
    if args.write:
        write_section("index-scale", text)


if __name__ == "__main__":
    main()
