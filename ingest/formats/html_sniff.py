"""Is it a web page? From the first bytes, never the name: budget systems export HTML as `.xls`,
and a saved page may be called anything.

A page starts, after a BOM, whitespace, an XML declaration or comments, with `<!DOCTYPE html`,
`<html`, `<head`, `<body`, `<meta`, `<title` or `<table` (an Office export may begin with the
table itself). A web archive (MHTML, `.mht`/`.mhtml`) starts with a MIME header block.
"""

from __future__ import annotations

import re

_HEAD_BYTES = 8192
_PREAMBLE = re.compile(rb"(?:\s+|<\?xml[^>]{0,300}\?>|<!--.{0,4000}?-->)*", re.S)
_FIRST_TAG = re.compile(rb"<(?:!doctype\s+html|html|head|body|meta|title|table)[\s>/]", re.I)
_MIME_VERSION = re.compile(rb"^mime-version\s*:", re.I | re.M)
_MIME_PAGE = re.compile(rb"^content-type\s*:\s*(?:multipart/related|text/html)", re.I | re.M)


def looks_like_html(data: bytes) -> bool:
    head = _ascii_head(data)
    start = _PREAMBLE.match(head)
    return bool(_FIRST_TAG.match(head, start.end() if start else 0)) or is_archive(data)


def is_archive(data: bytes) -> bool:
    """MHTML: MIME headers (Chrome: `From: <Saved by Blink>` … `MIME-Version: 1.0` …
    `Content-Type: multipart/related`) before the first blank line."""
    headers = re.split(rb"\r?\n\r?\n", _ascii_head(data), maxsplit=1)[0]
    return bool(_MIME_VERSION.search(headers) and _MIME_PAGE.search(headers))


def _ascii_head(data: bytes) -> bytes:
    """The first bytes in an ASCII-compatible form (a UTF-16 page re-encoded), without a BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data[: 2 * _HEAD_BYTES].decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    return data[:_HEAD_BYTES].removeprefix(b"\xef\xbb\xbf")
