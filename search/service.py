"""Search over the index: hybrid ranking, filters, grouping, and "what others set" for one item.

Ranking is reciprocal rank fusion (Cormack et al. 2009): each list contributes
weight / (k + rank), so neither BM25's unbounded scores nor e5's compressed cosines (everything
sits between 0.8 and 0.95) need calibrating against each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from search import precedents
from search.encoder import Encoder
from search.entries import Entry, Kind
from search.index import SearchIndex
from search.match import Calibration, Evidence, Match, MatchEvidence, overall, shipped_calibration
from search.texts import category_by_label

MAX_QUERY_CHARS = 512  # the model reads 512 tokens at most; BM25 gains nothing from more
CANDIDATES = 200  # depth of each list before fusion


class QueryError(ValueError):
    """A query that cannot be answered as typed (empty, unknown filter value, unknown IRI)."""


class Mode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


@dataclass(frozen=True)
class Filters:
    kind: Kind | None = None
    unit: str | None = None  # a unit's or township's IRI, code, or part of its name
    year: int | None = None
    level1: str | None = None  # category label (产出指标 / 产出) or id (output)
    level2: str | None = None
    target_type: str | None = None  # quantitative | qualitative | date | unparsed


@dataclass(frozen=True)
class RankingSettings:
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 0.5
    per_project: int = 3


@dataclass
class Hit:
    entry: Entry
    score: float
    dense: float | None = None  # cosine, when the dense list had it
    lexical: float | None = None  # BM25, when the lexical list had it
    duplicates: list[str] = field(default_factory=list)  # same text and target, same township
    match: Match | None = None  # close / related / none, when the search judged it
    evidence: Evidence | None = None  # what the judgement rests on
    amount: float | None = None  # the project's amount in 万元 (the hit's own project)

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        project = (
            {"iri": e.project.iri, "label": e.project.label} if e.project and e.kind != Kind.PROJECT else None
        )
        target = e.target
        return {
            "kind": e.kind.value,
            "iri": e.iri,
            "label": e.label,
            "score": round(self.score, 6),
            "project": project,
            "unit": {"iri": e.unit.iri, "label": e.unit.label} if e.unit else None,
            "township": {"iri": e.township.iri, "label": e.township.label} if e.township else None,
            "year": e.year,
            "level1": e.level1.label if e.level1 else None,
            "level2": e.level2.label if e.level2 else None,
            "target": (
                {
                    "raw": target.raw,
                    "comparator": target.comparator,
                    "number": target.number,
                    "unit": target.unit,
                }
                if target
                else None
            ),
            "target_type": target.type if target else None,
            "dense": None if self.dense is None else round(self.dense, 6),
            "lexical": None if self.lexical is None else round(self.lexical, 6),
            "duplicates": self.duplicates,
            "amount": self.amount,
            "match": self.match.value if self.match else None,
            "matched_words": list(self.evidence.matched) if self.evidence else [],
            "evidence": (
                {
                    "z": self.evidence.z,
                    "coverage": self.evidence.coverage,
                    "agreement": self.evidence.agreement,
                }
                if self.evidence
                else None
            ),
        }


@dataclass
class SearchResult:
    hits: list[Hit]
    warnings: list[str] = field(default_factory=list)
    match: Match = Match.NONE  # the answer as a whole
    total: int = 0  # hits judged close or related over every candidate (as the page would list them)
    candidates: list[Hit] = field(default_factory=list)  # every candidate, judged (for the benchmark)


class SearchService:
    def __init__(
        self,
        index: SearchIndex,
        encoder: Callable[[], Encoder],
        ranking: RankingSettings | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        self.index = index
        self._encoder_factory = encoder
        self._encoder: Encoder | None = None
        self.ranking = ranking or RankingSettings()
        self.calibration = calibration if calibration is not None else shipped_calibration()
        self._evidence: tuple[int, MatchEvidence] | None = None
        self._unit_list: tuple[int, list[tuple[str, str, str]]] | None = None

    @property
    def match_evidence(self) -> MatchEvidence:
        # Rebuilt when the index changed (an ingest replaces its entries in place).
        state = id(self.index.rows)
        if self._evidence is None or self._evidence[0] != state:
            self._evidence = (state, MatchEvidence(self.index))
        return self._evidence[1]

    @property
    def model(self) -> str:
        return self.index.meta.model

    @property
    def documents(self) -> dict[str, str]:
        return self.index.meta.documents

    def __len__(self) -> int:
        return len(self.index)

    def entry_of(self, iri: str) -> Entry | None:
        entry_id = self.index.by_iri.get(iri)
        return self.index.entry(entry_id) if entry_id is not None else None

    @property
    def encoder(self) -> Encoder:
        # Loaded on first use: `similar` reads stored vectors and never needs the model.
        if self._encoder is None:
            self._encoder = self._encoder_factory()
        return self._encoder

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        limit: int = 10,
        mode: Mode = Mode.HYBRID,
        per_project: int | None = None,
    ) -> SearchResult:
        text, warnings = query_text(query)
        allowed = self.allowed_rows(filters or Filters())
        if allowed is not None and not allowed.any():
            return SearchResult([], [*warnings, "no entry matches the filters"])

        dense: dict[int, tuple[int, float]] = {}
        lexical: dict[int, tuple[int, float]] = {}
        vector = None
        if mode in (Mode.HYBRID, Mode.DENSE):
            vector = self.encoder.encode_queries([text])[0]
            dense = self._dense(vector, allowed)
        if mode in (Mode.HYBRID, Mode.LEXICAL):
            tokens = self.index.tokenizer(text)
            if not tokens and mode == Mode.LEXICAL:
                warnings.append("no searchable words in the query")
            lexical = self._lexical(tokens, allowed)
        fused = self._fuse(dense, lexical, mode)
        cap = self.ranking.per_project if per_project is None else per_project
        candidates = self._group(fused, dense, lexical, len(fused), cap)
        self._judge(candidates, text, vector, dense, lexical)
        result = result_of(candidates, limit, warnings)
        # Amounts for the page only: the ~300 candidates' lookups were a twelfth of a search at 1M
        # indicators (bench/index_scale.py, profiled), and only shown hits print one.
        for hit in result.hits:
            hit.amount = self.amount_of(hit.entry)
        return result

    def _judge(
        self,
        hits: list[Hit],
        text: str,
        vector: npt.NDArray[np.float32] | None,
        dense: dict[int, tuple[int, float]],
        lexical: dict[int, tuple[int, float]],
    ) -> None:
        """Each hit's evidence and match (search/match.py)."""
        evidence = self.match_evidence
        ids = [self.index.by_iri[hit.entry.iri] for hit in hits]
        for hit, found in zip(
            hits, evidence.of(ids, vector, evidence.words(text), dense, lexical), strict=True
        ):
            hit.evidence = found
            hit.match = self.calibration.judge(found) if self.calibration else None

    def amount_of(self, entry: Entry) -> float | None:
        """The amount (万元) of the entry's project: a project carries it, its parts look it up."""
        if entry.kind == Kind.PROJECT:
            return entry.amount
        project = self.index.by_iri.get(entry.project.iri) if entry.project else None
        if project is None:
            return None
        # From the amount column, not the project's Entry: building one (its text, its tokens) for
        # each hit's project was a sixth of a search at 1M indicators (bench/index_scale.py, profiled).
        row = self.index.table.row_of(project)
        amount = float(self.index.table.amount[row]) if row is not None else math.nan
        return None if math.isnan(amount) else amount

    def similar(self, iri: str, limit: int = 10, per_project: int | None = None) -> list[Hit]:
        """The nearest entries of the same kind in other townships, same level-2 category first."""
        entry_id = self.index.by_iri.get(iri)
        if entry_id is None:
            raise QueryError(f"{iri}: not in the search index (an indicator, objective or project IRI)")
        entry = self.index.entry(entry_id)
        columns = self.index.columns
        allowed = (columns.kind == entry.kind.value) & (
            columns.township != (entry.township.iri if entry.township else "")
        )
        if not allowed.any():
            return []
        ranked = self._dense(self.index.vectors.vector(entry_id), allowed)
        if entry.kind == Kind.PROJECT:
            return self._similar_projects(entry, ranked, limit)
        hits = [Hit(self.index.entry(i), score, dense=score) for i, (_rank, score) in ranked.items()]
        if entry.level2 is not None:
            # Stable sort: same category first, each part still in cosine order.
            hits.sort(key=lambda hit: hit.entry.level2 != entry.level2)
        cap = self.ranking.per_project if per_project is None else per_project
        return _cap_per_project(hits, limit, cap)

    def _similar_projects(
        self, project: Entry, ranked: dict[int, tuple[int, float]], limit: int
    ) -> list[Hit]:
        """Projects by their own vector and by their indicator table, fused (search/precedents.py)."""
        columns = self.index.columns
        others = columns.township != (project.township.iri if project.township else "")
        mine = np.flatnonzero((columns.project == project.iri) & (columns.kind == Kind.INDICATOR.value))
        candidates = others & (columns.kind == Kind.INDICATOR.value)
        lists = []
        for row in mine[: precedents.TABLE_INDICATORS]:
            found = self._dense(self.index.vectors.vector(int(columns.ids[row])), candidates)
            owners = ((self.index.entry(i).project, score) for i, (_rank, score) in found.items())
            lists.append([(owner.iri, score) for owner, score in owners if owner is not None])
        by_vector = [(self.index.entry(i).iri, score) for i, (_rank, score) in ranked.items()]
        cosine = dict(by_vector)
        hits = []
        for iri, score in precedents.fuse(by_vector, precedents.table_overlap(lists))[:limit]:
            entry_id = self.index.by_iri.get(iri)
            if entry_id is not None:
                hits.append(Hit(self.index.entry(entry_id), score, dense=cosine.get(iri)))
        return hits

    # --- the parts ---------------------------------------------------------------------------

    def allowed_rows(self, filters: Filters) -> npt.NDArray[np.bool_] | None:
        """A boolean mask over rows, or None when nothing is filtered."""
        c = self.index.columns
        mask = np.ones(len(c.ids), dtype=bool)
        filtered = False
        if filters.kind is not None:
            mask &= c.kind == Kind(filters.kind).value
            filtered = True
        if filters.unit:
            mask &= self._unit_mask(filters.unit)
            filtered = True
        if filters.year is not None:
            mask &= c.year == filters.year
            filtered = True
        for value, column, level in ((filters.level1, c.level1, 1), (filters.level2, c.level2, 2)):
            if value:
                category = category_by_label(value, level)
                if category is None:
                    raise QueryError(
                        f"--level{level} {value}: no such level-{level} category (e.g. 产出指标, 数量指标)"
                    )
                mask &= column == category
                filtered = True
        if filters.target_type:
            mask &= c.target_type == filters.target_type
            filtered = True
        return mask if filtered else None

    def _unit_mask(self, wanted: str) -> npt.NDArray[np.bool_]:
        wanted = wanted.strip()
        matching = {
            iri for iri, code, label in self._units() if iri == wanted or code == wanted or wanted in label
        }
        if not matching:
            raise QueryError(f"--unit {wanted}: no unit or township by that code, IRI or name")
        c = self.index.columns
        return c.unit.isin(matching) | c.township.isin(matching)

    def _units(self) -> list[tuple[str, str, str]]:
        """(IRI, code, label) of every unit and township, once per state of the index: made per
        filtered query, the Refs and codes cost 35 ms at 1M indicators (bench/index_scale.py)."""
        state = id(self.index.rows)
        if self._unit_list is None or self._unit_list[0] != state:
            units = [(ref.iri, ref.iri.rsplit("/", 1)[-1], ref.label) for ref in self.index.unit_refs()]
            self._unit_list = (state, units)
        return self._unit_list[1]

    def _dense(
        self, vector: npt.NDArray[np.float32], allowed: npt.NDArray[np.bool_] | None
    ) -> dict[int, tuple[int, float]]:
        ids = self.index.columns.ids[allowed] if allowed is not None else None
        scores, found = self.index.vectors.search(vector, CANDIDATES, ids)
        return {int(i): (rank, float(s)) for rank, (i, s) in enumerate(zip(found, scores, strict=True))}

    def _lexical(
        self, tokens: list[str], allowed: npt.NDArray[np.bool_] | None
    ) -> dict[int, tuple[int, float]]:
        scores = self.index.lexical.scores(tokens)
        if scores.size == 0:
            return {}
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        depth = min(CANDIDATES, int((scores > 0).sum()))
        if depth == 0:
            return {}
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top], kind="stable")]
        ids = self.index.columns.ids
        return {int(ids[row]): (rank, float(scores[row])) for rank, row in enumerate(top)}

    def _fuse(
        self, dense: dict[int, tuple[int, float]], lexical: dict[int, tuple[int, float]], mode: Mode
    ) -> list[tuple[int, float]]:
        return fuse(dense, lexical, mode, self.ranking)

    def _group(
        self,
        fused: list[tuple[int, float]],
        dense: dict[int, tuple[int, float]],
        lexical: dict[int, tuple[int, float]],
        limit: int,
        per_project: int,
    ) -> list[Hit]:
        return group(fused, dense, lexical, self.index.entry, limit, per_project)


def query_text(query: str) -> tuple[str, list[str]]:
    """The query as searched (spaces collapsed, cut to MAX_QUERY_CHARS) and what was said of it."""
    warnings: list[str] = []
    text = " ".join(query.split())
    if not text:
        raise QueryError("empty query: type a few words, e.g. 村干部补贴 / 查询为空，请输入关键词")
    if not any(ch.isalnum() for ch in text):
        # Only punctuation or symbols: embeddings would still return "nearest" entries, at random.
        raise QueryError(
            f"no words in the query {text[:40]!r}: type a few words / 查询中没有文字，请输入关键词"
        )
    if len(text) > MAX_QUERY_CHARS:
        warnings.append(f"query cut to its first {MAX_QUERY_CHARS} of {len(text)} characters")
        text = text[:MAX_QUERY_CHARS]
    return text, warnings


def fuse(
    dense: dict[int, tuple[int, float]],
    lexical: dict[int, tuple[int, float]],
    mode: Mode,
    ranking: RankingSettings,
) -> list[tuple[int, float]]:
    """Weighted reciprocal rank fusion of the two lists, best first (ties by entry id)."""
    k = ranking.rrf_k
    weights = {Mode.DENSE: (1.0, 0.0), Mode.LEXICAL: (0.0, 1.0)}.get(
        mode, (ranking.dense_weight, ranking.lexical_weight)
    )
    fused: dict[int, float] = {}
    for weight, ranked in zip(weights, (dense, lexical), strict=True):
        if weight == 0:
            continue
        for entry_id, (rank, _score) in ranked.items():
            fused[entry_id] = fused.get(entry_id, 0.0) + weight / (k + rank + 1)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def group(
    fused: list[tuple[int, float]],
    dense: dict[int, tuple[int, float]],
    lexical: dict[int, tuple[int, float]],
    entry_of: Callable[[int], Entry],
    limit: int,
    per_project: int,
) -> list[Hit]:
    """The fused list as hits: duplicates folded under their first, at most `per_project` each."""
    hits: list[Hit] = []
    seen: dict[tuple[str, str, str, str], Hit] = {}
    for entry_id, score in fused:
        entry = entry_of(entry_id)
        # The same indicator text with the same target in one township is one precedent;
        # the others are listed under it rather than filling the page.
        key = (
            entry.kind.value,
            entry.label,
            entry.target.raw if entry.target else "",
            entry.township.iri if entry.township else "",
        )
        if key in seen:
            seen[key].duplicates.append(entry.iri)
            continue
        hit = Hit(
            entry,
            score,
            dense=dense[entry_id][1] if entry_id in dense else None,
            lexical=lexical[entry_id][1] if entry_id in lexical else None,
        )
        seen[key] = hit
        hits.append(hit)
    return _cap_per_project(hits, limit, per_project)


def result_of(candidates: list[Hit], limit: int, warnings: list[str]) -> SearchResult:
    """The page of judged candidates, and the answer as a whole."""
    shown = candidates[:limit]
    total = sum(1 for hit in candidates if hit.match in (Match.CLOSE, Match.RELATED))
    answer = overall([hit.match for hit in shown if hit.match is not None])
    return SearchResult(shown, warnings, answer, total, candidates)


def _cap_per_project(hits: list[Hit], limit: int, per_project: int) -> list[Hit]:
    """At most `per_project` hits of any one project on the page (0: no cap), in order."""
    shown: list[Hit] = []
    counts: dict[str, int] = {}
    for hit in hits:
        project = hit.entry.project.iri if hit.entry.project else hit.entry.iri
        if per_project and counts.get(project, 0) >= per_project:
            continue
        counts[project] = counts.get(project, 0) + 1
        shown.append(hit)
        if len(shown) >= limit:
            break
    return shown
