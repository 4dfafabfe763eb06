"""A folder's saved web pages and HTML-as-.xls exports are ingested, not skipped (issue 17)."""

from __future__ import annotations

from pathlib import Path

from jixiao.cli.ingest import expand_inputs


def test_folder_search_takes_web_pages(tmp_path: Path) -> None:
    names = ["a.html", "b.HTM", "c.mhtml", "d.mht", "e.xls", "f.jpg"]
    for name in names:
        (tmp_path / name).write_bytes(b"<html></html>")
    files, skipped = expand_inputs([tmp_path])
    assert [p.name for p in files] == names[:5]
    assert [p.name for p in skipped] == ["f.jpg"]
