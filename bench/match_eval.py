"""The match judgement (search/match.py) on hand-judged queries: fit it, and measure it honestly.

bench/match_judgements.json holds queries over the two samples, each judged as a whole (close: the
samples hold an item that answers it; related: only partly related items; none: nothing about
it) with the labels of its close and related items. Every hit of the first `DEPTH` (as a user
would page through them) is labelled from these, its evidence (z, coverage, agreement) read from
the search service, and two logistic models fitted: close against the rest, close-or-related
against unrelated. Thresholds are chosen on the answers (the first page of each query), the
figure the issue asks for: precision and recall of "close".

Fitted on every query, the figures flatter; so the report also gives leave-one-query-out figures,
each query judged by weights and thresholds fitted without it.

    .venv/bin/python bench/match_eval.py            # report only, with the shipped calibration
    .venv/bin/python bench/match_eval.py --fit      # refit, write search/match_calibration.json
    .venv/bin/python bench/match_eval.py --fit --write   # and the section of bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import cores, cpu_model  # noqa: E402
from bench.quality import build_index, build_store  # noqa: E402
from bench.report import write_section  # noqa: E402
from jixiao.settings import Settings  # noqa: E402
from search.encoder import load_encoder  # noqa: E402
from search.entries import Kind  # noqa: E402
from search.match import CALIBRATION, FEATURES, Calibration, Evidence, Logistic, Match, shipped_calibration  # noqa: E402
from search.service import Filters, Hit, RankingSettings, SearchService  # noqa: E402
from search.sync import new_meta  # noqa: E402
from search.texts import Recipe, read_entries  # noqa: E402

JUDGEMENTS = ROOT / "bench" / "match_judgements.json"
DEPTH = 20  # hits per query used for fitting (two pages)
PAGE = 10  # what the answer as a whole is judged on: the first page
L2 = 1.0  # ridge penalty of the logistic fits (a few hundred hits: keep the weights modest)


@dataclass(frozen=True)
class Judged:
    id: str
    text: str
    expect: Match
    close: frozenset[str]
    related: frozenset[str]


@dataclass
class Sample:
    query: int  # index into the judged queries
    rank: int
    features: list[float]
    truth: Match


def load(path: Path = JUDGEMENTS) -> list[Judged]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        Judged(q["id"], q["text"], Match(q["expect"]), frozenset(q["close"]), frozenset(q["related"]))
        for q in data["queries"]
    ]


def truth_of(hit: Hit, judged: Judged) -> Match:
    """A hit's label: its own label judged, or (a project or objective) its project's label judged."""
    e = hit.entry
    names = {e.label}
    if e.kind in (Kind.PROJECT, Kind.OBJECTIVE) and e.project is not None:
        names.add(e.project.label)
    if names & judged.close:
        return Match.CLOSE
    if names & judged.related:
        return Match.RELATED
    return Match.NONE


# --- fitting ------------------------------------------------------------------------------------


def fit_logistic(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> Logistic:
    """Ridge logistic regression by Newton's method on standardised features (a few hundred rows)."""
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    design = np.hstack([np.ones((len(x), 1)), (x - means) / scales])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * L2
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return Logistic(
        float(beta[0]), tuple(map(float, beta[1:])), tuple(map(float, means)), tuple(map(float, scales))
    )


def maxima(samples: Sequence[Sample], calibration: Calibration, queries: int) -> npt.NDArray[np.float64]:
    """Per query, the highest close and related probabilities on its first page: the answer is
    close when the first reaches `close_at`, else related when the second reaches `related_at`."""
    best = np.zeros((queries, 2))
    for s in samples:
        if s.rank < PAGE:
            p = (calibration.close.probability(s.features), calibration.related.probability(s.features))
            best[s.query] = np.maximum(best[s.query], p)
    return best


def _order(match: Match) -> int:
    return {Match.CLOSE: 0, Match.RELATED: 1, Match.NONE: 2}[match]


def answer_of(best: npt.NDArray[np.float64], close_at: float, related_at: float) -> list[Match]:
    return [
        Match.CLOSE if c >= close_at else Match.RELATED if r >= related_at else Match.NONE for c, r in best
    ]


def fit(samples: Sequence[Sample], judged: Sequence[Judged], queries: set[int], note: str) -> Calibration:
    rows = [s for s in samples if s.query in queries]
    x = np.array([s.features for s in rows], dtype=np.float64)
    close = fit_logistic(x, np.array([s.truth == Match.CLOSE for s in rows], dtype=np.float64))
    related = fit_logistic(x, np.array([s.truth != Match.NONE for s in rows], dtype=np.float64))
    best = maxima(rows, Calibration(close, related, 1.0, 1.0), len(judged))
    chosen = sorted(queries)
    expect = [judged[q].expect for q in chosen]
    grid = [round(float(t), 3) for t in np.linspace(0.05, 0.95, 91)]

    def score_close(t: float) -> tuple[float, float]:
        got = answer_of(best[chosen], t, 1.0)
        tp = sum(1 for g, e in zip(got, expect, strict=True) if g == e == Match.CLOSE)
        said = got.count(Match.CLOSE)
        f1 = 2 * tp / (said + expect.count(Match.CLOSE)) if said or expect.count(Match.CLOSE) else 0.0
        return f1, t  # ties: the stricter threshold

    close_at = max(grid, key=score_close)

    def score_related(t: float) -> tuple[int, float]:
        # Right answers; ties: the lowest threshold, so "related" is said wherever it costs nothing.
        got = answer_of(best[chosen], close_at, t)
        return sum(1 for g, e in zip(got, expect, strict=True) if g == e), -t

    related_at = max(grid, key=score_related)
    return Calibration(close, related, close_at, related_at, note)


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Figures:
    confusion: dict[tuple[Match, Match], int]  # (expected, answered) -> queries
    strict: int  # "close" answers whose first close hit is a judged close item
    hit_tp: int
    hit_said: int
    hit_real: int

    def precision(self) -> float:
        said = sum(n for (_, got), n in self.confusion.items() if got == Match.CLOSE)
        return self.confusion.get((Match.CLOSE, Match.CLOSE), 0) / said if said else 0.0

    def recall(self) -> float:
        real = sum(n for (want, _), n in self.confusion.items() if want == Match.CLOSE)
        return self.confusion.get((Match.CLOSE, Match.CLOSE), 0) / real if real else 0.0


def measure(
    samples: Sequence[Sample], judged: Sequence[Judged], calibration_of: dict[int, Calibration]
) -> Figures:
    confusion: dict[tuple[Match, Match], int] = {}
    strict = hit_tp = hit_said = hit_real = 0
    for q, query in enumerate(judged):
        cal = calibration_of[q]
        page = [s for s in samples if s.query == q and s.rank < PAGE]
        matches = [cal.judge(Evidence.of_vector(s.features)) for s in page]
        answer = Match.NONE
        for m in matches:
            if _order(m) < _order(answer):
                answer = m
        confusion[(query.expect, answer)] = confusion.get((query.expect, answer), 0) + 1
        first_close = next((s for s, m in zip(page, matches, strict=True) if m == Match.CLOSE), None)
        if first_close is not None and first_close.truth == Match.CLOSE:
            strict += 1
        for s, m in zip(page, matches, strict=True):
            hit_said += m == Match.CLOSE
            hit_real += s.truth == Match.CLOSE
            hit_tp += m == Match.CLOSE and s.truth == Match.CLOSE
    return Figures(confusion, strict, hit_tp, hit_said, hit_real)


def collect(service: SearchService, judged: Sequence[Judged]) -> tuple[list[Sample], list[float]]:
    samples: list[Sample] = []
    took: list[float] = []
    for q, query in enumerate(judged):
        started = time.perf_counter()
        result = service.search(query.text, Filters(), limit=DEPTH)
        took.append(1000 * (time.perf_counter() - started))
        for rank, hit in enumerate(result.candidates[:DEPTH]):
            assert hit.evidence is not None
            samples.append(Sample(q, rank, hit.evidence.vector(), truth_of(hit, query)))
    return samples, took


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fit", action="store_true", help="refit and write search/match_calibration.json")
    parser.add_argument("--write", action="store_true", help="put the report into bench/RESULTS.md")
    args = parser.parse_args()
    lines: list[str] = []

    def say(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    judged = load()
    base = Settings()
    encoder = load_encoder(base)
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(Path(tmp) / "data")
        recipe = Recipe(new_meta(encoder, base).recipe)
        index = build_index(read_entries(store, recipe=recipe), encoder, base, recipe)
        store.close()
    ranking = RankingSettings(base.rrf_k, base.dense_weight, base.lexical_weight, base.per_project)
    shipped = shipped_calibration()
    service = SearchService(index, lambda: encoder, ranking, shipped)
    samples, took = collect(service, judged)
    everything = set(range(len(judged)))
    counts = {m: sum(1 for q in judged if q.expect == m) for m in Match}
    note = f"{len(judged)} queries of bench/match_judgements.json, {len(samples)} hits, model {encoder.name}"
    calibration = fit(samples, judged, everything, note) if args.fit or shipped is None else shipped
    if args.fit:
        CALIBRATION.write_text(
            json.dumps(calibration.to_json(), ensure_ascii=False, indent=1) + "\n", "utf-8"
        )
    cv = {q: fit(samples, judged, everything - {q}, "") for q in everything}

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    say(f"## Match judgement, search (issue 20) ({stamp}, {cpu_model()}, {cores()} cores)")
    say()
    say(f"Command: `.venv/bin/python bench/match_eval.py{' --fit' if args.fit else ''} --write`; "
        f"model {encoder.name}; the two samples ({len(index)} entries).")  # fmt: skip
    say()
    say(f"Judged set `bench/match_judgements.json`: {len(judged)} queries, "
        f"{counts[Match.CLOSE]} with a close item in the samples, {counts[Match.RELATED]} with only "
        f"related ones, {counts[Match.NONE]} with "
        f"nothing (out-of-domain topics, nonsense, 3 English); {len(samples)} judged hits (first {DEPTH} "
        "of each). The answer as a whole is judged on the first page (10 hits).")  # fmt: skip
    say()
    fitted = measure(samples, judged, dict.fromkeys(everything, calibration))
    held_out = measure(samples, judged, cv)
    say("| figures | close precision | close recall | strict (first close hit judged close) | "
        "hit-level close precision / recall |")  # fmt: skip
    say("|---|---:|---:|---:|---:|")
    for name, figures in (("fitted on all queries", fitted), ("leave one query out", held_out)):
        said = sum(n for (_, got), n in figures.confusion.items() if got == Match.CLOSE)
        hp = figures.hit_tp / figures.hit_said if figures.hit_said else 0.0
        hr = figures.hit_tp / figures.hit_real if figures.hit_real else 0.0
        say(f"| {name} | {figures.precision():.3f} | {figures.recall():.3f} | {figures.strict}/{said} | "
            f"{hp:.3f} / {hr:.3f} |")  # fmt: skip
    say()
    say("Confusion of the answers, leave one query out (rows: judged, columns: answered):")
    say()
    say("| judged \\ answered | close | related | none |")
    say("|---|---:|---:|---:|")
    for want in Match:
        cells = " | ".join(str(held_out.confusion.get((want, got), 0)) for got in Match)
        say(f"| {want.value} | {cells} |")
    say()
    wrong = [
        (query, got)
        for q, query in enumerate(judged)
        for got in answer_of(
            maxima([s for s in samples if s.query == q], cv[q], len(judged))[q : q + 1],
            cv[q].close_at,
            cv[q].related_at,
        )
        if got != query.expect
    ]
    listed = "; ".join(f"{q.text} ({q.expect.value} → {got.value})" for q, got in wrong)
    say(f"Queries answered otherwise than judged (leave one query out): {listed or 'none'}")
    say()
    c = calibration
    close_w = ", ".join(f"{w:.2f}" for w in c.close.weights)
    related_w = ", ".join(f"{w:.2f}" for w in c.related.weights)
    say(f"Shipped calibration (`search/match_calibration.json`, features {', '.join(FEATURES)}, "
        f"standardised): close = logistic(bias {c.close.bias:.2f}, weights {close_w}) ≥ {c.close_at}; "
        f"related = logistic(bias {c.related.bias:.2f}, weights {related_w}) ≥ {c.related_at}.")  # fmt: skip
    say()
    took.sort()
    say(f"Search with the judgement: p50 {took[len(took) // 2]:.1f} ms, max {took[-1]:.1f} ms per query "
        f"(limit {DEPTH}, encoding included).")  # fmt: skip
    if args.write:
        write_section("match", "\n".join(lines))


if __name__ == "__main__":
    main()
