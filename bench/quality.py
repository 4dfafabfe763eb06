"""Search quality on the samples: nDCG@10 and Recall@10 of lexical, dense and hybrid ranking over
the hand-judged queries in bench/search_queries.toml, and hit@3 of `similar` over the
cross-township pairs in bench/precedent_pairs.toml.

Run by hand (uses the real default model; about a minute per configuration):

    .venv/bin/python bench/quality.py                 # the default configuration
    .venv/bin/python bench/quality.py --compare       # every text recipe x tokenizer, RRF k and weights
    .venv/bin/python bench/quality.py --compare --write   # and update bench/RESULTS.md
    .venv/bin/python bench/quality.py --backend milvus-lite [--write]   # Milvus against in-process
"""

from __future__ import annotations

import argparse
import contextlib
import math
import platform
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from ingest.iri import IriMinter  # noqa: E402
from ingest.pipeline import ingest_file  # noqa: E402
from jixiao.settings import Settings  # noqa: E402
from jixiao.store import Store, open_store  # noqa: E402
from search import precedents  # noqa: E402
from search.backend import Searcher  # noqa: E402
from search.encoder import Encoder, load_encoder  # noqa: E402
from search.entries import Entry, Kind  # noqa: E402
from search.index import SearchIndex  # noqa: E402
from search.service import Filters, Hit, Mode, RankingSettings, SearchService  # noqa: E402
from search.sync import new_meta  # noqa: E402
from search.texts import Recipe, read_entries  # noqa: E402

BENCH = ROOT / "bench"
SAMPLES = sorted((ROOT / "samples").glob("*.txt"))
DEPTH = 10


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    style: str
    grades: dict[str, int]


@dataclass(frozen=True)
class Pair:
    source: str
    counterparts: frozenset[str]
    kind: str  # project | indicator


def load_queries(path: Path = BENCH / "search_queries.toml") -> list[Query]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Query(q["id"], q["text"], q["style"], {j["iri"]: int(j["grade"]) for j in q["judgment"]})
        for q in data["query"]
    ]


def load_pairs(path: Path = BENCH / "precedent_pairs.toml") -> list[Pair]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    pairs = [Pair(p["project"], frozenset(p["counterparts"]), "project") for p in data.get("pair", [])]
    pairs += [
        Pair(p["indicator"], frozenset(p["counterparts"]), "indicator")
        for p in data.get("indicator_pair", [])
    ]
    return pairs


def strict_pairs(index: SearchIndex) -> list[Pair]:
    """bench/sample_close.toml's blind close judgements as project pairs (a second, stricter set)."""
    from bench.draft_match import load_close

    projects = [entry for entry in index.rows if entry.kind == Kind.PROJECT]
    return [Pair(iri, close, "project") for iri, close in load_close(projects).items()]


@contextlib.contextmanager
def _table_weight(weight: float) -> Iterator[None]:
    saved = precedents.TABLE_WEIGHT
    precedents.TABLE_WEIGHT = weight
    try:
        yield
    finally:
        precedents.TABLE_WEIGHT = saved


def precedent_hits_with(service: Searcher, pairs: list[Pair], weight: float) -> str:
    with _table_weight(weight):
        found, total = precedent_hits(service, pairs).get("project", (0, 0))
    return f"{found}/{total}"


# --- metrics ------------------------------------------------------------------------------------


def retrieved(hits: Sequence[Hit]) -> list[set[str]]:
    """Each position's IRIs: a folded hit stands for its identical duplicates too."""
    return [{hit.entry.iri, *hit.duplicates} for hit in hits]


def ndcg(positions: Sequence[set[str]], grades: dict[str, int], depth: int = DEPTH) -> float:
    gains = [max((grades.get(iri, 0) for iri in iris), default=0) for iris in positions[:depth]]
    dcg = sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(gains))
    ideal = sorted(grades.values(), reverse=True)[:depth]
    idcg = sum((2**g - 1) / math.log2(rank + 2) for rank, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(positions: Sequence[set[str]], grades: dict[str, int], depth: int = DEPTH) -> float:
    """Share of the relevant items (grade >= 1) found in the first `depth` positions, capped by
    what `depth` positions can hold, so a query with 25 relevant items can still reach 1.0."""
    relevant = {iri for iri, grade in grades.items() if grade > 0}
    found = set().union(*positions[:depth]) & relevant if positions else set()
    return len(found) / min(len(relevant), depth) if relevant else 0.0


# --- set-up -------------------------------------------------------------------------------------


def build_store(folder: Path) -> Store:
    settings = Settings(data=folder)
    store = open_store(settings)
    minter = IriMinter(settings.base_iri)
    for path in SAMPLES:
        ingest_file(path, store, minter, None)
    return store


def build_index(entries: list[Entry], encoder: Encoder, settings: Settings, recipe: Recipe) -> SearchIndex:
    meta = replace(new_meta(encoder, settings, recipe), tokenizer=settings.tokenizer)
    index = SearchIndex.empty(meta)
    shas = {entry.document: "bench" for entry in entries}
    index.replace(shas, entries, encoder.encode_passages([e.text for e in entries]), settings.exact_limit)
    return index


@dataclass
class Scores:
    ndcg: float
    recall: float
    by_style: dict[str, tuple[float, float]]


def evaluate(service: Searcher, queries: list[Query], mode: Mode, per_project: int | None = None) -> Scores:
    per_query: list[tuple[str, float, float]] = []
    for query in queries:
        hits = service.search(query.text, Filters(), limit=DEPTH, mode=mode, per_project=per_project).hits
        positions = retrieved(hits)
        per_query.append((query.style, ndcg(positions, query.grades), recall(positions, query.grades)))
    styles = sorted({style for style, _, _ in per_query})
    by_style = {
        style: (
            mean([n for s, n, _ in per_query if s == style]),
            mean([r for s, _, r in per_query if s == style]),
        )
        for style in styles
    }
    return Scores(mean([n for _, n, _ in per_query]), mean([r for _, _, r in per_query]), by_style)


def precedent_hits(service: Searcher, pairs: list[Pair], depth: int = 3) -> dict[str, tuple[int, int]]:
    """kind -> (pairs whose counterpart appears in the first `depth` similar hits, pairs)."""
    result: dict[str, tuple[int, int]] = {}
    for pair in pairs:
        hits = service.similar(pair.source, limit=depth, per_project=1 if pair.kind == "project" else 0)
        found = any(retrieved(hits)[i] & pair.counterparts for i in range(len(hits)))
        hit_count, total = result.get(pair.kind, (0, 0))
        result[pair.kind] = (hit_count + int(found), total + 1)
    return result


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


# --- report -------------------------------------------------------------------------------------


def mode_table(service: Searcher, queries: list[Query], say: Callable[[str], None]) -> dict[Mode, Scores]:
    results = {mode: evaluate(service, queries, mode) for mode in (Mode.LEXICAL, Mode.DENSE, Mode.HYBRID)}
    styles = sorted(results[Mode.HYBRID].by_style)
    say("| ranking | nDCG@10 | Recall@10 | " + " | ".join(f"{s} nDCG" for s in styles) + " |")
    say("|---|---|---|" + "---|" * len(styles))
    for mode, scores in results.items():
        cells = " | ".join(f"{scores.by_style[s][0]:.3f}" for s in styles)
        say(f"| {mode.value} | {scores.ndcg:.3f} | {scores.recall:.3f} | {cells} |")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--compare", action="store_true", help="also compare recipes, tokenizers, k and weights"
    )
    parser.add_argument("--write", action="store_true", help="put the report into bench/RESULTS.md")
    parser.add_argument(
        "--backend",
        choices=["in-process", "milvus-lite"],
        default="in-process",
        help="milvus-lite: the same entries and vectors in Milvus too, both backends side by side",
    )
    args = parser.parse_args()
    if args.backend == "milvus-lite":
        compare_backends(args.write)
        return
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    queries = load_queries()
    pairs = load_pairs()
    base = Settings()
    encoder = load_encoder(base)
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp) / "data")
        say(f"## Search quality ({date.today()}, {platform.node()}, model {encoder.name})")
        say()
        say(f"{len(queries)} hand-judged queries ({', '.join(sorted({q.style for q in queries}))}), "
            f"{sum(len(q.grades) for q in queries)} judgments; {len(pairs)} precedent pairs. "
            f"Hits as a user sees them: at most {base.per_project} per project, "
            "identical ones folded.")  # fmt: skip
        say()
        recipe = Recipe(new_meta(encoder, base).recipe)
        started = time.perf_counter()
        entries = read_entries(store, recipe=recipe)
        index = build_index(entries, encoder, base, recipe)
        say(f"Default: indicator text `{recipe.value}`, tokenizer `{base.tokenizer}`, RRF k={base.rrf_k}, "
            f"weights dense {base.dense_weight} / lexical {base.lexical_weight} "
            f"(index of {len(entries)} entries built in {time.perf_counter() - started:.1f} s).")  # fmt: skip
        say()
        ranking = RankingSettings(base.rrf_k, base.dense_weight, base.lexical_weight, base.per_project)
        service = SearchService(index, lambda: encoder, ranking)
        mode_table(service, queries, say)
        say()
        say("Precedents (`similar`: other townships; a project by its vector and its indicator table"
            " fused, search/precedents.py; an indicator dense, same category first): hit@3")  # fmt: skip
        for kind, (found, total) in precedent_hits(service, pairs).items():
            say(f"- {kind}: {found}/{total} = {found / total:.2f}")
        close = strict_pairs(index)
        for label, weight in (("as shipped", precedents.TABLE_WEIGHT), ("by the project's vector only", 0.0)):
            paired, strict = (precedent_hits_with(service, p, weight) for p in (pairs, close))
            say(f"- projects, {label}: precedent_pairs.toml {paired}, "
                f"sample_close.toml's blind close pairs {strict}")  # fmt: skip
        say()

        if args.compare:
            say("### Indicator text x tokenizer (nDCG@10 lexical / dense / hybrid)")
            say()
            say("| indicator text | tokenizer | lexical | dense | hybrid | hybrid Recall@10 |")
            say("|---|---|---|---|---|---|")
            for each_recipe in Recipe:
                recipe_entries = read_entries(store, recipe=each_recipe)
                vectors = encoder.encode_passages([e.text for e in recipe_entries])
                for tokenizer in ("jieba", "bigram"):
                    settings = base.model_copy(update={"tokenizer": tokenizer})
                    meta = replace(new_meta(encoder, settings, each_recipe), tokenizer=tokenizer)
                    candidate = SearchIndex.empty(meta)
                    shas = {entry.document: "bench" for entry in recipe_entries}
                    candidate.replace(shas, recipe_entries, vectors, settings.exact_limit)
                    svc = SearchService(candidate, lambda: encoder, ranking)
                    scores = {m: evaluate(svc, queries, m) for m in (Mode.LEXICAL, Mode.DENSE, Mode.HYBRID)}
                    say(f"| {each_recipe.value} | {tokenizer} | {scores[Mode.LEXICAL].ndcg:.3f} | "
                        f"{scores[Mode.DENSE].ndcg:.3f} | {scores[Mode.HYBRID].ndcg:.3f} | "
                        f"{scores[Mode.HYBRID].recall:.3f} |")  # fmt: skip
            say()
            say("### Project text (default indicator text and tokenizer)")
            say()
            say("| project text | hybrid nDCG@10 | hybrid Recall@10 | project precedents hit@3 |")
            say("|---|---|---|---|")
            for names in (0, 4, 8, 16):
                variant = read_entries(store, recipe=recipe, project_indicators=names)
                svc = SearchService(build_index(variant, encoder, base, recipe), lambda: encoder, ranking)
                scores_p = evaluate(svc, queries, Mode.HYBRID)
                found, total = precedent_hits(svc, pairs)["project"]
                label = f"name + first {names} indicator names" if names else "name only"
                say(f"| {label} | {scores_p.ndcg:.3f} | {scores_p.recall:.3f} | {found}/{total} |")
            say()
            say("### Fusion settings (default text and tokenizer; hybrid nDCG@10 / Recall@10)")
            say()
            say("| k | dense weight | lexical weight | nDCG@10 | Recall@10 |")
            say("|---|---|---|---|---|")
            for k in (10, 30, 60, 100):
                for dense_weight, lexical_weight in (
                    (1.0, 1.0),
                    (1.0, 0.5),
                    (0.5, 1.0),
                    (1.0, 0.7),
                    (0.7, 1.0),
                ):
                    ranking = RankingSettings(
                        rrf_k=k, dense_weight=dense_weight, lexical_weight=lexical_weight
                    )
                    scores_k = evaluate(SearchService(index, lambda: encoder, ranking), queries, Mode.HYBRID)
                    say(
                        f"| {k} | {dense_weight} | {lexical_weight} | "
                        f"{scores_k.ndcg:.3f} | {scores_k.recall:.3f} |"
                    )
            say()
            say("### Per-project cap (default settings; hybrid)")
            say()
            say("| hits per project | nDCG@10 | Recall@10 |")
            say("|---|---|---|")
            for cap in (0, 1, 2, 3, 5):
                scores_cap = evaluate(service, queries, Mode.HYBRID, per_project=cap)
                say(f"| {cap or 'no cap'} | {scores_cap.ndcg:.3f} | {scores_cap.recall:.3f} |")
            say()
        store.close()
    if args.write:
        write_section("quality", "\n".join(lines))


def milvus_searcher(index: SearchIndex, encoder: Encoder, folder: Path, ranking: RankingSettings) -> Searcher:
    """The in-process index's entries and vectors written to milvus-lite as `jixiao reindex` would."""
    from search.backend import parse_backend
    from search.milvus_backend import MilvusIndex, MilvusSearcher

    milvus = MilvusIndex.open(parse_backend(f"milvus-lite://{folder}/index.db"))
    milvus.reset(replace(index.meta, user_words=[], documents={}, next_id=0))
    by_document: dict[str, list[int]] = {}
    for entry_id in index.row_ids:
        by_document.setdefault(index.entry(entry_id).document, []).append(entry_id)
    for graph, ids in sorted(by_document.items()):
        entries = [index.entry(i) for i in ids]
        vectors = np.stack([index.vectors.vector(i) for i in ids])
        milvus.replace({graph: "bench"}, entries, vectors)
    return MilvusSearcher(milvus, lambda: encoder, ranking)


def compare_backends(write: bool) -> None:
    """nDCG@10 and Recall@10 of each ranking, in process and in milvus-lite, queries interleaved."""
    queries = load_queries()
    pairs = load_pairs()
    base = Settings()
    encoder = load_encoder(base)
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    ranking = RankingSettings(base.rrf_k, base.dense_weight, base.lexical_weight, base.per_project)
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp) / "data")
        recipe = Recipe(new_meta(encoder, base).recipe)
        entries = read_entries(store, recipe=recipe)
        index = build_index(entries, encoder, base, recipe)
        backends: dict[str, Searcher] = {
            "in-process": SearchService(index, lambda: encoder, ranking),
            "milvus-lite 2.5.1": milvus_searcher(index, encoder, Path(tmp) / "milvus", ranking),
        }
        say(f"## Search quality by backend ({date.today()}, {platform.node()}, model {encoder.name})")
        say()
        say("`python bench/quality.py --backend milvus-lite`: the samples' "
            f"{len(entries)} entries and their vectors in both backends (Milvus: BM25 over jixiao's "
            "tokens, FLAT vectors, the same RRF fusion and weights); "
            f"{len(queries)} hand-judged queries.")  # fmt: skip
        say()
        say(
            "| ranking | " + " | ".join(f"{name} nDCG@10 / Recall@10" for name in backends) + " | Δ nDCG@10 |"
        )
        say("|---|" + "---|" * (len(backends) + 1))
        for mode in (Mode.LEXICAL, Mode.DENSE, Mode.HYBRID):
            scores = {name: evaluate(svc, queries, mode) for name, svc in backends.items()}
            cells = " | ".join(f"{s.ndcg:.4f} / {s.recall:.4f}" for s in scores.values())
            first, second = scores.values()
            say(f"| {mode.value} | {cells} | {second.ndcg - first.ndcg:+.4f} |")
        say()
        for name, svc in backends.items():
            found = precedent_hits(svc, pairs)
            say(f"- `similar` hit@3, {name}: " + ", ".join(f"{k} {f}/{t}" for k, (f, t) in found.items()))
        store.close()
    if write:
        write_section("quality-milvus", "\n".join(lines))


if __name__ == "__main__":
    main()
