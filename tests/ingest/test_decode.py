"""Encodings people's files arrive in, and the inputs that must be refused."""

from __future__ import annotations

import pytest

from ingest.decode import IngestError, decode

SAMPLE_LINE = "部门项目支出预算绩效目标表\n\t项目名称\n\t城乡社区运转经费\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SAMPLE_LINE.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SAMPLE_LINE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE_LINE.encode("gbk"), "gb18030"),
        (SAMPLE_LINE.encode("gb18030"), "gb18030"),
        (SAMPLE_LINE.replace("\n", "\r\n").encode("utf-8"), "utf-8"),
    ],
)
def test_text_is_decoded(data: bytes, encoding: str) -> None:
    decoded = decode(data)
    assert decoded.encoding == encoding
    assert decoded.text == SAMPLE_LINE


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "empty file"),
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)), "binary file"),
        (bytes([0x89]) + b"PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (bytes(range(1, 32)) * 20 + "项目".encode(), "binary or garbled"),
        (b"\x81\x30\xff\xfe" * 50, "undecodable text"),
        (("项目名称" + "\ufffd" * 40).encode("utf-8"), "garbled text"),
        (b"\xef\xbb\xbf" + "项目".encode() + b"\xff\xfe\x81" * 5 + "名称".encode(), "a UTF-8 mark, then"),
    ],
)
def test_bad_bytes_are_refused(data: bytes, problem: str) -> None:
    with pytest.raises(IngestError, match=problem):
        decode(data)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_file_cut_mid_character_keeps_what_came_before(bom: bytes) -> None:
    """A copy that stopped short is a cut table: its complete rows are read and the report says so."""
    decoded = decode(bom + "项目名称\t城乡社区运转经费".encode()[:-1])
    assert decoded.text == "项目名称\t城乡社区运转经"
    assert decoded.notes and "middle of a character" in decoded.notes[0]
