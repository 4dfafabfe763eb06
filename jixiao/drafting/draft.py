"""Drafting a new target table from precedents (起草绩效目标).

Given a new project's name (and objective, amount, unit), find the most similar existing projects
in other townships (the precedents), judge each close, related or none (search/match.py), and
propose a full indicator tree: for every category a review requires, ranked candidate indicators,
each with a suggested target and its evidence.

With a close precedent the candidates are what the close and related precedents filed; without
one the draft starts from the standard frame (GENERIC_FRAME: the required categories with the
common indicators every table carries, marked generic), related precedents' indicators after them,
unrelated ones never. Nothing else is invented: every other candidate is an indicator some
precedent filed, every suggested value one a precedent used, or that value adapted with the change
shown (a total cost scaled to the new amount; years moved to the draft's year). The drafter's own
objective is kept; a suggested one is offered beside it.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ontology.namespace import JXCAT
from ontology.requirements import categories_under, required_categories
from search.entries import Entry, Kind, Ref, TargetValue
from search.match import DraftCalibration, Match, PrecedentEvidence, overall, shipped_draft_calibration
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
    meets: tuple[str, ...] = ()  # every category that meets the requirement (成本: either tree)


# What a review requires, in the standard order of a target form: the ontology's jxcat:required
# (ontology/requirements.py; 数量/质量/时效/成本 outputs, at least one 效益 and one 满意度 indicator).
# 成本 is 产出 › 成本指标 before 2021 and a level 1 of its own from 2021: either meets it. A
# requirement that is a first level (效益, 满意度) takes any level 2 under it.
REQUIRED = [
    Slot(
        r.level1,
        None if r.members[0] == r.level1 else r.members[0],
        r.label,
        True,
        meets=(*r.members, *sorted(categories_under(r.members))),
    )
    for r in required_categories()
]
LEVEL1_ORDER = [CAT + "output", CAT + "cost", CAT + "effect", CAT + "satisfaction"]
# Every category that meets the cost requirement, in either tree (comparisons treat them as one).
COST = frozenset(
    m
    for r in required_categories()
    if r.iri == str(JXCAT.requiredCost)
    for m in (*r.members, *categories_under(r.members))
)

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
    # close / related / none: the drafting judgement (search/match.py DraftCalibration) over the
    # evidence below, or search's own judgement of the project (or its objective) without one;
    # None when nothing is calibrated
    match: Match | None = None
    evidence: PrecedentEvidence | None = None
    probability: float | None = None  # of being close, by the drafting calibration

    def to_json(self) -> dict[str, Any]:
        p = self.project
        return {
            "iri": p.iri,
            "label": p.label,
            "score": round(self.score, 6),
            "rank": self.rank,
            "match": self.match.value if self.match else None,
            "probability": None if self.probability is None else round(self.probability, 4),
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
    shifted_from: str | None = None  # the value before its years were moved to the draft's year

    def to_json(self) -> dict[str, Any]:
        return {
            "comparator": self.comparator,
            "number": self.number,
            "unit": self.unit,
            "raw": self.raw,
            "adaptation": self.adaptation,
            "warning": self.warning,
            "shifted_from": self.shifted_from,
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
    generic: bool = False  # from the standard frame (GENERIC_FRAME), not from a precedent
    match: Match | None = None  # the best judgement among the precedents that filed it

    @property
    def has_value(self) -> bool:
        return self.suggestion is not None and bool(self.suggestion.raw.strip())

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "level1": _ref(self.level1),
            "level2": _ref(self.level2),
            "score": round(self.score, 6),
            "generic": self.generic,
            "match": self.match.value if self.match else None,
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

    @property
    def generic_only(self) -> bool:
        """No precedent filed one: only the standard frame's generic indicators stand in."""
        return bool(self.candidates) and all(c.generic for c in self.candidates)

    def to_json(self) -> dict[str, Any]:
        if self.missing:
            note: str | None = "前例中没有此类指标，请自行补充 / no precedent has one: add it yourself"
        elif self.generic_only:
            note = "前例中没有此类指标：列出的是通用指标，请按本项目修改 / none in precedents: generic ones"
        else:
            note = None
        return {
            "level1": _ref(self.level1),
            "level2": _ref(self.level2),
            "label": self.label,
            "required": self.required,
            "requirement": self.requirement,
            "missing": self.missing,
            "generic_only": self.generic_only,
            "note": note,
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
    match: Match | None = None  # the precedents as a whole: close / related / none (None: not judged)
    objective_generic: bool = False  # the suggested objective is the standard frame's, not a precedent's

    def candidates(self) -> list[Candidate]:
        return [c for slot in self.slots for c in slot.candidates]

    def to_json(self) -> dict[str, Any]:
        r = self.request
        filled: dict[str, bool] = {}
        by_precedents: dict[str, bool] = {}
        for slot in self.slots:
            if slot.requirement:
                filled[slot.requirement] = filled.get(slot.requirement, False) or not slot.missing
                by_precedents[slot.requirement] = by_precedents.get(slot.requirement, False) or (
                    not slot.missing and not slot.generic_only
                )
        return {
            "request": {
                "name": r.name,
                "objective": r.objective,
                "amount": r.amount,
                "unit": r.unit,
                "year": r.year,
            },
            "match": self.match.value if self.match else None,
            "match_note": MATCH_NOTES.get(self.match) if self.match else None,
            "precedents": [p.to_json() for p in self.precedents],
            "objective": {
                "text": self.objective,
                "draft": True,
                "generic": self.objective_generic,
                "sources": self.objective_sources,
                "mine": r.objective,  # the drafter's own, kept as the table's objective when given
            },
            "slots": [s.to_json() for s in self.slots],
            "coverage": {
                "required": len(filled),
                "filled": sum(filled.values()),
                "missing": [label for label, done in filled.items() if not done],
            },
            # the required categories only the standard frame's generic indicators fill
            "generic_categories": [
                label for label, done in filled.items() if done and not by_precedents[label]
            ],
            "warnings": self.warnings,
            "table": default_table(self).to_json(),  # what a drafter who accepts it all would file
        }


MATCH_NOTES = {
    Match.NONE: "没有找到相近的前例：以下从标准框架开始（必备类别和通用指标），请按本项目填写"
    " / no close precedent: the draft starts from the standard frame",
    Match.RELATED: "没有相近的前例，只有相关的：以下从标准框架开始，相关前例的指标列在通用指标之后，仅供参考"
    " / no close precedent, only related ones: the draft starts from the standard frame",
}


class Drafter:
    def __init__(
        self,
        service: SearchService,
        calibration: DraftCalibration | None = None,
        *,
        search_only: bool = False,
    ) -> None:
        """`calibration`: the drafting judgement (the shipped one when None); `search_only`: judge
        precedents by search's own judgement alone (what `bench/draft_eval.py` compares with)."""
        self.service = service
        self.index = service.index
        self.calibration = None if search_only else calibration or shipped_draft_calibration()

    # Weights of the three lists in the precedents' rank fusion (the project list weighs 1), and
    # how many of a project's indicators the indicator list may hold; chosen by
    # bench/draft_eval.py --match on precedent hit@3 (bench/RESULTS.md).
    indicator_weight = 1.0
    objective_weight = 0.5
    indicators_per_project = 1

    def draft(self, request: DraftRequest) -> Draft:
        precedents = self.precedents(request)
        judged = [p.match for p in precedents if p.match is not None]
        match = overall(judged) if judged or not precedents else None
        if not precedents:
            match = Match.NONE
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
        if match is None or match is Match.CLOSE:
            # Drawn from the close and related precedents; a required category they leave empty
            # (or give no value for) starts from the standard frame.
            usable = [p for p in precedents if p.match is not Match.NONE]
            slots = _with_frame(self._slots(usable, request), request, behind=False)
            objective, sources = self._objective(
                [p for p in usable if p.match in (None, Match.CLOSE)], request
            )
            generic_objective = False
        else:
            # Nothing close: the standard frame first, related precedents' indicators after it.
            related = [p for p in precedents if p.match is Match.RELATED]
            slots = _with_frame(
                [s for s in self._slots(related, request) if s.required], request, behind=True
            )
            objective, sources, generic_objective = None, [], True
        if objective is None:
            objective, generic_objective = generic_objective_for(request), True
        return Draft(request, precedents, slots, objective, sources, warnings, match, generic_objective)

    # -- precedents -----------------------------------------------------------------------------

    def precedents(self, request: DraftRequest, limit: int = PRECEDENTS) -> list[Precedent]:
        """Projects ranked by their name+indicators and by their objectives, fused by rank."""
        query = " ".join(part for part in (request.name, request.objective) if part.strip())
        own = self._own_townships(request.unit)
        depth = 60
        projects = self.service.search(query, Filters(kind=Kind.PROJECT), limit=depth, per_project=1)
        objective_result = self.service.search(
            request.objective or request.name, Filters(kind=Kind.OBJECTIVE), limit=depth, per_project=1
        )
        by_project, by_objective = projects.hits, objective_result.hits
        by_indicator = (
            self.service.search(
                query, Filters(kind=Kind.INDICATOR), limit=depth, per_project=self.indicators_per_project
            ).hits
            if self.indicator_weight
            else []
        )
        project_z = {h.entry.iri: h.evidence.z for h in projects.candidates if h.evidence is not None}
        objective_z: dict[str, float] = {}
        for h in objective_result.candidates:
            if h.evidence is not None and h.entry.project is not None:
                of = h.entry.project.iri
                objective_z[of] = max(objective_z.get(of, h.evidence.z), h.evidence.z)
        background = self.service.match_evidence
        name_words = background.words(request.name)
        name_total = sum(name_words.values())
        k = self.service.ranking.rrf_k
        fused: dict[str, float] = defaultdict(float)
        objectives: dict[str, list[tuple[str, float]]] = defaultdict(list)
        judged: dict[str, list[Match]] = defaultdict(list)
        for rank, hit in enumerate(by_project):
            fused[hit.entry.iri] += 1 / (k + rank + 1)
            if hit.match is not None:
                judged[hit.entry.iri].append(hit.match)
        for rank, hit in enumerate(by_objective):
            owner = hit.entry.project
            if owner is None:
                continue
            fused[owner.iri] += self.objective_weight / (k + rank + 1)
            objectives[owner.iri].append((hit.entry.label, hit.dense or 0.0))
            if hit.match is not None and request.objective:
                judged[owner.iri].append(hit.match)
        for rank, hit in enumerate(by_indicator):  # a project whose indicators say what is asked
            if hit.entry.project is not None:
                fused[hit.entry.project.iri] += self.indicator_weight / (k + rank + 1)
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
            match = overall(judged[iri]) if judged.get(iri) else None
            if match is None and self.service.calibration is not None:
                match = Match.NONE  # judged hits only: a project neither list judged is not close
            tokens = set(project.tokens)
            covered = sum(weight for word, weight in name_words.items() if word in tokens)
            evidence = PrecedentEvidence(
                round(project_z.get(iri, 0.0), 4),
                round(covered / name_total if name_total else 0.0, 4),
                round(objective_z.get(iri, 0.0), 4),
            )
            probability = None
            if self.calibration is not None and self.service.calibration is not None:
                probability = self.calibration.probability(evidence)
                match = self.calibration.judge(evidence, match)
            if _name_key(project.label) == _name_key(request.name):
                match = Match.CLOSE  # the same project name elsewhere, whatever the scores say
            found.append(
                Precedent(
                    project,
                    score,
                    len(found) + 1,
                    shared,
                    objectives.get(iri, [])[:2],
                    match,
                    evidence,
                    probability,
                )
            )
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
        matches = {p.project.iri: p.match for p in precedents}
        for (_l1, level2, _key), members in groups.items():
            candidate = self._candidate(members, weight, projects, request)
            found = [m for m in (matches.get(e.precedent) for e in candidate.evidence) if m is not None]
            candidate.match = overall(found) if found else None
            by_level2[level2].append(candidate)
        for candidates in by_level2.values():
            # A candidate with a value first: a first choice is never an empty value.
            candidates.sort(key=lambda c: (not c.has_value, -c.score, -len(c.evidence), c.label))

        slots: list[SlotProposal] = []
        seen: set[str] = set()
        levels1 = {c.level2.iri: c.level1 for cs in by_level2.values() for c in cs}
        for slot in REQUIRED:
            if slot.level2 is not None:
                wanted = list(dict.fromkeys([slot.level2, *slot.meets]))
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
        label = labels.most_common(1)[0][0]
        source_year = first.year if first.year is not None else None
        return Candidate(
            label=shift_years(label, source_year, request.year)[0],  # 2023年全年 in a 2025 draft
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
                    text = _without_citations(text)
                    if len(text) < 8:
                        continue
                    overlap = len(query_words & set(self._words(text)))
                    text = text.replace(precedent.project.label, request.name)
                    text = shift_years(text, precedent.project.year, request.year)[0]
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
    source_year = best.year if best.year is not None else precedent.year if precedent else None
    suggestion = _shift(suggestion, source_year, request.year)
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


# --- the standard frame: what every table carries, for a draft with no close precedent ---------

# The common indicators of the required categories (REQUIRED above; jixiao/review/rules/categories.py
# checks the same six), as budget guides spell them. `{year}` and `{amount}` are the draft's; a
# line with one of them is left out when the draft has none. The first of each category is its
# first choice and always has a value.
GENERIC_FRAME: list[tuple[str, str, str, str]] = [
    (CAT + "output", CAT + "quantity", "项目任务完成率", "100%"),
    (CAT + "output", CAT + "quality", "资金使用合规率", "100%"),
    (CAT + "output", CAT + "quality", "项目验收合格率", "100%"),
    (CAT + "output", CAT + "timeliness", "资金支付及时率", "100%"),
    (CAT + "output", CAT + "timeliness", "项目完成时间", "{year}年12月底"),
    (CAT + "output", CAT + "outputCost", "项目总成本", "≤{amount}万元"),
    (CAT + "output", CAT + "outputCost", "预算执行率", "≥90%"),
    (CAT + "effect", CAT + "socialEffect", "服务对象受益情况", "有效提升"),
    (CAT + "effect", CAT + "sustainability", "长效管理机制健全性", "健全"),
    (CAT + "satisfaction", CAT + "serviceSatisfaction", "服务对象满意度", "≥90%"),
]
GENERIC_NOTE = "通用指标（标准框架，非前例）：请按本项目修改 / a generic indicator of the standard frame"
_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?=\s*(?:年|[-/.]\s*\d{1,2}(?!\d)|—|–|~|～|至))")
_CITATION = re.compile(r"〔\s*\d{4}\s*〕|\[\s*\d{4}\s*\]|［\s*\d{4}\s*］|\d+\s*号文|《[^》]*》")


def _without_citations(sentence: str) -> str:
    """The sentence without its clauses citing another place's documents (根据《…通知》（…[2020]517号）):
    what is left says what the project does."""
    if not _CITATION.search(sentence):
        return sentence
    clauses = re.split(r"(?<=[，,])", sentence)
    kept = [
        c for c in clauses if not _CITATION.search(c) and not c.lstrip().startswith(("根据", "按照", "依据"))
    ]
    return "".join(kept).strip("，, ")


def shift_years(text: str, source_year: int | None, year: int | None) -> tuple[str, bool]:
    """The years in `text` moved by the draft's year minus the precedent's (2023年12月底 → 2025年12月底
    for a 2025 draft from a 2023 table); (text, whether anything moved)."""
    if source_year is None or year is None or source_year == year:
        return text, False
    delta = year - source_year
    moved = _YEAR.sub(lambda m: str(int(m.group(1)) + delta), text)
    return moved, moved != text


def _shift(suggestion: Suggestion, source_year: int | None, year: int | None) -> Suggestion:
    moved, changed = shift_years(suggestion.raw, source_year, year)
    if not changed:
        return suggestion
    note = f"年份已改为本项目年度：前例 {suggestion.raw} → {moved} / moved to the draft's year ({year})"
    adaptation = f"{suggestion.adaptation}；{note}" if suggestion.adaptation else note
    number, unit = suggestion.number, suggestion.unit
    if number is not None and source_year is not None and year is not None and number == float(source_year):
        number = float(year)  # a bare year ("2023年") parsed as a number
    return Suggestion(
        suggestion.comparator,
        number,
        unit,
        moved,
        adaptation,
        suggestion.warning,
        shifted_from=suggestion.raw,
    )


def generic_candidates(level2: str, request: DraftRequest) -> list[Candidate]:
    """The standard frame's indicators of one level-2 category, with the draft's year and amount."""
    found = []
    for level1, l2, label, value in GENERIC_FRAME:
        if l2 != level2:
            continue
        if ("{year}" in value and request.year is None) or ("{amount}" in value and request.amount is None):
            continue
        raw = value.format(year=request.year, amount=_number(request.amount or 0.0))
        target = parse_value(raw)
        ref1 = Ref(level1, _level1_label(level1))
        _l1, ref2 = category_refs(l2)
        found.append(
            Candidate(
                label=label,
                level1=ref1,
                level2=ref2 or Ref(l2, l2.rsplit("/", 1)[-1]),
                score=0.0,
                evidence=[],
                suggestion=Suggestion(target[0], target[1], target[2], raw, GENERIC_NOTE),
                values=[],
                generic=True,
            )
        )
    return found


def parse_value(raw: str) -> tuple[str | None, float | None, str | None]:
    """Comparator, number and unit of a simple value (≥90%, 100%, ≤15万元); Nones for words or dates."""
    m = re.fullmatch(r"([≥≤＞＜＝]?)(\d+(?:\.\d+)?)(%|万元)", raw)
    if not m:
        return None, None, None
    return (m.group(1) or None), float(m.group(2)), m.group(3)


def _frame_level2(slot: Slot) -> list[str]:
    """The level-2 categories of the standard frame that fill a required slot."""
    if slot.level2 is not None:
        return [slot.level2]
    return list(dict.fromkeys(l2 for l1, l2, _label, _value in GENERIC_FRAME if l1 == slot.level1))


def _with_frame(slots: list[SlotProposal], request: DraftRequest, *, behind: bool) -> list[SlotProposal]:
    """Every required category gets the standard frame's indicators where it needs them.

    `behind=False` (a close precedent exists): a required category no precedent filled, or filled
    with no value, gets the generic indicators first. `behind=True` (nothing close): the frame is
    the draft, and what the precedents (related ones) filed comes after the generic indicators.
    """
    by_requirement: dict[str, list[SlotProposal]] = defaultdict(list)
    for proposal in slots:
        if proposal.requirement:
            by_requirement[proposal.requirement].append(proposal)
    result: list[SlotProposal] = []
    done: set[str] = set()
    for proposal in slots:
        if proposal.requirement is None:
            result.append(proposal)
            continue
        requirement = proposal.requirement
        if requirement in done:
            continue  # added with the requirement's first slot
        done.add(requirement)
        slot = next(s for s in REQUIRED if s.label == requirement)
        if behind:
            # One slot per requirement: the frame's categories, the precedents' candidates after.
            theirs = [c for p in by_requirement[requirement] for c in p.candidates]
            made = []
            for level2 in _frame_level2(slot):
                generic = generic_candidates(level2, request)
                level1 = generic[0].level1 if generic else proposal.level1
                ref2 = generic[0].level2 if generic else Ref(level2, level2)
                same = [c for c in theirs if c.level2.iri == level2 or slot.level2 is not None]
                theirs = [c for c in theirs if c not in same]
                made.append(SlotProposal(level1, ref2, ref2.label, True, [*generic, *same], requirement))
            made[0].candidates += theirs  # related candidates of another level 2 (经济效益…)
            for one in made:
                generic = [c for c in one.candidates if c.generic]
                one.candidates = [*generic, *[c for c in one.candidates if not c.generic][:CANDIDATES]]
            result.extend(made)
            continue
        owned = by_requirement[requirement]
        if any(c.has_value for p in owned for c in p.candidates):
            result.extend(owned)
            continue
        level2 = _frame_level2(slot)[0]
        generic = generic_candidates(level2, request)
        first = owned[0]
        if first.level2 is None:
            _l1, frame2 = category_refs(level2)
            label = frame2.label if frame2 else first.label
            first = SlotProposal(first.level1, frame2, label, True, [], requirement)
        first.candidates = [*generic, *first.candidates]
        result.extend([first, *owned[1:]])
    return result


def generic_objective_for(request: DraftRequest) -> str:
    """A suggested 年度总体目标 from the standard frame: the project's name, year and amount only."""
    year = f"{request.year}年" if request.year else "年度内"
    amount = f"（预算{_number(request.amount)}万元）" if request.amount is not None else ""
    return (
        f"{year}按计划实施{request.name}{amount}，资金按时足额支付、使用合规，"
        "项目任务全部完成，服务对象满意度不低于90%。"
    )


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
    weight: float | None = None  # 权重 (分值), when the drafter gives one
    direction: str | None = None  # 指标方向性: 正向 / 反向 / 中性; else read from the comparator
    generic: bool = False  # a standard-frame indicator, not a precedent's
    # The precedents by name, for people (the XLSX's 前例 sheet): {indicator, project, township,
    # label, target} per precedent indicator, as Evidence has them
    sources: list[dict[str, str | None]] = field(default_factory=list)

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


def source_of(evidence: Evidence) -> dict[str, str | None]:
    """A precedent indicator as people name it: its project, township, name and value."""
    return {
        "indicator": evidence.indicator,
        "project": evidence.project,
        "township": evidence.township,
        "label": evidence.label,
        "target": evidence.target,
    }


def default_table(draft: Draft, per_slot: int = 1) -> DraftTable:
    """The first `per_slot` candidates of every slot, as a drafter who accepts the proposal would file."""
    rows = []
    for slot in draft.slots:
        # A first choice always has a value: a candidate without one is never chosen for the drafter.
        for candidate in [c for c in slot.candidates if c.has_value][:per_slot]:
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
                    generic=candidate.generic,
                    sources=[source_of(e) for e in candidate.evidence],
                )
            )
    r = draft.request
    # The drafter's own objective is kept; the suggested one is offered beside it (Draft.objective).
    return DraftTable(r.name, r.objective or draft.objective or "", r.amount, r.unit, r.year, rows)
