"""Drafting's match judgement, leave-one-out (issue 20; run by `bench/draft_eval.py --match`).

The judged set: drafts whose answer is known from judgements made before any score was seen —
bench/sample_close.toml (for each sample project, the other township's projects that are close:
fund the same thing for the same purpose) and bench/draft_judgements.toml (drafts typed in a third
township).

- *close*: each sample project with a close project drafted from the other township (its own
  township is the drafter's unit; itself left out): the close ones are there;
- *no precedent*: the same drafts with the close ones left out too; every other sample project
  (judged to have none close, though related ones may be there); and names of projects the
  samples have nothing like (NO_PRECEDENT below, judged by reading the samples);
- *typed, close* / *typed, none*: bench/draft_judgements.toml.

Until 2026-12-04 the samples' close cases came from bench/precedent_pairs.toml, which judges each
project's best counterpart (for precedent hit@3), often related rather than close (村干部任职补贴
↔ 长期聘用人员经费支出, a staff-pay project that also pays village cadres): two definitions mixed.

Measured: how often a draft with a close precedent is said to have one (close recall), how often a
"close" is right (precision), how often a draft with no precedent is flagged none/related; and
precedent hit@3 (a judged counterpart among the first three precedents) on the close drafts, and
on precedent_pairs.toml's pairs (bench/draft_eval.py).

The drafting calibration (search/match.py DraftCalibration) is a logistic model over each
precedent's evidence (z, name coverage, objective z), a precedent labelled close when it is a
judged counterpart. Its figures are leave-one-out: a draft is judged by a model fitted without
the drafts of its own project and of its counterparts, with the threshold chosen on those folds
too. `--fit-match` fits it on every draft and writes search/draft_calibration.json.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.match_eval import fit_logistic
from jixiao.drafting.draft import Drafter, DraftRequest, Precedent
from search.entries import Entry
from search.match import DRAFT_CALIBRATION, DraftCalibration, Logistic, Match, PrecedentEvidence
from search.service import SearchService

PAIRS = Path(__file__).resolve().parent / "precedent_pairs.toml"
# Which other-township projects are close to each sample project, judged blind (no scores seen).
SAMPLE_CLOSE = Path(__file__).resolve().parent / "sample_close.toml"
# Drafts typed by staff of a third township, judged against the samples before any was scored.
TYPED = Path(__file__).resolve().parent / "draft_judgements.toml"
DEPTH = 8  # precedents a draft shows (jixiao.drafting.draft.PRECEDENTS)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.05, 0.96, 0.05))
# Projects the two samples have nothing like (read from both samples' project lists): a draft for
# one of them has no close precedent.
NO_PRECEDENT = (
    "村级道路养护经费",
    "环境卫生保洁经费",
    "农村饮水安全工程维修养护",
    "中小学营养餐补助",
    "森林草原防火经费",
    "河道清淤疏浚",
    "农机购置补贴",
    "乡镇污水处理厂运行费",
    "公共图书馆购书经费",
    "疫苗冷链运输补助",
    "路灯维护电费",
    "xyzzy不存在的东西qq",
)


@dataclass(frozen=True)
class Case:
    """One judged draft: what is asked, whether it has a close precedent, and which are close."""

    name: str
    group: str  # close | counterparts left out | unpaired | not in the samples
    request: DraftRequest
    close: bool
    counterparts: frozenset[str] = frozenset()
    family: frozenset[str] = frozenset()  # projects whose drafts a leave-one-out fold leaves out


@dataclass
class Drafted:
    case: Case
    precedents: list[Precedent] = field(default_factory=list)


def load_pairs(path: Path = PAIRS) -> dict[str, frozenset[str]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {p["project"]: frozenset(p["counterparts"]) for p in data.get("pair", [])}


def load_close(projects: Sequence[Entry], path: Path = SAMPLE_CLOSE) -> dict[str, frozenset[str]]:
    """bench/sample_close.toml as project IRI -> the IRIs of its close projects (labels resolved in
    the other township); every sample project must be judged, and every label must resolve."""
    by_label: dict[tuple[str, str], list[Entry]] = {}
    for project in projects:
        township = project.township.label if project.township else ""
        by_label.setdefault((project.label, township), []).append(project)
    judged: dict[str, frozenset[str]] = {}
    seen: set[tuple[str, str]] = set()
    for block in tomllib.loads(path.read_text(encoding="utf-8")).get("project", []):
        key = (block["label"], block["township"])
        if key not in by_label:
            raise SystemExit(f"{path}: {key[0]} ({key[1]}): no such project in the index")
        seen.add(key)
        close: set[str] = set()
        for label in block["close"]:
            others = [
                p for (lab, town), ps in by_label.items() if lab == label and town != key[1] for p in ps
            ]
            if not others:
                raise SystemExit(f"{path}: {key[0]}: no project {label} in another township")
            close.update(p.iri for p in others)
        for project in by_label[key]:
            judged[project.iri] = frozenset(close)
    unjudged = sorted(f"{lab} ({town})" for lab, town in by_label if (lab, town) not in seen)
    if unjudged:
        raise SystemExit(f"{path}: not judged: {', '.join(unjudged)}")
    return {iri: close for iri, close in judged.items() if close}


def request_of(project: Entry, objectives: Sequence[str], exclude: Iterable[str]) -> DraftRequest:
    township = project.township.iri if project.township else None
    return DraftRequest(
        project.label,
        " ".join(objectives),
        project.amount,
        township,
        project.year,
        frozenset({project.iri, *exclude}),
    )


def cases(projects: Sequence[tuple[Entry, Sequence[str]]], pairs: dict[str, frozenset[str]]) -> list[Case]:
    found = []
    for project, objectives in projects:
        counterparts = pairs.get(project.iri)
        family = frozenset({project.iri, *(counterparts or ())})
        if counterparts:
            found.append(
                Case(project.label, "close", request_of(project, objectives, ()), True, counterparts, family)
            )
            found.append(
                Case(
                    project.label,
                    "counterparts left out",
                    request_of(project, objectives, counterparts),
                    False,
                    frozenset(),
                    family,
                )
            )
        else:
            found.append(
                Case(project.label, "unpaired", request_of(project, objectives, ()), False, family=family)
            )
    for name in NO_PRECEDENT:
        found.append(Case(name, "not in the samples", DraftRequest(name, year=2025), False))
    return found


TYPED_GROUPS = ("typed, close", "typed, none")


def typed_cases(projects: Sequence[Entry], path: Path = TYPED) -> list[Case]:
    """The drafts of bench/draft_judgements.toml: no drafter's unit (a third township: every
    project of the samples may be a precedent), their close projects resolved by label."""
    by_label: dict[str, list[str]] = {}
    for project in projects:
        by_label.setdefault(project.label, []).append(project.iri)
    found = []
    for draft in tomllib.loads(path.read_text(encoding="utf-8")).get("draft", []):
        name, labels = draft["name"], draft["close"]
        missing = [label for label in labels if label not in by_label]
        if missing:
            raise SystemExit(f"{path}: {name}: no project labelled {', '.join(missing)} in the index")
        counterparts = frozenset(iri for label in labels for iri in by_label[label])
        request = DraftRequest(name, draft.get("objective", ""), year=2025)
        group = TYPED_GROUPS[0] if counterparts else TYPED_GROUPS[1]
        # a fold leaves out the samples' drafts of its close projects too: they share evidence
        family = frozenset({f"typed:{name}", *counterparts})
        found.append(Case(name, group, request, bool(counterparts), counterparts, family))
    return found


def draft_all(service: SearchService, judged: Sequence[Case]) -> list[Drafted]:
    """Each case's precedents with their evidence (search's judgement; the drafting model is applied
    afterwards, fold by fold)."""
    drafter = Drafter(service, search_only=True)
    return [Drafted(case, drafter.precedents(case.request, DEPTH)) for case in judged]


def rows_of(drafted: Sequence[Drafted]) -> tuple[np.ndarray, np.ndarray]:
    x, y = [], []
    for d in drafted:
        for p in d.precedents:
            assert p.evidence is not None
            x.append(p.evidence.vector())
            y.append(1.0 if p.project.iri in d.case.counterparts else 0.0)
    return np.array(x, dtype=np.float64), np.array(y, dtype=np.float64)


def is_close(
    precedents: Sequence[Precedent], probability: Callable[[PrecedentEvidence], float], at: float
) -> bool:
    return any(p.evidence is not None and probability(p.evidence) >= at for p in precedents)


NEVER = 1.01  # a threshold no probability reaches: no precedent is judged close by the model
PRECISION = 0.9  # what "close" must reach on the training drafts to be said at all


def close_threshold(drafted: Sequence[Drafted], model: Logistic) -> float:
    """The lowest threshold at which "close" is right for PRECISION of the training drafts it is
    said of (at least three); NEVER when none is: a close precedent drafts the table, so a wrong
    "close" puts another project's indicators first, which is what the issue is about."""

    def probability(e: PrecedentEvidence) -> float:
        return model.probability(e.vector())

    for at in THRESHOLDS:
        said = [d for d in drafted if is_close(d.precedents, probability, at)]
        # right as figures() counts it: a precedent said close is one of the judged ones
        right = [
            d
            for d in said
            if any(
                p.project.iri in d.case.counterparts
                and p.evidence is not None
                and probability(p.evidence) >= at
                for p in d.precedents
            )
        ]
        if len(said) >= 3 and len(right) / len(said) >= PRECISION:
            return at
    return NEVER


def related_threshold(drafted: Sequence[Drafted], model: Logistic) -> float:
    """The threshold that best tells judged counterparts from the precedents of drafts with no
    close precedent (Youden's J: the share of counterparts at or above it, less the share of those
    others): related means "worth showing after the standard frame"."""
    counterparts, others = [], []
    for d in drafted:
        for p in d.precedents:
            if p.evidence is None:
                continue
            probability = model.probability(p.evidence.vector())
            if p.project.iri in d.case.counterparts:
                counterparts.append(probability)
            elif not d.case.close:
                others.append(probability)
    if not counterparts or not others:
        return NEVER
    pos, neg = np.array(counterparts), np.array(others)
    return float(max(sorted(set(counterparts)), key=lambda at: ((pos >= at).mean() - (neg >= at).mean(), at)))


def fit(drafted: Sequence[Drafted], note: str) -> DraftCalibration:
    x, y = rows_of(drafted)
    model = fit_logistic(x, y)
    return DraftCalibration(model, close_threshold(drafted, model), related_threshold(drafted, model), note)


@dataclass(frozen=True)
class Judgement:
    case: Case
    match: Match
    precedents: list[Precedent]
    ranked: list[str]  # precedent project IRIs in the order shown
    matches: list[Match]  # each precedent's


def leave_one_out(drafted: Sequence[Drafted]) -> list[Judgement]:
    """Each draft judged by a calibration fitted on the drafts of other projects."""
    judged = []
    for d in drafted:
        training = [o for o in drafted if not (o.case.family & d.case.family)]
        calibration = fit(training, "fold")
        judged.append(judge(d, calibration))
    return judged


def judge(d: Drafted, calibration: DraftCalibration | None) -> Judgement:
    """The draft's match as Drafter.draft gives it (the best precedent's), by `calibration` or, with
    None, by search's own judgement (what each precedent carries from draft_all)."""
    matches = []
    for p in d.precedents:
        match = p.match or Match.NONE
        if calibration is not None and p.evidence is not None:
            match = calibration.judge(p.evidence, match)
        if p.project.label == d.case.request.name:
            match = Match.CLOSE
        matches.append(match)
    best = next((m for m in (Match.CLOSE, Match.RELATED) if m in matches), Match.NONE)
    return Judgement(d.case, best, list(d.precedents), [p.project.iri for p in d.precedents], matches)


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    close_right: int
    said_close: int
    truly_close: int
    flagged: dict[str, tuple[int, int]]  # group -> (flagged none/related, drafts)
    answers: dict[str, dict[str, int]]  # group -> close / related / none -> drafts
    hit3: tuple[int, int]
    offered: tuple[int, int]  # close drafts whose counterpart is judged close or related (shown)


def close_counterpart(j: Judgement) -> bool:
    return any(
        m is Match.CLOSE and iri in j.case.counterparts for iri, m in zip(j.ranked, j.matches, strict=True)
    )


def figures(judged: Sequence[Judgement]) -> Figures:
    said = [j for j in judged if j.match is Match.CLOSE]
    # right only when a precedent it calls close is one of the judged close projects: a draft
    # that has a twin but is drafted from another project is not helped
    right = [j for j in said if j.case.close and close_counterpart(j)]
    truly = [j for j in judged if j.case.close]
    flagged: dict[str, tuple[int, int]] = {}
    for j in judged:
        done, total = flagged.get(j.case.group, (0, 0))
        flagged[j.case.group] = (done + (j.match is not Match.CLOSE), total + 1)
    answers: dict[str, dict[str, int]] = {}
    for j in judged:
        counts = answers.setdefault(j.case.group, {m.value: 0 for m in Match})
        counts[j.match.value] += 1
    hits = sum(bool(set(j.ranked[:3]) & j.case.counterparts) for j in truly)
    offered = sum(
        any(
            iri in j.case.counterparts and m is not Match.NONE
            for iri, m in zip(j.ranked, j.matches, strict=True)
        )
        for j in truly
    )
    return Figures(
        len(right) / len(said) if said else 0.0,
        len(right) / len(truly) if truly else 0.0,
        len(right),
        len(said),
        len(truly),
        flagged,
        answers,
        (hits, len(truly)),
        (offered, len(truly)),
    )


SAMPLE_GROUPS = ("close", "counterparts left out", "unpaired", "not in the samples")
GROUPS = (*SAMPLE_GROUPS, *TYPED_GROUPS)
CLOSE_GROUPS = ("close", TYPED_GROUPS[0])


def report(runs: dict[str, Figures], calibration: DraftCalibration, judged: Sequence[Case]) -> list[str]:
    """The RESULTS.md section: per judgement, close precision/recall, flags per group, hit@3."""
    cases_count = len(judged)
    lines = [
        f"{cases_count} judged drafts: "
        + ", ".join(f"{sum(c.group == g for c in judged)} {g}" for g in GROUPS)
        + " (bench/draft_match.py says how each group is made).",
        "",
        "| judgement | close precision | close recall | close drafts flagged none/related |"
        " no-precedent drafts flagged none/related | counterpart offered (close or related) |"
        " precedent hit@3 |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, f in runs.items():
        none_groups = [g for g in GROUPS if g not in CLOSE_GROUPS]
        flagged = sum(f.flagged.get(g, (0, 0))[0] for g in none_groups)
        total = sum(f.flagged.get(g, (0, 0))[1] for g in none_groups)
        close_flagged = tuple(sum(f.flagged.get(g, (0, 0))[i] for g in CLOSE_GROUPS) for i in (0, 1))
        hit3 = f.hit3[0] / max(f.hit3[1], 1)
        lines.append(
            f"| {label} | {f.close_right}/{f.said_close} = {f.precision:.2f} |"
            f" {f.close_right}/{f.truly_close} = {f.recall:.2f} |"
            f" {close_flagged[0]}/{close_flagged[1]} | {flagged}/{total} = {flagged / max(total, 1):.2f} |"
            f" {f.offered[0]}/{f.offered[1]} | {f.hit3[0]}/{f.hit3[1]} = {hit3:.2f} |"
        )
    lines += ["", "Answers per group (close / related / none):", ""]
    lines += ["| judgement | " + " | ".join(GROUPS) + " |", "|---|" + "---|" * len(GROUPS)]
    for label, f in runs.items():
        cells = [
            "/".join(
                str(f.answers.get(g, {}).get(m.value, 0)) for m in (Match.CLOSE, Match.RELATED, Match.NONE)
            )
            for g in GROUPS
        ]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    c = calibration
    how = (
        "never reached: only an identical project name is close"
        if c.close_at > 1
        else "the lowest threshold with precision >= 0.9 on the drafts"
    )
    lines += [
        "",
        f"The calibration this run fits on all {cases_count} drafts (search/draft_calibration.json only"
        " with --fit-match):"
        f" close from p >= {c.close_at:g} ({how}),"
        f" related from p >= {c.related_at:.3f} (best tells judged counterparts from the precedents of"
        " drafts with none: Youden's J) and only for a precedent sharing a distinctive word of the name;"
        f" weights over (z, name coverage, objective z) {tuple(round(w, 3) for w in c.close.weights)},"
        f" bias {c.close.bias:.3f}.",
    ]
    return lines


def write_calibration(calibration: DraftCalibration, path: Path = DRAFT_CALIBRATION) -> None:
    import json

    path.write_text(json.dumps(calibration.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# --- why "close" is never said: the ceiling, and each close draft's evidence ----------------------


@dataclass(frozen=True)
class Ceiling:
    """Drafts ranked by their best precedent's probability under one model: `cuts[k-1]` is how
    many of the first k are truly close. A model fitted on every draft and read on those same
    drafts (in-sample) is an upper bound of what leave-one-out can reach with these features."""

    cuts: list[int]
    truly_close: int

    def best_recall_at(self, precision: float) -> tuple[int, int]:
        """(right, said) at the deepest cut whose precision is at least `precision`; (0, 0) if none."""
        found = (0, 0)
        for said, right in enumerate(self.cuts, 1):
            if right / said >= precision:
                found = (right, said)
        return found

    def precision_at_recall(self, recall: float) -> tuple[int, int]:
        """(right, said) at the first cut reaching `recall` of the truly close drafts; (0, 0) if none."""
        for said, right in enumerate(self.cuts, 1):
            if self.truly_close and right / self.truly_close >= recall:
                return right, said
        return 0, 0


def ceiling(drafted: Sequence[Drafted], model: Logistic) -> Ceiling:
    scored = sorted(
        (
            (
                max(
                    (model.probability(p.evidence.vector()) for p in d.precedents if p.evidence), default=0.0
                ),
                i,
            )
            for i, d in enumerate(drafted)
        ),
        reverse=True,
    )
    cuts, right = [], 0
    for _probability, i in scored:
        right += drafted[i].case.close
        cuts.append(right)
    return Ceiling(cuts, sum(d.case.close for d in drafted))


def evidence_table(drafted: Sequence[Drafted]) -> list[str]:
    """Each close draft: its best judged counterpart's rank and evidence beside the strongest
    other precedent's (by z), and the strongest precedent of the drafts with no close one."""
    lines = [
        "| close draft | judged counterpart (rank: z / name coverage / objective z) |"
        " strongest other precedent (rank: z / coverage / objective z) |",
        "|---|---|---|",
    ]

    def cell(p: Precedent | None) -> str:
        if p is None or p.evidence is None:
            return "not among the 8"
        e = p.evidence
        return f"{p.project.label} ({p.rank}: {e.z:.2f} / {e.name_coverage:.2f} / {e.objective_z:.2f})"

    def z(p: Precedent) -> float:
        return p.evidence.z if p.evidence else float("-inf")

    for d in drafted:
        if not d.case.close:
            continue
        theirs = [p for p in d.precedents if p.project.iri in d.case.counterparts]
        others = [p for p in d.precedents if p.project.iri not in d.case.counterparts]
        lines.append(
            f"| {d.case.name} | {cell(max(theirs, key=z, default=None))} |"
            f" {cell(max(others, key=z, default=None))} |"
        )
    strongest = sorted(
        ((max(d.precedents, key=z), d) for d in drafted if not d.case.close and d.precedents),
        key=lambda pair: -z(pair[0]),
    )[:8]
    lines += [
        "",
        "The strongest precedents of drafts with no close one (by z):",
        "",
        "| draft (group) | its strongest precedent (rank: z / coverage / objective z) |",
        "|---|---|",
        *(f"| {d.case.name} ({d.case.group}) | {cell(p)} |" for p, d in strongest),
    ]
    return lines
