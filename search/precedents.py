"""A project's precedents: projects of other townships that read alike *and* carry a like table.

`similar` for a project ranked by the project's own vector only (its name and first indicator
names), which misses counterparts named differently: 城乡社区运转经费 and 社区服务群众专项经费
fund the same community services under two names, and their indicator tables say so. So the
project list is fused by rank with a second list, the projects ordered by how well their indicators
answer the source project's: for each of its first `TABLE_INDICATORS` indicators, the best cosine
among a candidate project's indicators (0 when none of them is in that indicator's nearest
CANDIDATES), averaged. On bench/precedent_pairs.toml this takes `similar`'s project hit@3 from
16/17 to 17/17, and on the blind close pairs of bench/sample_close.toml from 5/7 to 7/7
(bench/RESULTS.md, search quality); the two lists weigh the same (`TABLE_WEIGHT`), the middle of
the weights that reach both (0.75-1.0).

Both search backends (in process and Milvus) hand their dense lists to `fuse`, so they agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

TABLE_WEIGHT = 1.0
TABLE_INDICATORS = 20  # a project's first indicators (by id: the order filed) that are compared
RRF_K = 60

Ranked = Sequence[tuple[str, float]]  # (project IRI, cosine), best first


def table_overlap(lists: Sequence[Ranked]) -> dict[str, float]:
    """Per candidate project, the mean over the source's indicators of its best cosine in that
    indicator's list (`lists`: one per source indicator, each of (owning project IRI, cosine))."""
    if not lists:
        return {}
    total: dict[str, float] = defaultdict(float)
    for ranked in lists:
        best: dict[str, float] = {}
        for project, cosine in ranked:
            if cosine > best.get(project, float("-inf")):
                best[project] = cosine
        for project, cosine in best.items():
            total[project] += cosine
    return {project: value / len(lists) for project, value in total.items()}


def fuse(
    by_vector: Ranked, by_table: dict[str, float], weight: float | None = None
) -> list[tuple[str, float]]:
    """The two lists fused by reciprocal rank, best first; ties in IRI order (both backends agree).
    `weight`: the table list's, TABLE_WEIGHT when None (read at each call: a benchmark varies it)."""
    weight = TABLE_WEIGHT if weight is None else weight
    score: dict[str, float] = defaultdict(float)
    for rank, (project, _cosine) in enumerate(by_vector):
        score[project] += 1 / (RRF_K + rank + 1)
    table = sorted(by_table.items(), key=lambda item: (-item[1], item[0]))
    for rank, (project, _overlap) in enumerate(table):
        score[project] += weight / (RRF_K + rank + 1)
    return sorted(score.items(), key=lambda item: (-item[1], item[0]))
