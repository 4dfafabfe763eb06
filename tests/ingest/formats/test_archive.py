"""Office files are checked before they are unpacked: ZIP bombs, entity bombs, huge sheets (issue 16)."""

from __future__ import annotations

import io
import os
import resource
import time
import zipfile

import docx
import pytest
from openpyxl import Workbook

from ingest.decode import IngestError
from ingest.formats import read_source
from ingest.formats.archive import check_archive
from ingest.formats.docx import read_docx
from ingest.formats.xlsx import read_xlsx
from ingest.limits import MB, IngestLimits
from tests.fixtures.office_parts import LAUGHS_DTD, bomb_sheet, laughs_sheet, member, with_member, xlsx_parts


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


SMALL = IngestLimits(max_unpacked_bytes=3 * MB, max_ratio=100, max_members=20)


@pytest.mark.parametrize(
    ("members", "refused"),
    [
        ({"xl/workbook.xml": b"<workbook/>", "xl/styles.xml": b" " * 500_000}, None),  # small parts pack well
        (
            {"xl/worksheets/sheet1.xml": bytes(2 * MB)},
            "xl/worksheets/sheet1.xml inside the file unpacks to 2.0 MB",
        ),
        ({f"part{i}.bin": os.urandom(MB) for i in range(4)}, "reached at part3.bin"),
        ({f"part{i}.xml": b"<a/>" for i in range(21)}, "lists 21 files"),
        ({"xl/\x1b[31mred.xml": bytes(2 * MB)}, "xl/\\x1b[31mred.xml"),  # a hostile name, shown escaped
    ],
    ids=["normal", "ratio", "total", "members", "escaped-name"],
)
def test_archive_limits(members: dict[str, bytes], refused: str | None) -> None:
    data = _zip(members)
    if refused is None:
        check_archive(data, SMALL)
        return
    with pytest.raises(IngestError) as caught:
        check_archive(data, SMALL)
    assert refused in str(caught.value)


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked() -> None:
    """60 MB of sheet XML in ~60 KB: refused from the ZIP directory, in well under a second."""
    data = xlsx_parts(bomb_sheet(60 * MB))
    assert len(data) < MB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(IngestError, match=r"sheet1\.xml inside the file unpacks to .*a ZIP bomb"):
        read_source(data, "bomb.xlsx")
    assert time.perf_counter() - start < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 30 * 1024  # KiB: nothing unpacked


def test_lying_sizes_are_cut_at_the_declared_size() -> None:
    """A directory may understate a member's size; zipfile stops at the declared size, so the
    XML is cut and the file refused as unreadable rather than unpacked in full."""
    data = bytearray(xlsx_parts(bomb_sheet(8 * MB)))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # Rewrite the declared unpacked size (central directory entry, offset 24) to 1 KB.
    at = bytes(data).find(b"xl/worksheets/sheet1.xml", bytes(data).rfind(b"PK\x05\x06") - 4096) - 46
    assert data[at : at + 4] == b"PK\x01\x02"
    if data[at + 24 : at + 28] == b"\xff\xff\xff\xff":
        pytest.skip("zip64 extra field holds the size")
    assert int.from_bytes(data[at + 24 : at + 28], "little") == info.file_size
    data[at + 24 : at + 28] = (1024).to_bytes(4, "little")
    start = time.perf_counter()
    with pytest.raises(IngestError, match="not a readable Excel workbook"):
        read_source(bytes(data), "liar.xlsx")
    assert time.perf_counter() - start < 1.0


def test_billion_laughs_workbook_is_refused() -> None:
    start = time.perf_counter()
    with pytest.raises(IngestError, match="declares entities"):
        read_xlsx(xlsx_parts(laughs_sheet()), "laughs.xlsx")
    assert time.perf_counter() - start < 1.0


def _docx(text: str = "hello") -> bytes:
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()


def _with_dtd(data: bytes, dtd: str, reference: str) -> bytes:
    xml = member(data, "word/document.xml").decode()
    head, body = xml.split("?>", 1)
    return with_member(
        data, "word/document.xml", (head + "?>" + dtd + body.replace("hello", reference)).encode()
    )


def test_billion_laughs_document_is_refused() -> None:
    bomb = _with_dtd(_docx(), LAUGHS_DTD.split("\n", 1)[1], "&lol9;")
    start = time.perf_counter()
    with pytest.raises(IngestError, match="declares entities"):
        read_docx(bomb, "laughs.docx")
    assert time.perf_counter() - start < 1.0


def test_entities_in_a_document_are_not_expanded() -> None:
    """python-docx parses with resolve_entities=False: a declared entity stays unexpanded."""
    source = read_docx(_with_dtd(_docx(), '<!DOCTYPE w [<!ENTITY a "EXPANDED">]>', "&a;"), "entity.docx")
    assert "EXPANDED" not in str(source.tables)


def _sheet_bytes(rows: int, columns: int = 3) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for r in range(rows):
        sheet.append([f"r{r}c{c}" for c in range(columns)])
    sheet.merge_cells("A1:A2")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("limits", "refused"),
    [
        (IngestLimits(max_rows=10, max_cells=30), None),
        (IngestLimits(max_rows=9), "more than 9 rows (at sheet 'Sheet' row 10)"),
        (IngestLimits(max_cells=29), "more than 29 cells (at sheet 'Sheet' row 10)"),
    ],
    ids=["at-the-limits", "rows", "cells"],
)
def test_sheet_limits(limits: IngestLimits, refused: str | None) -> None:
    data = _sheet_bytes(10)
    if refused is None:
        [table] = read_xlsx(data, "ok.xlsx", limits).tables
        assert len(table.rows) == 10
        return
    with pytest.raises(IngestError) as caught:
        read_xlsx(data, "big.xlsx", limits)
    assert refused in str(caught.value)


SHEET = "xl/worksheets/sheet1.xml"


def test_a_merge_over_the_whole_sheet_is_refused_not_walked() -> None:
    data = _sheet_bytes(3)
    xml = member(data, SHEET).replace(b'ref="A1:A2"', b'ref="A1:XFD1048576"')
    start = time.perf_counter()
    with pytest.raises(IngestError, match="merged ranges cover more than"):
        read_xlsx(with_member(data, SHEET, xml), "merge.xlsx")
    assert time.perf_counter() - start < 1.0


def test_a_lying_dimension_does_not_pad_rows() -> None:
    data = _sheet_bytes(3)
    xml = member(data, SHEET)
    start = xml.index(b"<dimension")
    end = xml.index(b"/>", start) + 2
    patched = xml[:start] + b'<dimension ref="A1:XFD1048576"/>' + xml[end:]
    [table] = read_xlsx(with_member(data, SHEET, patched), "dim.xlsx").tables
    assert [row.texts() for row in table.rows] == [
        ["r0c0", "r0c1", "r0c2"],
        ["", "r1c1", "r1c2"],
        ["r2c0", "r2c1", "r2c2"],
    ]
    assert table.rows[1].cells[0].merged_above
