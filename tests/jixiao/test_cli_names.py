"""What `jixiao ingest` prints about files: names shown safely, skipped files said so, each error
once (issue 16 Minor; issue 17 item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.cli.ingest import SkipReason, find_inputs
from jixiao.terminal import printable, shown
from tests.jixiao.conftest import jixiao

NOTES = "会议纪要\n今天讨论了预算。\n".encode()


@pytest.mark.parametrize(
    ("name", "seen"),
    [
        ("项目表.csv", "项目表.csv"),
        ("a\x1b[2Jb.csv", "a\\x1b[2Jb.csv"),  # ANSI: clear the screen
        ("a\x1b]8;;http://x\x07b.csv", "a\\x1b]8;;http://x\\x07b.csv"),  # OSC 8 hyperlink
        ("over\rwrite.csv", "over\\rwrite.csv"),
        ("exe\u202evsc.csv", "exe\\u202evsc.csv"),  # right-to-left override
        ("zero\u200bwidth.csv", "zero\\u200bwidth.csv"),
        ("line\u2028sep.csv", "line\\u2028sep.csv"),
    ],
)
def test_printable(name: str, seen: str) -> None:
    assert printable(name) == seen


def test_shown_escapes_markup() -> None:
    assert shown("[red]x[/].csv") == "\\[red]x\\[/].csv"


def test_folder_search_says_what_it_skipped_and_why(tmp_path: Path) -> None:
    for name in ["a.csv", "..csv", ".DS_Store", "~$b.xlsx", "c.jpg", ".git/config", ".git/d.csv"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    files, skipped = find_inputs([tmp_path])
    assert [p.name for p in files] == ["a.csv"]
    assert sorted((s.path.name, s.why) for s in skipped) == [
        ("..csv", SkipReason.HIDDEN),
        (".DS_Store", SkipReason.HIDDEN),
        (".git", SkipReason.HIDDEN),  # the folder once, not its files
        ("c.jpg", SkipReason.NOT_A_TABLE),
        ("~$b.xlsx", SkipReason.LOCK_FILE),
    ]


def test_report_names_files_safely_and_errors_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    hostile = "a\x1b[31m\u202e[bold]x.csv"
    (folder / hostile).write_bytes(NOTES)  # a file that is not a target table
    (folder / "..csv").write_bytes(NOTES)
    (folder / "~$c.xlsx").write_bytes(b"lock")
    code, out, err = jixiao(tmp_path / "data", "ingest", "--no-index", str(folder))
    assert code == 2
    both = out + err
    assert "\x1b" not in both and "\u202e" not in both
    assert "a\\x1b[31m\\u202e[bold]x.csv" in both  # the name as it is, escapes visible, markup kept
    assert 'skipped 1 file(s) that are hidden (the name starts with "."): ..csv' in " ".join(out.split())
    assert "skipped 1 file(s) that are Office lock files" in " ".join(out.split())
    # The reason the file was refused is printed once, not in the report and again on stderr.
    [error] = [line for line in err.splitlines() if line.startswith("error:")]
    reason = error.rsplit(": ", 1)[-1][:30]
    assert reason and both.count(reason) == 1
