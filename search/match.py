"""Is a hit a close match, a related one, or no match at all? A judgement calibrated on judged queries.

e5's cosines are useless as they come: every query sits between 0.80 and 0.95 with everything in
the corpus, related and unrelated alike ("xyzzy不存在的东西qq" scores 0.85 with its first hit,
"村干部补贴" 0.93). So a hit is described by evidence that means the same for every query:

- `z`: its cosine in standard deviations above the query's own background (the cosines of the
  query with a fixed sample of the corpus): a hit that stands out from everything else;
- `coverage`: the share of the query's distinctive words (weighted by IDF over the corpus; a word
  the corpus never uses weighs most) that the hit contains: "村级道路养护" shares only 村级 with
  anything, so even its best hit covers 0.19 of it;
- `agreement`: 1 when both lists (dense and BM25) put the hit in their first `AGREEMENT_DEPTH`.

Two logistic models over these (close, and close-or-related) were fitted on the hand-judged
queries of bench/match_judgements.json by `bench/match_eval.py --fit`, which writes the weights and
thresholds to match_calibration.json beside this file; the figures are in bench/RESULTS.md.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from search.entries import Entry
from search.tokenize import Tokenizer, normalize

CALIBRATION = Path(__file__).with_name("match_calibration.json")
BACKGROUND = 4096  # corpus vectors the query is compared with to know its background
AGREEMENT_DEPTH = 20
FEATURES = ("z", "coverage", "agreement")
_CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")

Vector = npt.NDArray[np.float32]


class Match(StrEnum):
    CLOSE = "close"
    RELATED = "related"
    NONE = "none"


@dataclass(frozen=True)
class Evidence:
    """What a judgement rests on, per hit (shown by the API, read by the calibration)."""

    z: float
    coverage: float
    agreement: float
    matched: tuple[str, ...]  # the query's words the hit contains, for highlighting

    def vector(self) -> list[float]:
        return [self.z, self.coverage, self.agreement]

    @classmethod
    def of_vector(cls, features: Sequence[float]) -> Evidence:
        z, coverage, agreement = features
        return cls(z, coverage, agreement, ())


@dataclass(frozen=True)
class Logistic:
    """p = 1 / (1 + exp(-(bias + Σ weight·feature))) over FEATURES, on standardised features."""

    bias: float
    weights: tuple[float, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]

    def probability(self, features: Sequence[float]) -> float:
        score = self.bias + sum(
            w * (x - m) / s
            for w, x, m, s in zip(self.weights, features, self.means, self.scales, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, score))))


@dataclass(frozen=True)
class Calibration:
    close: Logistic
    related: Logistic  # close or related against unrelated
    close_at: float  # a hit is close from this probability up
    related_at: float
    fitted_on: str = ""  # what the weights were fitted on, for the record

    def judge(self, evidence: Evidence) -> Match:
        features = evidence.vector()
        if self.close.probability(features) >= self.close_at:
            return Match.CLOSE
        if self.related.probability(features) >= self.related_at:
            return Match.RELATED
        return Match.NONE

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Calibration:
        def logistic(part: object) -> Logistic:
            assert isinstance(part, dict)
            return Logistic(
                float(part["bias"]),
                tuple(map(float, part["weights"])),
                tuple(map(float, part["means"])),
                tuple(map(float, part["scales"])),
            )

        close_at, related_at = data["close_at"], data["related_at"]
        assert isinstance(close_at, float | int) and isinstance(related_at, float | int)
        return cls(
            logistic(data["close"]),
            logistic(data["related"]),
            float(close_at),
            float(related_at),
            str(data.get("fitted_on", "")),
        )

    @classmethod
    def load(cls, path: Path = CALIBRATION) -> Calibration:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


@cache
def shipped_calibration() -> Calibration | None:
    """The calibration beside this file; None before the first `bench/match_eval.py --fit`."""
    return Calibration.load() if CALIBRATION.is_file() else None


def overall(matches: Sequence[Match]) -> Match:
    """The answer as a whole: close if any hit is, else related if any is, else none."""
    for level in (Match.CLOSE, Match.RELATED):
        if level in matches:
            return level
    return Match.NONE


class StoredVectors(Protocol):
    @property
    def dimension(self) -> int: ...
    def vector(self, entry_id: int) -> Vector: ...
    def many(self, entry_ids: Sequence[int]) -> Vector:
        """The stored vectors of these ids as the rows of one matrix, in their order."""
        ...


class Corpus(Protocol):
    """What the evidence reads of an index: `SearchIndex` in process, or the Milvus searcher's view
    (search.milvus_backend), which holds only the background sample and the hits at hand."""

    @property
    def tokenizer(self) -> Tokenizer: ...
    @property
    def row_ids(self) -> Sequence[int]: ...
    @property
    def vectors(self) -> StoredVectors: ...
    def __len__(self) -> int: ...
    def entry(self, entry_id: int) -> Entry: ...
    def document_frequencies(self) -> Mapping[str, int]: ...


# Labels recur across candidates and queries (群众满意度 in every project), and OpenCC's
# conversion costs about half a millisecond a label: each distinct one is converted once.
_label_form = lru_cache(maxsize=1 << 16)(normalize)


class MatchEvidence:
    """The corpus statistics a judgement needs (document frequencies, a background sample),
    computed once per state of the index and reused for every query."""

    def __init__(self, index: Corpus) -> None:
        self.index = index
        self.size = len(index)
        # From the lexical index's postings: no Entry is built for this (a million of them would be).
        self.df: Mapping[str, int] = index.document_frequencies()
        ids = index.row_ids
        step = max(1, len(ids) // BACKGROUND)
        sample = ids[::step][:BACKGROUND]
        dimension = index.vectors.dimension
        self.background = (
            np.stack([index.vectors.vector(i) for i in sample])
            if sample
            else np.zeros((0, dimension), dtype=np.float32)
        )

    def idf(self, token: str) -> float:
        return math.log(1.0 + self.size / (self.df.get(token, 0) + 0.5))

    def words(self, query: str) -> dict[str, float]:
        """The query's distinctive words with their IDF: a lone Chinese character (给, 不) says little."""
        found: dict[str, float] = {}
        for token in self.index.tokenizer(query):
            if len(token) == 1 and _CJK.match(token):
                continue
            found.setdefault(token, self.idf(token))
        return found

    def standing(self, vector: Vector) -> tuple[float, float]:
        """Mean and standard deviation of the query's cosines with the background sample."""
        if len(self.background) < 2:
            return 0.0, 1.0
        cosines = self.background @ vector
        return float(cosines.mean()), max(float(cosines.std()), 1e-6)

    def of(
        self,
        entry_ids: Sequence[int],
        vector: Vector | None,
        words: Mapping[str, float],
        dense: Mapping[int, tuple[int, float]],
        lexical: Mapping[int, tuple[int, float]],
    ) -> list[Evidence]:
        mean, std = self.standing(vector) if vector is not None else (0.0, 1.0)
        total = sum(words.values())
        cosines = {entry_id: score for entry_id, (_rank, score) in dense.items()}
        unscored = [i for i in dict.fromkeys(entry_ids) if i not in cosines]
        if vector is not None and unscored:
            # The lexical-only candidates' cosines in one read and one product: one by one they
            # were a tenth of a search at 1M indicators (bench/index_scale.py, profiled).
            cosines.update(zip(unscored, (self.index.vectors.many(unscored) @ vector).tolist(), strict=True))
        found = []
        for entry_id in entry_ids:
            entry = self.index.entry(entry_id)
            z = 0.0 if vector is None else (cosines[entry_id] - mean) / std
            tokens = set(entry.tokens)
            shared = [word for word in words if word in tokens]
            coverage = sum(words[w] for w in shared) / total if total else 0.0
            agreement = float(
                entry_id in dense
                and dense[entry_id][0] < AGREEMENT_DEPTH
                and entry_id in lexical
                and lexical[entry_id][0] < AGREEMENT_DEPTH
            )
            label = _label_form(entry.label)
            # Longest first, and only words the label itself shows (a project's tokens include
            # its indicators' names): the page highlights these in the title.
            visible = tuple(sorted((w for w in shared if w in label), key=len, reverse=True))
            found.append(Evidence(round(z, 4), round(coverage, 4), agreement, visible))
        return found


# --- drafting: is a precedent project close to the project being drafted? ------------------------

DRAFT_CALIBRATION = Path(__file__).with_name("draft_calibration.json")
DRAFT_FEATURES = ("z", "name_coverage", "objective_z")


@dataclass(frozen=True)
class PrecedentEvidence:
    """What a precedent's judgement rests on (jixiao.drafting.draft.Drafter.precedents computes it).

    - `z`: the project's cosine with the request (name and objective, as searched) in standard
      deviations above the request's background, as search's `Evidence.z`;
    - `name_coverage`: the share of the request's *name*'s distinctive words (IDF-weighted) the
      project's text holds: search's coverage is over the whole request, objective included, which
      a long objective dilutes;
    - `objective_z`: the best z of the project's objectives against the request's objective (its
      name when it has none).
    """

    z: float
    name_coverage: float
    objective_z: float

    def vector(self) -> list[float]:
        return [self.z, self.name_coverage, self.objective_z]


@dataclass(frozen=True)
class DraftCalibration:
    """One logistic model (a precedent is close, or not) fitted on judged precedent pairs by
    `bench/draft_eval.py --fit-match`. Close from `close_at` up (chosen for precision: a close
    precedent drafts the table); related from `related_at` up when it shares a word of the name
    (chosen to tell judged counterparts from other precedents: their indicators are offered after
    the standard frame's), or when search's own judgement of it is close or related."""

    close: Logistic
    close_at: float
    related_at: float
    fitted_on: str = ""

    def probability(self, evidence: PrecedentEvidence) -> float:
        return self.close.probability(evidence.vector())

    def judge(self, evidence: PrecedentEvidence, searched: Match | None) -> Match:
        probability = self.probability(evidence)
        # Search's own "close" for the project stands: it is calibrated on judged queries of its
        # own (bench/match_judgements.json) and, read on drafts it was not fitted on
        # (bench/draft_judgements.toml), is right for nearly every draft it is said of.
        if probability >= self.close_at or searched is Match.CLOSE:
            return Match.CLOSE
        # Related by the model only when the precedent shares a distinctive word of the name: the
        # first of 42 township budgets always stands out a little, even for a name the corpus
        # has no word of (xyzzy…).
        if (probability >= self.related_at and evidence.name_coverage > 0) or searched is Match.RELATED:
            return Match.RELATED
        return Match.NONE

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "features": list(DRAFT_FEATURES)}

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> DraftCalibration:
        part = data["close"]
        assert isinstance(part, dict)
        close = Logistic(
            float(part["bias"]),
            tuple(map(float, part["weights"])),
            tuple(map(float, part["means"])),
            tuple(map(float, part["scales"])),
        )
        close_at, related_at = data["close_at"], data["related_at"]
        assert isinstance(close_at, float | int) and isinstance(related_at, float | int)
        return cls(close, float(close_at), float(related_at), str(data.get("fitted_on", "")))

    @classmethod
    def load(cls, path: Path = DRAFT_CALIBRATION) -> DraftCalibration:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


@cache
def shipped_draft_calibration() -> DraftCalibration | None:
    """The drafting calibration beside this file; None before `bench/draft_eval.py --fit-match`."""
    return DraftCalibration.load() if DRAFT_CALIBRATION.is_file() else None
