"""Drafting with search's match judgement (issue 20, part 2): close precedents draft the table,
otherwise the standard frame does; years move to the draft's year; the drafter's objective stays."""

from __future__ import annotations

import pytest

from jixiao.drafting.draft import (
    GENERIC_FRAME,
    MATCH_NOTES,
    REQUIRED,
    Draft,
    Drafter,
    DraftRequest,
    Precedent,
    Suggestion,
    _shift,
    default_table,
    generic_candidates,
    shift_years,
)
from search.match import Match
from search.service import SearchService


@pytest.mark.parametrize(
    ("text", "source", "year", "expected"),
    [
        ("2023年12月底", 2023, 2025, "2025年12月底"),
        ("2023年全年", 2023, 2025, "2025年全年"),
        ("2023-12-31", 2023, 2025, "2025-12-31"),
        ("2023.12.31前", 2023, 2024, "2024.12.31前"),
        ("2022年-2024年", 2023, 2025, "2024年-2026年"),  # a range keeps its span
        ("12个月", 2023, 2025, "12个月"),
        ("≥95%", 2023, 2025, "≥95%"),
        ("2023人", 2023, 2025, "2023人"),  # a count that looks like a year is not a year
        ("2023年12月底", 2023, None, "2023年12月底"),  # no year for the draft: nothing to move to
        ("2023年12月底", None, 2025, "2023年12月底"),
    ],
)
def test_years_move_to_the_drafts_year(
    text: str, source: int | None, year: int | None, expected: str
) -> None:
    moved, changed = shift_years(text, source, year)
    assert moved == expected and changed is (moved != text)


def test_a_shifted_value_shows_the_change() -> None:
    shifted = _shift(Suggestion(None, None, None, "2023年12月底"), 2023, 2025)
    assert shifted.raw == "2025年12月底" and shifted.shifted_from == "2023年12月底"
    assert shifted.adaptation is not None and "2023年12月底" in shifted.adaptation
    assert "2025年12月底" in shifted.adaptation
    assert shifted.to_json()["shifted_from"] == "2023年12月底"


def _judged(service: SearchService, matches: dict[str, Match], monkeypatch: pytest.MonkeyPatch) -> None:
    """Precedents as the search finds them, with the judgement each label is given here."""
    real = Drafter.precedents

    def precedents(self: Drafter, request: DraftRequest, limit: int = 8) -> list[Precedent]:
        found = real(self, request, limit)
        for p in found:
            p.match = matches.get(p.project.label, Match.NONE)
        return found

    monkeypatch.setattr(Drafter, "precedents", precedents)


def _draft(service: SearchService, **kwargs: object) -> Draft:
    request = DraftRequest("村干部任职补贴", **kwargs)  # type: ignore[arg-type]
    return Drafter(service).draft(request)


def test_no_close_precedent_starts_from_the_standard_frame(
    service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    _judged(service, {}, monkeypatch)
    drafted = _draft(service, objective="保障村干部报酬按时足额发放", amount=15.0, year=2025)
    found = drafted.to_json()
    assert found["match"] == "none" and found["match_note"] == MATCH_NOTES[Match.NONE]
    assert found["precedents"] and all(p["match"] == "none" for p in found["precedents"])
    # Nothing from unrelated projects: every candidate is the frame's, marked generic.
    assert drafted.candidates() and all(c.generic and not c.evidence for c in drafted.candidates())
    labels = {c.label for c in drafted.candidates()}
    assert {"资金支付及时率", "服务对象满意度", "预算执行率"} <= labels
    # Every required category is there, each with a first choice that has a value.
    requirements = {s.requirement for s in drafted.slots}
    assert requirements == {slot.label for slot in REQUIRED}
    table = found["table"]
    assert {row["level2"] for row in table["rows"]} >= {"数量指标", "质量指标", "时效指标", "成本指标"}
    assert all(row["raw"].strip() and row["generic"] for row in table["rows"])
    # The draft's year and amount are in the frame's values.
    raws = {row["label"]: row["raw"] for row in table["rows"]}
    assert raws["项目总成本"] == "≤15万元"
    assert "2025年12月底" in {c.suggestion.raw for c in drafted.candidates() if c.suggestion}
    # The drafter's objective is kept; a suggestion is offered beside it.
    assert table["objective"] == "保障村干部报酬按时足额发放"
    assert found["objective"]["mine"] == "保障村干部报酬按时足额发放"
    assert found["objective"]["generic"] and "村干部任职补贴" in found["objective"]["text"]
    assert found["objective"]["sources"] == []


def test_related_precedents_come_after_the_generic_indicators(
    service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    unjudged = Drafter(service).precedents(DraftRequest("村干部任职补贴"))
    related = unjudged[0].project.label
    _judged(service, {related: Match.RELATED}, monkeypatch)
    drafted = _draft(service, year=2025)
    assert drafted.match is Match.RELATED
    theirs = [c for c in drafted.candidates() if not c.generic]
    assert theirs, "the related precedent's indicators are offered"
    assert all(c.match is Match.RELATED for c in theirs)
    assert all(e.project == related for c in theirs for e in c.evidence)
    for slot in drafted.slots:
        if slot.candidates:
            assert slot.candidates[0].generic, slot.label  # the frame is the first choice
    assert all(row.generic for row in default_table(drafted).rows)


def test_close_precedents_draft_the_table_and_unrelated_ones_are_left_out(
    service: SearchService, monkeypatch: pytest.MonkeyPatch
) -> None:
    unjudged = Drafter(service).precedents(DraftRequest("村干部任职补贴"))
    close, unrelated = unjudged[0].project.label, unjudged[1].project.label
    _judged(service, {close: Match.CLOSE}, monkeypatch)
    drafted = _draft(service, amount=150.0)
    assert drafted.match is Match.CLOSE and drafted.to_json()["match_note"] is None
    theirs = [c for c in drafted.candidates() if not c.generic]
    assert theirs and all(c.match is Match.CLOSE for c in theirs)
    assert all(e.project != unrelated for c in drafted.candidates() for e in c.evidence)
    # A required category the close precedent left empty starts from the frame, and says so.
    for slot in drafted.slots:
        if slot.required and not any(not c.generic for c in slot.candidates):
            assert slot.generic_only and slot.candidates[0].generic
            assert "通用指标" in slot.to_json()["note"]
    rows = default_table(drafted).rows
    assert rows and all(row.raw.strip() for row in rows)


@pytest.mark.parametrize(
    "name", ["村干部任职补贴", "村级道路养护经费", "环境卫生保洁", "社区工作经费", "武装工作经费"]
)
def test_a_first_choice_is_never_an_empty_value(service: SearchService, name: str) -> None:
    drafted = Drafter(service).draft(DraftRequest(name, amount=10.0, year=2025))
    for slot in drafted.slots:
        if slot.required:
            assert slot.candidates and slot.candidates[0].has_value, (name, slot.label)
    rows = default_table(drafted).rows
    assert rows and all(row.raw.strip() for row in rows)
    covered = {slot.requirement for slot in drafted.slots if slot.requirement and slot.candidates}
    assert covered == {slot.label for slot in REQUIRED}


def test_the_frame_leaves_out_what_it_cannot_fill() -> None:
    without = {c.label for c in generic_candidates(REQUIRED[2].level2 or "", DraftRequest("x"))}
    with_year = {c.label for c in generic_candidates(REQUIRED[2].level2 or "", DraftRequest("x", year=2026))}
    assert "项目完成时间" not in without and "项目完成时间" in with_year
    cost = generic_candidates(REQUIRED[3].level2 or "", DraftRequest("x", amount=2.5))
    assert cost[0].label == "项目总成本" and cost[0].suggestion is not None
    assert (cost[0].suggestion.raw, cost[0].suggestion.number, cost[0].suggestion.unit) == (
        "≤2.5万元",
        2.5,
        "万元",
    )
    # every required category has a frame indicator with a value that needs neither year nor amount
    for slot in REQUIRED:
        level1s = {l1 for l1, _l2, _label, _v in GENERIC_FRAME}
        assert slot.level1 in level1s


def test_an_objective_keeps_what_the_project_does_not_another_places_documents() -> None:
    from jixiao.drafting.draft import _without_citations

    cited = (
        "根据自治区党委政府完善乡村治理体系提高治理能力有关要求和《自治区财政厅自治区党委组织部关于进一步完善"
        "村级组织运转经费保障工作的通知》（宁财（农）发[2020]517号），及时保障和落实村干部任职补贴。"
    )
    assert _without_citations(cited) == "及时保障和落实村干部任职补贴。"
    assert _without_citations("按时足额发放补贴，保障村级组织运转") == "按时足额发放补贴，保障村级组织运转"
