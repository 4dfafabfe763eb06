"""Web pages: merges expanded into the grid, charsets from the bytes, prose kept in page order."""

from __future__ import annotations

import base64
import json
import quopri
from pathlib import Path

import pytest

from ingest.decode import IngestError
from ingest.formats import html as html_format
from ingest.formats import read_source, sniff
from ingest.formats.html import read_html
from ingest.formats.html_charset import decode_page
from ingest.formats.html_grid import MAX_COLSPAN
from ingest.limits import IngestLimits
from ingest.source import Format, GridCell, Source

LAYOUTS = Path(__file__).resolve().parents[2] / "fixtures" / "layouts"


def _page(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


def _grid(rows_html: str) -> list[tuple[GridCell, ...]]:
    source = read_html(_page(f"<table>{rows_html}</table>"), "t.html")
    return [row.cells for row in source.rows()]


def C(text: str, span: int = 1, above: bool = False) -> GridCell:  # reads like a cell in the expected rows
    return GridCell(text, span=span, merged_above=above)


# ---------------------------------------------------------------- rowspan / colspan


@pytest.mark.parametrize(
    ("rows_html", "expected"),
    [
        pytest.param(
            "<tr><td>项目名称</td><td colspan='3'>运转经费</td></tr>",
            [(C("项目名称"), C("运转经费", 3))],
            id="colspan is one cell with a span",
        ),
        pytest.param(
            "<tr><td rowspan='2'>产出指标</td><td>村数</td></tr><tr><td>覆盖率</td></tr>",
            [(C("产出指标"), C("村数")), (C("产出指标", above=True), C("覆盖率"))],
            id="rowspan continues with the text above",
        ),
        pytest.param(
            "<tr><td rowspan='2' colspan='2'>产出指标</td><td>a</td></tr><tr><td>b</td></tr>",
            [(C("产出指标", 2), C("a")), (C("产出指标", 2, above=True), C("b"))],
            id="rowspan crossing a colspan keeps the span",
        ),
        pytest.param(
            "<tr><td>a</td><td rowspan='2'>m</td><td>c</td></tr><tr><td>d</td><td>f</td></tr>",
            [(C("a"), C("m"), C("c")), (C("d"), C("m", above=True), C("f"))],
            id="rowspan in a middle column pushes the next cell right",
        ),
        pytest.param(
            "<tr><td rowspan='3'>绩效指标</td><td rowspan='2'>产出</td><td>x</td></tr>"
            "<tr><td>y</td></tr><tr><td>效益</td><td>z</td></tr>",
            [
                (C("绩效指标"), C("产出"), C("x")),
                (C("绩效指标", above=True), C("产出", above=True), C("y")),
                (C("绩效指标", above=True), C("效益"), C("z")),
            ],
            id="nested rowspans end at their own rows",
        ),
        pytest.param(
            "<tr><td>a</td><td>b</td><td rowspan='2'>c</td></tr><tr><td>x</td></tr>",
            [(C("a"), C("b"), C("c")), (C("x"), C(""), C("c", above=True))],
            id="a gap beside a rowspan is an empty cell, columns stay aligned",
        ),
        pytest.param(
            "<tr><td>a</td><td rowspan='2'>b</td></tr><tr><td colspan='3'>wide</td></tr>",
            [(C("a"), C("b")), (C("wide"), C("b", above=True))],
            id="a colspan running into a rowspan is cut before it",
        ),
        pytest.param(
            "<tr><td rowspan='0'>all</td><td>1</td></tr><tr><td>2</td></tr><tr><td>3</td></tr>",
            [(C("all"), C("1")), (C("all", above=True), C("2")), (C("all", above=True), C("3"))],
            id="rowspan 0 runs to the end",
        ),
        pytest.param(
            "<tr><td colspan='2px'>a</td><td rowspan='abc'>b</td><td colspan='0'>c</td></tr>",
            [(C("a", 2), C("b"), C("c"))],
            id="spans read as browsers read them",
        ),
        pytest.param(
            "<thead><tr><th>一级指标</th><th>指标值</th></tr></thead><tbody><tr><td>产出</td><td>9个</td></tr>"
            "</tbody>",
            [(C("一级指标"), C("指标值")), (C("产出"), C("9个"))],
            id="th cells and row groups",
        ),
        pytest.param(
            "<td>a</td><td>b</td><tr><td>c</td><td>d</td></tr>",
            [(C("a"), C("b")), (C("c"), C("d"))],
            id="cells outside any tr make a row",
        ),
        pytest.param(
            "<tr><td>a</td><td>b</td></tr><tr><td></td><td>&nbsp;</td></tr><tr><td>c</td><td>d</td></tr>",
            [(C("a"), C("b")), (C("c"), C("d"))],
            id="blank rows dropped",
        ),
    ],
)
def test_spans_expand_into_the_grid(rows_html: str, expected: list[tuple[GridCell, ...]]) -> None:
    assert _grid(rows_html) == expected


def test_merged_views_show_same_as_above() -> None:
    _, second = read_html(
        _page("<table><tr><td rowspan='2' colspan='2'>产出</td><td>a</td></tr><tr><td>b</td></tr></table>"),
        "t.html",
    ).rows()
    assert (second.texts(), second.columns()) == (["", "b"], ["", "", "b"])


@pytest.mark.parametrize(
    ("rows_html", "spans"),
    [
        pytest.param("<tr><td rowspan='100000'>a</td><td>b</td></tr><tr><td>c</td></tr>", [[1, 1], [1, 1]]),
        pytest.param(
            "<tr><td colspan='99999'>a</td></tr><tr><td>b</td><td>c</td></tr>", [[MAX_COLSPAN], [1, 1]]
        ),
        pytest.param(
            "<tr><td rowspan='99999' colspan='99999'>a</td><td>b</td></tr>" * 3,
            [[MAX_COLSPAN, 1], [MAX_COLSPAN, MAX_COLSPAN, 1], [MAX_COLSPAN, MAX_COLSPAN, MAX_COLSPAN, 1]],
        ),
    ],
)
def test_hostile_spans_are_clamped(rows_html: str, spans: list[list[int]]) -> None:
    source = read_html(_page(f"<table>{rows_html}</table>"), "t.html")
    assert [[c.span for c in row.cells] for row in source.rows()] == spans
    assert len(source.rows()) == len(spans)  # a rowspan never adds rows past the table's end
    assert any("were cut" in note for note in source.notes)


def test_many_huge_colspans_stay_within_the_clamp() -> None:
    rows = "".join(f"<tr><td colspan='99999'>{i}</td><td colspan='99999'>x</td></tr>" for i in range(500))
    source = read_html(_page(f"<table>{rows}</table>"), "t.html")
    assert len(source.rows()) == 500
    assert max(len(row.columns()) for row in source.rows()) == 2 * MAX_COLSPAN


def test_cells_over_the_limit_are_refused() -> None:
    limits = IngestLimits(max_cells=50)
    row = "<tr>" + "<td>x</td>" * 10 + "</tr>"
    read_html(_page(f"<table>{row * 5}</table>"), "ok.html", limits)  # exactly 50 cells
    with pytest.raises(IngestError, match="more than 50 cells and lines"):
        read_html(_page(f"<table>{row * 6}</table>"), "big.html", limits)
    with pytest.raises(IngestError, match="more than 50 cells and lines"):
        read_html(_page("<p>段</p>" * 51), "prose.html", limits)  # prose lines count too
    with pytest.raises(IngestError, match="more than 50 cells and lines"):
        read_html(_page("<table><tr><td colspan='64'>a</td><td>b</td></tr></table>"), "wide.html", limits)


@pytest.mark.parametrize(
    ("limit", "value", "message"),
    [
        ("MAX_PAGE_BYTES", 1000, "over the 0 MB limit"),
        ("MAX_MARKUP", 100, "more than 100 tags"),
    ],
)
def test_page_limits(monkeypatch: pytest.MonkeyPatch, limit: str, value: int, message: str) -> None:
    monkeypatch.setattr(html_format, limit, value)
    body = "".join(f"<p>第{i}段</p><table><tr><td>a</td><td>b</td></tr></table>" for i in range(60))
    with pytest.raises(IngestError, match=message):
        read_html(_page(body), "big.html")


def test_page_bytes_follow_the_file_limit() -> None:
    with pytest.raises(IngestError, match="over the 0 MB limit"):
        read_html(_page("<p>正文</p>" * 100), "p.html", IngestLimits(max_file_bytes=1000))


# ---------------------------------------------------------------- cell text


@pytest.mark.parametrize(
    ("cell_html", "text"),
    [
        ("项目资金<br />（万元）", "项目资金\n（万元）"),
        (
            "<p>一、产出指标</p><p>(一) 数量指标：</p><p>1. 培训人数 39人次</p>",
            "一、产出指标\n(一) 数量指标：\n1. 培训人数 39人次",
        ),
        ("<div>a</div>b<div>c</div>", "a\nb\nc"),
        ("<ul><li>x</li><li>y</li></ul>", "x\ny"),
        ("&nbsp;&nbsp;&nbsp;其中：财政拨款", "其中：财政拨款"),
        ("  ≥   95%\n  (必填)  ", "≥ 95% (必填)"),
        ("<span>村</span><b>卫生室</b><span style='mso-spacerun:yes'>&nbsp; </span>", "村卫生室"),
        ("x<script>document.write('bad')</script>y<style>td{}</style>", "xy"),
        ("&ge;14人 &amp; &lt;5%", "≥14人 & <5%"),
        ("村\u200b医", "村医"),
        ("<pre>第一行\n第二行</pre>", "第一行\n第二行"),
        ("绩<br />效<br />指<br />标", "绩效指标"),
        ("1<br />2", "1\n2"),
    ],
)
def test_cell_text(cell_html: str, text: str) -> None:
    source = read_html(_page(f"<table><tr><td>名称</td><td>{cell_html}</td></tr></table>"), "t.html")
    assert source.rows()[0].cells[1].text == text


def test_a_cell_of_paragraphs_is_one_text_line() -> None:
    source = read_html(
        _page("<table><tr><td>名称</td><td><p>目标一</p><p>目标二</p></td></tr></table>"), "t.html"
    )
    assert source.text == "名称\t<p>目标一</p> <p>目标二</p>"


# ---------------------------------------------------------------- charsets


_GBK_TEXT = "项目名称：镕钢村卫生室运行补助，指标值≥95%"  # 镕 is in GBK, not GB2312
_UTF8_DAMAGED = ("项目名称村卫生室运行补助" * 20).encode() + b"\xff" + "指标值".encode()


@pytest.mark.parametrize(
    ("data", "encoding", "text", "note"),
    [
        pytest.param(_page(_GBK_TEXT), "utf-8", _GBK_TEXT, None, id="utf-8 without meta"),
        pytest.param(b"\xef\xbb\xbf" + _page(_GBK_TEXT), "utf-8-sig", _GBK_TEXT, None, id="utf-8 with BOM"),
        pytest.param(
            _page(_GBK_TEXT + "䶮", "<meta http-equiv='Content-Type' content='text/html; charset=gb2312'>")
            .decode()
            .encode("gb18030"),
            "gb18030",
            _GBK_TEXT + "䶮",
            None,
            id="gb2312 declared, GBK and GB18030 characters",
        ),
        pytest.param(
            _page(_GBK_TEXT).decode().encode("gbk"), "gb18030", _GBK_TEXT, None, id="gbk without meta"
        ),
        pytest.param(
            _page(_GBK_TEXT, "<meta charset='utf-8'>").decode().encode("gbk"),
            "gb18030",
            _GBK_TEXT,
            "declares charset utf-8 but its bytes are GB18030",
            id="wrong meta: utf-8 declared",
        ),
        pytest.param(
            _page(_GBK_TEXT, "<meta charset='iso-8859-1'>").decode().encode("gbk"),
            "gb18030",
            _GBK_TEXT,
            "declares charset iso-8859-1 but its bytes are GB18030",
            id="wrong meta: latin-1 declared",
        ),
        pytest.param(
            _page(_GBK_TEXT, "<meta charset='gb2312'>"),
            "utf-8",
            _GBK_TEXT,
            None,
            id="wrong meta: bytes are utf-8",
        ),
        pytest.param(
            _page("項目名稱", "<meta charset='big5'>").decode().encode("big5"),
            "big5hkscs",
            "項目名稱",
            None,
            id="big5 declared",
        ),
        pytest.param(
            _page(_GBK_TEXT, "<meta charset='base64'>").decode().encode("gbk"),
            "gb18030",
            _GBK_TEXT,
            "unknown or refused",
            id="a codec that is not a text encoding",
        ),
        pytest.param(
            _UTF8_DAMAGED,
            "utf-8",
            "指标值",
            "1 byte sequence(s) not valid UTF-8",
            id="utf-8 with one bad byte",
        ),
        pytest.param(
            _page(_GBK_TEXT).decode().encode("gbk") + b"\xff\xff",
            "gb18030",
            _GBK_TEXT,
            "not valid GB18030 were replaced",
            id="undecodable bytes replaced",
        ),
        pytest.param(
            "\ufeff".encode("utf-16-le") + _page(_GBK_TEXT).decode().encode("utf-16-le"),
            "utf-16",
            _GBK_TEXT,
            None,
            id="utf-16 with BOM",
        ),
    ],
)
def test_charset(data: bytes, encoding: str, text: str, note: str | None) -> None:
    source = read_html(data, "page.html")
    assert source.encoding == encoding
    assert text in (source.text or "")
    if note is None:
        assert source.notes == []
    else:
        assert any(note in n for n in source.notes), source.notes


def test_declared_charset_from_outside_the_page() -> None:
    # An MHTML part's header names the charset the browser used; the page itself names none.
    assert decode_page(_GBK_TEXT.encode("gbk"), "gbk").text == _GBK_TEXT


# ---------------------------------------------------------------- web archives (MHTML)


def _archive(*parts: tuple[str, str, bytes]) -> bytes:
    """A browser's MHTML: parts of (content type with parameters, transfer encoding, payload)."""
    boundary = "----MultipartBoundary--x1y2z3----"
    out = [
        "From: <Saved by Blink>",
        "Snapshot-Content-Location: http://czj.example.gov.cn/a.html",
        "Subject: =?utf-8?Q?=E7=BB=A9=E6=95=88?=",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/related;\r\n\ttype="text/html";\r\n\tboundary="{boundary}"',
        "",
    ]
    body = "\r\n".join(out).encode() + b"\r\n"
    for content_type, transfer, payload in parts:
        encoded = (
            quopri.encodestring(payload) if transfer == "quoted-printable" else base64.encodebytes(payload)
        )
        body += (
            (
                f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: {transfer}\r\n"
                "Content-Location: http://czj.example.gov.cn/a.html\r\n\r\n"
            ).encode()
            + encoded
            + b"\r\n"
        )
    return body + f"--{boundary}--\r\n".encode()


_FORM = (
    "<p>部门项目支出预算绩效目标表</p><table><tr><td>项目名称</td><td colspan='3'>村级运转</td></tr></table>"
)


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param(
            _archive(("text/html", "quoted-printable", _page(_FORM, "<meta charset='utf-8'>"))),
            "utf-8",
            id="quoted-printable utf-8",
        ),
        pytest.param(
            _archive(
                ('text/html; charset="gb2312"', "base64", _page(_FORM).decode().encode("gbk")),
                ("image/png", "base64", b"\x89PNG\r\n\x1a\n" + bytes(64)),
            ),
            "gb18030",
            id="base64 gb2312 with an image part",
        ),
    ],
)
def test_web_archive(data: bytes, encoding: str) -> None:
    assert sniff(data) is Format.HTML
    source = read_source(data, "page.mhtml")
    assert source.encoding == encoding
    assert [r.cells for r in source.rows()] == [
        (C("部门项目支出预算绩效目标表"),),
        (C("项目名称"), C("村级运转", 3)),
    ]


def test_excel_web_archive_reads_every_sheet() -> None:
    frameset = _page("", "<meta name=ProgId content=Excel.Sheet>").replace(
        b"<body></body>", b"<frameset></frameset>"
    )
    sheet = "<table><tr><td>单位名称</td><td>项目名称</td></tr><tr><td>{}</td><td>运转</td></tr></table>"
    data = _archive(
        ("text/html", "quoted-printable", frameset),
        ('text/html; charset="utf-8"', "quoted-printable", _page(sheet.format("甲镇"))),
        ('text/html; charset="utf-8"', "base64", _page(sheet.format("乙镇"))),
    )
    source = read_html(data, "workbook.mht")
    assert [t.name for t in source.tables] == ["table 1", "table 2"]
    assert [r.texts()[0] for r in source.rows()] == ["单位名称", "甲镇", "单位名称", "乙镇"]


def test_archive_without_a_page() -> None:
    data = _archive(("image/png", "base64", bytes(16)))
    with pytest.raises(IngestError, match="no HTML page"):
        read_html(data, "empty.mhtml")


# ---------------------------------------------------------------- the stream: prose, tables, chrome


def _stream(source: Source) -> list[tuple[str, list[str]]]:
    return [(t.name, [" | ".join(r.texts()) for r in t.rows]) for t in source.tables]


@pytest.mark.parametrize(
    ("body", "stream"),
    [
        pytest.param(
            "<h2>一、甲项目</h2><table><tr><td>项目名称</td><td>甲</td></tr></table><p>说明</p>"
            "<h2>二、乙项目</h2><table><tr><td>项目名称</td><td>乙</td></tr></table><p>以上为准。</p>",
            [
                ("text 1", ["一、甲项目"]),
                ("table 1", ["项目名称 | 甲"]),
                ("text 2", ["说明", "二、乙项目"]),
                ("table 2", ["项目名称 | 乙"]),
                ("text 3", ["以上为准。"]),
            ],
            id="prose before, between and after tables, in page order",
        ),
        pytest.param(
            "<table width='960'><tr><td><a href='/'>首页</a> | <a href='/zw'>政务公开</a></td></tr>"
            "<tr><td><h3>甲项目</h3><table><tr><td>项目名称</td><td>甲</td></tr></table><p>完</p></td></tr>"
            "<tr><td>主办：某县政府</td></tr></table>",
            [("text 1", ["甲项目"]), ("table 1", ["项目名称 | 甲"]), ("text 2", ["完", "主办：某县政府"])],
            id="a layout table around a content table: the inner table is the table",
        ),
        pytest.param(
            "<table><tr><td>项目名称</td><td>甲</td></tr>"
            "<tr><td>绩效指标</td><td><table><tr><td>产出指标</td><td>9个</td></tr></table></td></tr>"
            "<tr><td>备注</td><td>无</td></tr></table>",
            [
                ("table 1", ["项目名称 | 甲"]),
                ("text 1", ["绩效指标"]),
                ("table 2", ["产出指标 | 9个"]),
                ("table 3", ["备注 | 无"]),
            ],
            id="a form with a table in one row: rows around it stay rows",
        ),
        pytest.param(
            "<table><tr><td><p>项目名称：甲</p><p>金额：5万元</p></td></tr></table>",
            [("text 1", ["项目名称：甲", "金额：5万元"])],
            id="a one-column table is a box around prose",
        ),
        pytest.param(
            "<table><caption>表1 绩效目标</caption><tr><td>一级指标</td><td>指标值</td></tr></table>",
            [("text 1", ["表1 绩效目标"]), ("table 1", ["一级指标 | 指标值"])],
            id="a caption is the line before its table",
        ),
        pytest.param(
            "<table class='x'><tr><td><a href='/'>首页</a></td><td><a href='/z'>政务</a></td></tr></table>"
            "<table style='display:none'><tr><td>隐藏</td><td>表</td></tr></table>"
            "<table><tr><td><a href='/p/1'>甲项目</a></td><td>5万元</td></tr></table>",
            [("table 1", ["甲项目 | 5万元"])],
            id="a menu bar table and a hidden table are chrome, a table with a linked name is not",
        ),
        pytest.param(
            "<div class='footer'><p>说明</p><table><tr><td>项目名称</td><td>甲</td></tr></table></div>",
            [("text 1", ["说明"]), ("table 1", ["项目名称 | 甲"])],
            id="chrome holding a table is kept",
        ),
    ],
)
def test_stream_in_page_order(body: str, stream: list[tuple[str, list[str]]]) -> None:
    assert _stream(read_html(_page(body), "p.html")) == stream


@pytest.mark.parametrize(
    ("body", "lines"),
    [
        pytest.param("<nav><a href='/'>首页</a></nav><p>正文</p>", ["正文"], id="nav"),
        pytest.param("<div class='nav-main'>导航 栏目</div><p>正文</p>", ["正文"], id="class nav-*"),
        pytest.param("<div id='footer'>主办：某县政府</div><p>正文</p>", ["正文"], id="id footer"),
        pytest.param("<div class='content-top'>正文</div>", ["正文"], id="a chrome word later in a class"),
        pytest.param(
            "<header><a href='/'>首页</a></header><footer>版权所有</footer><p>正文</p>",
            ["正文"],
            id="page header and footer",
        ),
        pytest.param(
            "<article><header><h1>甲项目绩效目标</h1></header><p>正文</p></article>",
            ["甲项目绩效目标", "正文"],
            id="an article's header is content",
        ),
        pytest.param(
            "<p><a href='/'>首页</a> | <a href='/a'>政务公开</a> &gt; <a>财政</a></p><p>正文</p>",
            ["正文"],
            id="a line of links",
        ),
        pytest.param(
            "<p>附件：<a href='/a.xlsx'>绩效目标表.xlsx</a></p>",
            ["附件：绩效目标表.xlsx"],
            id="a link with words around it",
        ),
        pytest.param(
            "<p>当前位置：首页 &gt; 政务公开</p><p>正文</p>", ["正文"], id="breadcrumb by its words"
        ),
        pytest.param(
            "<p style='display: none'>隐藏</p><p hidden>也隐藏</p><p>正文</p>", ["正文"], id="hidden"
        ),
        pytest.param(
            "<script>var a = '<p>x</p>';</script><noscript>请启用</noscript><template><p>t</p></template>"
            "<p>正文</p>",
            ["正文"],
            id="script noscript template",
        ),
    ],
)
def test_chrome_is_dropped(body: str, lines: list[str]) -> None:
    source = read_html(_page(body), "p.html")
    assert [r.texts()[0] for r in source.rows() if r.where.startswith("text ")] == lines


def test_lines_are_unique_increasing_and_match_the_text() -> None:
    source = read_source((LAYOUTS / "33_html_two_projects_prose.html").read_bytes(), "33.html")
    rows = source.rows()
    assert [r.line for r in rows] == list(range(1, len(rows) + 1))
    text_lines = (source.text or "").split("\n")
    assert len(text_lines) == len(rows)
    assert all(line.split("\t")[0] == (r.columns()[0]) for line, r in zip(text_lines, rows, strict=True))
    assert [t.name for t in source.tables] == ["text 1", "table 1", "text 2", "table 2", "text 3"]
    assert (rows[0].where, rows[7].where, rows[15].where) == (
        "text 1 line 1",
        "table 1 row 1",
        "text 2 line 1",
    )
    assert source.describe() == "a web page with 2 table(s)"


def test_a_page_without_a_table() -> None:
    source = read_html(_page("<h1>关于公开2024年绩效目标的说明</h1><p>详见附件。</p>"), "p.html")
    assert _stream(source) == [("text 1", ["关于公开2024年绩效目标的说明", "详见附件。"])]
    assert source.describe() == "a web page with no table and 2 line(s) of text"


@pytest.mark.parametrize(
    ("data", "text"),
    [
        pytest.param(b"<html><!-- nothing --></html>", "", id="comments only"),
        pytest.param(b"<!DOCTYPE html>   ", "", id="doctype only"),
        pytest.param(
            b"<p>x</p>" + b"<div>" * 100_000 + "深处".encode() + b"</div>" * 100_000, "x", id="deep"
        ),
        pytest.param(
            b'<!DOCTYPE html [<!ENTITY e SYSTEM "file:///etc/passwd"><!ENTITY b "bbbbbbbbbb">]>'
            b"<html><body><p>&e;&b;</p></body></html>",
            "&e;&b;",
            id="entities are not expanded",
        ),
        pytest.param(
            b"<html><body><p>a\x00b\x01c</p><table><tr><td>x\x00</td><td>y</td></tr></table>",
            "abc\nx\ty",
            id="NUL and control bytes dropped",
        ),
        pytest.param(b"<table><tr><td>x<td>y" * 5000, "x\ny", id="unclosed nesting"),
    ],
)
def test_hostile_pages_do_not_crash(data: bytes, text: str) -> None:
    source = read_html(data, "p.html")
    assert (source.text or "").startswith(text)
    assert "root:" not in (source.text or "") and "bbbbbbbbbb" not in (source.text or "")


def test_nesting_past_the_parser_limit_is_reported() -> None:
    # libxml2 (without huge_tree) stops at 255 levels: what came before is kept, the cut said.
    data = "<html><body><p>前言</p>".encode() + b"<div>" * 300 + "深处".encode() + b"</div>" * 300
    source = read_html(data, "p.html")
    assert source.text == "前言" and len(source.notes) == 1
    assert "deeper than 255 levels" in source.notes[0]
    with pytest.raises(IngestError, match="before any text"):
        read_html(b"<html><body>" + b"<div>" * 300 + "深处".encode(), "p.html")


def test_nesting_within_the_parser_limit_is_read() -> None:
    data = b"<html><body>" + b"<div><span>" * 120 + "深处".encode() + b"</span></div>" * 120
    assert read_html(data, "p.html").text == "深处"


# ---------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"<!DOCTYPE html><html></html>", Format.HTML),
        (b"\xef\xbb\xbf<html xmlns:o='urn:schemas-microsoft-com:office:office'>", Format.HTML),
        (b"\r\n  <TABLE border=1><tr><td>a</td></tr></TABLE>", Format.HTML),
        (b"<meta http-equiv='Content-Type' content='text/html; charset=gb2312'><table>", Format.HTML),
        (
            b'<?xml version="1.0" encoding="gb2312"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN">',
            Format.HTML,
        ),
        (b"<!-- saved from url=(0030)http://czj.example.gov.cn/ -->\n<html>", Format.HTML),
        ("\ufeff<html><body>".encode("utf-16-le"), Format.HTML),
        (
            b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\tb=x",
            Format.HTML,
        ),
        ("项目名称\t<p>一、产出指标</p>".encode(), Format.TEXT),
        (b"<p>not a page, a paragraph of a text table</p>", Format.TEXT),
        (b"<tablexyz>", Format.TEXT),
        (b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello", Format.TEXT),
    ],
)
def test_sniffed_from_bytes(data: bytes, kind: Format) -> None:
    assert sniff(data) is kind


def test_excel_html_named_xls_is_a_page() -> None:
    source = read_source((LAYOUTS / "32_html_xls_flat_export.xls").read_bytes(), "32.xls")
    assert (source.format, source.encoding) == (Format.HTML, "utf-8-sig")


# ---------------------------------------------------------------- the mocks against their gold


@pytest.mark.parametrize(
    "name",
    ["31_html_form_rowspan_gb18030.html", "32_html_xls_flat_export.xls", "33_html_two_projects_prose.html"],
)
def test_every_gold_indicator_is_one_row_with_its_levels(name: str) -> None:
    """The grid holds what the gold tree needs: each indicator's name, value (or the sign,
    number and unit cells that make it) and its levels as written, on one row; the project's
    name and unit somewhere in the stream."""
    gold = json.loads((LAYOUTS / name).with_suffix(".gold.json").read_text(encoding="utf-8"))
    source = read_source((LAYOUTS / name).read_bytes(), name)
    assert source.encoding == gold["encoding"]
    rows = [[c.text for c in row.cells] for row in source.rows()]
    for project in gold["projects"]:
        assert project["name"] in (source.text or "") and project["unit"] in (source.text or "")
        for indicator in project["indicators"]:
            row = next(r for r in rows if indicator["name"] in r)
            after = row[row.index(indicator["name"]) + 1 :]
            assert indicator["value"] in after or indicator["value"] == "".join(after[:3]), (row, indicator)
            assert indicator["level1_as_written"] in row and indicator["level2_as_written"] in row
