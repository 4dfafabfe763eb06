"""PDF tables: merged cells from cell boxes, text around tables in reading order, clear refusals.

The PDFs are drawn here with reportlab and its built-in Chinese CID font (STSong-Light), the
way a budget office's print-to-PDF draws a ruled form: a title, a year, then the grid.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from typing import Any

import pytest
from reportlab.lib import colors, pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, TableStyle
from reportlab.platypus import Table as RLTable

from ingest.decode import IngestError
from ingest.formats import read_source
from ingest.formats.pdf import read_pdf
from ingest.source import Format, GridCell, GridRow, Source

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
STYLE = ParagraphStyle("cell", fontName=FONT, fontSize=10, leading=12, wordWrap="CJK")

TITLE = "部门项目支出预算绩效目标表"
YEAR = "( 2023年度)"
# The sketch of a target table: the project name spans three columns, 绩效指标 runs down
# three rows, 产出指标 down two.
FORM = [
    ["项目名称", "城乡社区运转经费", "", ""],
    ["绩效指标", "一级指标", "三级指标", "指标值"],
    ["", "产出指标", "支持社区个数", "≥95%"],
    ["", "", "覆盖率", "98%"],
]
FORM_SPANS = [("SPAN", (1, 0), (3, 0)), ("SPAN", (0, 1), (0, 3)), ("SPAN", (1, 2), (1, 3))]
WIDTHS = [70, 150, 150, 80]  # wide enough that no text spills over a ruling line


def table(
    data: Sequence[Sequence[str | Flowable]],
    spans: Sequence[tuple[str, tuple[int, int], tuple[int, int]]] = (),
    widths: Sequence[float] = WIDTHS,
    repeat_rows: int = 0,
) -> RLTable:
    t = RLTable([list(row) for row in data], colWidths=list(widths), repeatRows=repeat_rows)
    style: list[Any] = [("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
    t.setStyle(TableStyle(style + list(spans)))
    return t


def pdf(*flowables: Flowable, **doc_options: Any) -> bytes:
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, **doc_options).build(list(flowables))
    return out.getvalue()


def para(text: str) -> Paragraph:
    return Paragraph(text, STYLE)


def form_pdf() -> bytes:
    return pdf(para(TITLE), para(YEAR), table(FORM, FORM_SPANS), para("填报说明：金额单位万元"))


def table_rows(source: Source) -> list[GridRow]:
    return [row for t in source.tables if " table " in t.name for row in t.rows]


def cells(row: GridRow) -> list[tuple[str, int, bool]]:
    return [(c.text, c.span, c.merged_above) for c in row.cells]


# -- merged cells -------------------------------------------------------------------------------------


def test_merges_become_spans_and_merged_above() -> None:
    rows = table_rows(read_pdf(form_pdf(), "form.pdf"))
    assert [cells(r) for r in rows] == [
        [("项目名称", 1, False), ("城乡社区运转经费", 3, False)],
        [("绩效指标", 1, False), ("一级指标", 1, False), ("三级指标", 1, False), ("指标值", 1, False)],
        [("", 1, True), ("产出指标", 1, False), ("支持社区个数", 1, False), ("≥95%", 1, False)],
        [("", 1, True), ("", 1, True), ("覆盖率", 1, False), ("98%", 1, False)],
    ]
    # Views the layout readers use: one value per grid column, and "same as above" blanks.
    assert rows[0].columns() == ["项目名称", "城乡社区运转经费", "", ""]
    assert rows[3].texts() == ["", "", "覆盖率", "98%"]


def test_merge_over_columns_and_rows_continues_with_the_same_span() -> None:
    data = [["类别", "产出指标", "", "数量"], ["甲", "", "", "1"], ["乙", "丙", "", "2"]]
    spans = [("SPAN", (1, 0), (2, 1))]  # two columns wide, two rows down
    rows = table_rows(read_pdf(pdf(table(data, spans)), "x.pdf"))
    assert [cells(r) for r in rows] == [
        [("类别", 1, False), ("产出指标", 2, False), ("数量", 1, False)],
        [("甲", 1, False), ("", 2, True), ("1", 1, False)],
        [("乙", 1, False), ("丙", 1, False), ("", 1, False), ("2", 1, False)],
    ]


def test_empty_cells_are_drawn_cells_not_merges() -> None:
    rows = table_rows(read_pdf(pdf(table([["甲", "", "丙", ""], ["", "乙", "", "丁"]])), "x.pdf"))
    assert [r.cells for r in rows] == [
        (GridCell("甲"), GridCell(""), GridCell("丙"), GridCell("")),
        (GridCell(""), GridCell("乙"), GridCell(""), GridCell("丁")),
    ]


def test_wrapped_cell_text_keeps_its_line_breaks() -> None:
    long = "通过项目实施，保障社区正常运转，提升城乡社区服务能力和群众满意度"
    data = [["指标", para(long)], ["年度目标", para("完成")]]
    rows = table_rows(read_pdf(pdf(table(data, widths=[80, 150])), "x.pdf"))
    wrapped = rows[0].cells[1].text
    assert "\n" in wrapped
    assert wrapped.replace("\n", "") == long
    assert wrapped == wrapped.strip()
    assert rows[1].texts() == ["年度目标", "完成"]


# -- reading order ------------------------------------------------------------------------------------


def test_text_around_a_table_comes_in_reading_order() -> None:
    source = read_pdf(form_pdf(), "form.pdf")
    rows = source.rows()
    assert [(r.where, r.texts()[0]) for r in rows] == [
        ("page 1 text line 1", TITLE),
        ("page 1 text line 2", YEAR),
        ("page 1 table 1 row 1", "项目名称"),
        ("page 1 table 1 row 2", "绩效指标"),
        ("page 1 table 1 row 3", ""),
        ("page 1 table 1 row 4", ""),
        ("page 1 text line 3", "填报说明：金额单位万元"),
    ]
    assert [t.name for t in source.tables] == ["page 1 text", "page 1 table 1", "page 1 text"]
    assert [r.line for r in rows] == list(range(1, len(rows) + 1))
    assert source.where(3) == "page 1 table 1 row 1"


def test_source_carries_the_text_layer() -> None:
    source = read_pdf(form_pdf(), "form.pdf")
    assert (source.file_name, source.format, source.notes) == ("form.pdf", Format.PDF, [])
    assert source.text is not None
    assert source.text.splitlines()[:2] == [TITLE, YEAR]
    assert "城乡社区运转经费" in source.text


def test_read_source_sends_pdf_bytes_here() -> None:
    source = read_source(form_pdf(), "form.pdf")
    assert source.format is Format.PDF
    assert source.rows()[0].texts() == [TITLE]


def test_two_tables_on_a_page_are_numbered_top_to_bottom() -> None:
    data = pdf(
        para("表一"),
        table([["甲", "1"], ["乙", "2"]], widths=[80, 80]),
        para("表二"),
        table([["丙", "3"], ["丁", "4"]], widths=[80, 80]),
    )
    rows = read_pdf(data, "x.pdf").rows()
    assert [(r.where, r.texts()) for r in rows] == [
        ("page 1 text line 1", ["表一"]),
        ("page 1 table 1 row 1", ["甲", "1"]),
        ("page 1 table 1 row 2", ["乙", "2"]),
        ("page 1 text line 2", ["表二"]),
        ("page 1 table 2 row 1", ["丙", "3"]),
        ("page 1 table 2 row 2", ["丁", "4"]),
    ]


def test_a_long_table_continues_across_pages_in_order() -> None:
    header = ["序号", "三级指标", "指标值"]
    body = [[str(i), f"指标{i}", f"{i}%"] for i in range(1, 81)]
    source = read_pdf(pdf(para(TITLE), table([header, *body], widths=[60, 200, 80], repeat_rows=1)), "x.pdf")
    rows = source.rows()
    lines = [r.line for r in rows]
    assert lines == sorted(set(lines)) and lines[0] == 1
    data_rows = [r for r in rows if r.texts()[0].isdigit()]
    assert [r.texts() for r in data_rows] == body
    pages = {r.where.split(" table ")[0] for r in table_rows(source)}
    assert pages >= {"page 1", "page 2"}
    # Page 2 starts with the repeated header, then continues where page 1 stopped.
    first_on_2 = [r for r in rows if r.where.startswith("page 2 ")][:2]
    assert first_on_2[0].where == "page 2 table 1 row 1"
    assert first_on_2[0].texts() == header
    last_on_1 = [r for r in rows if r.where.startswith("page 1 ")][-1]
    assert int(first_on_2[1].texts()[0]) == int(last_on_1.texts()[0]) + 1
    assert first_on_2[1].where == "page 2 table 1 row 2"
    assert rows[0].where == "page 1 text line 1"


# -- no ruling lines ----------------------------------------------------------------------------------


def unruled_pdf() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.setFont(FONT, 10)
    c.drawString(72, 780, TITLE)  # as wide as the first two columns: must not swallow them
    grid = [
        ["一级指标", "二级指标", "三级指标", "指标值"],
        ["产出指标", "数量指标", "支持社区个数", "≥95%"],
        ["效益指标", "社会效益", "群众满意度", "≥90%"],
    ]
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            c.drawString(72 + 120 * j, 740 - 20 * i, value)
    c.drawString(72, 600, "单位负责人：张三")
    c.showPage()
    c.save()
    return out.getvalue()


def test_without_ruling_lines_columns_come_from_text_alignment() -> None:
    source = read_pdf(unruled_pdf(), "x.pdf")
    assert [(r.where, r.columns()) for r in source.rows()] == [
        ("page 1 text line 1", [TITLE]),
        ("page 1 table 1 row 1", ["一级指标", "二级指标", "三级指标", "指标值"]),
        ("page 1 table 1 row 2", ["产出指标", "数量指标", "支持社区个数", "≥95%"]),
        ("page 1 table 1 row 3", ["效益指标", "社会效益", "群众满意度", "≥90%"]),
        ("page 1 text line 2", ["单位负责人：张三"]),
    ]
    assert any("text alignment" in note for note in source.notes)


def test_plain_text_without_columns_is_text_lines() -> None:
    source = read_pdf(pdf(para(TITLE), para(YEAR), para("本表无指标")), "x.pdf")
    assert [t.name for t in source.tables] == ["page 1 text"]
    assert [r.texts() for r in source.rows()] == [[TITLE], [YEAR], ["本表无指标"]]
    assert source.notes == []


# -- refusals -----------------------------------------------------------------------------------------


def graphics_only_pdf() -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    c.rect(72, 400, 300, 200, fill=1)  # what a scan is to a text extractor: no characters
    c.line(72, 380, 372, 380)
    c.showPage()
    c.save()
    return out.getvalue()


def encrypted_pdf() -> bytes:
    return pdf(para(TITLE), encrypt=pdfencrypt.StandardEncryption("user-secret", ownerPassword="owner"))


def raw_pdf(objects: Sequence[bytes]) -> bytes:
    """A PDF written by hand, object 1 the catalog, for what reportlab will not write."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def zero_page_pdf() -> bytes:
    return raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"])


def unmapped_font_pdf(latin: str = "", glyphs: int = 12) -> bytes:
    """Text in a CID font with no Unicode map (Identity-H, no ToUnicode), after some Latin text."""
    content = b"BT /F2 12 Tf 72 720 Td (%s) Tj ET " % latin.encode() if latin else b""
    content += b"BT /F1 12 Tf 72 700 Td <%s> Tj ET" % b"".join(b"%04X" % (100 + i) for i in range(glyphs))
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R /F2 8 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            b"<< /Type /Font /Subtype /Type0 /BaseFont /Private /Encoding /Identity-H"
            b" /DescendantFonts [6 0 R] >>",
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Private /FontDescriptor 7 0 R"
            b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> >>",
            b"<< /Type /FontDescriptor /FontName /Private /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0"
            b" /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(graphics_only_pdf, "no text layer", id="scanned"),
        pytest.param(lambda: form_pdf()[: len(form_pdf()) // 2], "not a readable PDF", id="truncated-half"),
        pytest.param(lambda: form_pdf()[:-10], "not a readable PDF", id="truncated-tail"),
        pytest.param(
            lambda: b"%PDF-1.4\n" + random.Random(6).randbytes(4000) + b"\n%%EOF\n",
            "not a readable PDF",
            id="random",
        ),
        pytest.param(lambda: b"%PDF-1.7\n", "not a readable PDF", id="header-only"),
        pytest.param(encrypted_pdf, "encrypted PDF", id="encrypted"),
        pytest.param(zero_page_pdf, "no pages", id="zero-pages"),
        pytest.param(unmapped_font_pdf, "cannot be decoded", id="fonts-without-unicode"),
    ],
)
def test_unreadable_pdfs_are_refused_in_one_line(make: Any, expected: str) -> None:
    with pytest.raises(IngestError) as caught:
        read_pdf(make(), "x.pdf")
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message


def test_scanned_pdf_message_says_to_ocr_it() -> None:
    with pytest.raises(IngestError, match=r"scanned.*OCR.*ocrmypdf"):
        read_pdf(graphics_only_pdf(), "scan.pdf")


def test_a_few_undecodable_glyphs_are_noted_not_refused() -> None:
    latin = "Budget performance targets for the year 2023, Shanghai"
    source = read_pdf(unmapped_font_pdf(latin, glyphs=1), "x.pdf")
    assert [r.texts() for r in source.rows()] == [[latin], ["(cid:100)"]]
    assert source.notes == ["1 character(s) in fonts without a Unicode map read as (cid:N) placeholders"]


def test_owner_password_alone_does_not_stop_reading() -> None:
    # Permissions-only protection (no password to open) is common on official PDFs. Latin text:
    # under reportlab's encryption its CID font's CIDSystemInfo no longer decodes in pdfminer.
    out = io.BytesIO()
    c = canvas.Canvas(out, encrypt=pdfencrypt.StandardEncryption("", ownerPassword="owner", canCopy=0))
    c.drawString(72, 700, "Performance targets 2023")
    c.showPage()
    c.save()
    assert [r.texts() for r in read_pdf(out.getvalue(), "x.pdf").rows()] == [["Performance targets 2023"]]
