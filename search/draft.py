"""Drafting a new target table from precedents (起草绩效目标).

Given a new project's name (and objective, amount, unit), find the most similar existing projects
in other townships (the precedents), and propose a full indicator tree from what they set: for
every category a review requires, ranked candidate indicators, each with a suggested target and
its evidence. Nothing is invented: every candidate is an indicator some precedent filed, every
suggested value is one a precedent used (or, for a total-cost target, that value scaled to the new
amount, with the arithmetic shown). A required category no precedent covers is reported empty.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from search.entries import Entry, Kind, Ref, TargetValue
from search.service import Filters, QueryError, SearchService
from search.texts import category_refs
from search.tokenize import STOPWORDS

CAT = "https://w3id.org/jixiao/category/"


@dataclass(frozen=True)
class Slot:
    """A place in the tree: a level-2 category under a level-1 one."""

    level1: str  # category IRI
    level2: str | None  # None: any level-2 category under level1 will do (效益, 满意度)
    label: str  # what the form calls it
    required: bool


# The standard order of a target form, and what a review requires (数量/质量/时效/成本 outputs, at
# least one 效益 and one 满意度 indicator). 成本 is 产出 › 成本指标 before 2021 and a level 1 of its own
# from 2021: either satisfies the cost requirement.
REQUIRED = [
    Slot(CAT + "output", CAT + "quantity", "数量指标", True),
    Slot(CAT + "output", CAT + "quality", "质量指标", True),
    Slot(CAT + "output", CAT + "timeliness", "时效指标", True),
    Slot(CAT + "output", CAT + "outputCost", "成本指标", True),
    Slot(CAT + "effect", None, "效益指标", True),
    Slot(CAT + "satisfaction", None, "满意度指标", True),
]
LEVEL1_ORDER = [CAT + "output", CAT + "cost", CAT + "effect", CAT + "satisfaction"]
COST = {CAT + "outputCost", CAT + "cost", CAT + "economicCost", CAT + "socialCost", CAT + "ecologicalCost"}

PRECEDENTS = 8  # precedents shown and drawn from
# Words nearly every project name has: sharing only these says nothing about being alike
# (bench/RESULTS.md, draft: 武装工作经费's precedents shared only 工作/经费 and proposed grid rows).
GENERIC_WORDS = {
    "工作",
    "经费",
    "工作经费",
    "项目",
    "资金",
    "补助",
    "补贴",
    "乡镇",
    "专项",
    "支出",
    "保障",
    "发放",
}
_MARKUP = re.compile(r"[$\\{}]")  # OCR'd LaTeX in a source value: $\geq 95\%$
CANDIDATES = 5  # candidates per level-2 category
_SENTENCE = re.compile(r"[^。；;！!？?]+[。；;！!？?]?")
_PUNCT = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class DraftRequest:
    name: str
    objective: str = ""
    amount: float | None = None  # 万元
    unit: str | None = None  # the drafter's unit or township: its own projects are not precedents
    year: int | None = None
    exclude: frozenset[str] = frozenset()  # project IRIs never to use (leave-one-out evaluation)


@dataclass
class Precedent:
    project: Entry
    score: float
    rank: int
    shared_words: list[str]
    objectives: list[tuple[str, float]]  # the project's objectives that matched, with cosine

    def to_json(self) -> dict[str, Any]:
        p = self.project
        return {
            "iri": p.iri,
            "label": p.label,
            "score": round(self.score, 6),
            "rank": self.rank,
            "township": _ref(p.township),
            "unit": _ref(p.unit),
            "year": p.year,
            "amount": p.amount,
            "why": {
                "shared_words": self.shared_words,
                "objectives": [{"text": text, "similarity": round(sim, 4)} for text, sim in self.objectives],
            },
        }


@dataclass(frozen=True)
class Evidence:
    precedent: str  # project IRI
    project: str  # its label
    township: str | None
    indicator: str  # the precedent's indicator IRI
    label: str  # as the precedent wrote it
    target: str  # raw value


@dataclass
class Suggestion:
    comparator: str | None
    number: float | None
    unit: str | None
    raw: str  # the value as a precedent wrote it, or the adapted value
    adaptation: str | None = None  # how it was changed, in words, when it was
    warning: str | None = None  # why it needs checking (a money value above the budget)

    def to_json(self) -> dict[str, Any]:
        return {
            "comparator": self.comparator,
            "number": self.number,
            "unit": self.unit,
            "raw": self.raw,
            "adaptation": self.adaptation,
            "warning": self.warning,
        }


@dataclass
class Candidate:
    label: str
    level1: Ref
    level2: Ref
    score: float
    evidence: list[Evidence]
    suggestion: Suggestion | None
    values: list[tuple[str, int]]  # each distinct value the precedents set, with how often

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "level1": _ref(self.level1),
            "level2": _ref(self.level2),
            "score": round(self.score, 6),
            "precedents": len({e.precedent for e in self.evidence}),
            "target": self.suggestion.to_json() if self.suggestion else None,
            "values": [{"raw": raw, "count": count} for raw, count in self.values],
            "evidence": [e.__dict__ for e in self.evidence],
        }


@dataclass
class SlotProposal:
    level1: Ref
    level2: Ref | None
    label: str
    required: bool
    candidates: list[Candidate] = field(default_factory=list)
    requirement: str | None = None  # the required category this fills (数量指标 … 满意度指标)

    @property
    def missing(self) -> bool:
        return not self.candidates

    def to_json(self) -> dict[str, Any]:
        return {
            "level1": _ref(self.level1),
            "level2": _ref(self.level2),
            "label": self.label,
            "required": self.required,
            "requirement": self.requirement,
            "missing": self.missing,
            "note": "前例中没有此类指标，请自行补充 / no precedent has one: add it yourself"
            if self.missing
            else None,
            "candidates": [c.to_json() for c in self.candidates],
        }


@dataclass
class Draft:
    request: DraftRequest
    precedents: list[Precedent]
    slots: list[SlotProposal]
    objective: str | None  # a suggested 年度总体目标, a draft
    objective_sources: list[str]  # precedent project IRIs its sentences came from
    warnings: list[str]

    def candidates(self) -> list[Candidate]:
        return [c for slot in self.slots for c in slot.candidates]

    def to_json(self) -> dict[str, Any]:
        r = self.request
        filled: dict[str, bool] = {}
        for slot in self.slots:
            if slot.requirement:
                filled[slot.requirement] = filled.get(slot.requirement, False) or not slot.missing
        return {
            "request": {
                "name": r.name,
                "objective": r.objective,
                "amount": r.amount,
                "unit": r.unit,
                "year": r.year,
            },
            "precedents": [p.to_json() for p in self.precedents],
            "objective": {
                "text": self.objective,
                "draft": True,
                "sources": self.objective_sources,
            },
            "slots": [s.to_json() for s in self.slots],
            "coverage": {
                "required": len(filled),
                "filled": sum(filled.values()),
                "missing": [label for label, done in filled.items() if not done],
            },
            "warnings": self.warnings,
            "table": default_table(self).to_json(),  # what a drafter who accepts it all would file
        }


class Drafter:
    def __init__(self, service: SearchService) -> None:
        self.service = service
        self.index = service.index

    def draft(self, request: DraftRequest) -> Draft:
        precedents = self.precedents(request)
        warnings: list[str] = []
        if not precedents:
            warnings.append("no similar project found in other townships: nothing to draft from")
        elif not set(precedents[0].shared_words) - GENERIC_WORDS:
            warnings.append(
                "the closest precedents share only generic words with this project (工作, 经费…):"
                " they may be about something else; check every proposed indicator"
            )
        if request.amount is None:
            warnings.append("no amount given: total-cost targets are shown as the precedents set them")
        slots = self._slots(precedents, request)
        objective, sources = self._objective(precedents, request)
        return Draft(request, precedents, slots, objective, sources, warnings)

    # -- precedents -----------------------------------------------------------------------------

    def precedents(self, request: DraftRequest, limit: int = PRECEDENTS) -> list[Precedent]:
        """Projects ranked by their name+indicators and by their objectives, fused by rank."""
        query = " ".join(part for part in (request.name, request.objective) if part.strip())
        own = self._own_townships(request.unit)
        depth = 60
        by_project = self.service.search(query, Filters(kind=Kind.PROJECT), limit=depth, per_project=1).hits
        by_objective = self.service.search(
            request.objective or request.name, Filters(kind=Kind.OBJECTIVE), limit=depth, per_project=1
        ).hits
        k = self.service.ranking.rrf_k
        fused: dict[str, float] = defaultdict(float)
        objectives: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for rank, hit in enumerate(by_project):
            fused[hit.entry.iri] += 1 / (k + rank + 1)
        for rank, hit in enumerate(by_objective):
            owner = hit.entry.project
            if owner is None:
                continue
            fused[owner.iri] += 0.5 / (k + rank + 1)
            objectives[owner.iri].append((hit.entry.label, hit.dense or 0.0))
        query_words = self._words(query)
        found: list[Precedent] = []
        for iri, score in sorted(fused.items(), key=lambda item: (-item[1], item[0])):
            entry_id = self.index.by_iri.get(iri)
            if entry_id is None or iri in request.exclude:
                continue
            project = self.index.entry(entry_id)
            if own and project.township is not None and project.township.iri in own:
                continue
            shared = [w for w in query_words if w in self._words(project.text)]
            found.append(Precedent(project, score, len(found) + 1, shared, objectives.get(iri, [])[:2]))
            if len(found) >= limit:
                break
        return found

    def _own_townships(self, unit: str | None) -> set[str]:
        """The townships of the drafter's unit, matched as the search filter matches (code, IRI, name)."""
        if not unit or not unit.strip():
            return set()
        try:
            mask = self.service.allowed_rows(Filters(unit=unit))
        except QueryError:  # a unit the index does not know: none of its projects can be precedents
            return set()
        return set() if mask is None else set(self.index.columns.township[mask].tolist())

    def _words(self, text: str) -> list[str]:
        words = [w for w in self.index.tokenizer(text) if len(w) > 1 and w not in STOPWORDS]
        return list(dict.fromkeys(words))

    # -- the table ------------------------------------------------------------------------------

    def _slots(self, precedents: list[Precedent], request: DraftRequest) -> list[SlotProposal]:
        weight = {p.project.iri: p.score for p in precedents}
        projects = {p.project.iri: p.project for p in precedents}
        groups: dict[tuple[str, str, str], list[Entry]] = defaultdict(list)
        for indicator in self.index.of_projects(weight, Kind.INDICATOR):
            if indicator.level1 is None or indicator.level2 is None:
                continue
            groups[(indicator.level1.iri, indicator.level2.iri, _name_key(indicator.label))].append(indicator)

        by_level2: dict[str, list[Candidate]] = defaultdict(list)
        for (_l1, level2, _key), members in groups.items():
            candidate = self._candidate(members, weight, projects, request)
            by_level2[level2].append(candidate)
        for candidates in by_level2.values():
            candidates.sort(key=lambda c: (-c.score, -len(c.evidence), c.label))

        slots: list[SlotProposal] = []
        seen: set[str] = set()
        levels1 = {c.level2.iri: c.level1 for cs in by_level2.values() for c in cs}
        for slot in REQUIRED:
            if slot.level2 is not None:
                extra = [CAT + "cost", *sorted(COST)] if slot.level2 == CAT + "outputCost" else []
                wanted = list(dict.fromkeys([slot.level2, *extra]))
                present = [l2 for l2 in wanted if l2 in by_level2]
                for l2 in present or [slot.level2]:
                    seen.add(l2)
                    slots.append(self._proposal(slot, l2, levels1, by_level2))
            else:
                under = [l2 for l2, l1 in levels1.items() if l1.iri == slot.level1 and l2 not in seen]
                for l2 in sorted(under, key=lambda l2: -by_level2[l2][0].score):
                    seen.add(l2)
                    slots.append(self._proposal(slot, l2, levels1, by_level2))
                if not under:
                    level1 = Ref(slot.level1, _level1_label(slot.level1))
                    slots.append(SlotProposal(level1, None, slot.label, True, requirement=slot.label))
        for l2, level1 in levels1.items():  # categories precedents used beyond the required ones
            if l2 not in seen:
                optional = Slot(level1.iri, l2, by_level2[l2][0].level2.label, False)
                slots.append(self._proposal(optional, l2, levels1, by_level2))
        order = {iri: n for n, iri in enumerate(LEVEL1_ORDER)}
        slots.sort(key=lambda s: order.get(s.level1.iri, len(order)))  # stable: slot order within
        return slots

    def _proposal(
        self, slot: Slot, level2: str, levels1: dict[str, Ref], by_level2: dict[str, list[Candidate]]
    ) -> SlotProposal:
        candidates = by_level2.get(level2, [])[:CANDIDATES]
        level1 = levels1.get(level2, Ref(slot.level1, _level1_label(slot.level1)))
        label = candidates[0].level2.label if candidates else slot.label
        requirement = slot.label if slot.required else None
        return SlotProposal(level1, Ref(level2, label), label, slot.required, candidates, requirement)

    def _candidate(
        self,
        members: list[Entry],
        weight: dict[str, float],
        projects: dict[str, Entry],
        request: DraftRequest,
    ) -> Candidate:
        evidence = []
        for e in members:
            assert e.project is not None
            evidence.append(
                Evidence(
                    precedent=e.project.iri,
                    project=e.project.label,
                    township=e.township.label if e.township else None,
                    indicator=e.iri,
                    label=e.label,
                    target=e.target.raw if e.target else "",
                )
            )
        supporting = {e.precedent for e in evidence}
        score = sum(weight[p] for p in supporting)
        labels = Counter(e.label for e in members)
        values = Counter(" ".join(e.target.raw.split()) for e in members if e.target and e.target.raw.strip())
        first = members[0]
        assert first.level1 is not None and first.level2 is not None
        return Candidate(
            label=labels.most_common(1)[0][0],
            level1=first.level1,
            level2=first.level2,
            score=score,
            evidence=evidence,
            suggestion=_suggest(members, weight, projects, request),
            values=values.most_common(),
        )

    # -- the objective --------------------------------------------------------------------------

    def _objective(self, precedents: list[Precedent], request: DraftRequest) -> tuple[str | None, list[str]]:
        """Up to two sentences from the precedents' objectives that share most words with the request."""
        query_words = set(self._words(" ".join((request.name, request.objective))))
        wanted = {p.project.iri for p in precedents}
        texts: dict[str, list[str]] = defaultdict(list)
        for entry in self.index.of_projects(wanted, Kind.OBJECTIVE):
            if entry.project is not None:
                texts[entry.project.iri].append(entry.label)
        scored: list[tuple[float, str, str]] = []
        for precedent in precedents:
            for objective in texts[precedent.project.iri]:
                for sentence in _SENTENCE.findall(objective):
                    text = sentence.strip().rstrip("；;")
                    if len(text) < 8:
                        continue
                    overlap = len(query_words & set(self._words(text)))
                    text = text.replace(precedent.project.label, request.name)
                    scored.append((overlap + precedent.score * 10, text, precedent.project.iri))
        scored.sort(key=lambda item: -item[0])
        chosen: list[tuple[str, str]] = []
        for _score, text, source in scored:
            if all(_name_key(text) != _name_key(t) for t, _ in chosen):
                chosen.append((text, source))
            if len(chosen) == 2:
                break
        if not chosen:
            return None, []
        paragraph = "；".join(text.rstrip("。") for text, _ in chosen) + "。"
        return paragraph, list(dict.fromkeys(source for _, source in chosen))


def _suggest(
    members: list[Entry], weight: dict[str, float], projects: dict[str, Entry], request: DraftRequest
) -> Suggestion | None:
    """The value most precedents set (ties: the closest precedent's), adapted where arithmetic is clear."""
    with_target = [e for e in members if e.target is not None and e.target.raw.strip()]
    if not with_target:
        return None

    def key(t: TargetValue) -> tuple[str | None, float | None, str | None, str]:
        return (t.comparator, t.number, t.unit, t.raw if t.number is None else "")

    counts = Counter(key(e.target) for e in with_target if e.target is not None)
    best = max(
        with_target,
        key=lambda e: (counts[key(e.target)], weight.get(e.project.iri if e.project else "", 0.0)),  # type: ignore[arg-type]
    )
    target = best.target
    assert target is not None and best.project is not None
    suggestion = Suggestion(target.comparator, target.number, target.unit, " ".join(target.raw.split()))
    if _MARKUP.search(target.raw) and target.number is not None:
        # The value was typed (or OCR'd) as LaTeX; file it as parsed, and say so.
        written = f"{target.comparator or ''}{_number(target.number)}{target.unit or ''}"
        suggestion = Suggestion(
            target.comparator,
            target.number,
            target.unit,
            written,
            f"原文 {target.raw.strip()}，按解析结果书写",
        )
    precedent = projects.get(best.project.iri)
    suggestion = _adapt(suggestion, target, precedent, request)
    return _check_amount(suggestion, request, precedent)


def _check_amount(suggestion: Suggestion, request: DraftRequest, precedent: Entry | None) -> Suggestion:
    """A money total larger than the project it is for is flagged, not silently proposed."""
    unit = suggestion.unit or ""
    if suggestion.number is None or unit.split("/")[0] not in ("元", "万元") or suggestion.adaptation:
        return suggestion
    budget = request.amount if request.amount is not None else (precedent.amount if precedent else None)
    if budget is None:
        return suggestion
    in_wan = suggestion.number / 10_000 if unit.startswith("元") else suggestion.number
    if in_wan <= budget * 1.001:
        return suggestion
    whose = "本项目" if request.amount is not None else "前例项目"
    note = f"金额 {suggestion.raw} 大于{whose}预算 {_number(budget)}万元，请核实"
    suggestion.warning = note + " / larger than the project's amount"
    return suggestion


def _adapt(
    suggestion: Suggestion, target: TargetValue, precedent: Entry | None, request: DraftRequest
) -> Suggestion:
    """A total cost equal to the precedent's amount becomes the new amount; rates and shares stay."""
    if target.number is None or not target.unit or request.amount is None or precedent is None:
        return suggestion
    if precedent.amount is None or "/" in target.unit or target.unit not in ("元", "万元"):
        return suggestion
    in_wan = target.number / 10_000 if target.unit == "元" else target.number
    if abs(in_wan - precedent.amount) > max(0.005 * precedent.amount, 0.01):
        return suggestion  # a part of the cost, not the total: no arithmetic is clear
    number = request.amount * 10_000 if target.unit == "元" else request.amount
    shown = _number(number)
    raw = f"{target.comparator or ''}{shown}{target.unit}"
    note = (
        f"前例总成本 {_number(target.number)}{target.unit} 等于其项目金额 {_number(precedent.amount)}万元，"
        f"按新项目金额 {_number(request.amount)}万元 换算 / the precedent's total cost equals its amount:"
        " scaled to the new amount"
    )
    return Suggestion(target.comparator, number, target.unit, raw, note)


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _name_key(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text))


def _level1_label(iri: str) -> str:
    level1, _ = category_refs(iri)
    return level1.label if level1 else iri.rsplit("/", 1)[-1]


def _ref(ref: Ref | None) -> dict[str, str] | None:
    return {"iri": ref.iri, "label": ref.label} if ref else None


# --- the table a drafter accepts (what the exports write) ------------------------------------------


@dataclass
class TableRow:
    level1: str  # labels, as the form shows them
    level2: str
    label: str  # 三级指标
    raw: str  # 指标值 as it will be filed, e.g. ≥90%
    comparator: str | None = None
    number: float | None = None
    unit: str | None = None
    precedents: list[str] = field(default_factory=list)  # the precedent indicators' IRIs
    adaptation: str | None = None

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class DraftTable:
    """One drafted project as it will be filed: what a drafter downloads (XLSX, Turtle)."""

    name: str
    objective: str
    amount: float | None = None  # 万元
    unit: str | None = None  # 单位名称
    year: int | None = None
    rows: list[TableRow] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "rows"}
        return {**data, "rows": [row.to_json() for row in self.rows]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftTable:
        rows = [TableRow(**row) for row in data.get("rows", [])]
        fields = {k: data.get(k) for k in ("name", "objective", "amount", "unit", "year")}
        return cls(**{**fields, "objective": fields["objective"] or "", "rows": rows})  # type: ignore[arg-type]


def default_table(draft: Draft, per_slot: int = 1) -> DraftTable:
    """The first `per_slot` candidates of every slot, as a drafter who accepts the proposal would file."""
    rows = []
    for slot in draft.slots:
        for candidate in slot.candidates[:per_slot]:
            s = candidate.suggestion
            rows.append(
                TableRow(
                    level1=candidate.level1.label,
                    level2=candidate.level2.label,
                    label=candidate.label,
                    raw=s.raw if s else "",
                    comparator=s.comparator if s else None,
                    number=s.number if s else None,
                    unit=s.unit if s else None,
                    precedents=[e.indicator for e in candidate.evidence],
                    adaptation=s.adaptation if s else None,
                )
            )
    r = draft.request
    return DraftTable(r.name, draft.objective or r.objective, r.amount, r.unit, r.year, rows)
