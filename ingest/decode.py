"""Turn a file's bytes into text, or say clearly why not.

Source files arrive as UTF-8, UTF-8 with a BOM, or GB18030/GBK (Windows tools in China
default to it), and now and then as UTF-16 with a BOM (Excel's "Unicode text"). Anything
else, or a binary file, is refused with an `IngestError` rather than read as mojibake, which
would then be stored as if it were data.
"""

from __future__ import annotations

from dataclasses import dataclass


class IngestError(Exception):
    """A document that cannot be ingested; the message names the problem in one line."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    notes: tuple[str, ...] = ()  # what decoding adjusted, for the report


# Printable-text heuristics: a real table has no NULs and almost no C0 control characters.
_CONTROL_OK = {"\t", "\n", "\r", "\f"}
_MAX_CONTROL_SHARE = 0.01
_MAX_REPLACEMENT_SHARE = 0.001


def decode(data: bytes) -> DecodedText:
    if not data.strip():
        raise IngestError("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode text" (Unicode 文本) saves tab-separated UTF-16 with a BOM.
        try:
            return _checked(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            raise IngestError("undecodable text: a UTF-16 mark, then bytes that are not UTF-16") from None
    if b"\x00" in data[:8192]:
        raise IngestError("binary file (contains NUL bytes), not a text table")
    bom = data.startswith(b"\xef\xbb\xbf")
    body, encoding = (data[3:], "utf-8-sig") if bom else (data, "utf-8")
    try:
        return _checked(body.decode("utf-8", errors="strict"), encoding)
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and _is_utf8(body[: exc.start]):
            # Valid UTF-8 up to a character cut in half at the very end: a copy that stopped short.
            # What came before is read (a cut table keeps its complete rows), and the report says so.
            cut = "the file ends in the middle of a character (cut short?); the last bytes were dropped"
            decoded = _checked(body[: exc.start].decode("utf-8"), encoding)
            return DecodedText(decoded.text, decoded.encoding, (cut,))
        if bom:
            raise IngestError(
                f"undecodable text: a UTF-8 mark, then bytes that are not UTF-8 (at offset {exc.start + 3})"
            ) from None
    try:
        # GB18030 is a superset of GBK and GB2312, so one attempt covers all three.
        return _checked(data.decode("gb18030", errors="strict"), "gb18030")
    except UnicodeDecodeError as exc:
        raise IngestError(
            f"undecodable text: neither UTF-8 nor GB18030 (bad byte at offset {exc.start})"
        ) from None


def _checked(text: str, encoding: str) -> DecodedText:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in _CONTROL_OK)
    if controls > max(2, len(text) * _MAX_CONTROL_SHARE):
        raise IngestError(f"binary or garbled file: {controls} control characters in {len(text)}")
    replacements = text.count("\ufffd")
    if replacements > max(2, len(text) * _MAX_REPLACEMENT_SHARE):
        raise IngestError(f"garbled text: {replacements} replacement characters (U+FFFD)")
    return DecodedText(text=text.replace("\r\n", "\n").replace("\r", "\n"), encoding=encoding)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True
