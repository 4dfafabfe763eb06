"""The ingest report says what the reader inferred and what it dropped, with line numbers
(issue 17 item 5): the text report shows the first few of each, --json all of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.jixiao.conftest import jixiao

EXTRAS = Path(__file__).resolve().parents[1] / "fixtures" / "layouts_extra"
# Levels lost in the source (filled from the names), the year from the title, a 总分 row dropped.
LOST_LEVELS = EXTRAS / "x03_pipe_rows_selfeval_lostlevels.txt"


def test_the_report_lists_what_was_inferred_and_dropped(tmp_path: Path) -> None:
    source = tmp_path / LOST_LEVELS.name
    shutil.copyfile(LOST_LEVELS, source)
    code, out, err = jixiao(tmp_path / "data", "ingest", "--no-index", str(source))
    assert code == 0, err
    assert "inferred 3:" in out and "line 11: '硬化村内道路长度'" in out and "inferred from its name" in out
    assert "dropped 1:" in out and "line 19: '总分'" in out

    code, out, err = jixiao(tmp_path / "data2", "ingest", "--no-index", "--json", str(source))
    assert code == 0, err
    [report] = json.loads(out)["files"]
    assert len(report["inferred"]) == 3 and report["inferred"][0].startswith("line 1: year 2023")
    assert report["dropped"] == ["line 19: '总分': the tree ends here (signature, total or review line)"]


def test_an_exact_layout_infers_nothing(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[2] / "samples" / "001_c93f3a72651805c2.txt"
    code, out, err = jixiao(tmp_path / "data", "ingest", "--no-index", "--json", str(sample))
    assert code == 0, err
    [report] = json.loads(out)["files"]
    assert report["inferred"] == [] and report["dropped"] == []
