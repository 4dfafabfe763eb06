"""The pure parts of bench/draft_match.py and of the drafting calibration (search/match.py): the
judged cases, the thresholds, the figures; on hand-made precedents, no model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.draft_match import (
    NEVER,
    NO_PRECEDENT,
    Case,
    Drafted,
    cases,
    ceiling,
    close_threshold,
    evidence_table,
    figures,
    judge,
    load_close,
    related_threshold,
)
from jixiao.drafting.draft import DraftRequest, Precedent
from search.entries import Entry, Kind, Ref
from search.match import DraftCalibration, Logistic, Match, PrecedentEvidence

A = Ref("urn:t:a", "甲镇")
B = Ref("urn:t:b", "乙镇")


def project(iri: str, label: str, township: Ref = B) -> Entry:
    return Entry(iri, Kind.PROJECT, label, label, "urn:g", None, township, None, 2023, amount=1.0)


def precedent(iri: str, z: float, coverage: float = 0.5, match: Match = Match.NONE) -> Precedent:
    return Precedent(project(iri, iri), 1.0, 1, [], [], match, PrecedentEvidence(z, coverage, 0.0))


# p = sigmoid(z - 2): a precedent is as close as its z says
MODEL = Logistic(-2.0, (1.0, 0.0, 0.0), (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))


def test_every_paired_project_gives_a_close_draft_and_one_without_its_counterparts() -> None:
    mine = project("urn:p:1", "村干部任职补贴", A)
    other = project("urn:p:2", "团委工作经费", A)
    judged = cases([(mine, ["目标"]), (other, [])], {"urn:p:1": frozenset({"urn:p:9"})})
    groups = [(c.group, c.close) for c in judged]
    assert groups[:3] == [("close", True), ("counterparts left out", False), ("unpaired", False)]
    assert len(judged) == 3 + len(NO_PRECEDENT)
    close, left_out = judged[0], judged[1]
    assert close.request.unit == "urn:t:a" and close.request.exclude == {"urn:p:1"}
    assert left_out.request.exclude == {"urn:p:1", "urn:p:9"} and not left_out.counterparts
    assert close.family == left_out.family == {"urn:p:1", "urn:p:9"}


def drafted(close: bool, *precedents: Precedent) -> Drafted:
    counterparts = frozenset({"urn:c"}) if close else frozenset()
    case = Case("x", "close" if close else "unpaired", DraftRequest("x"), close, counterparts)
    return Drafted(case, list(precedents))


def test_close_is_said_only_where_it_is_right_and_related_tells_counterparts_apart() -> None:
    drafts = [
        drafted(True, precedent("urn:c", 5.0), precedent("urn:o", 1.0)),
        drafted(True, precedent("urn:c", 4.5)),
        drafted(True, precedent("urn:c", 4.0)),
        drafted(False, precedent("urn:o", 1.5)),
        drafted(False, precedent("urn:o", 0.5)),
    ]
    at = close_threshold(drafts, MODEL)
    assert MODEL.probability([1.5, 0, 0]) < at <= MODEL.probability([4.0, 0, 0])  # the close three only
    related = related_threshold(drafts, MODEL)
    assert MODEL.probability([1.5, 0, 0]) < related <= MODEL.probability([4.0, 0, 0])
    # nothing separates them: "close" is never said
    mixed = [drafted(True, precedent("urn:c", 1.0)), drafted(False, precedent("urn:o", 1.0))] * 2
    assert close_threshold(mixed, MODEL) == NEVER


def test_the_drafting_judgement() -> None:
    calibration = DraftCalibration(MODEL, close_at=0.8, related_at=0.3)
    assert calibration.judge(PrecedentEvidence(4.0, 0.5, 0.0), Match.NONE) is Match.CLOSE
    assert calibration.judge(PrecedentEvidence(2.0, 0.5, 0.0), Match.NONE) is Match.RELATED
    assert calibration.judge(PrecedentEvidence(2.0, 0.0, 0.0), Match.NONE) is Match.NONE  # no word shared
    assert calibration.judge(PrecedentEvidence(0.0, 0.0, 0.0), Match.RELATED) is Match.RELATED  # search's
    assert DraftCalibration.from_json(calibration.to_json()) == calibration


def test_figures_count_what_was_said_against_what_is_true() -> None:
    calibration = DraftCalibration(MODEL, close_at=0.8, related_at=0.3)
    judged = [
        judge(drafted(True, precedent("urn:o", 0.0), precedent("urn:c", 4.0)), calibration),  # close, right
        judge(drafted(True, precedent("urn:c", 2.0)), calibration),  # related: missed, but offered
        judge(drafted(False, precedent("urn:o", 5.0)), calibration),  # close, wrong
        judge(drafted(False, precedent("urn:o", 0.0)), calibration),  # none, right
    ]
    found = figures(judged)
    assert (found.close_right, found.said_close, found.truly_close) == (1, 2, 2)
    assert found.precision == 0.5 and found.recall == 0.5
    assert found.flagged == {"close": (1, 2), "unpaired": (1, 2)}
    assert found.hit3 == (2, 2) and found.offered == (2, 2)
    assert found.answers["unpaired"] == {"close": 1, "related": 0, "none": 1}


def test_the_ceiling_ranks_drafts_by_their_best_precedent() -> None:
    drafts = [
        drafted(True, precedent("urn:c", 5.0)),
        drafted(False, precedent("urn:o", 4.5)),  # an unrelated project that stands out more
        drafted(True, precedent("urn:c", 4.0), precedent("urn:o", 0.0)),
        drafted(False, precedent("urn:o", 0.5)),
        drafted(True),  # no precedent at all: ranked last
    ]
    top = ceiling(drafts, MODEL)
    assert top.cuts == [1, 1, 2, 2, 3] and top.truly_close == 3
    assert top.best_recall_at(0.9) == (1, 1)  # only the first cut is right often enough
    assert top.best_recall_at(0.6) == (3, 5)
    assert top.precision_at_recall(0.6) == (2, 3)
    assert ceiling([drafted(False, precedent("urn:o", 1.0))], MODEL).precision_at_recall(0.9) == (0, 0)


def test_the_evidence_table_shows_each_close_draft_against_its_strongest_other() -> None:
    drafts = [
        drafted(True, precedent("urn:o", 3.0), precedent("urn:c", 1.0)),
        drafted(False, precedent("urn:o", 2.0)),
    ]
    lines = evidence_table(drafts)
    close_rows = [line for line in lines if line.startswith("| x | urn:c")]
    assert close_rows == ["| x | urn:c (1: 1.00 / 0.50 / 0.00) | urn:o (1: 3.00 / 0.50 / 0.00) |"]
    assert "| x (unpaired) | urn:o (1: 2.00 / 0.50 / 0.00) |" in lines


SAMPLE_PROJECTS = [
    project("urn:p:a1", "村级运转经费", A),
    project("urn:p:a2", "团委工作经费", A),
    project("urn:p:b1", "村委会办公经费", B),
    project("urn:p:b2", "团委工作经费", B),
]


def judged_file(tmp_path: Path, *blocks: tuple[str, str, list[str]]) -> Path:
    path = tmp_path / "close.toml"
    path.write_text(
        "".join(
            f'[[project]]\nlabel = "{label}"\ntownship = "{town}"\nclose = {close!r}\n\n'.replace("'", '"')
            for label, town, close in blocks
        ),
        encoding="utf-8",
    )
    return path


def test_the_blind_judgement_resolves_labels_in_the_other_township(tmp_path: Path) -> None:
    path = judged_file(
        tmp_path,
        ("村级运转经费", "甲镇", ["村委会办公经费"]),
        ("团委工作经费", "甲镇", ["团委工作经费"]),  # the same label: only the other township's
        ("村委会办公经费", "乙镇", ["村级运转经费"]),
        ("团委工作经费", "乙镇", []),
    )
    assert load_close(SAMPLE_PROJECTS, path) == {
        "urn:p:a1": {"urn:p:b1"},
        "urn:p:a2": {"urn:p:b2"},
        "urn:p:b1": {"urn:p:a1"},
    }


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ([("村级运转经费", "丙镇", [])], "no such project"),
        ([("村级运转经费", "甲镇", ["团委工作经费x"])], "no project 团委工作经费x in another township"),
        ([("村级运转经费", "甲镇", ["村级运转经费"])], "no project 村级运转经费 in another township"),
        (
            [("村级运转经费", "甲镇", [])],
            "not judged: 团委工作经费 (乙镇), 团委工作经费 (甲镇), 村委会办公经费",
        ),
    ],
)
def test_a_judgement_that_does_not_fit_the_index_stops_the_benchmark(
    tmp_path: Path, blocks: list[tuple[str, str, list[str]]], message: str
) -> None:
    with pytest.raises(SystemExit, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_close(SAMPLE_PROJECTS, judged_file(tmp_path, *blocks))


def test_the_shipped_judgement_names_only_sample_projects_and_is_symmetric() -> None:
    import tomllib

    from bench.draft_match import SAMPLE_CLOSE

    blocks = tomllib.loads(SAMPLE_CLOSE.read_text(encoding="utf-8"))["project"]
    towns = {b["label"]: b["township"] for b in blocks}
    assert len(blocks) == 42 and len(towns) == 42
    pairs = {(b["label"], other) for b in blocks for other in b["close"]}
    assert pairs and all(towns[a] != towns[b] for a, b in pairs)
    assert all((b, a) in pairs for a, b in pairs)
