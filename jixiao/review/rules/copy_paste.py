"""Indicators copied from another project: close to another project's subject, far from their own.

A township files twenty or thirty tables a year, and staff copy rows between them: 农牧民培训总成本
in a heating-fee project, 被扶贫群众满意度 in the Youth League's. The rule reads the search index's
vectors (no model is loaded) and compares each indicator with every project of its township and
year, each project's subject being the mean vector of its name and its objectives.

Two corrections keep it precise:
- Some subjects are near every indicator (a staff-pay project whose objectives list everything):
  each project's mean similarity to the group's indicators is subtracted ("hubness").
- Embeddings alone also flag generic rows (档案管理制度健全性) whose small differences mean
  nothing, so a finding needs words as well: the indicator has a distinctive word (rare among the
  group's projects) that the other project's name or objectives use and its own project's name,
  objectives and other indicators do not.

The thresholds were set on the two bundled samples (bench/RESULTS.md lists every finding with a
judgement); with the small default model the rule is a hint (info), not a verdict.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from jixiao.review.model import Finding, ReviewContext, RuleSkipped, Severity, rule
from jixiao.review.rules.common import text
from search.entries import Entry, Kind
from search.index import SearchIndex

# How much nearer (cosine, after the hubness correction) the other project's subject must be
# than the indicator's own project's. The 99th percentile of that margin on the samples is 0.04,
# the median 0.005; true copies there sit at 0.017–0.030.
COPY_MARGIN = 0.015
# A word is distinctive when the indicators of at most this share of the group's projects use it.
DISTINCTIVE_SHARE = 0.2
# Below this many projects in a township and year there is no "elsewhere" to compare with.
MIN_PROJECTS = 4
_CJK_WORD = re.compile(r"[\u3400-\u9fff]{2,}")

Matrix = npt.NDArray[np.float32]

CURRENT_INDICATORS = "SELECT ?indicator WHERE { ?project jx:hasIndicator ?indicator }"


@dataclass
class Group:
    """The projects of one township in one year, with their objectives and indicators."""

    projects: list[Entry]
    objectives: dict[str, list[Entry]]
    indicators: list[Entry]


def _groups(index: SearchIndex, current: set[str]) -> Iterable[Group]:
    projects: defaultdict[tuple[str, int], list[Entry]] = defaultdict(list)
    objectives: defaultdict[str, list[Entry]] = defaultdict(list)
    indicators: defaultdict[tuple[str, int], list[Entry]] = defaultdict(list)
    for entry in index.rows:
        township = entry.township.iri if entry.township else ""
        key = (township, entry.year if entry.year is not None else -1)
        if entry.kind == Kind.PROJECT:
            projects[key].append(entry)
        elif entry.kind == Kind.OBJECTIVE and entry.project is not None:
            objectives[entry.project.iri].append(entry)
        elif entry.kind == Kind.INDICATOR and entry.iri in current:
            indicators[key].append(entry)
    for key, members in projects.items():
        if len(members) >= MIN_PROJECTS and indicators[key]:
            yield Group(members, {p.iri: objectives[p.iri] for p in members}, indicators[key])


def _unit(rows: Matrix) -> Matrix:
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.asarray(rows / np.where(norms == 0, 1, norms), dtype=np.float32)


def _words(index: SearchIndex, texts: Iterable[str]) -> set[str]:
    return {w for t in texts for w in index.tokenizer(t) if _CJK_WORD.fullmatch(w)}


def _check_group(index: SearchIndex, vectors: dict[str, Matrix], group: Group) -> list[Finding]:
    column = {p.iri: k for k, p in enumerate(group.projects)}
    topics = _unit(
        np.stack(
            [np.mean([vectors[e.iri] for e in [p, *group.objectives[p.iri]]], axis=0) for p in group.projects]
        )
    )
    rows = [i for i in group.indicators if i.project is not None and i.project.iri in column]
    if not rows:
        return []
    scores = np.stack([vectors[i.iri] for i in rows]) @ topics.T
    scores -= scores.mean(axis=0, keepdims=True)  # the hubness correction

    words = {i.iri: _words(index, [i.label]) for i in rows}
    used_by: defaultdict[str, set[str]] = defaultdict(set)  # word -> projects whose indicators use it
    for i in rows:
        for w in words[i.iri]:
            used_by[w].add(i.project.iri if i.project else "")
    rare = max(1.0, DISTINCTIVE_SHARE * len(group.projects))
    subject = {
        p.iri: _words(index, [p.label, *(o.text for o in group.objectives[p.iri])]) for p in group.projects
    }
    siblings: defaultdict[str, list[Entry]] = defaultdict(list)
    for i in rows:
        siblings[i.project.iri if i.project else ""].append(i)

    findings = []
    for n, indicator in enumerate(rows):
        own = column[indicator.project.iri if indicator.project else ""]
        ranked = np.argsort(-scores[n])
        best = int(ranked[0] if ranked[0] != own else ranked[1])
        margin = float(scores[n, best] - scores[n, own])
        if margin < COPY_MARGIN:
            continue
        distinctive = {w for w in words[indicator.iri] if len(used_by[w]) <= rare}
        own_iri, other = group.projects[own].iri, group.projects[best]
        own_words = subject[own_iri] | _words(
            index, [s.label for s in siblings[own_iri] if s.iri != indicator.iri]
        )
        shared = sorted(distinctive & subject[other.iri])
        if not shared or distinctive & own_words:
            continue
        findings.append(_finding(indicator, group.projects[own], other, shared, margin))
    return findings


def _finding(indicator: Entry, own: Entry, other: Entry, shared: list[str], margin: float) -> Finding:
    words = "、".join(shared)
    return Finding(
        rule="copy-paste",
        severity=Severity.INFO,
        focus=indicator.iri,
        focus_label=indicator.label,
        message=f"指标“{indicator.label}”与本项目“{own.label}”的内容关联弱，却与同单位项目“{other.label}”"
        f"相近（共同词：{words}）：是否从其他项目复制而来？",
        message_en=f"'{indicator.label}' is far from its project '{own.label}' and near '{other.label}' "
        f"(shared words {', '.join(shared)}; margin {margin:.3f}): copied from another project?",
        values=(indicator.label, other.label),
        project=own.iri,
    )


@rule(
    "copy-paste",
    "疑似从其他项目复制的指标",
    "Indicator probably copied from another project",
    # Info: a hint for the reviewer. On the samples half of what it reports is a real copy (see
    # bench/RESULTS.md); the small model cannot tell more reliably.
    Severity.INFO,
    "An indicator whose embedding is clearly nearer (by COPY_MARGIN, after a hubness correction) to "
    "another project's subject (name and objectives) in the same township and year than to its own "
    "project's, and which shares a distinctive word with that project and none with its own. Needs "
    "the search index.",
)
def copy_paste(context: ReviewContext) -> list[Finding]:
    index = context.index
    if index is None:
        raise RuleSkipped("no search index (run `jixiao reindex`)")
    current = {text(row.indicator) for row in context.select(CURRENT_INDICATORS)}
    ids, matrix = index.vectors.all_vectors()
    row_of = {int(entry_id): n for n, entry_id in enumerate(ids.tolist())}
    vectors = {
        entry.iri: matrix[row_of[entry_id]]
        for entry_id, entry in zip(index.row_ids, index.rows, strict=True)
        if entry_id in row_of
    }
    findings = []
    for group in _groups(index, current):
        findings.extend(_check_group(index, vectors, group))
    return findings
