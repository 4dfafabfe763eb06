"""Formats are chosen by content, and files jixiao cannot read are refused with what to do."""

from __future__ import annotations

import io
import zipfile

import pytest

from ingest.decode import IngestError
from ingest.formats import read_source, sniff
from ingest.source import Format


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n...", Format.PDF),
        (_zip("[Content_Types].xml", "xl/workbook.xml"), Format.XLSX),
        (_zip("[Content_Types].xml", "word/document.xml"), Format.DOCX),
        ("项目名称,三级指标,指标值\n".encode(), Format.TEXT),
    ],
)
def test_sniff_by_content(data: bytes, kind: Format) -> None:
    assert sniff(data) is kind


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "save it as .xlsx or .docx"),
        (b"{\\rtf1\\ansi hello}", "RTF"),
        (_zip("mimetype", "content.xml"), "neither an Excel workbook"),
        (_zip("xl/workbook.xml")[:40], "damaged or truncated ZIP"),
    ],
)
def test_unreadable_formats_say_what_to_do(data: bytes, message: str) -> None:
    with pytest.raises(IngestError, match=message):
        sniff(data)


def test_extension_does_not_decide() -> None:
    # A workbook renamed .txt is still read as a workbook (and fails as one, not as text).
    with pytest.raises(IngestError, match="Excel workbook"):
        read_source(_zip("[Content_Types].xml", "xl/workbook.xml"), "renamed.txt")
